"""The one CIE Lab convention of chromalab.

Every conversion between sRGB and CIE Lab, and every scaling of L and ab for networks, lives here. The colour
maths is written here with kornia's constants (D65 white, sRGB companding; ``tests/core/test_lab.py`` holds
them equal to ``kornia.color``) rather than called from kornia: importing kornia costs ~1 s, and gamut fitting
needs the linear-RGB step on its own (in/out of gamut is decided before companding, once).

Conventions (all tensors float32):

- ``rgb``: ``(B, 3, H, W)`` in ``[0, 1]``.
- ``lab``: ``(B, 3, H, W)``; L in ``[0, 100]``, a and b roughly in ``[-110, 110]``.
- network L (``l_norm``): ``(B, 1, H, W)`` in ``[-1, 1]`` (``L / 50 - 1``).
- network ab (``ab_norm``): ``(B, 2, H, W)`` in ``[-1, 1]`` (``ab / AB_SCALE``).
- images as arrays: ``(H, W, 3)`` float32 in ``[0, 1]``; ``to_uint8`` is the one rounding rule to 8 bits.
- a photo counts as already grey when its mean chroma is below ``GREY_CHROMA``.
"""

from __future__ import annotations

import numpy as np
import torch

from chromalab.core.labnp import (  # noqa: F401  (re-exported: lab.L_MAX, lab.to_uint8, ...)
    AB_SCALE,
    GREY_CHROMA,
    L_MAX,
    denormalize_ab,
    denormalize_l,
    normalize_l,
    to_uint8,
)

WHITE = (0.95047, 1.0, 1.08883)  # D65 reference white (X, Y, Z)
RGB_TO_XYZ = ((0.412453, 0.357580, 0.180423), (0.212671, 0.715160, 0.072169), (0.019334, 0.119193, 0.950227))
XYZ_TO_RGB = ((3.2404813432005266, -1.5371515162713185, -0.4985363261688878),
              (-0.9692549499965682, 1.8759900014898907, 0.0415559265582928),
              (0.0556466391351772, -0.2040413383665112, 1.0573110696453443))


def _mix(m, c):
    """The 3x3 matrix ``m`` applied to the three channel tensors ``c``."""
    return tuple(m[i][0] * c[0] + m[i][1] * c[1] + m[i][2] * c[2] for i in range(3))


def srgb_to_linear(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0.04045, ((x + 0.055).clamp(min=0.0) / 1.055) ** 2.4, x / 12.92)


# The piecewise curves below are written without torch.where: the two pieces meet at the threshold, so "power
# piece at max(x, threshold) + linear piece of the part below it" is the same function (to ~3e-6), and it
# exports to plain arithmetic that ONNX Runtime runs several times faster than its Where.
def linear_to_srgb(x: torch.Tensor) -> torch.Tensor:
    return 1.055 * x.clamp(min=0.0031308) ** (1 / 2.4) - 0.055 + 12.92 * (x - 0.0031308).clamp(max=0.0)


def _f(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > 0.008856, t.clamp(min=0.008856) ** (1 / 3), 7.787 * t + 4.0 / 29.0)


def _f_inv(t: torch.Tensor) -> torch.Tensor:
    c = t.clamp(min=0.2068966)  # the linear piece is the cube's tangent at 6/29
    return c * c * c + (t - c) / 7.787


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB ``(B, 3, H, W)`` in [0, 1] → Lab ``(B, 3, H, W)`` (L in [0, 100])."""
    x, y, z = _mix(RGB_TO_XYZ, srgb_to_linear(rgb.clamp(0.0, 1.0)).unbind(-3))
    fx, fy, fz = _f(x / WHITE[0]), _f(y / WHITE[1]), _f(z / WHITE[2])
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], -3)


def lab_to_linear(L: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Lab channels (tensors of one shape) → linear-light RGB channels ``(r, g, b)``, not clipped: a colour
    is in the sRGB gamut exactly when all three are in [0, 1] (companding is monotonic)."""
    fy = (L + 16.0) / 116.0
    fx = a / 500.0 + fy
    fz = (fy - b / 200.0).clamp(min=0.0)
    xyz = (_f_inv(fx) * WHITE[0], _f_inv(fy) * WHITE[1], _f_inv(fz) * WHITE[2])
    return _mix(XYZ_TO_RGB, xyz)


def lab_to_rgb(lab: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Lab ``(B, 3, H, W)`` → sRGB ``(B, 3, H, W)``, clipped to [0, 1] unless ``clip=False``."""
    rgb = linear_to_srgb(torch.stack(lab_to_linear(*lab.unbind(-3)), -3))
    return rgb.clamp(0.0, 1.0) if clip else rgb


def normalize_ab(ab: torch.Tensor) -> torch.Tensor:
    """ab in about [-110, 110] → network range [-1, 1] (clamped)."""
    return (ab / AB_SCALE).clamp(-1.0, 1.0)


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
    """L channel ``(B, 1, H, W)`` in [0, 100] of an sRGB image: what a grey version keeps (``rgb_to_lab``'s L,
    computed from the luminance Y alone)."""
    y = _mix(RGB_TO_XYZ, srgb_to_linear(rgb.clamp(0.0, 1.0)).unbind(-3))[1]
    return (116.0 * _f(y / WHITE[1]) - 16.0)[:, None]


GAMUT_EPS = 1e-4  # sRGB tolerance of the gamut test
_LINEAR_LO = -GAMUT_EPS / 12.92  # sRGB -eps and 1 + eps, in linear light (companding is monotonic)
_LINEAR_HI = ((1 + GAMUT_EPS + 0.055) / 1.055) ** 2.4


def _in_gamut(rgb: tuple[torch.Tensor, ...]) -> torch.Tensor:
    return ((rgb[0] >= _LINEAR_LO) & (rgb[0] <= _LINEAR_HI) & (rgb[1] >= _LINEAR_LO) & (rgb[1] <= _LINEAR_HI)
            & (rgb[2] >= _LINEAR_LO) & (rgb[2] <= _LINEAR_HI))


def lab_to_rgb_in_gamut(L: torch.Tensor, ab: torch.Tensor, steps: int = 8, channels_last: bool = False
                        ) -> torch.Tensor:
    """Lab → sRGB, shrinking chroma of out-of-gamut pixels instead of clipping RGB.

    Clipping RGB changes lightness; scaling ab towards 0 keeps L exactly (grey is always in gamut).
    A per-pixel bisection on the chroma factor ``s`` in [0, 1] finds the largest in-gamut ``s``. Why it is
    cheap: Lab → linear RGB runs once at full resolution, the bisection runs on the out-of-gamut pixels alone
    (gathered by index once), the gamut test is done in linear light, and companding to sRGB runs once at the
    end. There is no data-dependent Python branch, so the function traces into an ONNX graph as it is
    (``chromalab.inference.steps``).

    Args:
        L: ``(B, 1, H, W)`` in [0, 100].
        ab: ``(B, 2, H, W)``.
        channels_last: return ``(B, H, W, 3)`` instead (what images and the ONNX finish step want).
    Returns:
        sRGB ``(B, 3, H, W)`` (or ``(B, H, W, 3)``) float32 in [0, 1].
    """
    B, _, H, W = L.shape
    lin = lab_to_linear(L[:, 0], ab[:, 0], ab[:, 1])  # (B, H, W) each
    idx = (~_in_gamut(lin)).reshape(-1).nonzero()[:, 0]  # flat indices of the out-of-gamut pixels, (N,)
    lin = torch.stack(lin, -1).reshape(-1, 3)
    Lb = L.reshape(-1).index_select(0, idx)
    ab_b = ab.permute(0, 2, 3, 1).reshape(-1, 2).index_select(0, idx)
    a, b = ab_b[:, 0], ab_b[:, 1]
    lo = torch.zeros_like(Lb)
    hi = torch.ones_like(Lb)
    for _ in range(steps):
        mid = (lo + hi) / 2
        good = _in_gamut(lab_to_linear(Lb, a * mid, b * mid))
        lo = torch.where(good, mid, lo)
        hi = torch.where(good, hi, mid)
    lin = lin.index_put((idx,), torch.stack(lab_to_linear(Lb, a * lo, b * lo), 1))
    rgb = linear_to_srgb(lin.clamp(0.0, 1.0)).clamp(0.0, 1.0).reshape(B, H, W, 3)
    return rgb if channels_last else rgb.permute(0, 3, 1, 2)


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


