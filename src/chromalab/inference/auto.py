"""``--model auto``: send each photo to a portrait or a landscape model, when both are installed.

Installed models are folders (``config.json`` + ``model.safetensors``) named ``portrait``, ``landscape`` and
``router`` in the directories of ``$CHROMALAB_MODELS`` (``os.pathsep``-separated) or in the package's
``weights/``. The decision, in order of preference:

1. a ``router`` model: a logistic classifier on the pooled features of the ImageNet-pretrained
   EfficientNet-Lite0 encoder (``PortraitRouter``), fitted with ``fit_router`` on example photos;
2. a face detector: OpenCV's Haar cascade ``haarcascade_frontalface_default.xml`` when the installed
   OpenCV ships it (``cv2.data.haarcascades``) or ``$CHROMALAB_FACE_CASCADE`` names one; a face whose box
   side is at least ``FACE_MIN_FRACTION`` of the photo's shorter side makes it a portrait.

Without both colour models, or without any way to decide, ``auto`` is the default model.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from chromalab.core import lab
from chromalab.inference.colorizer import DEFAULT_MODEL, PACKAGE_MODELS, Colorizer
from chromalab.models.io import load_model, save_model
from chromalab.models.registry import config_type

ROUTES = ("portrait", "landscape")
ROUTER = "router"
FACE_MIN_FRACTION = 0.12
ROUTER_SIZE = 224  # the router sees the photo scaled so its longer side is this


def model_dirs() -> list[Path]:
    """Where installed models are looked up: ``$CHROMALAB_MODELS`` first, then the package's ``weights/``."""
    env = os.environ.get("CHROMALAB_MODELS", "")
    return [Path(p) for p in env.split(os.pathsep) if p] + [PACKAGE_MODELS]


def find_model(name: str) -> Path | None:
    """The first installed model folder called ``name`` (holding config.json), or None."""
    for d in model_dirs():
        if (d / name / "config.json").is_file():
            return d / name
    return None


# ---------------------------------------------------------------------------------------------- faces


def haar_cascade_path() -> Path | None:
    """OpenCV's frontal-face Haar cascade, if this installation has one."""
    env = os.environ.get("CHROMALAB_FACE_CASCADE")
    if env:
        return Path(env) if Path(env).is_file() else None
    try:
        import cv2
    except ImportError:
        return None
    base = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if not base:
        return None
    path = Path(base) / "haarcascade_frontalface_default.xml"
    return path if path.is_file() else None


def largest_face_fraction(L: torch.Tensor, cascade: Path) -> float:
    """Side of the largest detected face over the shorter side of the photo (0 if none).

    ``L``: ``(1, 1, H, W)`` in [0, 100]; detection runs on a ≤512-px grey copy.
    """
    import cv2

    h, w = L.shape[-2:]
    scale = min(1.0, 512 / max(h, w))
    if scale < 1:
        L = F.interpolate(L, size=(max(1, round(h * scale)), max(1, round(w * scale))), mode="area")
    grey = lab.lab_to_rgb(torch.cat([L, torch.zeros_like(L), torch.zeros_like(L)], 1))[0, 0]
    img = (grey.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    detector = cv2.CascadeClassifier(str(cascade))
    short = min(img.shape)
    faces = detector.detectMultiScale(img, scaleFactor=1.1, minNeighbors=5,
                                      minSize=(max(12, short // 20), max(12, short // 20)))
    if len(faces) == 0:
        return 0.0
    return float(max(min(fw, fh) for (_, _, fw, fh) in np.asarray(faces))) / short


# --------------------------------------------------------------------------------------------- router


@config_type
@dataclass(frozen=True)
class PortraitRouterConfig:
    """Logistic classifier (portrait vs landscape) on mean-pooled Lite0 encoder features (/16 and /32)."""

    family: ClassVar[str] = "router"
    pretrained: bool = True

    def build(self) -> nn.Module:
        return PortraitRouter(self)


class PortraitRouter(nn.Module):
    """``l_norm (B, 1, H, W)`` in [-1, 1] → portrait logit ``(B,)``. The encoder stays frozen."""

    def __init__(self, cfg: PortraitRouterConfig):
        super().__init__()
        from chromalab.models.effnet_unet import SKIP_CHANNELS, STRIDE, Lite0Encoder

        self.cfg = cfg
        self.stride = STRIDE
        self.encoder = Lite0Encoder(cfg.pretrained).eval().requires_grad_(False)
        dim = SKIP_CHANNELS[-1] + SKIP_CHANNELS[-2]
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        self.linear = nn.Linear(dim, 1)

    @torch.no_grad()
    def features(self, l_norm: torch.Tensor) -> torch.Tensor:
        """Standardised pooled features ``(B, 432)``."""
        from chromalab.models.blocks import pad_to_multiple
        from chromalab.models.effnet_unet import l_to_encoder_input

        self.encoder.eval()
        x, _ = pad_to_multiple(l_norm, self.stride)
        feats = self.encoder(l_to_encoder_input(x))
        pooled = torch.cat([feats[-1].mean((2, 3)), feats[-2].mean((2, 3))], 1)
        return (pooled - self.mean) / self.std

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.linear(self.features(l_norm))[:, 0]


def router_input(L: torch.Tensor, size: int = ROUTER_SIZE) -> torch.Tensor:
    """``(1, 1, H, W)`` L in [0, 100] → network L at longer side ``size``."""
    h, w = L.shape[-2:]
    s = size / max(h, w)
    L = F.interpolate(L, size=(max(8, round(h * s)), max(8, round(w * s))), mode="area" if s < 1 else "bilinear")
    return lab.normalize_l(L)


def fit_router(portraits: Sequence[np.ndarray], landscapes: Sequence[np.ndarray], out: str | os.PathLike,
               pretrained: bool = True, weight_decay: float = 1e-2, steps: int = 200) -> Path:
    """Fit a ``PortraitRouter`` on example photos (``(H, W, 3)`` float RGB in [0, 1]) and save it to ``out``.

    Logistic regression (full-batch L-BFGS) on standardised features of the frozen encoder.
    """
    cfg = PortraitRouterConfig(pretrained=pretrained)
    router = cfg.build()
    feats, labels = [], []
    for label, photos in ((1.0, portraits), (0.0, landscapes)):
        for rgb in photos:
            L = lab.grey_l(lab.image_to_tensor(rgb))
            feats.append(router.features(router_input(L)))
            labels.append(label)
    if not portraits or not landscapes:
        raise ValueError("fitting a router needs portrait and landscape examples")
    x = torch.cat(feats)
    y = torch.tensor(labels)
    router.mean.copy_(x.mean(0))
    router.std.copy_(x.std(0).clamp_min(1e-4) if len(x) > 1 else torch.ones(x.shape[1]))
    x = (x - router.mean) / router.std
    opt = torch.optim.LBFGS(router.linear.parameters(), lr=0.5, max_iter=steps)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(router.linear(x)[:, 0], y)
        loss = loss + weight_decay * router.linear.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return save_model(router, cfg, out, extra={"router": {"portraits": len(portraits),
                                                          "landscapes": len(landscapes)}},
                      dtype=torch.float16)


# ----------------------------------------------------------------------------------------- colorizer


class AutoColorizer(Colorizer):
    """Colorizes each photo with the ``portrait`` or the ``landscape`` model, as ``route(L)`` decides."""

    def __init__(self, portrait: Colorizer, landscape: Colorizer, router: nn.Module | None = None,
                 cascade: Path | None = None):
        if router is None and cascade is None:
            raise ValueError("auto routing needs a router model or a face detector")
        self.routes = {"portrait": portrait, "landscape": landscape}
        self.router = router
        self.cascade = cascade
        self.model = landscape.model
        self.meta = landscape.meta
        self.device = landscape.device
        self.work_size = landscape.work_size
        self.name = "auto"

    @torch.inference_mode()
    def route(self, L: torch.Tensor) -> str:
        """``portrait`` or ``landscape`` for L ``(1, 1, H, W)`` in [0, 100]."""
        if self.router is not None:
            return "portrait" if float(self.router(router_input(L.cpu().float()))[0]) > 0 else "landscape"
        return "portrait" if largest_face_fraction(L.cpu().float(), self.cascade) >= FACE_MIN_FRACTION \
            else "landscape"

    def predict_ab(self, L: torch.Tensor) -> torch.Tensor:
        return self.routes[self.route(L)].predict_ab(L)

    def colorize_l(self, L: torch.Tensor) -> torch.Tensor:
        return self.routes[self.route(L)].colorize_l(L)


def load_auto(device: str | None = None, work_size: int | None = None) -> Colorizer:
    """``AutoColorizer`` if portrait and landscape models (and a router or a face detector) are installed;
    otherwise the default model, with a one-line notice saying why."""
    found = {name: find_model(name) for name in (*ROUTES, ROUTER)}
    cascade = haar_cascade_path()
    why = None
    if found["portrait"] is None or found["landscape"] is None:
        why = "no portrait and landscape models installed"
    elif found[ROUTER] is None and cascade is None:
        why = "no router model and no OpenCV face cascade to choose between them"
    if why:
        print(f"note: --model auto: {why}; using the default model", file=sys.stderr)
        return Colorizer.load(find_model(DEFAULT_MODEL) or DEFAULT_MODEL, device=device, work_size=work_size)
    cols = {r: Colorizer.load(found[r], device=device, work_size=work_size) for r in ROUTES}
    router = load_model(found[ROUTER])[0] if found[ROUTER] is not None else None
    return AutoColorizer(cols["portrait"], cols["landscape"], router=router, cascade=cascade)
