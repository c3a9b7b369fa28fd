"""The per-pixel steps around the network run by ONNX Runtime, from the graphs in ``inference/graphs/``.

The graphs are exported from the torch modules of ``chromalab.inference.steps`` (which documents each step's
inputs, outputs and ranges); ``OnnxSteps`` has the interface of ``steps.TorchSteps`` and needs neither torch
nor the exporter: NumPy arrays in and out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chromalab.inference.runtime import ort_session

GRAPH_DIR = Path(__file__).parent / "graphs"
STEP_FILES = {"lightness": "lightness.onnx", "coefficients": "coefficients.onnx", "finish": "finish.onnx",
              "finish_adjusted": "finish_adjusted.onnx", "adjust": "adjust.onnx"}


def graphs_available(folder: Path = GRAPH_DIR) -> bool:
    return all((folder / f).is_file() for f in STEP_FILES.values())


class OnnxSteps:
    """The steps as ONNX Runtime sessions (made on first use). ``threads``: intra-op threads per run, 1 by
    default: the pipeline runs strips on several threads at once instead (``pipeline.STRIP_THREADS``)."""

    runtime = "onnx"

    def __init__(self, folder: Path = GRAPH_DIR, threads: int | None = 1):
        self.folder = Path(folder)
        self.threads = threads
        self._sessions: dict = {}

    def _run(self, name: str, **feeds: np.ndarray) -> np.ndarray:
        if name not in self._sessions:
            self._sessions[name] = ort_session(self.folder / STEP_FILES[name], self.threads)
        return self._sessions[name].run(None, feeds)[0]

    def lightness(self, rgb: np.ndarray) -> np.ndarray:
        return self._run("lightness", rgb=np.ascontiguousarray(rgb, np.float32))

    def coefficients(self, ab: np.ndarray, L_low: np.ndarray) -> np.ndarray:
        return self._run("coefficients", ab=np.ascontiguousarray(ab, np.float32),
                         L_low=np.ascontiguousarray(L_low, np.float32))

    def finish(self, L: np.ndarray, coef: np.ndarray, y0: int, height: int, saturation: float = 1.0,
               vibrance: float = 0.0) -> np.ndarray:
        feeds = dict(L=np.ascontiguousarray(L, np.float32), coef=np.ascontiguousarray(coef, np.float32),
                     y0=np.array(y0, np.int64), height=np.array(height, np.int64))
        if saturation == 1.0 and vibrance == 0.0:
            return self._run("finish", **feeds)
        return self._run("finish_adjusted", **feeds, saturation=np.array(saturation, np.float32),
                         vibrance=np.array(vibrance, np.float32))

    def adjust(self, rgb: np.ndarray, saturation: float, vibrance: float) -> np.ndarray:
        return self._run("adjust", rgb=np.ascontiguousarray(rgb, np.float32),
                         saturation=np.array(saturation, np.float32), vibrance=np.array(vibrance, np.float32))
