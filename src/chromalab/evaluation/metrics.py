"""Image-quality metrics for colorization, as pure functions of two ``(H, W, 3)`` sRGB arrays in [0, 1].

- ``mae``: the seed's metric, mean absolute per-pixel difference of RGB in [0, 1] (lower is better).
- ``psnr`` (dB) and ``ssim`` (scikit-image, data range 1).
- ``delta_e2000``: mean CIEDE2000 colour difference (scikit-image's formula on ``core.lab``'s Lab).
- ``colourfulness``: Hasler & Süsstrunk (2003) on 0–255 RGB ("≥ 85 % of the truth's" compares the means of
  ``colourfulness`` and ``colourfulness_truth``; ``colourfulness_gap`` is the mean per-photo ΔCF).
- ``agreement``: per photo 1 if an ImageNet classifier (EfficientNet-Lite1, ``evaluation.classifier``) gives
  the colorized photo the top-1 label it gives the truth, else 0 — its mean over a data set is the
  classifier agreement (the "no colour" row: the grey photo's). Left out when the Lite1 weights package is
  not installed.

``TABLE`` is the one list of metrics: name → function, direction, label. Reports, the web leaderboard,
sweep and evaluation tables take their columns from ``SHOWN`` and directions from ``TABLE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.color import deltaE_ciede2000
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from chromalab.core import lab
from chromalab.evaluation import classifier


def mae(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(np.abs(pred.astype(np.float64) - truth.astype(np.float64)).mean())


def psnr(pred: np.ndarray, truth: np.ndarray) -> float:
    if np.array_equal(pred, truth):
        return float("inf")
    return float(peak_signal_noise_ratio(truth.astype(np.float64), pred.astype(np.float64), data_range=1.0))


def ssim(pred: np.ndarray, truth: np.ndarray) -> float:
    win = min(7, *pred.shape[:2])
    win -= 1 - win % 2  # odd window no larger than the image
    return float(structural_similarity(truth.astype(np.float64), pred.astype(np.float64), channel_axis=2,
                                       data_range=1.0, win_size=win))


def _lab(rgb: np.ndarray) -> np.ndarray:
    return lab.rgb_to_lab(lab.image_to_tensor(rgb.astype(np.float32)))[0].permute(1, 2, 0).double().numpy()


def delta_e2000(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(deltaE_ciede2000(_lab(truth), _lab(pred)).mean())


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler–Süsstrunk colourfulness of ``(H, W, 3)`` RGB in [0, 1] (measured on the 0–255 scale)."""
    x = rgb.astype(np.float64) * 255.0
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    lower_is_better: bool | None  # None: no better direction (a property, not an error)


TABLE: dict[str, Metric] = {m.name: m for m in (
    Metric("mae", "MAE", True),
    Metric("psnr", "PSNR (dB)", False),
    Metric("ssim", "SSIM", False),
    Metric("delta_e2000", "ΔE2000", True),
    Metric("colourfulness", "colourfulness", None),
    Metric("colourfulness_truth", "truth colourfulness", None),
    Metric("colourfulness_gap", "ΔCF", True),
    Metric("agreement", "classifier agreement", False),
)}
METRICS = tuple(TABLE)
SHOWN = ("mae", "psnr", "ssim", "delta_e2000", "colourfulness", "colourfulness_gap", "agreement")  # table columns
LOWER_IS_BETTER = {n: m.lower_is_better for n, m in TABLE.items() if m.lower_is_better is not None}


def all_metrics(pred: np.ndarray, truth: np.ndarray, semantic: bool = True) -> dict[str, float]:
    """Every metric of ``METRICS`` for one image pair (``semantic=False``: without the classifier)."""
    cp, ct = colourfulness(pred), colourfulness(truth)
    extra = {"agreement": classifier.agrees(pred, truth)} if semantic and classifier.available() else {}
    return {
        "mae": mae(pred, truth),
        "psnr": psnr(pred, truth),
        "ssim": ssim(pred, truth),
        "delta_e2000": delta_e2000(pred, truth),
        "colourfulness": cp,
        "colourfulness_truth": ct,
        "colourfulness_gap": abs(ct - cp),
        **extra,
    }


def summarize(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per metric: min, mean and max over images (the seed's table form)."""
    out: dict[str, dict[str, float]] = {}
    for m in METRICS:
        vals = np.array([r[m] for r in rows if m in r], dtype=np.float64)
        finite = vals[np.isfinite(vals)]
        if len(vals) == 0:
            continue
        out[m] = {"min": float(vals.min()), "mean": float(finite.mean()) if len(finite) else float("inf"),
                  "max": float(vals.max())}
    return out
