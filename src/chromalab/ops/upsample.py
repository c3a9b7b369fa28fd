"""Edge-aware upsampling of predicted colour, guided by the full-resolution luminance.

The network predicts ab on a small working copy; plain bilinear upsampling lets colour bleed across
edges. The fast guided filter (He, Sun & Tang 2010; He & Sun 2015) fits, in every low-resolution window,
a linear model ``ab ≈ A * L + B``; ``A`` and ``B`` are smooth, so they are upsampled and applied to the
full-resolution L, and colour edges follow luminance edges.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

GUIDED_RADIUS = 2  # window radius of guided upsampling, in working-size pixels
GUIDED_EPS = 1e-3  # its regularisation, in (L / 100)² units

def box_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over the ``(2r+1)²`` window around each pixel, the window clipped at the borders.

    Args:
        x: ``(B, C, H, W)``.
        r: radius ≥ 0.
    Returns:
        ``(B, C, H, W)``: an average pool that counts only the pixels inside the image
        (``count_include_pad=False``), which exports to one ONNX ``AveragePool``; O(r²) per pixel, for the
        small radii of guided upsampling (a cumulative-sum version was 3× slower there, in torch and in ONNX
        Runtime).
    """
    if r <= 0:
        return x.clone()
    return F.avg_pool2d(x, 2 * r + 1, stride=1, padding=r, count_include_pad=False)


def guided_filter_coefficients(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float
                               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-pixel linear coefficients ``(A, B)`` with ``src ≈ A * guide + B`` (already box-averaged).

    Args:
        guide: ``(B, 1, H, W)``, e.g. L / 100 in [0, 1].
        src: ``(B, C, H, W)``.
    """
    mean_i = box_filter(guide, r)
    mean_p = box_filter(src, r)
    cov_ip = box_filter(guide * src, r) - mean_i * mean_p
    var_i = box_filter(guide * guide, r) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box_filter(a, r), box_filter(b, r)


def guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int = 4, eps: float = 1e-3) -> torch.Tensor:
    """Guided filter at one resolution: ``(B, C, H, W)`` smoothed ``src`` that follows ``guide``'s edges."""
    a, b = guided_filter_coefficients(guide, src, r, eps)
    return a * guide + b


def guided_upsample(src_low: torch.Tensor, guide_low: torch.Tensor, guide_high: torch.Tensor,
                    r: int = GUIDED_RADIUS, eps: float = GUIDED_EPS) -> torch.Tensor:
    """Fast guided upsampling of ``src_low`` to the size of ``guide_high``.

    Args:
        src_low: ``(B, C, h, w)`` low-resolution signal (e.g. ab).
        guide_low: ``(B, 1, h, w)`` guide at low resolution (e.g. L / 100, area-downsampled).
        guide_high: ``(B, 1, H, W)`` guide at full resolution.
        r: window radius in low-resolution pixels; eps: regularisation (guide units squared).
    Returns:
        ``(B, C, H, W)``.
    """
    a, b = guided_filter_coefficients(guide_low, src_low, r, eps)
    size = guide_high.shape[-2:]
    out = torch.empty(*a.shape[:2], *size, dtype=a.dtype, device=a.device)
    for c in range(a.shape[1]):  # one channel at a time, in place: 2 full-resolution temporaries, not 4
        part = F.interpolate(a[:, c:c + 1], size=size, mode="bilinear", align_corners=False).mul_(guide_high)
        out[:, c:c + 1] = part.add_(F.interpolate(b[:, c:c + 1], size=size, mode="bilinear", align_corners=False))
    return out


def bilinear_rows(x: torch.Tensor, y0: torch.Tensor | int, rows: int, height: torch.Tensor | int, width: int
                  ) -> torch.Tensor:
    """Rows ``y0 .. y0 + rows - 1`` of ``F.interpolate(x, (height, width), mode="bilinear")`` (half-pixel
    centres, ``align_corners=False``), without making the other rows: a strip of a full-resolution upsampling.

    Args:
        x: ``(B, C, h, w)``.
        y0, height: the strip's first row and the full output height (ints, or 0-d int64 tensors: the ONNX
            finish step takes them as graph inputs).
        rows, width: the strip's size (traced from the full-resolution strip's shape).
    Returns:
        ``(B, C, rows, width)``; equal to the slice of the full upsampling (``tests/ops/test_upsample.py``).
    """
    h = x.shape[-2]
    y0 = torch.as_tensor(y0, dtype=torch.float32)
    height = torch.as_tensor(height, dtype=torch.float32)
    src = ((torch.arange(rows, dtype=torch.float32) + y0 + 0.5) * (h / height) - 0.5).clamp(min=0.0)
    top = src.floor().long().clamp(max=h - 1)
    frac = (src - top.float())[:, None]
    below = (top + 1).clamp(max=h - 1)
    strip = x.index_select(2, top) * (1.0 - frac) + x.index_select(2, below) * frac  # (B, C, rows, w)
    return F.interpolate(strip, size=(rows, width), mode="bilinear", align_corners=False)  # rows: identity


def bilinear_upsample(src_low: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Plain bilinear upsampling (the baseline guided upsampling is compared with)."""
    return F.interpolate(src_low, size=size, mode="bilinear", align_corners=False)
