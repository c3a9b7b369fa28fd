"""``--model auto``: send each photo to a portrait or a landscape model, when both are installed.

Installed models (``chromalab.inference.store``) named ``portrait``, ``landscape`` and ``router``. The
decision, in order of preference:

1. a ``router`` model: a logistic classifier on the pooled features of the ImageNet-pretrained
   EfficientNet-Lite0 encoder (``chromalab.models.router``), fitted with ``chromalab.training.router``;
2. the face detector of ``chromalab.data.faces``: a face whose box side is at least ``FACE_MIN_FRACTION``
   of the photo's shorter side makes it a portrait.

``AutoColorizer`` holds the two colorizers (composition) and forwards each photo to one of them;
``load_colorizer("auto")`` builds it, or falls back on the default model when it cannot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from chromalab.core import lab
from chromalab.data.faces import largest_face_fraction
from chromalab.inference.base import BaseColorizer
from chromalab.inference.store import ROUTER, ROUTES  # noqa: F401 - re-exported: auto's names live in store
from chromalab.models.router import router_input

FACE_MIN_FRACTION = 0.12


class AutoColorizer(BaseColorizer):
    """Colorizes each photo with the ``portrait`` or the ``landscape`` colorizer, as ``route(L)`` decides."""

    def __init__(self, portrait: BaseColorizer, landscape: BaseColorizer, router: nn.Module | None = None,
                 cascade: Path | None = None):
        if router is None and cascade is None:
            raise ValueError("auto routing needs a router model or a face detector")
        super().__init__(landscape.model, landscape.settings, landscape.meta, landscape.device, name="auto",
                         runner=landscape.runner)
        self.routes = {"portrait": portrait, "landscape": landscape}
        self.router = router
        self.cascade = cascade

    @torch.inference_mode()
    def route(self, L: torch.Tensor) -> str:
        """``portrait`` or ``landscape`` for L ``(1, 1, H, W)`` in [0, 100]."""
        L = L.cpu().float()
        if self.router is not None:
            return "portrait" if float(self.router(router_input(L))[0]) > 0 else "landscape"
        grey = lab.tensor_to_image(lab.grey_rgb(L))[..., 0]
        return "portrait" if largest_face_fraction(grey, self.cascade) >= FACE_MIN_FRACTION else "landscape"

    def with_settings(self, **changes: Any) -> BaseColorizer:
        """A copy whose portrait and landscape colorizers have the settings changed too."""
        new = super().with_settings(**changes)
        new.routes = {k: c.with_settings(**changes) for k, c in self.routes.items()}
        return new

    def predict(self, L: np.ndarray, reference: Any = None) -> np.ndarray:
        """The routed colorizer's ``predict`` (a batch of video frames goes where its first frame goes)."""
        route = self.route(torch.from_numpy(np.ascontiguousarray(L[:1], np.float32)))
        return self.routes[route].predict(L, reference)

    def _colorize_lightness(self, L: np.ndarray, reference: Any = None, saturation: float = 1.0,
                           vibrance: float = 0.0, as_uint8: bool = False) -> np.ndarray:
        route = self.route(torch.from_numpy(np.ascontiguousarray(L))[None, None])
        return self.routes[route]._colorize_lightness(L, reference, saturation, vibrance, as_uint8)
