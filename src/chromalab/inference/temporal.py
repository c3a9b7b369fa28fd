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

NumPy and OpenCV only (``chromalab.ops.flownp``), so videos colorize without torch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from chromalab.core import labnp
from chromalab.inference.pipeline import area_downsample
from chromalab.ops.flownp import backward_warp, histogram, js_divergence, occlusion_mask

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


def l_to_u8(L: np.ndarray) -> np.ndarray:
    """L ``(H, W)`` in [0, 100] → ``(H, W)`` uint8 for OpenCV."""
    return (np.clip(L, 0, 100).astype(np.float32) * np.float32(2.55) + np.float32(0.5)).astype(np.uint8)


def is_scene_cut(L_prev: np.ndarray, L: np.ndarray, threshold: float) -> bool:
    """True when the lightness histograms (64 bins) of two frames ``(..., h, w)`` in [0, 100] differ by more
    than ``threshold`` (Jensen–Shannon divergence)."""
    p = histogram(np.asarray(L_prev, np.float32) / np.float32(labnp.L_MAX), bins=64)
    q = histogram(np.asarray(L, np.float32) / np.float32(labnp.L_MAX), bins=64)
    return float(js_divergence(p, q)) > threshold


def chroma(ab: np.ndarray) -> np.ndarray:
    """``sqrt(a² + b²)`` ``(1, H, W)`` of ab ``(2, H, W)``."""
    return np.sqrt((ab * ab).sum(0, keepdims=True))


def blend_chroma_preserving(warped: np.ndarray, current: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``weight·warped + (1 − weight)·current``, rescaled so its chroma is the same blend of the two chromas.

    Args:
        warped, current: ab ``(2, H, W)`` float32 in Lab units.
        weight: ``(H, W)`` in [0, 1].
    Returns:
        ab ``(2, H, W)``.
    """
    mixed = weight * warped + (1 - weight) * current
    want = weight * chroma(warped) + (1 - weight) * chroma(current)
    return mixed * np.minimum(want / np.maximum(chroma(mixed), np.float32(1e-3)), np.float32(4.0))


class TemporalBlender:
    """Recurrent state over a frame sequence at working size; feed frames in order with ``step`` (it is the
    ``ab_hook`` of ``chromalab.inference.pipeline.colorize_lightness_batch``)."""

    def __init__(self, settings: TemporalSettings | None = None):
        self.settings = settings or TemporalSettings()
        self.dis = cv2.DISOpticalFlow_create(self.settings.preset)
        self.reset()

    def reset(self) -> None:
        self.prev_L: np.ndarray | None = None
        self.prev_ab: np.ndarray | None = None
        self.cuts = 0

    def _flow_pair(self, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flows ``(2, h, w)`` current→previous and previous→current at the size of ``L`` ``(h, w)``,
        computed on frames whose longer side is at most ``flow_size``."""
        h, w = L.shape
        s = min(1.0, self.settings.flow_size / max(h, w))
        size = (max(8, round(h * s)), max(8, round(w * s)))
        cur = area_downsample(L, size) if s < 1 else L
        prev = area_downsample(self.prev_L, size) if s < 1 else self.prev_L
        a, b = l_to_u8(cur), l_to_u8(prev)
        fw, bw = self.dis.calc(a, b, None), self.dis.calc(b, a, None)
        if s < 1:  # bilinear, half-pixel centres (torch's align_corners=False), displacements rescaled
            scale = np.array([w / size[1], h / size[0]], np.float32)
            fw = cv2.resize(fw, (w, h), interpolation=cv2.INTER_LINEAR) * scale
            bw = cv2.resize(bw, (w, h), interpolation=cv2.INTER_LINEAR) * scale
        return np.ascontiguousarray(fw.transpose(2, 0, 1)), np.ascontiguousarray(bw.transpose(2, 0, 1))

    def step(self, L: np.ndarray, ab: np.ndarray) -> np.ndarray:
        """One frame: L ``(1, 1, h, w)`` in [0, 100], the model's ab ``(1, 2, h, w)`` (float32) → consistent
        ab ``(1, 2, h, w)``."""
        st = self.settings
        L = np.asarray(L, np.float32)[0, 0]
        ab = np.asarray(ab, np.float32)[0]
        if self.prev_L is not None and (self.prev_L.shape != L.shape or is_scene_cut(self.prev_L, L,
                                                                                      st.cut_threshold)):
            log.debug("scene cut: temporal state reset")
            self.cuts += 1
            self.prev_L = None
        if self.prev_L is None:
            out = ab
        else:
            fw, bw = self._flow_pair(L)
            warped, _ = backward_warp(np.concatenate([self.prev_ab, self.prev_L[None]]), fw)
            conf = occlusion_mask(fw, bw) * np.exp(-np.abs(warped[2] - L) / np.float32(st.l_sigma))
            out = blend_chroma_preserving(warped[:2], ab, np.float32(st.alpha) * conf)
        self.prev_L, self.prev_ab = L, out
        return out[None]
