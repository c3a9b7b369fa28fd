"""Colorizing one photo step by step on NumPy arrays: the one orchestration, whichever runtime runs the steps.

1. L of the photo (``steps.lightness``; a grey 8-bit photo through a 256-entry table made by that same step);
2. a working copy of L whose longer side is the work size (area averaging, ``area_downsample``);
3. the network's ab on it (``predict``: the colorizer's network, flip averaging, chroma scale, vividness);
4. the guided filter's coefficients at working size (``steps.coefficients``);
5. per row strip of the full-resolution photo: the coefficients upsampled to the strip, ab = A·L + B, chroma
   fitted into the sRGB gamut, saturation / vibrance (``steps.finish``); 8-bit rounding (``labnp.to_uint8``).

``steps`` is ``chromalab.inference.steps.TorchSteps`` or ``chromalab.inference.onnx_steps.OnnxSteps``: the
same torch functions, run eagerly or as exported ONNX graphs. This module needs NumPy only.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
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


@functools.cache
def grey_table(steps: Any) -> np.ndarray:
    """L of the 256 grey levels ``(v, v, v) / 255`` ``(256,)``, made by ``steps.lightness`` (once per steps
    object: they are shared, ``colorizer.shared_steps``)."""
    levels = np.repeat((np.arange(256, dtype=np.float32) / 255.0)[None, :, None], 3, axis=2)
    return np.asarray(steps.lightness(levels))[0]


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


def colorize_lightness(L: np.ndarray, *, steps: Any, predict: Callable[[np.ndarray], np.ndarray],
                       work_size: int, saturation: float = 1.0, vibrance: float = 0.0,
                       as_uint8: bool = False) -> np.ndarray:
    """Full-resolution L ``(H, W)`` in [0, 100] → sRGB ``(H, W, 3)`` (uint8, or float32 in [0, 1]).

    ``predict``: L ``(1, 1, h, w)`` → ab ``(1, 2, h, w)`` in Lab units (the colorizer's network and settings).
    A photo no larger than ``work_size`` is predicted as it is, and its ab used unfiltered."""
    h, w = L.shape
    size = work_shape(h, w, work_size)
    if size is None:
        ab = predict(L[None, None])
        coef = np.concatenate([np.zeros_like(ab), ab], 1)  # A = 0, B = ab: the finish step uses ab as it is
    else:
        L_low = area_downsample(L, size)[None, None]
        coef = steps.coefficients(predict(L_low), L_low)
    out = np.empty((h, w, 3), np.uint8 if as_uint8 else np.float32)
    rows = strip_rows(w)

    def strip(y: int) -> None:
        rgb = steps.finish(L[y:y + rows], coef, y, h, saturation, vibrance)
        out[y:y + rows] = to_uint8(rgb) if as_uint8 else rgb

    _map_strips(strip, row_strips(h, w))
    return out
