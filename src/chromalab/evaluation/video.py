"""Video evaluation: colour videos made grey, colorized with temporal consistency off and on, compared.

Per frame: MAE, PSNR, ΔE2000 (every ``de_every``-th frame; it is the slow one) and colourfulness, from
``chromalab.evaluation.metrics``. Over time:

- warping error (Lai et al., ECCV 2018): flow on the *input* frames, occlusion mask from the
  forward/backward check, ``mean_t Σ M·‖O_{t−1} − warp(O_t)‖² / Σ M`` on RGB in [0, 1]. Lower = steadier.
  Lai et al. used accurate flow (FlowNet2) at full resolution; here the flow is DIS at its most accurate
  setting in reach on a CPU (``EVAL_FLOW``: MEDIUM preset, finest scale 0 = full resolution, about 70 ms a
  640×360 pair). The colorizer's own fast flow (ULTRAFAST at 256 px) would raise the metric's floor: its
  errors count as flicker of every video, even of a perfectly steady one.
- CDC (TCVC, Liu et al. 2021): Jensen–Shannon divergence of 256-bin per-channel histograms between frames
  t and t+d, d ∈ {1, 2, 4}, weighted 1/3 each. No flow, no truth.

Two reference rows show how much of a colorizer's flicker can be removed at all: the grey video (the
input's L, no colour: zero colour flicker, so its warping error is what lightness changes and flow errors
leave) and the colour original.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from chromalab.core import lab
from chromalab.evaluation import metrics
from chromalab.evaluation.evaluate import no_colour
from chromalab.inference.base import BaseColorizer as Colorizer  # any colorizer (plain, reference, auto)
from chromalab.inference.temporal import TemporalSettings, dis_flow, is_scene_cut
from chromalab.inference.video import VideoColorizer, read_frames
from chromalab.ops.flow import backward_warp, occlusion_mask
from chromalab.ops.histogram import channel_histograms, js_divergence

VIDEO_METRICS = ("fps", "warping_error", "warping_error_ab", "cdc", "cdc_ab", "colourfulness", "mae", "psnr",
                 "delta_e2000")
CDC_STEPS = (1, 2, 4)
EVAL_FLOW = {"preset": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, "finest_scale": 0}  # full-resolution DIS
REFERENCES = ("grey", "truth")  # reference rows: the grey input (no colour) and the colour original


def _u8_to_tensor(frame: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(frame).permute(2, 0, 1)[None].float() / 255


def flow_tensor(flow: np.ndarray) -> torch.Tensor:
    """``(H, W, 2)`` numpy flow → ``(1, 2, H, W)`` tensor (``ops.flow``'s layout)."""
    return torch.from_numpy(np.ascontiguousarray(flow)).permute(2, 0, 1)[None].float()


def grey_u8(frame: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB → ``(H, W)`` uint8 luma for the flow."""
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


def eval_dis() -> cv2.DISOpticalFlow:
    """The evaluation's optical flow: DIS with ``EVAL_FLOW`` (accurate, full resolution)."""
    dis = cv2.DISOpticalFlow_create(EVAL_FLOW["preset"])
    dis.setFinestScale(EVAL_FLOW["finest_scale"])
    return dis


def scene_cuts(frames: Sequence[np.ndarray]) -> set[int]:
    """Indices ``t`` of uint8 RGB frames with a scene cut between ``t`` and ``t + 1`` (the L histograms
    differ by more than the temporal step's ``cut_threshold``, the same test the colorizer uses)."""
    threshold = TemporalSettings().cut_threshold
    Ls = [lab.grey_l(_u8_to_tensor(f)).numpy() for f in frames]
    return {t for t in range(len(Ls) - 1) if is_scene_cut(Ls[t], Ls[t + 1], threshold)}


def input_flows(frames: Sequence[np.ndarray], dis: cv2.DISOpticalFlow | None = None
                ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """For each consecutive pair (t−1, t) of uint8 RGB ``(H, W, 3)`` frames: (flow ``(1, 2, H, W)`` on t−1
    into t, mask ``(1, 1, H, W)`` in {0, 1} of the pixels the flow can be trusted at). ``dis`` defaults to
    ``eval_dis()``. Across a scene cut the mask is all 0 (flow between two shots means nothing; Lai et al.'s
    test videos had no cuts), so the pair is left out of the warping error."""
    dis = dis or eval_dis()
    greys = [grey_u8(f) for f in frames]
    cuts = scene_cuts(frames)
    out = []
    for t, (a, b) in enumerate(zip(greys, greys[1:], strict=False)):
        if t in cuts:  # no flow across a cut: nothing to measure there
            out.append((torch.zeros(1, 2, *a.shape), torch.zeros(1, 1, *a.shape)))
            continue
        fw = flow_tensor(dis_flow(a, b, dis=dis))
        bw = flow_tensor(dis_flow(b, a, dis=dis))
        out.append((fw, occlusion_mask(fw, bw)))
    return out


def _ab(frame: np.ndarray) -> torch.Tensor:
    return lab.rgb_to_lab(_u8_to_tensor(frame))[:, 1:] / 100


def warping_error(outputs: Sequence[np.ndarray], flows: Sequence[tuple[torch.Tensor, torch.Tensor]],
                  chroma_only: bool = False) -> float:
    """Lai et al.'s warping error of uint8 RGB ``outputs`` given ``input_flows`` of the input frames.

    ``chroma_only``: the same on Lab ab / 100 instead of RGB, so the lightness changes of the input itself
    (noise, lighting, flow errors), which no colorizer can remove, do not hide the colour's own flicker."""
    conv = _ab if chroma_only else _u8_to_tensor
    errs = []
    for (flow, mask), prev, cur in zip(flows, outputs, outputs[1:], strict=False):
        if not mask.any():  # a scene cut, or nothing the flow can be trusted at
            continue
        warped, _ = backward_warp(conv(cur), flow)
        sq = (conv(prev) - warped).pow(2).sum(1, keepdim=True)
        errs.append(float((sq * mask).sum() / mask.sum().clamp_min(1)))
    return float(np.mean(errs)) if errs else 0.0


def cdc(outputs: Sequence[np.ndarray], steps: Sequence[int] = CDC_STEPS, cuts: set[int] | frozenset[int] = frozenset(),
        chroma_only: bool = False) -> float:
    """Colour distribution consistency of uint8 RGB frames (mean over channels and frames, steps weighted
    equally); lower = steadier colours. Pairs (t, t + d) with a scene cut in ``cuts`` between them (see
    ``scene_cuts``) are left out. ``chroma_only``: 256-bin histograms of Lab a and b (each over [-128, 128))
    instead of R, G, B (not TCVC's; the grey input scores 0 on it, so it isolates the colour's own flicker)."""
    def hist(f: np.ndarray) -> torch.Tensor:
        if chroma_only:
            return channel_histograms((lab.rgb_to_lab(_u8_to_tensor(f))[0, 1:] + 128) / 256)
        return channel_histograms(_u8_to_tensor(f)[0])

    hists = [hist(f) for f in outputs]
    per_step = []
    for d in steps:
        vals = [float(js_divergence(hists[t], hists[t + d]).mean()) for t in range(len(hists) - d)
                if not any(t <= c < t + d for c in cuts)]
        if vals:
            per_step.append(float(np.mean(vals)))
    return float(np.mean(per_step)) if per_step else 0.0


def grey_frames(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The no-colour baseline of a video: each uint8 RGB frame's L with ab = 0, as uint8 RGB."""
    return [lab.to_uint8(no_colour(f.astype(np.float32) / 255)) for f in frames]


def colorize_sequence(colorizer: Colorizer, frames: Sequence[np.ndarray], temporal: bool, batch: int = 8,
                      settings: TemporalSettings | None = None) -> tuple[list[np.ndarray], float]:
    """Colorized frames and the frames per second it took (model + temporal + upsampling)."""
    vc = VideoColorizer(colorizer, temporal=temporal, settings=settings)
    t0 = time.perf_counter()
    out = list(vc.colorize_frames(frames, batch=batch))
    return out, len(out) / max(time.perf_counter() - t0, 1e-9)


def video_metrics(truth: Sequence[np.ndarray], outputs: Sequence[np.ndarray],
                  flows: Sequence[tuple[torch.Tensor, torch.Tensor]], de_every: int = 5) -> dict[str, float]:
    """Every metric but fps for one colorized video against its colour original (uint8 frames)."""
    rows: dict[str, list[float]] = {"mae": [], "psnr": [], "delta_e2000": [], "colourfulness": []}
    for i, (o, t) in enumerate(zip(outputs, truth, strict=True)):
        of, tf = o.astype(np.float32) / 255, t.astype(np.float32) / 255
        rows["mae"].append(metrics.mae(of, tf))
        rows["psnr"].append(metrics.psnr(of, tf))
        rows["colourfulness"].append(metrics.colourfulness(of))
        if de_every and i % de_every == 0:
            rows["delta_e2000"].append(metrics.delta_e2000(of, tf))
    res = {k: float(np.mean([x for x in v if np.isfinite(x)])) for k, v in rows.items() if v}
    cuts = scene_cuts(truth)
    res["warping_error"] = warping_error(outputs, flows)
    res["warping_error_ab"] = warping_error(outputs, flows, chroma_only=True)
    res["cdc"] = cdc(outputs, cuts=cuts)
    res["cdc_ab"] = cdc(outputs, cuts=cuts, chroma_only=True)
    return res


REFERENCE_NAMES = {"grey": "grey input", "truth": "colour orig"}


def reference_rows(name: str, truth: Sequence[np.ndarray], flows: Sequence[tuple[torch.Tensor, torch.Tensor]]
                   ) -> list[dict[str, Any]]:
    """Warping error and CDC of the grey input and of the colour original: what the flicker of a perfectly
    steady colorizer would be (grey: no colour at all), for the rows of ``evaluate_videos``."""
    rows = []
    cuts = scene_cuts(truth)
    for ref, frames in (("grey", grey_frames(truth)), ("truth", list(truth))):
        rows.append({"model": REFERENCE_NAMES[ref], "video": name, "temporal": None, "frames": len(truth),
                     "warping_error": warping_error(frames, flows),
                     "warping_error_ab": warping_error(frames, flows, chroma_only=True),
                     "cdc": cdc(frames, cuts=cuts), "cdc_ab": cdc(frames, cuts=cuts, chroma_only=True)})
    return rows


def _mean_row(model: str, temporal: bool | None, sel: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"model": model, "video": "mean", "temporal": temporal,
            **{k: float(np.mean([r[k] for r in sel if k in r])) for k in VIDEO_METRICS if any(k in r for r in sel)}}


def evaluate_videos(models: Sequence[str | os.PathLike | Colorizer], videos: Sequence[str | os.PathLike],
                    max_frames: int | None = 90, de_every: int = 5,
                    log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Each model × video × temporal off/on, plus the reference rows of each video (grey input, colour
    original; ``temporal`` None); the rows plus a mean per (model, temporal)."""
    from chromalab.inference.load import load_colorizer

    rows = []
    for i, m in enumerate(models):
        col = m if isinstance(m, Colorizer) else load_colorizer(m)
        name = getattr(col, "name", str(m))
        for v in videos:
            truth = list(read_frames(v, max_frames))
            flows = input_flows(truth)
            if i == 0:
                rows.extend(reference_rows(Path(v).name, truth, flows))
            for temporal in (False, True):
                outputs, fps = colorize_sequence(col, truth, temporal)
                row = {"model": name, "video": Path(v).name, "temporal": temporal, "frames": len(truth),
                       "size": f"{truth[0].shape[1]}x{truth[0].shape[0]}", "fps": fps,
                       **video_metrics(truth, outputs, flows, de_every)}
                rows.append(row)
                if log:
                    log(f"{name} {Path(v).name} temporal={'on' if temporal else 'off'}: {len(truth)} frames, "
                        f"{fps:.1f} fps")
    summary = []
    for name in dict.fromkeys(r["model"] for r in rows):
        for temporal in dict.fromkeys(r["temporal"] for r in rows if r["model"] == name):
            summary.append(_mean_row(name, temporal, [r for r in rows if r["model"] == name
                                                      and r["temporal"] == temporal]))
    return {"rows": rows, "summary": summary}


def format_video_table(report: dict[str, Any], metrics_: Sequence[str] = VIDEO_METRICS) -> str:
    """A plain-text table: one line per (model, video, temporal) and the means."""
    head = f"{'model':<12} {'video':<24} {'temporal':<8} " + " ".join(f"{m:>13}" for m in metrics_)
    lines = [head, "-" * len(head)]
    for r in [*report["rows"], *report["summary"]]:
        cells = " ".join(f"{r[m]:>13.5g}" if m in r else f"{'-':>13}" for m in metrics_)
        temporal = "-" if r["temporal"] is None else "on" if r["temporal"] else "off"
        lines.append(f"{str(r['model'])[:12]:<12} {str(r['video'])[:24]:<24} {temporal:<8} {cells}")
    return "\n".join(lines)
