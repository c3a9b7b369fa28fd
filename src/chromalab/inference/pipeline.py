"""Colorizing one photo step by step on NumPy arrays: the one orchestration, whichever runtime runs the steps.

1. L of the photo (``steps.lightness``; a grey 8-bit photo through a 256-entry table made by that same step);
2. a working copy of L whose longer side is the work size (area averaging, ``area_downsample``);
3. the network's ab on it (``predict``: the colorizer's network, flip averaging, chroma scale, vividness);
4. the guided filter's coefficients at working size (``steps.coefficients``);
5. per row strip of the full-resolution photo: the coefficients upsampled to the strip, ab = A·L + B, chroma
   fitted into the sRGB gamut, saturation / vibrance (``steps.finish``); 8-bit rounding (``labnp.to_uint8``).

Video frames take the same steps (``colorize_lightness_batch``: the network once per batch of frames; the
temporal step is an ``ab_hook`` between 3 and 4, on the working-size ab).

``steps`` is ``chromalab.inference.steps.TorchSteps`` or ``chromalab.inference.onnx_steps.OnnxSteps``: the
same torch functions, run eagerly or as exported ONNX graphs. This module needs NumPy only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from chromalab.core.labnp import to_uint8

# Full-resolution per-pixel steps run on row strips of about this many pixels, several strips at once (one
# per core, ``STRIP_THREADS``). Each step is a chain of a few hundred small element-wise operations: with
# 64-K-pixel strips their temporaries stay in the CPU's cache, and one thread per strip beats splitting each
# operation across cores (measured on the 2-core CPU, 1024² finish: 1 strip 144 ms, 8 strips 109 ms, 16
# strips 92 ms, each with 2 intra-op threads; 16 strips with 1 intra-op thread 73 ms). Memory: a few strips.
STRIP_PIXELS = 1 << 16
STRIP_THREADS = max(1, min(4, os.cpu_count() or 1))
_POOL: list[ThreadPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _map_strips(fn: Callable[[int], None], starts: range) -> None:
    """``fn(y)`` for every strip start ``y``, on ``STRIP_THREADS`` threads (the steps release the GIL)."""
    if STRIP_THREADS == 1 or len(starts) == 1:
        for y in starts:
            fn(y)
        return
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(STRIP_THREADS, thread_name_prefix="strips"))
    for f in [_POOL[0].submit(fn, y) for y in starts]:
        f.result()


def strip_rows(w: int) -> int:
    return max(1, STRIP_PIXELS // max(1, w))


def row_strips(h: int, w: int) -> range:
    """Start rows of strips of ``strip_rows(w)`` rows covering ``h`` rows."""
    return range(0, h, strip_rows(w))


# The network's input has sides of at least this many pixels: every network here reflect-pads its input to a
# multiple of its stride (at most 32: EfficientNet-Lite0's, U-Nets' 2**depth), and reflection needs sides
# longer than the pad (ONNX Runtime refuses the rest: 16x16 failed, 17x17 worked). Smaller inputs (tiny
# photos, thin strips, the 8-pixel short side of a panorama's working copy) are mirrored out to this size
# first (``pad_to_min_side``) and the network's ab cropped back; larger ones reach the network unchanged.
NETWORK_MIN_SIDE = 32


def pad_to_min_side(x: np.ndarray, side: int = NETWORK_MIN_SIDE) -> np.ndarray:
    """``(..., h, w)`` mirrored on the bottom/right (NumPy's ``reflect``, repeated for any pad; a 1-pixel side
    is repeated) so both sides are at least ``side``; unchanged if they are."""
    h, w = x.shape[-2:]
    if h >= side and w >= side:
        return x
    pads = [(0, 0)] * (x.ndim - 2) + [(0, max(0, side - h)), (0, max(0, side - w))]
    return np.pad(x, pads, mode="reflect")


def work_shape(h: int, w: int, work_size: int) -> tuple[int, int] | None:
    """The working copy's ``(h, w)``: longer side ``work_size`` (sides at least 8); None if the photo is no
    larger."""
    scale = min(1.0, work_size / max(h, w))
    if scale >= 1.0:
        return None
    return max(8, round(h * scale)), max(8, round(w * scale))


def area_downsample(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``(..., H, W)`` → ``(..., h, w)`` float32: output pixel ``(i, j)`` is the mean of rows
    ``[⌊iH/h⌋, ⌈(i+1)H/h⌉)`` × columns ``[⌊jW/w⌋, ⌈(j+1)W/w⌉)`` — torch's ``F.interpolate(mode="area")``
    (adaptive average pooling), computed with cumulative sums (O(1) per output pixel; rows first, so the
    column pass runs on the ``h`` remaining rows)."""

    def along(t: np.ndarray, axis: int, n_out: int) -> np.ndarray:
        n = t.shape[axis]
        i = np.arange(n_out)
        lo, hi = (i * n) // n_out, -((-(i + 1) * n) // n_out)
        c = np.cumsum(t, axis=axis, dtype=np.float32)
        c = np.concatenate([np.zeros_like(np.take(c, [0], axis=axis)), c], axis=axis)  # c[k] = sum of t[:k]
        shape = [1] * t.ndim
        shape[axis] = n_out
        return (np.take(c, hi, axis=axis) - np.take(c, lo, axis=axis)) / (hi - lo).reshape(shape).astype(np.float32)

    x = np.asarray(x, np.float32)
    (H, W), (h, w) = x.shape[-2:], size
    if H % h == 0 and W % w == 0:  # whole blocks (e.g. 1024 → 256): the same means, by a reshape
        return x.reshape(*x.shape[:-2], h, H // h, w, W // w).mean((-3, -1), dtype=np.float32)
    return along(along(x, x.ndim - 2, h), x.ndim - 1, w)


def grey_table(steps: Any) -> np.ndarray:
    """L of the 256 grey levels ``(v, v, v) / 255`` ``(256,)``, made by ``steps.lightness`` once per steps
    object and kept on it (a colorizer's steps live as long as it does)."""
    table = getattr(steps, "grey_table", None)
    if table is None:
        levels = np.repeat((np.arange(256, dtype=np.float32) / 255.0)[None, :, None], 3, axis=2)
        table = steps.grey_table = np.asarray(steps.lightness(levels))[0]
    return table


def single_channel(image: np.ndarray) -> np.ndarray | None:
    """The one channel of a grey photo ``(H, W)`` or of an ``(H, W, 3)`` one whose channels are equal (a
    black-and-white scan saved as RGB); None for a colour photo."""
    if image.ndim == 2:
        return image
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    return r if np.array_equal(r, g) and np.array_equal(g, b) else None


def image_lightness(image: np.ndarray, steps: Any) -> np.ndarray:
    """A photo ``(H, W, 3)`` or ``(H, W)``, uint8 or float in [0, 1] → its L ``(H, W)`` float32 in [0, 100]:
    the L of its grey version. 8-bit grey photos go through ``grey_table``; others through
    ``steps.lightness`` on row strips."""
    grey = single_channel(image)
    if grey is not None and grey.dtype == np.uint8:
        return grey_table(steps)[grey]
    h, w = image.shape[:2]
    L = np.empty((h, w), np.float32)
    rows = strip_rows(w)

    def strip(y: int) -> None:
        part = image[y:y + rows]
        if part.ndim == 2:
            part = np.repeat(part[..., None], 3, axis=2)
        part = part.astype(np.float32) / 255.0 if part.dtype == np.uint8 else part
        L[y:y + rows] = steps.lightness(part)

    _map_strips(strip, row_strips(h, w))
    return L


def working_lightness(L: np.ndarray, work_size: int) -> tuple[np.ndarray, bool]:
    """The L the network sees, ``(1, 1, h, w)``: the working copy of full-resolution L ``(H, W)`` (longer side
    ``work_size``), or L itself when the photo is no larger (then False: its ab is used unfiltered)."""
    size = work_shape(*L.shape, work_size)
    return (L if size is None else area_downsample(L, size))[None, None], size is not None


def guide_coefficients(ab: np.ndarray, L_low: np.ndarray, steps: Any, filtered: bool) -> np.ndarray:
    """ab ``(1, 2, h, w)`` at working size → the finish step's coefficients ``(1, 4, h, w)`` (the guided
    filter's; A = 0, B = ab when not ``filtered``: the finish step then uses ab as it is)."""
    if not filtered:
        return np.concatenate([np.zeros_like(ab), ab], 1)
    return steps.coefficients(ab, L_low)


def finish(L: np.ndarray, coef: np.ndarray, *, steps: Any, saturation: float = 1.0, vibrance: float = 0.0,
           as_uint8: bool = False) -> np.ndarray:
    """Full-resolution L ``(H, W)`` and the coefficients → sRGB ``(H, W, 3)`` (uint8, or float32 in [0, 1]),
    row strip by row strip (``steps.finish``: upsampling, ab = A·L/100 + B, saturation / vibrance, gamut)."""
    h, w = L.shape
    out = np.empty((h, w, 3), np.uint8 if as_uint8 else np.float32)
    rows = strip_rows(w)

    def strip(y: int) -> None:
        rgb = steps.finish(L[y:y + rows], coef, y, h, saturation, vibrance)
        out[y:y + rows] = to_uint8(rgb) if as_uint8 else rgb

    _map_strips(strip, row_strips(h, w))
    return out


AbHook = Callable[[np.ndarray, np.ndarray], np.ndarray]


def colorize_lightness_batch(Ls: Sequence[np.ndarray], *, steps: Any, predict: Callable[[np.ndarray], np.ndarray],
                             work_size: int, saturation: float = 1.0, vibrance: float = 0.0,
                             as_uint8: bool = False, ab_hook: AbHook | None = None) -> list[np.ndarray]:
    """Same-size full-resolution L ``(H, W)`` in [0, 100] → sRGB ``(H, W, 3)`` each, the network run once on
    the whole batch (video frames).

    ``predict``: L ``(B, 1, h, w)`` → ab ``(B, 2, h, w)`` in Lab units (the colorizer's network and settings).
    ``ab_hook(L_low, ab)``: called per item, in order, with ``(1, 1, h, w)`` and ``(1, 2, h, w)`` at working
    size, returns the ab to use (the temporal step of video)."""
    if not Ls:
        return []
    lows = [working_lightness(L, work_size) for L in Ls]
    filtered = lows[0][1]
    L_low = np.concatenate([low for low, _ in lows])
    ab = predict(L_low)
    out = []
    for i, L in enumerate(Ls):
        ab_i = ab[i:i + 1]
        if ab_hook is not None:
            ab_i = ab_hook(L_low[i:i + 1], ab_i)
        coef = guide_coefficients(ab_i, L_low[i:i + 1], steps, filtered)
        out.append(finish(L, coef, steps=steps, saturation=saturation, vibrance=vibrance, as_uint8=as_uint8))
    return out


def colorize_lightness(L: np.ndarray, *, steps: Any, predict: Callable[[np.ndarray], np.ndarray],
                       work_size: int, saturation: float = 1.0, vibrance: float = 0.0,
                       as_uint8: bool = False, ab_hook: AbHook | None = None) -> np.ndarray:
    """Full-resolution L ``(H, W)`` in [0, 100] → sRGB ``(H, W, 3)`` (uint8, or float32 in [0, 1]).

    ``predict``: L ``(1, 1, h, w)`` → ab ``(1, 2, h, w)`` in Lab units (the colorizer's network and settings).
    A photo no larger than ``work_size`` is predicted as it is, and its ab used unfiltered. ``ab_hook``: as
    in ``colorize_lightness_batch``."""
    return colorize_lightness_batch([L], steps=steps, predict=predict, work_size=work_size, saturation=saturation,
                                    vibrance=vibrance, as_uint8=as_uint8, ab_hook=ab_hook)[0]


def adjust_image(rgb: np.ndarray, *, steps: Any, saturation: float = 1.0, vibrance: float = 0.0) -> np.ndarray:
    """Saturation / vibrance of a colour photo ``(H, W, 3)`` (uint8, or float in [0, 1]) → float32 sRGB
    ``(H, W, 3)``, L kept, gamut guarded (``steps.adjust``, row strip by row strip; the maths of
    ``ops.colour.adjust_colour``). Unchanged settings return the photo as float32."""
    rgb = np.asarray(rgb)
    as_float = (lambda x: x.astype(np.float32) / 255.0) if rgb.dtype == np.uint8 else (  # noqa: E731
        lambda x: x.astype(np.float32, copy=False))
    if saturation == 1.0 and vibrance == 0.0:
        return as_float(rgb)
    h, w = rgb.shape[:2]
    out = np.empty((h, w, 3), np.float32)
    rows = strip_rows(w)

    def strip(y: int) -> None:
        out[y:y + rows] = steps.adjust(as_float(rgb[y:y + rows]), saturation, vibrance)

    _map_strips(strip, row_strips(h, w))
    return out
