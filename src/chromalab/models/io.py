"""Saving and loading models as ``config.json`` + ``model.safetensors`` (never pickles)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from chromalab.core import rundir
from chromalab.core.imageio import atomic_output
from chromalab.core.jsonio import read_json, write_json
from chromalab.models.registry import config_from_dict, config_to_dict, legacy_fields

CONFIG_NAME = rundir.CONFIG
WEIGHTS_NAME = rundir.WEIGHTS
ONNX_NAME = rundir.ONNX
ONNX_OPSET = 17
COLORIZER_FAMILIES = ("effnet", "ae", "gan")  # plain network L → ab networks: the ones exported to ONNX


def save_weights(model: nn.Module, path: str | os.PathLike, dtype: torch.dtype | None = None) -> Path:
    """Write the state dict to ``path`` atomically (optionally cast floats to ``dtype``, e.g. fp16)."""
    path = Path(path)
    state = {}
    for k, v in model.state_dict().items():
        v = v.detach().cpu()
        if dtype is not None and v.is_floating_point():
            v = v.to(dtype)
        state[k] = v.contiguous()
    with atomic_output(path) as tmp:
        save_file(state, tmp)
    return path


def save_model(model: nn.Module, config: Any, run_dir: str | os.PathLike, extra: dict[str, Any] | None = None,
               dtype: torch.dtype | None = None) -> Path:
    """Save ``config.json`` (``{"model": ..., **extra}``) and ``model.safetensors`` into ``run_dir``."""
    run_dir = Path(run_dir)
    save_weights(model, run_dir / WEIGHTS_NAME, dtype=dtype)
    data = {"model": config_to_dict(config), **(extra or {})}
    write_json(data, run_dir / CONFIG_NAME)
    return run_dir


def migrate_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """A ``config.json`` dict in today's layout.

    - fields that older model configs held but that belong to another section (``legacy_fields`` of the
      config class: inference settings, training recipe) are moved to that section;
    - older recipes held the variant's architecture overrides (``recipe.model``: already applied in
      ``model``, dropped) and inference settings (``recipe.inference``: moved to ``inference``).
    An explicit value in the target section wins."""
    out = dict(meta)
    model = dict(meta.get("model", {}))
    moved = legacy_fields(model)
    if moved:
        out["model"] = {k: v for k, v in model.items() if k not in moved}
        for name, section in moved.items():
            out[section] = {name: model[name], **out.get(section, {})}
    recipe = meta.get("recipe")
    if isinstance(recipe, dict) and ("model" in recipe or "inference" in recipe):
        out["recipe"] = {k: v for k, v in recipe.items() if k not in ("model", "inference")}
        if recipe.get("inference"):
            out["inference"] = {**recipe["inference"], **out.get("inference", {})}
    return out


def read_meta(run_dir: str | os.PathLike) -> dict[str, Any]:
    """``run_dir/config.json`` in today's layout (``migrate_meta``); ``FileNotFoundError`` if missing."""
    cfg_path = Path(run_dir) / CONFIG_NAME
    if not cfg_path.is_file():
        raise FileNotFoundError(f"{run_dir}: no {CONFIG_NAME} (not a chromalab run or model folder)")
    return migrate_meta(read_json(cfg_path))


def load_model(run_dir: str | os.PathLike, weights: str = WEIGHTS_NAME) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild a model from ``run_dir/config.json`` and load ``weights`` (float32, eval mode).

    Pretrained weights that the architecture would read from a package (ImageNet files) are not read: the
    saved state dict holds the trained values."""
    run_dir = Path(run_dir)
    meta = read_meta(run_dir)
    config = config_from_dict(meta["model"])
    model = config.build(pretrained=False)
    wpath = run_dir / weights
    if not wpath.is_file():
        raise FileNotFoundError(f"{run_dir}: no {weights} (training has not saved weights yet)")
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(wpath)).items()}
    model.load_state_dict(state)
    model.eval()
    return model, meta


def _training_summary(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.get("training", {}).items() if k not in ("data",)}


def onnx_exportable(model: nn.Module) -> bool:
    """True for plain L → ab colorizer networks (one input, one output); reference-guided networks, routers
    and similarity networks are not exported."""
    return getattr(getattr(model, "cfg", None), "family", None) in COLORIZER_FAMILIES


def half_initializers(model_proto: Any, min_elements: int = 1024) -> Any:
    """Store large float32 weights of an ONNX graph as float16, each followed by a Cast back to float32: half
    the file, the same float32 arithmetic (ONNX Runtime folds the casts when it loads the graph)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = model_proto.graph
    keep, halves, casts = [], [], []
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT and int(np.prod(init.dims)) >= min_elements:
            arr = numpy_helper.to_array(init).astype(np.float16)
            halves.append(numpy_helper.from_array(arr, init.name + "__fp16"))
            casts.append(helper.make_node("Cast", [init.name + "__fp16"], [init.name], to=TensorProto.FLOAT))
        else:
            keep.append(init)
    del graph.initializer[:]
    graph.initializer.extend(keep + halves)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model_proto


def export_onnx(model: nn.Module, path: str | os.PathLike, opset: int = ONNX_OPSET, half: bool = False) -> Path:
    """Write the network (``l_norm`` ``(B, 1, H, W)`` in [-1, 1] → ``ab`` ``(B, 2, H, W)`` in [-1, 1]) as ONNX
    with dynamic batch, height and width; float32 weights, or float16 stored weights cast back to float32 when
    ``half`` (``half_initializers``: the shipped default's file 23 MB → ~12 MB).

    The TorchScript exporter (``dynamo=False``) is used: it needs no extra package. Padding to the
    encoder's stride is traced with the input's size (``blocks.pad_to_multiple``), so the graph takes any
    size whose sides exceed the pad."""
    path = Path(path)
    model = model.float().eval()
    example = torch.rand(1, 1, 96, 128) * 2 - 1
    axes = {0: "batch", 2: "height", 3: "width"}
    with atomic_output(path) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about the stride padding: handled, see above
            torch.onnx.export(model, (example,), str(tmp), dynamo=False, opset_version=opset,
                              input_names=["l_norm"], output_names=["ab"],
                              dynamic_axes={"l_norm": axes, "ab": axes})
        if half:
            import onnx

            onnx.save(half_initializers(onnx.load(str(tmp))), str(tmp))
    return path


def export_model(run_dir: str | os.PathLike | list, dest: str | os.PathLike, half: bool = True,
                 weights: str = WEIGHTS_NAME, onnx: bool = True, inference: dict[str, Any] | None = None) -> Path:
    """Copy a run's model into a self-contained model folder (config.json + model.safetensors).

    ``half=True`` stores fp16 weights (half the size; loading casts back to float32). The config keeps
    the model, variant, inference settings and a summary of training, not paths on this machine.
    ``onnx=True`` also writes ``model.onnx`` (``export_onnx``) for plain L → ab networks, which ONNX
    Runtime runs without torch's model code; it is exported from the weights as saved (fp16 when ``half``), so
    both files give the same colours.
    ``run_dir`` may be a list of runs of ``unet-effnet-lite0`` trained with a frozen encoder: their
    decoders become one ensemble (``combine_decoders``); the first run's settings and the list of members
    (``training.members``) go into the config. ``inference``: settings that replace the run's (e.g. the
    ``temperature`` of an ab-bins model chosen on validation; its ONNX file bakes the folder's temperature).
    """
    runs = list(run_dir) if isinstance(run_dir, (list, tuple)) else [run_dir]
    loaded = [load_model(r, weights=weights) for r in runs]
    model, meta = loaded[0]
    training = _training_summary(meta)
    if len(loaded) > 1:
        from chromalab.models.effnet_unet import EffnetUnet, combine_decoders

        if not all(isinstance(m, EffnetUnet) for m, _ in loaded):
            raise ValueError("only unet-effnet-lite0 runs combine into one ensemble")
        model = combine_decoders([m for m, _ in loaded])
        training["members"] = [_training_summary(m) for _, m in loaded]
    extra = {k: v for k, v in meta.items() if k not in ("model", "training")}
    extra["training"] = training
    extra["inference"] = {**meta.get("inference", {}), **(inference or {})}
    out = save_model(model, model.cfg if len(loaded) > 1 else config_from_dict(meta["model"]), dest,
                     extra=extra, dtype=torch.float16 if half else None)
    if onnx and onnx_exportable(model):
        net = load_model(out)[0]
        if hasattr(net, "temperature"):  # ab-bins models: the annealed mean's temperature is baked in
            net.temperature = float(extra["inference"].get("temperature", net.temperature))
        export_onnx(net, out / ONNX_NAME, half=half)
    return out
