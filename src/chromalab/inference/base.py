"""``BaseColorizer``: grey photo in, colour photo out, at the photo's full resolution.

The network sees a working-size copy of L (``InferenceSettings.work_size``); its ab is upsampled with the
guided filter, steered by the full-resolution L, and recombined with exactly the original L (chroma shrunk
where it would leave the sRGB gamut, so L is kept). Flip averaging and the chroma scale are inference
settings applied here, to any model, as is ``vividness`` (the user's boldness knob, a multiplier of the
predicted ab on top of the calibration; ``colorize(vividness=)`` overrides the model's for one call).

Every colorizer (this one, ``ReferenceColorizer``, ``AutoColorizer``) has one call signature,
``colorize(image, *, reference=None)``; ``takes_reference`` says whether a reference photo is used.
``load_colorizer`` (``chromalab.inference.colorizer``) is the only place that decides which one a model
gets; this module holds what they share, so the subclasses' modules and the dispatcher import it and nothing
here imports them (no module cycle).
"""

from __future__ import annotations

import copy
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from chromalab.core import labnp
from chromalab.core.imageio import DEFAULT_MAX_PIXELS, ImageError, load_rgb, one_line, pil_to_rgb, read_photo
from chromalab.inference import pipeline
from chromalab.inference.onnx_steps import OnnxSteps, graphs_available
from chromalab.inference.runtime import ONNX, TorchRunner
from chromalab.inference.settings import InferenceSettings

log = logging.getLogger(__name__)
Image = np.ndarray | str | os.PathLike | PILImage.Image


def make_steps(runtime: str) -> Any:
    """The per-pixel steps for ``runtime``: ONNX Runtime graphs (no torch) or eager torch modules."""
    if runtime == ONNX and graphs_available():
        return OnnxSteps()
    from chromalab.inference.steps import TorchSteps

    return TorchSteps()


class BaseColorizer:
    """What every colorizer shares: one trained L → ab model run at working size, colour brought to full
    resolution. With ONNX Runtime (the default for model folders that carry ``model.onnx``) nothing here
    imports torch. Use ``Colorizer`` (``Colorizer.load``), ``ReferenceColorizer`` or ``AutoColorizer``."""

    takes_reference = False

    def __init__(self, model: Any | None, settings: InferenceSettings | None = None,
                 meta: dict[str, Any] | None = None, device: Any = "cpu", name: str = "model",
                 runner: Any = None):
        """``model``: a torch module (``TorchRunner``), or None when ``runner`` is an ``OnnxRunner``."""
        self.model = model.to(device).eval() if model is not None else None
        self.runner = runner if runner is not None else TorchRunner(self.model)
        self.settings = settings or InferenceSettings()
        self.meta = meta or {}
        self.device = device
        self.name = name
        self._steps: Any = None  # made on first use; copies (``with_settings``) share them

    @property
    def runtime(self) -> str:
        """``torch`` or ``onnx``: what runs the network."""
        return self.runner.runtime

    @property
    def steps(self) -> Any:
        """What runs the per-pixel steps around the network: ONNX Runtime with the ONNX network, else torch
        (``make_steps``; made once per loaded model and shared by its ``with_settings`` copies)."""
        if self._steps is None:
            self._steps = make_steps(self.runtime)
        return self._steps

    @property
    def work_size(self) -> int:
        return self.settings.work_size

    def with_settings(self, **changes: Any) -> BaseColorizer:
        """A copy sharing the network, with inference settings changed (``None`` values are ignored)."""
        new = copy.copy(self)
        new.settings = self.settings.replace(**changes)
        return new

    def _check_reference(self, reference: Any) -> None:
        if reference is not None and not self.takes_reference:
            raise ValueError(f"model {self.name!r} is not reference-guided; it takes no reference photo")

    def _run_model(self, l_norm: Any, reference: Any = None) -> Any:
        """The network's ab ``(B, 2, h, w)`` in [-1, 1] for network L (torch tensors; no inference settings but
        the ab-bins temperature, given to the model per call: the model is shared, never written to)."""
        if self.runtime == ONNX:
            import torch

            return torch.from_numpy(self.runner(l_norm.detach().cpu().numpy()))
        if getattr(getattr(self.model, "cfg", None), "ab_bins", 0):  # annealed mean at this call's temperature
            import torch

            t = self.settings.temperature
            return torch.stack([self.model.logits_to_ab(z, t) for z in self.model.logits_each(l_norm)]).mean(0)
        return self.runner(l_norm)

    def _check_temperature(self) -> None:
        """On ONNX Runtime the file's baked ab-bins temperature (the folder's) is the only one: another raises
        ``ValueError``."""
        t = self.settings.temperature
        if self.model is None and self.meta.get("model", {}).get("ab_bins"):
            baked = self.meta.get("inference", {}).get("temperature", t)
            if abs(baked - t) > 1e-9:
                raise ValueError(f"temperature {t:g}: this model's ONNX file has {baked:g} built in; "
                                 "use runtime torch for another")

    def _network(self, l_norm: np.ndarray, reference: Any = None) -> np.ndarray:
        """``_run_model`` on NumPy arrays: network L ``(B, 1, h, w)`` → ab ``(B, 2, h, w)``, float32."""
        if self.runtime == ONNX:
            return self.runner(l_norm)
        import torch

        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(l_norm, np.float32)).to(self.device)
            return self._run_model(x, reference).float().cpu().numpy()

    def _network_any_size(self, l_norm: np.ndarray, reference: Any = None) -> np.ndarray:
        """``_network`` for any ``h, w ≥ 1``: inputs with a side under ``pipeline.NETWORK_MIN_SIDE`` are mirrored
        out to it (``pipeline.pad_to_min_side``) and the ab cropped back."""
        h, w = l_norm.shape[-2:]
        padded = pipeline.pad_to_min_side(l_norm)
        ab = self._network(padded, reference)
        return ab if padded is l_norm else ab[..., :h, :w]

    def predict(self, L: np.ndarray, reference: Any = None) -> np.ndarray:
        """ab ``(B, 2, h, w)`` in Lab units (float32) for L ``(B, 1, h, w)`` in [0, 100] at working size, with
        the flip averaging, chroma scale and vividness of ``settings``. Any ``h, w ≥ 1``: the network sees
        sides of at least ``pipeline.NETWORK_MIN_SIDE`` (``pipeline.pad_to_min_side``)."""
        self._check_reference(reference)
        self._check_temperature()
        l_norm = labnp.normalize_l(np.asarray(L, np.float32))
        ab = self._network_any_size(l_norm, reference)
        if self.settings.flip_average:  # the mirror is padded on its own right side: the average stays symmetric
            mirrored = self._network_any_size(np.ascontiguousarray(l_norm[..., ::-1]), reference)[..., ::-1]
            ab = (ab + mirrored) / 2
        scale = self.settings.chroma_scale * self.settings.vividness
        ab = labnp.denormalize_ab(ab * scale if scale != 1.0 else ab)
        return np.ascontiguousarray(ab, np.float32)

    def prepare_reference(self, reference: Any) -> Any:
        """A reference photo in the form ``predict`` takes (plain models take none)."""
        self._check_reference(reference)
        return None

    def _colorize_lightness(self, L: np.ndarray, reference: Any = None, saturation: float = 1.0,
                            vibrance: float = 0.0, as_uint8: bool = False) -> np.ndarray:
        """Full-resolution L ``(H, W)`` in [0, 100] → sRGB ``(H, W, 3)`` (``pipeline.colorize_lightness``)."""
        return pipeline.colorize_lightness(
            L, steps=self.steps, predict=lambda low: self.predict(low, reference), work_size=self.work_size,
            saturation=saturation, vibrance=vibrance, as_uint8=as_uint8)

    def colorize(self, image: Image, *, reference: Image | None = None, max_pixels: int = DEFAULT_MAX_PIXELS,
                 saturation: float = 1.0, vibrance: float = 0.0, **settings: Any) -> Any:
        """Colorize a photo: a path, a PIL image, or an ``(H, W, 3)`` / ``(H, W)`` array (uint8, or float in
        [0, 1]). Returns the kind it was given, so it fits in a pipeline: PIL in → RGB PIL out, uint8 array
        in → uint8 ``(H, W, 3)`` out, float array in → float32 out; a path gives float32 ``(H, W, 3)``.

        Colour inputs are made grey first; the output has the input's size and L. ``reference``: a colour
        photo to take colours from (models with ``takes_reference`` only). ``saturation`` / ``vibrance``:
        as ``chromalab.ops.colour.adjust_colour``, applied to the predicted ab before the one gamut fit.
        ``settings``: ``InferenceSettings`` fields for this call only (``None`` = the model's), e.g.
        ``vividness`` (the boldness, applied to the network's ab) or ``work_size``; the colorizer itself is not
        changed.
        """
        labnp.check_adjustment(saturation, vibrance)
        unknown = sorted(set(settings) - set(InferenceSettings.field_names()))
        if unknown:
            raise TypeError(f"colorize() got unknown settings: {', '.join(unknown)}")
        if self.settings.replace(**settings) != self.settings:
            return self.with_settings(**settings).colorize(
                image, reference=reference, max_pixels=max_pixels, saturation=saturation, vibrance=vibrance)
        ref = self.prepare_reference(reference) if reference is not None else None
        pil = isinstance(image, PILImage.Image)
        as_uint8 = pil or (isinstance(image, np.ndarray) and image.dtype == np.uint8)
        if pil:
            arr = np.asarray(image) if image.mode in ("L", "RGB") else pil_to_rgb(image)
        else:
            arr = image if isinstance(image, np.ndarray) else load_rgb(image, max_pixels=max_pixels)
        L = pipeline.image_lightness(arr, self.steps)
        out = self._colorize_lightness(L, ref, saturation, vibrance, as_uint8)
        return PILImage.fromarray(out, "RGB") if pil else out

    def colorize_batch(self, paths, *, reference: Image | None = None, saturation: float = 1.0,
                       vibrance: float = 0.0, max_pixels: int = DEFAULT_MAX_PIXELS):
        """Iterate over ``paths``, yielding ``(path, (H, W, 3) float32 result or None, one-line error or "")``;
        a bad file is reported in its tuple and the iteration goes on. (Folders, outputs on disk, skip rules,
        videos: ``chromalab.inference.batch``, which ``chromalab colorize`` runs.)"""
        for p in paths:
            p = Path(p)
            stage = "reading"
            try:
                rgb = read_photo(p, str(p), max_pixels, all_frames=False).rgb
                stage = "colorizing"
                result = self.colorize(rgb, reference=reference, saturation=saturation, vibrance=vibrance)
            except ImageError as e:
                yield p, None, str(e)
                continue
            except Exception as e:  # noqa: BLE001 - one path's unexpected error is its tuple's, not the iteration's
                log.debug("%s: unexpected error while %s", p, stage, exc_info=True)
                yield p, None, f"{p}: failed while {stage} ({one_line(e)})"
                continue
            yield p, result, ""
