"""``load_colorizer``: the one place that decides which colorizer a model gets.

- ``"auto"``: an ``AutoColorizer`` over the installed portrait and landscape models (or the default);
- a model whose config has family ``reference``: a ``ReferenceColorizer``;
- any other L → ab model: a ``Colorizer``.
Names and paths are resolved by ``chromalab.inference.store``; inference settings come from the model
folder's ``config.json`` (``InferenceSettings.from_meta``), with ``work_size`` overridable.
"""

from __future__ import annotations

import logging
import os

import torch

from chromalab.data.faces import cascade_path
from chromalab.inference.auto import ROUTER, ROUTES, AutoColorizer
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.reference import ReferenceColorizer
from chromalab.inference.runtime import ONNX, OnnxRunner, choose_runtime
from chromalab.inference.settings import InferenceSettings
from chromalab.inference.store import DEFAULT_MODEL, display_name, find_model, resolve_model_dir
from chromalab.models.io import COLORIZER_FAMILIES, ONNX_NAME, WEIGHTS_NAME, load_model, read_meta
from chromalab.models.registry import config_from_dict

log = logging.getLogger(__name__)
AUTO = "auto"
COLORIZERS = {"reference": ReferenceColorizer}  # model family → colorizer class (default: Colorizer)


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_colorizer(model: str | os.PathLike | None = None, *, device: str | None = None,
                   work_size: int | None = None, weights: str | None = None, runtime: str | None = None,
                   vividness: float | None = None) -> Colorizer:
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
    meta = read_meta(path)
    device = device or default_device()
    family = config_from_dict(meta["model"]).family
    chosen = choose_runtime(runtime, path, exportable=family in COLORIZER_FAMILIES, device=device,
                            default_weights=weights in (None, WEIGHTS_NAME))
    settings = InferenceSettings.from_meta(meta).replace(work_size=work_size, vividness=vividness)
    cls = COLORIZERS.get(family, Colorizer)
    name = display_name(model, path)
    if chosen == ONNX:
        return cls(None, settings, meta, device=device, name=name, runner=OnnxRunner(path / ONNX_NAME))
    net, meta = load_model(path, weights=weights or WEIGHTS_NAME)
    return cls(net, settings, meta, device=device, name=name)


def load_auto(device: str | None = None, work_size: int | None = None, runtime: str | None = None) -> Colorizer:
    """``AutoColorizer`` if portrait and landscape models (and a router or a face detector) are installed;
    otherwise the default model, with a warning (logged) saying why."""
    found = {name: find_model(name) for name in (*ROUTES, ROUTER)}
    cascade = cascade_path()
    why = None
    if found["portrait"] is None or found["landscape"] is None:
        why = "no portrait and landscape models installed"
    elif found[ROUTER] is None and cascade is None:
        why = "no router model and no OpenCV face cascade to choose between them"
    if why:
        log.warning("--model auto: %s; using the default model", why)
        return load_colorizer(DEFAULT_MODEL, device=device, work_size=work_size, runtime=runtime)
    cols = {r: load_colorizer(found[r], device=device, work_size=work_size, runtime=runtime) for r in ROUTES}
    router = load_model(found[ROUTER])[0] if found[ROUTER] is not None else None
    return AutoColorizer(cols["portrait"], cols["landscape"], router=router, cascade=cascade)
