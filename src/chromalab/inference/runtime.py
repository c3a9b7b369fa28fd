"""How the network of a colorizer is run: PyTorch or ONNX Runtime.

A runner is a callable ``runner(l_norm) -> ab_norm`` (``(B, 1, h, w)`` network L in [-1, 1] → ``(B, 2, h, w)``
network ab in [-1, 1], torch tensors in and out). Everything around the network (working copy, flip
averaging, chroma scale, guided upsampling, gamut fitting) is ``Colorizer``'s, the same for every runtime:
the runtime choice lives here and nowhere else.

ONNX Runtime runs the ``model.onnx`` that ``chromalab export`` writes beside the weights. It is the default
for such models when ``onnxruntime`` is installed: on CPU it is several times faster than eager PyTorch (it
folds batch norm into the convolutions and fuses the activations), and it needs neither the torch model
nor its weights file to be read.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from chromalab.models.io import ONNX_NAME

TORCH = "torch"
ONNX = "onnx"
AUTO = "auto"
RUNTIMES = (AUTO, TORCH, ONNX)


def onnxruntime_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def choose_runtime(requested: str | None, model_dir: Path, *, exportable: bool = True, device: str = "cpu",
                   default_weights: bool = True) -> str:
    """``torch`` or ``onnx`` for a model folder.

    ``auto`` (or None) picks ONNX Runtime when the folder has ``model.onnx``, ``onnxruntime`` is installed, the
    model is a plain L → ab network (``exportable``), it runs on the CPU and its default weights are used
    (``model.onnx`` is exported from those); otherwise PyTorch. ``onnx`` raises ``ValueError`` saying what
    is missing."""
    requested = requested or AUTO
    if requested not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {requested!r}")
    if requested == TORCH:
        return TORCH
    onnx_file = Path(model_dir) / ONNX_NAME
    why = None
    if not exportable:
        why = "this model takes a reference photo; only plain L → ab networks run on ONNX Runtime"
    elif not onnx_file.is_file():
        why = f"{model_dir} has no {ONNX_NAME} (re-export it with `chromalab export`)"
    elif not default_weights:
        why = f"{ONNX_NAME} holds the default weights only"
    elif device != "cpu":
        why = "ONNX Runtime is used on the CPU only"
    elif not onnxruntime_available():
        why = "onnxruntime is not installed (pip install onnxruntime)"
    if why is None:
        return ONNX
    if requested == ONNX:
        raise ValueError(f"--runtime onnx: {why}")
    return TORCH


class TorchRunner:
    """The network run by PyTorch (any device)."""

    runtime = TORCH

    def __init__(self, model: nn.Module):
        self.model = model

    def __call__(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.model(l_norm)


class OnnxRunner:
    """The network run by ONNX Runtime from a ``model.onnx`` (CPU).

    ``threads``: intra-op threads (default: ONNX Runtime's, one per physical core); full graph optimisation
    (batch norm folded into convolutions, activations fused); no spinning between runs."""

    runtime = ONNX

    def __init__(self, path: str | os.PathLike, threads: int | None = None):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        # no busy-waiting after a run: the pipeline's torch steps need the same cores right away
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, l_norm: torch.Tensor) -> torch.Tensor:
        x = np.ascontiguousarray(l_norm.detach().cpu().float().numpy())
        return torch.from_numpy(self.session.run(None, {self.input_name: x})[0])
