"""``Colorizer``: grey photo in, colour photo out, at the photo's full resolution.

The network sees a working-size copy of L; its ab is upsampled with the guided filter, steered by the
full-resolution L, and recombined with exactly the original L (chroma shrunk where it would leave the
sRGB gamut, so L is kept).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from chromalab.core import lab
from chromalab.core.imageio import DEFAULT_MAX_PIXELS, load_rgb
from chromalab.models.io import load_model
from chromalab.ops.upsample import guided_upsample

PACKAGE_MODELS = Path(__file__).parent.parent / "weights"
DEFAULT_MODEL = "default"
DEFAULT_WORK_SIZE = 512


def shipped_models() -> list[str]:
    """Names of the models that ship inside the package (folders with a config.json)."""
    if not PACKAGE_MODELS.is_dir():
        return []
    return sorted(p.name for p in PACKAGE_MODELS.iterdir() if (p / "config.json").is_file())


def resolve_model_dir(model: str | os.PathLike | None) -> Path:
    """A shipped model name (``default``), or a run / model folder holding config.json + model.safetensors."""
    name = str(model) if model is not None else DEFAULT_MODEL
    if name in shipped_models():
        return PACKAGE_MODELS / name
    p = Path(name)
    if p.is_dir():
        return p
    known = ", ".join(shipped_models()) or "none"
    raise FileNotFoundError(f"model {name!r} is neither a shipped model ({known}) nor a run folder")


class Colorizer:
    """Colorizes photos with one trained model.

    ``Colorizer.load()`` gives the shipped default; ``Colorizer.load("runs/ae1")`` a trained run.
    """

    def __init__(self, model: nn.Module, meta: dict[str, Any] | None = None, work_size: int | None = None,
                 device: str | torch.device = "cpu", name: str = "model"):
        self.model = model.to(device).eval()
        self.meta = meta or {}
        self.device = torch.device(device)
        self.name = name
        self.work_size = work_size or int(self.meta.get("inference", {}).get("work_size", DEFAULT_WORK_SIZE))

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str | None = None,
             work_size: int | None = None, weights: str = "model.safetensors") -> Colorizer:
        """Load a shipped model by name or a run folder (``config.json`` + safetensors; never unpickles).

        ``"auto"`` routes each photo to an installed portrait or landscape model (``chromalab.inference.auto``).
        """
        if str(model) == "auto":
            from chromalab.inference.auto import load_auto
            return load_auto(device=device, work_size=work_size)
        path = resolve_model_dir(model)
        net, meta = load_model(path, weights=weights)
        dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if cls is Colorizer and getattr(getattr(net, "cfg", None), "family", None) == "reference":
            from chromalab.inference.reference import ReferenceColorizer  # takes a reference photo too
            cls = ReferenceColorizer
        name = str(model or DEFAULT_MODEL) if path.parent == PACKAGE_MODELS else path.resolve().name
        return cls(net, meta, work_size=work_size, device=dev, name=name)

    @torch.inference_mode()
    def predict_ab(self, L: torch.Tensor) -> torch.Tensor:
        """ab ``(B, 2, h, w)`` in Lab units for L ``(B, 1, h, w)`` in [0, 100] at working size."""
        out = self.model(lab.normalize_l(L.to(self.device)))
        return lab.denormalize_ab(out.float()).cpu()

    @torch.inference_mode()
    def colorize_l(self, L: torch.Tensor) -> torch.Tensor:
        """Full-resolution L ``(1, 1, H, W)`` in [0, 100] → ab ``(1, 2, H, W)`` (Lab units)."""
        h, w = L.shape[-2:]
        scale = min(1.0, self.work_size / max(h, w))
        if scale < 1.0:
            size = (max(8, round(h * scale)), max(8, round(w * scale)))
            L_low = F.interpolate(L, size=size, mode="area")
            ab_low = self.predict_ab(L_low)
            return guided_upsample(ab_low, L_low / lab.L_MAX, L / lab.L_MAX)
        return self.predict_ab(L)

    def colorize(self, image: np.ndarray | str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        """Colorize a photo (path, ``(H, W, 3)`` or ``(H, W)`` array, float in [0, 1] or uint8).

        Colour inputs are made grey first.

        Returns ``(H, W, 3)`` float32 sRGB in [0, 1], same size as the input, with the input's L.
        """
        rgb = load_rgb(image, max_pixels=max_pixels) if not isinstance(image, np.ndarray) else image
        if rgb.ndim == 2:  # a plain grey array
            rgb = np.repeat(rgb[..., None], 3, axis=2)
        if rgb.dtype == np.uint8:
            rgb = rgb.astype(np.float32) / 255.0
        L = lab.grey_l(lab.image_to_tensor(rgb))
        ab = self.colorize_l(L)
        return lab.tensor_to_image(lab.lab_to_rgb_in_gamut(L, ab))
