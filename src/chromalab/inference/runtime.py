"""How the network of a colorizer is run: PyTorch or ONNX Runtime.

The runtime choice lives here and nowhere else. ``OnnxRunner`` runs the ``model.onnx`` that ``chromalab
export`` writes beside the weights (NumPy in and out: network L ``(B, 1, h, w)`` in [-1, 1] → network ab
``(B, 2, h, w)`` in [-1, 1]); ``TorchRunner`` runs the torch model (tensors in and out). Everything around the
network (row strips, working copy, flip averaging, chroma scale, guided upsampling, gamut fitting) is the same
for both (``chromalab.inference.pipeline``).

ONNX Runtime is the default for such models when ``onnxruntime`` is installed: on the CPU it is several
times faster than eager PyTorch (batch norm folded into the convolutions, activations fused), and with it
colorizing needs no torch at all: this module, like the whole ONNX path, imports torch only for
``TorchRunner``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from chromalab.core.extras import installed
from chromalab.core.rundir import ONNX as ONNX_NAME

TORCH = "torch"
ONNX = "onnx"
AUTO = "auto"
RUNTIMES = (AUTO, TORCH, ONNX)


def onnxruntime_available() -> bool:
    return installed("onnxruntime")


def torch_available() -> bool:
    return installed("torch")


def choose_runtime(requested: str | None, model_dir: Path, *, exportable: bool = True, device: str = "cpu",
                   default_weights: bool = True) -> str:
    """``torch`` or ``onnx`` for a model folder.

    ``auto`` (or None) picks ONNX Runtime when the folder has ``model.onnx``, ``onnxruntime`` is installed, the
    model is a plain L → ab network (``exportable``), it runs on the CPU and its default weights are used
    (``model.onnx`` is exported from those); otherwise PyTorch. ``onnx`` raises ``ValueError`` saying what
    is missing."""
    requested = requested or AUTO
    if requested not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {requested!r}")
    if requested == TORCH:
        return TORCH
    onnx_file = Path(model_dir) / ONNX_NAME
    why = None
    if not exportable:
        why = "this model takes a reference photo; only plain L → ab networks run on ONNX Runtime"
    elif not onnx_file.is_file():
        why = f"{model_dir} has no {ONNX_NAME} (re-export it with `chromalab export`)"
    elif not default_weights:
        why = f"{ONNX_NAME} holds the default weights only"
    elif device != "cpu":
        why = "ONNX Runtime is used on the CPU only"
    elif not onnxruntime_available():
        why = "onnxruntime is not installed (pip install onnxruntime)"
    if why is None:
        return ONNX
    if requested == ONNX:
        raise ValueError(f"--runtime onnx: {why}")
    return TORCH


def ort_session(path: str | os.PathLike, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session for ``path``: full graph optimisation (batch norm folded into convolutions,
    activations fused), ``threads`` intra-op threads (default: one per physical core), no spinning between
    runs (the pipeline's other steps need the same cores right away)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        opts.intra_op_num_threads = threads
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class TorchRunner:
    """The network run by PyTorch (any device); torch tensors in and out."""

    runtime = TORCH

    def __init__(self, model: Any):
        self.model = model

    def __call__(self, l_norm: Any) -> Any:
        return self.model(l_norm)


class OnnxRunner:
    """The network run by ONNX Runtime from a ``model.onnx`` (CPU); NumPy float32 arrays in and out."""

    runtime = ONNX

    def __init__(self, path: str | os.PathLike, threads: int | None = None):
        self.path = Path(path)
        self.session = ort_session(path, threads)
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, l_norm: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(l_norm, dtype=np.float32)
        return self.session.run(None, {self.input_name: x})[0]
