"""``Colorizer``: grey photo in, colour photo out, at the photo's full resolution.

The network sees a working-size copy of L (``InferenceSettings.work_size``); its ab is upsampled with the
guided filter, steered by the full-resolution L, and recombined with exactly the original L (chroma shrunk
where it would leave the sRGB gamut, so L is kept). Flip averaging and the chroma scale are inference
settings applied here, to any model, as is ``vividness`` (the user's boldness knob, a multiplier of the
predicted ab on top of the calibration; ``colorize(vividness=)`` overrides the model's for one call).

Every colorizer (this one, ``ReferenceColorizer``, ``AutoColorizer``) has one call signature,
``colorize(image, *, reference=None)``; ``takes_reference`` says whether a reference photo is used.
``load_colorizer`` (``chromalab.inference.load``) is the only place that decides which one a model gets.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image as PILImage
from torch import nn

from chromalab.core import lab
from chromalab.core.imageio import DEFAULT_MAX_PIXELS, load_rgb, pil_to_rgb
from chromalab.inference.runtime import TorchRunner
from chromalab.inference.settings import InferenceSettings
from chromalab.ops.colour import adjust_colour
from chromalab.ops.upsample import guided_upsample

Image = np.ndarray | str | os.PathLike | PILImage.Image


def working_copy(L: torch.Tensor, work_size: int) -> torch.Tensor | None:
    """L ``(B, 1, H, W)`` area-downsampled so its longer side is ``work_size``; None if it is no larger."""
    h, w = L.shape[-2:]
    scale = min(1.0, work_size / max(h, w))
    if scale >= 1.0:
        return None
    return F.interpolate(L, size=(max(8, round(h * scale)), max(8, round(w * scale))), mode="area")


STRIP_PIXELS = 1 << 20  # full-resolution per-pixel steps run on row strips of about this many pixels


def row_strips(h: int, w: int) -> range:
    """Start rows of strips of ``strip_rows(w)`` rows covering ``h`` rows."""
    return range(0, h, strip_rows(w))


def strip_rows(w: int) -> int:
    return max(1, STRIP_PIXELS // max(1, w))


def image_l(image: Image, max_pixels: int = DEFAULT_MAX_PIXELS) -> torch.Tensor:
    """A photo (path, ``(H, W, 3)`` or ``(H, W)`` array, float in [0, 1] or uint8) → L ``(1, 1, H, W)``.

    Colour inputs give the L of their grey version. Computed on row strips, so a 24-megapixel photo never has
    a full-resolution float RGB copy (memory, and cache-friendlier)."""
    rgb = image if isinstance(image, np.ndarray) else load_rgb(image, max_pixels=max_pixels)
    h, w = rgb.shape[:2]
    L = torch.empty(1, 1, h, w)
    rows = strip_rows(w)
    for y in row_strips(h, w):
        part = rgb[y:y + rows]
        if part.ndim == 2:  # a plain grey array
            part = np.repeat(part[..., None], 3, axis=2)
        if part.dtype == np.uint8:
            part = part.astype(np.float32) / 255.0
        L[..., y:y + rows, :] = lab.grey_l(lab.image_to_tensor(part))
    return L


def finish(L: torch.Tensor, ab: torch.Tensor, saturation: float = 1.0, vibrance: float = 0.0,
           as_uint8: bool = False) -> np.ndarray:
    """Full-resolution L ``(1, 1, H, W)`` and ab ``(1, 2, H, W)`` → ``(H, W, 3)`` sRGB (float32, or uint8):
    gamut fitting, colour adjustment and rounding, on row strips (all per pixel, so strips give the same
    result as the whole photo, with one strip's temporaries instead of the photo's)."""
    h, w = L.shape[-2:]
    out = np.empty((h, w, 3), np.uint8 if as_uint8 else np.float32)
    rows = strip_rows(w)
    for y in row_strips(h, w):
        rgb = lab.tensor_to_image(lab.lab_to_rgb_in_gamut(L[..., y:y + rows, :], ab[..., y:y + rows, :]))
        rgb = adjust_colour(rgb, saturation, vibrance)
        out[y:y + rows] = lab.to_uint8(rgb) if as_uint8 else rgb
    return out


class Colorizer:
    """Colorizes photos with one trained L → ab model.

    ``Colorizer.load()`` gives the shipped default; ``Colorizer.load("runs/ae1")`` a trained run (the same
    as ``chromalab.load_colorizer``, which may return a ``ReferenceColorizer`` or an ``AutoColorizer``).
    """

    takes_reference = False

    def __init__(self, model: nn.Module | None, settings: InferenceSettings | None = None,
                 meta: dict[str, Any] | None = None, device: str | torch.device = "cpu", name: str = "model",
                 runner: Any = None):
        """``runner``: how the network runs (``chromalab.inference.runtime``); default PyTorch on ``model``.
        ``model`` may be None when a runner is given (ONNX Runtime needs no torch model)."""
        self.model = model.to(device).eval() if model is not None else None
        self.runner = runner if runner is not None else TorchRunner(self.model)
        self.settings = settings or InferenceSettings()
        self.meta = meta or {}
        self.device = torch.device(device)
        self.name = name

    @property
    def runtime(self) -> str:
        """``torch`` or ``onnx``: what runs the network."""
        return self.runner.runtime

    @property
    def work_size(self) -> int:
        return self.settings.work_size

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str | None = None,
             work_size: int | None = None, weights: str | None = None, runtime: str | None = None) -> Colorizer:
        """``load_colorizer(model, ...)``: a shipped or installed model by name, a run folder, or ``"auto"``;
        ``runtime``: ``torch``, ``onnx`` or ``auto`` (ONNX Runtime where the model has one)."""
        from chromalab.inference.load import load_colorizer

        return load_colorizer(model, device=device, work_size=work_size, weights=weights, runtime=runtime)

    def with_settings(self, **changes: Any) -> Colorizer:
        """A copy sharing the network, with inference settings changed (``None`` values are ignored)."""
        new = copy.copy(self)
        new.settings = self.settings.replace(**changes)
        return new

    def _check_reference(self, reference: Any) -> None:
        if reference is not None and not self.takes_reference:
            raise ValueError(f"model {self.name!r} is not reference-guided; it takes no reference photo")

    def run_model(self, l_norm: torch.Tensor, reference: Any = None) -> torch.Tensor:
        """The network's ab ``(B, 2, h, w)`` in [-1, 1] for network L (no inference settings applied)."""
        return self.runner(l_norm)

    def apply_temperature(self) -> None:
        """Hand ``settings.temperature`` to a model that classifies ab into bins (others have none). On ONNX
        Runtime the file's baked temperature (the folder's) is the only one: another raises ``ValueError``."""
        t = self.settings.temperature
        if self.model is not None and hasattr(self.model, "temperature"):
            self.model.temperature = t
        elif self.model is None and self.meta.get("model", {}).get("ab_bins"):
            baked = self.meta.get("inference", {}).get("temperature", t)
            if abs(baked - t) > 1e-9:
                raise ValueError(f"temperature {t:g}: this model's ONNX file has {baked:g} built in; "
                                 "use runtime torch for another")

    @torch.inference_mode()
    def predict_ab(self, L: torch.Tensor, reference: Any = None) -> torch.Tensor:
        """ab ``(B, 2, h, w)`` in Lab units for L ``(B, 1, h, w)`` in [0, 100] at working size, with flip
        averaging, the chroma scale and the vividness of ``settings``."""
        self._check_reference(reference)
        self.apply_temperature()
        l_norm = lab.normalize_l(L.to(self.device))
        ab = self.run_model(l_norm, reference).float()
        if self.settings.flip_average:
            ab = (ab + self.run_model(l_norm.flip(-1), reference).float().flip(-1)) / 2
        scale = self.settings.chroma_scale * self.settings.vividness
        if scale != 1.0:
            ab = ab * scale
        return lab.denormalize_ab(ab).cpu()

    def prepare_reference(self, reference: Any) -> Any:
        """A reference photo in the form ``predict_ab`` takes (plain models take none)."""
        self._check_reference(reference)
        return None

    @torch.inference_mode()
    def colorize_l(self, L: torch.Tensor, reference: Any = None) -> torch.Tensor:
        """Full-resolution L ``(1, 1, H, W)`` in [0, 100] → ab ``(1, 2, H, W)`` (Lab units).

        ``reference``: what ``prepare_reference`` returned (reference-guided models only)."""
        L_low = working_copy(L, self.work_size)
        if L_low is None:
            return self.predict_ab(L, reference)
        return guided_upsample(self.predict_ab(L_low, reference), L_low / lab.L_MAX, L / lab.L_MAX)

    def colorize(self, image: Image, *, reference: Image | None = None, max_pixels: int = DEFAULT_MAX_PIXELS,
                 saturation: float = 1.0, vibrance: float = 0.0, vividness: float | None = None) -> Any:
        """Colorize a photo: a path, a PIL image, or an ``(H, W, 3)`` / ``(H, W)`` array (uint8, or float in
        [0, 1]). Returns the kind it was given, so it fits in a pipeline: PIL in → RGB PIL out, uint8 array
        in → uint8 ``(H, W, 3)`` out, float array in → float32 out; a path gives float32 ``(H, W, 3)``.

        Colour inputs are made grey first; the output has the input's size and L. ``reference``: a colour
        photo to take colours from (models with ``takes_reference`` only). ``saturation`` / ``vibrance``:
        as ``chromalab.ops.colour.adjust_colour`` (after the fact, on the output). ``vividness``: this call's
        boldness (``InferenceSettings.vividness``; default: the model's), applied to the network's ab.
        """
        if vividness is not None and vividness != self.settings.vividness:
            return self.with_settings(vividness=vividness).colorize(
                image, reference=reference, max_pixels=max_pixels, saturation=saturation, vibrance=vibrance)
        ref = self.prepare_reference(reference) if reference is not None else None
        pil = isinstance(image, PILImage.Image)
        as_uint8 = pil or (isinstance(image, np.ndarray) and image.dtype == np.uint8)
        L = image_l(np.asarray(image) if pil and image.mode in ("L", "RGB") else pil_to_rgb(image) if pil else image,
                    max_pixels)
        out = finish(L, self.colorize_l(L, ref), saturation, vibrance, as_uint8)
        return PILImage.fromarray(out, "RGB") if pil else out

    def colorize_batch(self, paths, *, reference: Image | None = None, saturation: float = 1.0,
                       vibrance: float = 0.0, max_pixels: int = DEFAULT_MAX_PIXELS):
        """Iterate over ``paths``, yielding ``(path, float32 result or None, one-line error or "")``; a bad
        file is reported in its tuple and the iteration goes on."""
        from chromalab.inference.batch import colorize_paths

        yield from colorize_paths(self, paths, reference=reference, saturation=saturation, vibrance=vibrance,
                                  max_pixels=max_pixels)
