"""The one CIE Lab convention of chromalab.

Every conversion between sRGB and CIE Lab, and every scaling of L and ab for networks, lives here.
kornia does the colour maths (D65 white, sRGB companding).

Conventions (all tensors float32):

- ``rgb``: ``(B, 3, H, W)`` in ``[0, 1]``.
- ``lab``: ``(B, 3, H, W)``; L in ``[0, 100]``, a and b roughly in ``[-110, 110]``.
- network L (``l_norm``): ``(B, 1, H, W)`` in ``[-1, 1]`` (``L / 50 - 1``).
- network ab (``ab_norm``): ``(B, 2, H, W)`` in ``[-1, 1]`` (``ab / AB_SCALE``).
- images as arrays: ``(H, W, 3)`` float32 in ``[0, 1]``; ``to_uint8`` is the one rounding rule to 8 bits.
- a photo counts as already grey when its mean chroma is below ``GREY_CHROMA``.
"""

from __future__ import annotations

import kornia.color as kc
import numpy as np
import torch

L_MAX = 100.0
AB_SCALE = 110.0
GREY_CHROMA = 4.0  # mean chroma (Lab units) below which a photo counts as already grey


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB ``(B, 3, H, W)`` in [0, 1] → Lab ``(B, 3, H, W)`` (L in [0, 100])."""
    return kc.rgb_to_lab(rgb.clamp(0.0, 1.0))


def lab_to_rgb(lab: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Lab ``(B, 3, H, W)`` → sRGB ``(B, 3, H, W)``, clipped to [0, 1] unless ``clip=False``."""
    return kc.lab_to_rgb(lab, clip=clip)


def normalize_l(L: torch.Tensor) -> torch.Tensor:
    """L in [0, 100] → network input in [-1, 1]."""
    return L / (L_MAX / 2) - 1.0


def denormalize_l(l_norm: torch.Tensor) -> torch.Tensor:
    """Network L in [-1, 1] → L in [0, 100]."""
    return (l_norm + 1.0) * (L_MAX / 2)


def normalize_ab(ab: torch.Tensor) -> torch.Tensor:
    """ab in about [-110, 110] → network range [-1, 1] (clamped)."""
    return (ab / AB_SCALE).clamp(-1.0, 1.0)


def denormalize_ab(ab_norm: torch.Tensor) -> torch.Tensor:
    """Network ab in [-1, 1] → ab in [-110, 110]."""
    return ab_norm * AB_SCALE


def rgb_to_network(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """sRGB ``(B, 3, H, W)`` → (``l_norm`` ``(B, 1, H, W)``, ``ab_norm`` ``(B, 2, H, W)``)."""
    lab = rgb_to_lab(rgb)
    return normalize_l(lab[:, :1]), normalize_ab(lab[:, 1:])


def network_to_rgb(l_norm: torch.Tensor, ab_norm: torch.Tensor) -> torch.Tensor:
    """(``l_norm``, ``ab_norm``) → sRGB ``(B, 3, H, W)`` in [0, 1], chroma fitted into the gamut."""
    return lab_to_rgb_in_gamut(denormalize_l(l_norm), denormalize_ab(ab_norm))


def grey_rgb(L: torch.Tensor) -> torch.Tensor:
    """L ``(B, 1, H, W)`` in [0, 100] → the grey sRGB image ``(B, 3, H, W)`` in [0, 1] with that L (ab = 0)."""
    zeros = torch.zeros_like(L)
    return lab_to_rgb(torch.cat([L, zeros, zeros], 1))


def grey_l(rgb: torch.Tensor) -> torch.Tensor:
    """L channel ``(B, 1, H, W)`` in [0, 100] of an sRGB image: what a grey version keeps."""
    return rgb_to_lab(rgb)[:, :1]


def lab_to_rgb_in_gamut(L: torch.Tensor, ab: torch.Tensor, steps: int = 8) -> torch.Tensor:
    """Lab → sRGB, shrinking chroma of out-of-gamut pixels instead of clipping RGB.

    Clipping RGB changes lightness; scaling ab towards 0 keeps L exactly (grey is always in gamut).
    A per-pixel bisection on the chroma factor ``s`` in [0, 1] finds the largest in-gamut ``s``; it runs
    only on the pixels that are out of gamut.

    Args:
        L: ``(B, 1, H, W)`` in [0, 100].
        ab: ``(B, 2, H, W)``.
    Returns:
        sRGB ``(B, 3, H, W)`` in [0, 1].
    """
    eps = 1e-4
    rgb = kc.lab_to_rgb(torch.cat([L, ab], 1), clip=False)
    bad = ((rgb < -eps) | (rgb > 1 + eps)).any(1)  # (B, H, W)
    if not bool(bad.any()):
        return rgb.clamp(0.0, 1.0)
    # gather the out-of-gamut pixels as a (1, 3, 1, N) image and bisect on them alone
    Lb = L.permute(0, 2, 3, 1)[bad].T[None, :, None]
    abb = ab.permute(0, 2, 3, 1)[bad].T[None, :, None]
    lo = torch.zeros_like(Lb)
    hi = torch.ones_like(Lb)
    for _ in range(steps):
        mid = (lo + hi) / 2
        trial = kc.lab_to_rgb(torch.cat([Lb, abb * mid], 1), clip=False)
        good = ((trial >= -eps) & (trial <= 1 + eps)).all(1, keepdim=True)
        lo = torch.where(good, mid, lo)
        hi = torch.where(good, hi, mid)
    fixed = kc.lab_to_rgb(torch.cat([Lb, abb * lo], 1), clip=True)[0, :, 0].T  # (N, 3)
    out = rgb.permute(0, 2, 3, 1).clone()
    out[bad] = fixed
    return out.permute(0, 3, 1, 2).clamp(0.0, 1.0)


def image_to_tensor(img: np.ndarray) -> torch.Tensor:
    """HxWx3 float array in [0, 1] → ``(1, 3, H, W)`` tensor."""
    return torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32)).permute(2, 0, 1)[None]


def tensor_to_image(t: torch.Tensor) -> np.ndarray:
    """``(1, 3, H, W)`` or ``(3, H, W)`` tensor → HxWx3 float32 array."""
    if t.ndim == 4:
        t = t[0]
    return t.detach().float().permute(1, 2, 0).cpu().numpy()


def chroma(ab: torch.Tensor) -> torch.Tensor:
    """Chroma ``sqrt(a² + b²)`` ``(B, 1, H, W)`` of ab ``(B, 2, H, W)`` in Lab units."""
    return ab.pow(2).sum(1, keepdim=True).sqrt()


def mean_chroma(rgb: np.ndarray) -> float:
    """Mean Lab chroma of an ``(H, W, 3)`` float image in [0, 1], measured on a ≤64-px thumbnail."""
    t = image_to_tensor(rgb)
    scale = 64 / max(t.shape[-2:])
    if scale < 1:
        t = torch.nn.functional.interpolate(t, scale_factor=scale, mode="area")
    return float(chroma(rgb_to_lab(t)[:, 1:]).mean())


def is_grey_photo(rgb: np.ndarray) -> bool:
    """True if ``rgb`` ``(H, W, 3)`` in [0, 1] has (almost) no colour: mean chroma below ``GREY_CHROMA``."""
    return mean_chroma(rgb) < GREY_CHROMA


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] (any shape) → uint8, clipped and rounded half up; uint8 input is returned as is."""
    if rgb.dtype == np.uint8:
        return rgb
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
