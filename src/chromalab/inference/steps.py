"""The per-pixel steps around the network, as torch modules: run eagerly by ``TorchSteps``, and exported once
into the ONNX graphs that ``chromalab.inference.onnx_steps.OnnxSteps`` runs without torch.

One implementation of each step, two ways to run it. The orchestration between the steps (row strips, the
working copy, the network, flip averaging) is NumPy code in ``chromalab.inference.pipeline``, the same for
both. The graphs in ``inference/graphs/`` are regenerated with ``make graphs`` (``export_steps``);
``tests/inference/test_steps.py`` holds each committed graph equal to its module, so a change here that is
not re-exported fails the tests.

Steps (all float32):

- ``Lightness``: sRGB ``(S, W, 3)`` in [0, 1] → L ``(S, W)`` in [0, 100] (``lab.grey_l``).
- ``Coefficients``: ab ``(1, 2, h, w)`` (Lab units) and L ``(1, 1, h, w)`` at working size → the guided
  filter's box-averaged linear coefficients ``(1, 4, h, w)`` = (A_a, A_b, B_a, B_b), with ``ab ≈ A·L/100 + B``.
- ``Finish`` (and ``FinishAdjusted``, which also takes saturation and vibrance): full-resolution L rows
  ``(S, W)``, the coefficients, the strip's first row ``y0`` and the photo's height (int64 scalars) → sRGB
  ``(S, W, 3)`` in [0, 1]: the coefficients upsampled bilinearly to the strip's rows, ab = A·L/100 + B,
  chroma shrunk into the sRGB gamut (``lab.lab_to_rgb_in_gamut``).
- ``Adjust``: a colour photo's rows sRGB ``(S, W, 3)`` in [0, 1], saturation and vibrance (float32 scalars) →
  sRGB ``(S, W, 3)``: its ab scaled as ``ops.colour.adjust_colour`` does, L kept, chroma fitted into the gamut
  (the web page's colour sliders on an already colorized photo).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from chromalab.core import lab
from chromalab.core.imageio import atomic_output
from chromalab.inference.onnx_steps import GRAPH_DIR, STEP_FILES
from chromalab.ops.colour import chroma_gain
from chromalab.ops.upsample import GUIDED_EPS, GUIDED_RADIUS, bilinear_rows, guided_filter_coefficients

STEPS_OPSET = 17


class Lightness(nn.Module):
    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        return lab.grey_l(rgb.permute(2, 0, 1)[None])[0, 0]


class Coefficients(nn.Module):
    def forward(self, ab: torch.Tensor, L_low: torch.Tensor) -> torch.Tensor:
        a, b = guided_filter_coefficients(L_low / lab.L_MAX, ab, GUIDED_RADIUS, GUIDED_EPS)
        return torch.cat([a, b], 1)


class Finish(nn.Module):
    adjust = False

    def forward(self, L: torch.Tensor, coef: torch.Tensor, y0: torch.Tensor, height: torch.Tensor,
                saturation: torch.Tensor | None = None, vibrance: torch.Tensor | None = None) -> torch.Tensor:
        rows, width = L.shape
        c = bilinear_rows(coef, y0, rows, height, width)
        L4 = L[None, None]
        ab = c[:, :2] * (L4 / lab.L_MAX) + c[:, 2:]
        if self.adjust:  # the colour adjustment of ``ops.colour``, applied before the one gamut fit
            ab = ab * chroma_gain(lab.chroma(ab), saturation, vibrance)
        return lab.lab_to_rgb_in_gamut(L4, ab, channels_last=True)[0]


class FinishAdjusted(Finish):
    adjust = True


class Adjust(nn.Module):
    def forward(self, rgb: torch.Tensor, saturation: torch.Tensor, vibrance: torch.Tensor) -> torch.Tensor:
        lab_img = lab.rgb_to_lab(rgb.permute(2, 0, 1)[None])
        L, ab = lab_img[:, :1], lab_img[:, 1:]
        ab = ab * chroma_gain(lab.chroma(ab), saturation, vibrance)
        return lab.lab_to_rgb_in_gamut(L, ab, channels_last=True)[0]


def _examples() -> dict[str, tuple]:
    L = torch.rand(24, 40) * 100
    coef = torch.randn(1, 4, 12, 20)
    rows = (L, coef, torch.tensor(4), torch.tensor(60))
    return {"lightness": (torch.rand(24, 40, 3),),
            "coefficients": (torch.randn(1, 2, 12, 20), torch.rand(1, 1, 12, 20)),
            "finish": rows, "finish_adjusted": (*rows, torch.tensor(1.2), torch.tensor(0.3)),
            "adjust": (torch.rand(24, 40, 3), torch.tensor(1.2), torch.tensor(0.3))}


MODULES = {"lightness": Lightness, "coefficients": Coefficients, "finish": Finish,
           "finish_adjusted": FinishAdjusted, "adjust": Adjust}
_IO = {  # input names, output names, dynamic axes
    "lightness": (["rgb"], ["L"], {"rgb": {0: "rows", 1: "width"}, "L": {0: "rows", 1: "width"}}),
    "coefficients": (["ab", "L_low"], ["coef"], {"ab": {2: "h", 3: "w"}, "L_low": {2: "h", 3: "w"},
                                                 "coef": {2: "h", 3: "w"}}),
    "finish": (["L", "coef", "y0", "height"], ["rgb"],
               {"L": {0: "rows", 1: "width"}, "coef": {2: "h", 3: "w"}, "rgb": {0: "rows", 1: "width"}}),
}
_IO["finish_adjusted"] = (_IO["finish"][0] + ["saturation", "vibrance"], *_IO["finish"][1:])
_IO["adjust"] = (["rgb", "saturation", "vibrance"], ["out"], {"rgb": {0: "rows", 1: "width"},
                                                             "out": {0: "rows", 1: "width"}})


def export_steps(dest: str | Path = GRAPH_DIR) -> list[Path]:
    """Write every step's ONNX graph (``STEP_FILES``) into ``dest``; returns the paths."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    examples = _examples()
    out = []
    for name, cls in MODULES.items():
        inputs, outputs, axes = _IO[name]
        path = dest / STEP_FILES[name]
        with atomic_output(path) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings: the shapes used are traced (checked by the tests)
            torch.onnx.export(cls().eval(), examples[name], str(tmp), dynamo=False, opset_version=STEPS_OPSET,
                              input_names=inputs, output_names=outputs, dynamic_axes=axes)
        out.append(path)
    return out


class TorchSteps:
    """The steps run eagerly by PyTorch, NumPy in and out (the interface of ``OnnxSteps``)."""

    runtime = "torch"

    def __init__(self):
        self.modules = {name: cls().eval() for name, cls in MODULES.items()}

    def _run(self, name: str, *args) -> np.ndarray:
        with torch.inference_mode():
            return self.modules[name](*(torch.as_tensor(a) for a in args)).numpy()

    def lightness(self, rgb: np.ndarray) -> np.ndarray:
        return self._run("lightness", np.ascontiguousarray(rgb, np.float32))

    def coefficients(self, ab: np.ndarray, L_low: np.ndarray) -> np.ndarray:
        return self._run("coefficients", ab.astype(np.float32), L_low.astype(np.float32))

    def finish(self, L: np.ndarray, coef: np.ndarray, y0: int, height: int, saturation: float = 1.0,
               vibrance: float = 0.0) -> np.ndarray:
        if saturation == 1.0 and vibrance == 0.0:
            return self._run("finish", L, coef, np.int64(y0), np.int64(height))
        return self._run("finish_adjusted", L, coef, np.int64(y0), np.int64(height), np.float32(saturation),
                         np.float32(vibrance))

    def adjust(self, rgb: np.ndarray, saturation: float, vibrance: float) -> np.ndarray:
        return self._run("adjust", np.ascontiguousarray(rgb, np.float32), np.float32(saturation),
                         np.float32(vibrance))

