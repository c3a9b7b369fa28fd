"""``Colorizer`` (a plain L → ab model) and ``load_colorizer``: the one place that decides which colorizer a
model gets.

- ``"auto"``: an ``AutoColorizer`` over the installed portrait and landscape models (or the default);
- a model whose config has family ``reference``: a ``ReferenceColorizer``;
- any other L → ab model: a ``Colorizer``.
Names and paths are resolved by ``chromalab.inference.store``; inference settings come from the model
folder's ``config.json`` (``InferenceSettings.from_meta``), with ``work_size`` overridable.

A model folder with ``model.onnx`` (written only for plain L → ab networks) runs on ONNX Runtime by default,
and then nothing imports torch: its family, weights and torch model code are not needed.

What the colorizers share is in ``inference.base``; ``ReferenceColorizer`` (``inference.reference``) and
``AutoColorizer`` (``inference.auto``) derive from it, so this module imports them and they never import it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from chromalab.core import rundir
from chromalab.core.extras import missing, require
from chromalab.core.jsonio import read_json
from chromalab.inference.base import BaseColorizer, Image, make_steps
from chromalab.inference.runtime import ONNX, ONNX_NAME, OnnxRunner, choose_runtime, torch_available
from chromalab.inference.settings import InferenceSettings
from chromalab.inference.store import DEFAULT_MODEL, ROUTER, ROUTES, display_name, find_model, resolve_model_dir

log = logging.getLogger(__name__)
AUTO = "auto"
__all__ = ["AUTO", "BaseColorizer", "Colorizer", "Image", "default_device", "load_auto", "load_colorizer",
           "make_steps"]


class Colorizer(BaseColorizer):
    """Colorizes photos with one trained L → ab model.

    ``Colorizer.load()`` gives the shipped default; ``Colorizer.load("runs/ae1")`` a trained run (the same
    as ``chromalab.load_colorizer``, which may return a ``ReferenceColorizer`` or an ``AutoColorizer``).
    """

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str | None = None,
             work_size: int | None = None, weights: str | None = None, runtime: str | None = None) -> BaseColorizer:
        """``load_colorizer(model, ...)``: a shipped or installed model by name, a run folder, or ``"auto"``;
        ``runtime``: ``torch``, ``onnx`` or ``auto`` (ONNX Runtime where the model has one)."""
        return load_colorizer(model, device=device, work_size=work_size, weights=weights, runtime=runtime)



def default_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu``. Machines without an NVIDIA driver are answered without
    importing torch (it takes about a second)."""
    if not torch_available() or not Path("/proc/driver/nvidia/version").exists():
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _require_torch(path: Path) -> None:
    require("torch", f"{path.name} with PyTorch (only models with {ONNX_NAME} run on ONNX Runtime alone)")


def load_colorizer(model: str | os.PathLike | None = None, *, device: str | None = None,
                   work_size: int | None = None, weights: str | None = None, runtime: str | None = None,
                   vividness: float | None = None) -> BaseColorizer:
    """Load a model by installed name (``default``, ``reference``, a name in ``$CHROMALAB_MODELS``), run or
    model folder, or ``"auto"``; never unpickles. ``work_size`` overrides the model's working size,
    ``vividness`` its boldness (``InferenceSettings.vividness``).

    ``runtime``: ``torch``, ``onnx`` or ``auto``/None (ONNX Runtime when the folder has ``model.onnx`` and
    ``onnxruntime`` is installed; ``runtime.choose_runtime``). With ONNX Runtime the torch model is not built
    and its weights are not read."""
    if str(model) == AUTO:
        col = load_auto(device=device, work_size=work_size, runtime=runtime)
        return col if vividness is None else col.with_settings(vividness=vividness)
    path = resolve_model_dir(model)
    if not (path / rundir.CONFIG).is_file():
        raise FileNotFoundError(f"{path}: no {rundir.CONFIG} (not a chromalab run or model folder)")
    device = device or default_device()
    name = display_name(model, path)
    default_weights = weights in (None, rundir.WEIGHTS)
    if (path / ONNX_NAME).is_file():  # export writes model.onnx for plain L → ab networks only
        chosen = choose_runtime(runtime, path, device=device, default_weights=default_weights)
        if chosen == ONNX:
            meta = read_json(path / rundir.CONFIG)
            settings = InferenceSettings.from_meta(meta).replace(work_size=work_size, vividness=vividness)
            return Colorizer(None, settings, meta, device=device, name=name, runner=OnnxRunner(path / ONNX_NAME))
    _require_torch(path)
    return _load_torch(path, name, device, work_size, weights, runtime, vividness, default_weights)


def _load_torch(path: Path, name: str, device: str, work_size: int | None, weights: str | None,
                runtime: str | None, vividness: float | None, default_weights: bool) -> BaseColorizer:
    from chromalab.inference.reference import ReferenceColorizer
    from chromalab.models.io import COLORIZER_FAMILIES, load_model, read_meta
    from chromalab.models.registry import config_from_dict

    meta = read_meta(path)
    family = config_from_dict(meta["model"]).family
    chosen = choose_runtime(runtime, path, exportable=family in COLORIZER_FAMILIES, device=device,
                            default_weights=default_weights)
    settings = InferenceSettings.from_meta(meta).replace(work_size=work_size, vividness=vividness)
    cls = {"reference": ReferenceColorizer}.get(family, Colorizer)  # model family → colorizer class
    if chosen == ONNX:
        return cls(None, settings, meta, device=device, name=name, runner=OnnxRunner(path / ONNX_NAME))
    net, meta = load_model(path, weights=weights or rundir.WEIGHTS)
    return cls(net, settings, meta, device=device, name=name)


def load_auto(device: str | None = None, work_size: int | None = None, runtime: str | None = None) -> BaseColorizer:
    """``AutoColorizer`` if portrait and landscape models (and a router or a face detector) are installed;
    otherwise the default model, with a warning (logged) saying why. Routing runs PyTorch models: without
    the torch extra it is one ``MissingExtra`` line (the fallback on the default needs none)."""
    found = {name: find_model(name) for name in (*ROUTES, ROUTER)}
    why = None
    if found["portrait"] is None or found["landscape"] is None:
        why = "no portrait and landscape models installed"
    else:
        require("torch", "--model auto (portrait/landscape routing)")
        from chromalab.data.faces import cascade_path

        if found[ROUTER] is None and cascade_path() is None:
            why = "no router model and no OpenCV face cascade to choose between them"
            if missing("data"):
                why += " (the face cascade needs the extra: pip install 'chromalab[data]')"
    if why:
        log.warning("--model auto: %s; using the default model", why)
        return load_colorizer(DEFAULT_MODEL, device=device, work_size=work_size, runtime=runtime)
    from chromalab.inference.auto import AutoColorizer
    from chromalab.models.io import load_model

    cols = {r: load_colorizer(found[r], device=device, work_size=work_size, runtime=runtime) for r in ROUTES}
    router = load_model(found[ROUTER])[0] if found[ROUTER] is not None else None
    return AutoColorizer(cols["portrait"], cols["landscape"], router=router, cascade=cascade_path())
