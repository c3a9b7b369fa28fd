"""Temporal consistency for video: carry the previous frame's colour along the optical flow.

A per-frame colorizer picks colours afresh on every frame, so they flicker. Here, at the network's working
size, the previous *output* ab is warped onto the current frame (DIS optical flow on the grey frames, a
backward warp) and blended recurrently with the model's ab:

    ab_t = c·alpha·warp(ab_{t-1}) + (1 − c·alpha)·model_ab_t

``c`` in [0, 1] is a per-pixel confidence: 0 where the forward/backward test says the pixel is occluded or
left the frame, falling off with the lightness mismatch between the frame and the warped previous frame.
The blend is convex, and its chroma is set to the same blend of the two chromas, so disagreeing hues do not
average towards grey (the washed-out look of plain temporal averaging). A scene cut (L histograms differ a
lot) resets the state, so colour never leaks from one shot into the next.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.ops.flow import backward_warp, occlusion_mask
from chromalab.ops.histogram import channel_histograms, js_divergence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemporalSettings:
    # alpha, l_sigma and preset were chosen on validation videos by the rule in docs/video.md
    alpha: float = 0.95        # weight of the carried colour where the flow is fully trusted
    l_sigma: float = 12.0      # lightness mismatch (L units) at which confidence falls to 1/e
    flow_size: int = 256       # longer side of the frames the flow is computed on
    cut_threshold: float = 0.25  # JS divergence of L histograms (of ln 2 ≈ 0.69) that counts as a cut
    preset: int = cv2.DISOPTICAL_FLOW_PRESET_FAST


def dis_flow(target: np.ndarray, source: np.ndarray, preset: int = cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
             dis: cv2.DISOpticalFlow | None = None) -> np.ndarray:
    """DIS optical flow on grey uint8 frames ``(H, W)``: ``(H, W, 2)`` float32 on ``target`` with
    ``target(p) ≈ source(p + flow(p))`` (the ``chromalab.ops.flow`` convention)."""
    dis = dis or cv2.DISOpticalFlow_create(preset)
    return dis.calc(target, source, None)


def flow_tensor(flow: np.ndarray) -> torch.Tensor:
    """``(H, W, 2)`` numpy flow → ``(1, 2, H, W)`` tensor."""
    return torch.from_numpy(np.ascontiguousarray(flow)).permute(2, 0, 1)[None].float()


def l_to_u8(L: torch.Tensor) -> np.ndarray:
    """``(1, 1, H, W)`` L in [0, 100] → ``(H, W)`` uint8 for OpenCV."""
    return (L[0, 0].clamp(0, 100) * 2.55 + 0.5).to(torch.uint8).numpy()


def is_scene_cut(L_prev: torch.Tensor, L: torch.Tensor, threshold: float) -> bool:
    """True when the lightness histograms of two frames ``(1, 1, h, w)`` differ by more than ``threshold``."""
    p = channel_histograms(L_prev[0] / lab.L_MAX, bins=64)
    q = channel_histograms(L[0] / lab.L_MAX, bins=64)
    return float(js_divergence(p, q).mean()) > threshold


def blend_chroma_preserving(warped: torch.Tensor, current: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``weight·warped + (1 − weight)·current``, rescaled so its chroma is the same blend of the two chromas.

    Args:
        warped, current: ab ``(B, 2, H, W)`` in Lab units.
        weight: ``(B, 1, H, W)`` in [0, 1].
    Returns:
        ab ``(B, 2, H, W)``.
    """
    mixed = weight * warped + (1 - weight) * current
    want = weight * lab.chroma(warped) + (1 - weight) * lab.chroma(current)
    have = lab.chroma(mixed)
    return mixed * (want / have.clamp_min(1e-3)).clamp(max=4.0)


class TemporalBlender:
    """Recurrent state over a frame sequence at working size; feed frames in order with ``step``."""

    def __init__(self, settings: TemporalSettings | None = None):
        self.settings = settings or TemporalSettings()
        self.dis = cv2.DISOpticalFlow_create(self.settings.preset)
        self.reset()

    def reset(self) -> None:
        self.prev_L: torch.Tensor | None = None
        self.prev_ab: torch.Tensor | None = None
        self.cuts = 0

    def _flow_pair(self, L: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Flows current→previous and previous→current at the size of ``L``, computed on smaller frames."""
        h, w = L.shape[-2:]
        s = min(1.0, self.settings.flow_size / max(h, w))
        size = (max(8, round(h * s)), max(8, round(w * s)))
        cur = F.interpolate(L, size=size, mode="area") if s < 1 else L
        prev = F.interpolate(self.prev_L, size=size, mode="area") if s < 1 else self.prev_L
        a, b = l_to_u8(cur), l_to_u8(prev)
        fw = flow_tensor(self.dis.calc(a, b, None))
        bw = flow_tensor(self.dis.calc(b, a, None))
        if s < 1:
            scale = torch.tensor([w / size[1], h / size[0]]).view(1, 2, 1, 1)
            fw = F.interpolate(fw, size=(h, w), mode="bilinear", align_corners=False) * scale
            bw = F.interpolate(bw, size=(h, w), mode="bilinear", align_corners=False) * scale
        return fw, bw

    def step(self, L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        """One frame: L ``(1, 1, h, w)`` in [0, 100], the model's ab ``(1, 2, h, w)`` → consistent ab."""
        st = self.settings
        if self.prev_L is not None and (self.prev_L.shape != L.shape or is_scene_cut(self.prev_L, L,
                                                                                      st.cut_threshold)):
            log.debug("scene cut: temporal state reset")
            self.cuts += 1
            self.prev_L = None
        if self.prev_L is None:
            out = ab
        else:
            fw, bw = self._flow_pair(L)
            warped, _ = backward_warp(torch.cat([self.prev_ab, self.prev_L], 1), fw)
            conf = occlusion_mask(fw, bw) * torch.exp(-(warped[:, 2:] - L).abs() / st.l_sigma)
            out = blend_chroma_preserving(warped[:, :2], ab, st.alpha * conf)
        self.prev_L, self.prev_ab = L, out
        return out
