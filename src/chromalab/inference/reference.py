"""``ReferenceColorizer``: a grey photo coloured after a reference photo the user picks.

``Colorizer.load(run)`` returns one when the run's model is reference-guided (family ``reference``).
``.colorize(photo, reference)`` works like ``Colorizer.colorize`` (full resolution, exactly the photo's
L, colour upsampled by the guided filter); the reference is scaled so its longer side is the working size.
Without a reference it colours from the photo alone (the guide is zeros).
"""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.core.imageio import DEFAULT_MAX_PIXELS, ImageError, load_rgb
from chromalab.data.folder import GREY_CHROMA, mean_chroma
from chromalab.inference.colorizer import Colorizer
from chromalab.ops.upsample import guided_upsample

MIN_REFERENCE_SIDE = 32  # smaller references have too few feature positions to match against

Reference = np.ndarray | str | os.PathLike


def load_reference(reference: Reference, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A usable reference photo as (H, W, 3) float32 RGB in [0, 1]; ``ImageError`` (one line) otherwise:
    not an image, smaller than ``MIN_REFERENCE_SIDE`` px on a side, or grey (no colour to take)."""
    name = "reference" if isinstance(reference, np.ndarray) else str(reference)
    rgb = reference if isinstance(reference, np.ndarray) else load_rgb(reference, max_pixels=max_pixels)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ImageError(f"{name}: a reference must be an (H, W, 3) RGB image, got shape {rgb.shape}")
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_REFERENCE_SIDE:
        raise ImageError(f"{name}: reference too small ({w}x{h} px); it needs at least "
                         f"{MIN_REFERENCE_SIDE} px on each side")
    if mean_chroma(rgb) < GREY_CHROMA:
        raise ImageError(f"{name}: reference is grey (no colour to take from it); pick a colour photo")
    return rgb.astype(np.float32, copy=False)


class ReferenceColorizer(Colorizer):
    """A ``Colorizer`` whose model takes a reference photo. ``match`` overrides the model's correspondence
    mode (``exact``, ``patchmatch``, ``identity`` = no search, ``none`` = ignore the reference);
    ``warp_only`` skips the U-Net and returns the warped reference colour itself (for evaluation)."""

    match: str | None = None
    warp_only: bool = False

    def reference_tensors(self, reference: Reference) -> tuple[torch.Tensor, torch.Tensor]:
        """Reference → (l_norm (1, 1, h, w), ab_norm (1, 2, h, w)) at working size."""
        t = lab.image_to_tensor(load_reference(reference))
        h, w = t.shape[-2:]
        scale = min(1.0, self.work_size / max(h, w))
        if scale < 1.0:
            t = F.interpolate(t, size=(max(8, round(h * scale)), max(8, round(w * scale))), mode="area")
        return lab.rgb_to_network(t.clamp(0, 1))

    @torch.inference_mode()
    def predict_ab(self, L: torch.Tensor, reference: tuple[torch.Tensor, torch.Tensor] | None = None
                   ) -> torch.Tensor:
        """ab (B, 2, h, w) in Lab units for L (B, 1, h, w) in [0, 100], guided by ``reference`` tensors."""
        l_norm = lab.normalize_l(L.to(self.device))
        ref_l, ref_ab = (None, None) if reference is None else (r.to(self.device) for r in reference)
        guide = self.model.guide(l_norm, ref_l, ref_ab, match=self.match)
        if self.warp_only:
            return lab.denormalize_ab(guide[:, :2].float()).cpu()
        return lab.denormalize_ab(self.model(l_norm, guide=guide).float()).cpu()

    @torch.inference_mode()
    def colorize_l(self, L: torch.Tensor, reference: tuple[torch.Tensor, torch.Tensor] | None = None
                   ) -> torch.Tensor:
        """Full-resolution L (1, 1, H, W) in [0, 100] → ab (1, 2, H, W) in Lab units."""
        h, w = L.shape[-2:]
        scale = min(1.0, self.work_size / max(h, w))
        if scale < 1.0:
            L_low = F.interpolate(L, size=(max(8, round(h * scale)), max(8, round(w * scale))), mode="area")
            return guided_upsample(self.predict_ab(L_low, reference), L_low / lab.L_MAX, L / lab.L_MAX)
        return self.predict_ab(L, reference)

    def colorize(self, image: np.ndarray | str | os.PathLike, reference: Reference | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        """Colour ``image`` (path or (H, W, 3) RGB in [0, 1]; colour inputs are made grey first) after
        ``reference`` (path or array). Returns (H, W, 3) float32 sRGB in [0, 1] with the image's L."""
        ref = None if reference is None else self.reference_tensors(reference)
        rgb = load_rgb(image, max_pixels=max_pixels) if not isinstance(image, np.ndarray) else image
        L = lab.grey_l(lab.image_to_tensor(rgb))
        return lab.tensor_to_image(lab.lab_to_rgb_in_gamut(L, self.colorize_l(L, ref)))
