"""Optical-flow helpers for video: backward warping and the occlusion test of Lai et al. (ECCV 2018).

Flow convention everywhere: ``flow[:, 0]`` is the x and ``flow[:, 1]`` the y displacement in pixels, and a
flow ``(B, 2, H, W)`` *on the target frame* says where each target pixel is found in the source frame
(``target(p) ≈ source(p + flow(p))``). That is what a backward warp needs, and it lets one warp colour
from the previous output onto the current frame without holes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def backward_warp(src: torch.Tensor, flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample ``src`` at ``p + flow(p)`` (bilinear, borders clamped).

    Args:
        src: ``(B, C, H, W)`` float, any value range.
        flow: ``(B, 2, H, W)`` float, pixels (x, y), on the target frame.
    Returns:
        warped ``(B, C, H, W)`` and ``inside`` ``(B, 1, H, W)`` float in {0, 1}: 1 where ``p + flow(p)``
        falls inside the source frame (outside, the warped value is only a border copy).
    """
    b, _, h, w = src.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=flow.dtype, device=flow.device),
                            torch.arange(w, dtype=flow.dtype, device=flow.device), indexing="ij")
    x = xs + flow[:, 0]
    y = ys + flow[:, 1]
    # align_corners=True: -1 and 1 are the centres of the corner pixels, so pixel i maps to 2i/(n-1) - 1
    gx = 2 * x / max(w - 1, 1) - 1
    gy = 2 * y / max(h - 1, 1) - 1
    warped = F.grid_sample(src, torch.stack([gx, gy], -1), mode="bilinear", padding_mode="border",
                           align_corners=True)
    inside = ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).to(src.dtype)[:, None]
    return warped, inside


def occlusion_mask(flow: torch.Tensor, flow_back: torch.Tensor) -> torch.Tensor:
    """1 where ``flow`` can be trusted: the forward/backward check and motion-boundary test of Lai et al.

    A pixel is occluded when ``|flow(p) + flow_back(p + flow(p))|² > 0.01 (|flow|² + |flow_back(..)|²) + 0.5``
    (going there and back does not return), or when it lies on a motion boundary,
    ``|∇flow|² > 0.01 |flow|² + 0.002``, or when ``p + flow(p)`` leaves the frame.

    Args:
        flow: ``(B, 2, H, W)`` target → source, on the target frame (pixels).
        flow_back: ``(B, 2, H, W)`` source → target, on the source frame.
    Returns:
        ``(B, 1, H, W)`` float in {0, 1}.
    """
    back, inside = backward_warp(flow_back, flow)
    diff = (flow + back).pow(2).sum(1, keepdim=True)
    mag = flow.pow(2).sum(1, keepdim=True) + back.pow(2).sum(1, keepdim=True)
    consistent = diff <= 0.01 * mag + 0.5
    dx = torch.zeros_like(flow)
    dy = torch.zeros_like(flow)
    dx[..., :, :-1] = flow[..., :, 1:] - flow[..., :, :-1]
    dy[..., :-1, :] = flow[..., 1:, :] - flow[..., :-1, :]
    grad = (dx.pow(2) + dy.pow(2)).sum(1, keepdim=True)
    smooth = grad <= 0.01 * flow.pow(2).sum(1, keepdim=True) + 0.002
    return (consistent & smooth).to(flow.dtype) * inside
