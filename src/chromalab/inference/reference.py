"""``ReferenceColorizer``: a grey photo coloured after a reference photo the user picks.

``load_colorizer(run)`` returns one when the run's model is reference-guided (family ``reference``).
``.colorize(photo, reference=...)`` works like ``Colorizer.colorize`` (full resolution, exactly the photo's
L, colour upsampled by the guided filter); the reference is scaled so its longer side is the working size.
Without a reference it colours from the photo alone (the guide is zeros).
"""

from __future__ import annotations

import copy
import os

import numpy as np
import torch

from chromalab.core import lab
from chromalab.core.imageio import DEFAULT_MAX_PIXELS, ImageError, load_rgb
from chromalab.inference.base import BaseColorizer
from chromalab.inference.pipeline import area_downsample, work_shape

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
    if lab.is_grey_photo(rgb):
        raise ImageError(f"{name}: reference is grey (no colour to take from it); pick a colour photo")
    return rgb.astype(np.float32, copy=False)


class ReferenceColorizer(BaseColorizer):
    """A colorizer whose model takes a reference photo. ``match`` overrides the model's correspondence
    mode (``exact``, ``patchmatch``, ``identity`` = no search, ``none`` = ignore the reference);
    ``warp_only`` skips the U-Net and returns the warped reference colour itself (for evaluation).
    Without a reference it colours from the photo alone (the guide is zeros)."""

    takes_reference = True
    match: str | None = None
    warp_only: bool = False

    def with_matching(self, match: str | None, warp_only: bool = False) -> ReferenceColorizer:
        """A copy sharing the network that matches with ``match`` and, with ``warp_only``, returns the warped
        reference colour itself; this colorizer is not changed (evaluation compares modes on one loaded model)."""
        new = copy.copy(self)
        new.match, new.warp_only = match, warp_only
        return new

    def prepare_reference(self, reference: Reference) -> tuple[torch.Tensor, torch.Tensor]:
        """Reference photo → (l_norm (1, 1, h, w), ab_norm (1, 2, h, w)) at working size."""
        t = lab.image_to_tensor(load_reference(reference))
        size = work_shape(*t.shape[-2:], self.work_size)
        small = t if size is None else torch.from_numpy(area_downsample(t.numpy(), size))
        return lab.rgb_to_network(small.clamp(0, 1))

    def _run_model(self, l_norm: torch.Tensor, reference: tuple[torch.Tensor, torch.Tensor] | None = None
                  ) -> torch.Tensor:
        """ab (B, 2, h, w) in [-1, 1] for network L, guided by ``prepare_reference``'s tensors (or none)."""
        ref_l, ref_ab = (None, None) if reference is None else (r.to(self.device) for r in reference)
        guide = self.model.guide(l_norm, ref_l, ref_ab, match=self.match)
        if self.warp_only:
            return guide[:, :2]
        return self.model(l_norm, guide=guide)
