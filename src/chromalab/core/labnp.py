"""The torch-free part of the Lab convention: its constants, the network scaling of L and ab, 8-bit rounding.

``chromalab.core.lab`` (the colour maths, torch) re-exports all of it, so there is still one owner and one
name for each (``lab.L_MAX``, ``lab.to_uint8``, ...); this module exists so that colorizing with ONNX Runtime
(``chromalab.inference.pipeline``) needs NumPy and no torch. The scaling functions are plain arithmetic and
take NumPy arrays or torch tensors alike.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

L_MAX = 100.0
AB_SCALE = 110.0
GREY_CHROMA = 4.0  # mean chroma (Lab units) below which a photo counts as already grey
AB_BIN_TEMPERATURE = 0.38  # annealed-mean temperature of ab-bin classifiers when nothing else says (Zhang et al.)
SATURATION_RANGE = (0.0, 4.0)  # the user's after-colorizing chroma scale (1 = as is, 0 = grey)
VIBRANCE_RANGE = (-1.0, 1.0)  # boost (> 0) or mute (< 0) weak colours more than strong ones

T = TypeVar("T")  # np.ndarray or torch.Tensor


def normalize_l(L: T) -> T:
    """L in [0, 100] → network input in [-1, 1]."""
    return L / (L_MAX / 2) - 1.0


def denormalize_l(l_norm: T) -> T:
    """Network L in [-1, 1] → L in [0, 100]."""
    return (l_norm + 1.0) * (L_MAX / 2)


def denormalize_ab(ab_norm: T) -> T:
    """Network ab in [-1, 1] → ab in [-110, 110]."""
    return ab_norm * AB_SCALE


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] (any shape) → uint8, clipped and rounded half up; uint8 input is returned as is."""
    if rgb.dtype == np.uint8:
        return rgb
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def check_adjustment(saturation: float, vibrance: float) -> None:
    """``ValueError`` (one line) unless ``saturation`` and ``vibrance`` are in their ranges."""
    if not (SATURATION_RANGE[0] <= saturation <= SATURATION_RANGE[1]):
        raise ValueError(f"saturation must be in [{SATURATION_RANGE[0]:g}, {SATURATION_RANGE[1]:g}], got {saturation}")
    if not (VIBRANCE_RANGE[0] <= vibrance <= VIBRANCE_RANGE[1]):
        raise ValueError(f"vibrance must be in [{VIBRANCE_RANGE[0]:g}, {VIBRANCE_RANGE[1]:g}], got {vibrance}")
