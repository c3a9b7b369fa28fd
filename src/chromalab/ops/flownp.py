"""The temporal step's frame maths on NumPy arrays: backward warping, the occlusion test of Lai et al., and the
lightness histograms of the scene-cut test. The torch-free twins of ``chromalab.ops.flow`` and
``chromalab.ops.histogram`` (which stay the reference, and what the evaluation uses): colorizing a video needs
no torch; ``tests/ops/test_flownp.py`` holds each equal to its torch twin.

Flow convention as in ``ops.flow``: ``flow[0]`` is the x and ``flow[1]`` the y displacement in pixels, on the
target frame, ``target(p) ≈ source(p + flow(p))``. Arrays here carry no batch axis: ``(C, H, W)``.
"""

from __future__ import annotations

import numpy as np


def backward_warp(src: np.ndarray, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``src`` at ``p + flow(p)`` (bilinear, coordinates clamped to the frame: ``grid_sample`` with
    ``padding_mode="border"``, ``align_corners=True``).

    Args:
        src: ``(C, H, W)`` float, any value range.
        flow: ``(2, H, W)`` float, pixels (x, y), on the target frame.
    Returns:
        warped ``(C, H, W)`` (``src``'s float dtype) and ``inside`` ``(H, W)`` float in {0, 1}: 1 where
        ``p + flow(p)`` falls inside the source frame.
    """
    if src.ndim != 3 or flow.shape != (2, *src.shape[1:]):
        raise ValueError(f"backward_warp needs src (C, H, W) and flow (2, H, W), got {src.shape} and {flow.shape}")
    _, h, w = src.shape
    x = np.arange(w, dtype=flow.dtype)[None, :] + flow[0]
    y = np.arange(h, dtype=flow.dtype)[:, None] + flow[1]
    inside = ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).astype(src.dtype)
    x = np.clip(x, 0, w - 1)
    y = np.clip(y, 0, h - 1)
    x0 = np.floor(x).astype(np.intp)
    y0 = np.floor(y).astype(np.intp)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx = (x - x0).astype(src.dtype)
    fy = (y - y0).astype(src.dtype)
    flat = src.reshape(src.shape[0], -1)
    top = flat[:, y0 * w + x0] * (1 - fx) + flat[:, y0 * w + x1] * fx
    bottom = flat[:, y1 * w + x0] * (1 - fx) + flat[:, y1 * w + x1] * fx
    return top * (1 - fy) + bottom * fy, inside


def occlusion_mask(flow: np.ndarray, flow_back: np.ndarray) -> np.ndarray:
    """1 where ``flow`` can be trusted (``ops.flow.occlusion_mask``: forward/backward consistency, no motion
    boundary, inside the frame).

    Args:
        flow: ``(2, H, W)`` target → source, on the target frame (pixels).
        flow_back: ``(2, H, W)`` source → target, on the source frame.
    Returns:
        ``(H, W)`` float in {0, 1}.
    """
    back, inside = backward_warp(flow_back, flow)
    diff = ((flow + back) ** 2).sum(0)
    mag = (flow ** 2).sum(0) + (back ** 2).sum(0)
    consistent = diff <= 0.01 * mag + 0.5
    dx = np.zeros_like(flow)
    dy = np.zeros_like(flow)
    dx[:, :, :-1] = flow[:, :, 1:] - flow[:, :, :-1]
    dy[:, :-1, :] = flow[:, 1:, :] - flow[:, :-1, :]
    grad = (dx ** 2 + dy ** 2).sum(0)
    smooth = grad <= 0.01 * (flow ** 2).sum(0) + 0.002
    return (consistent & smooth).astype(flow.dtype) * inside


def histogram(x: np.ndarray, bins: int) -> np.ndarray:
    """Normalised histogram ``(bins,)`` float64 of values in [0, 1] (clamped), ``bins`` equal bins
    (``ops.histogram.channel_histograms`` of one channel)."""
    idx = np.minimum((np.clip(np.asarray(x, np.float32).ravel(), 0, 1) * bins).astype(np.int64), bins - 1)
    hist = np.bincount(idx, minlength=bins).astype(np.float64)
    return hist / hist.sum()


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence (natural log, in [0, ln 2]) along the last axis (``ops.histogram``)."""
    m = (p + q) / 2

    def kl(a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(a > 0, a / np.maximum(m, 1e-300), 1.0)
        return (a * np.log(ratio)).sum(-1)

    return (kl(p) + kl(q)) / 2
