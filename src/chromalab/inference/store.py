"""The one model store: where a model name or path leads.

A model is a folder holding ``config.json`` + ``model.safetensors``. ``resolve_model_dir`` takes a path to
such a folder (a run or an exported model), or a name looked up, in order, in the folders listed in
``$CHROMALAB_MODELS`` (``os.pathsep``-separated) and in the package's ``weights/`` (the shipped models).
Every way of naming a model (``--model NAME``, ``--model auto``'s portrait/landscape/router, the web
server's table) goes through here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from chromalab.core import rundir

PACKAGE_MODELS = Path(__file__).resolve().parents[1] / "weights"  # the package's shipped models
DEFAULT_MODEL = "default"
REFERENCE_MODEL = "reference"  # the shipped reference-guided model
ROUTES = ("portrait", "landscape")  # the installed models --model auto chooses between (inference.auto)
ROUTER = "router"  # the installed model that chooses between them
MODELS_ENV = "CHROMALAB_MODELS"
CONFIG_NAME = rundir.CONFIG


def model_for(model: str, reference: bool, installed: Iterable[str] | None = None) -> str:
    """The model a request runs: with a reference photo the default becomes the shipped reference-guided model
    (when ``installed`` is given, only if that model is among them); any other name is kept."""
    if reference and model == DEFAULT_MODEL and (installed is None or REFERENCE_MODEL in installed):
        return REFERENCE_MODEL
    return model


def model_dirs() -> list[Path]:
    """Where named models are looked up: ``$CHROMALAB_MODELS`` first, then the package's ``weights/``."""
    env = os.environ.get(MODELS_ENV, "")
    return [Path(p) for p in env.split(os.pathsep) if p] + [PACKAGE_MODELS]


def _is_model(folder: Path) -> bool:
    return (folder / CONFIG_NAME).is_file()


def find_model(name: str) -> Path | None:
    """The first installed model folder called ``name`` (a plain name, not a path), or None."""
    if not name or os.sep in name or (os.altsep and os.altsep in name) or name.startswith("."):
        return None
    for d in model_dirs():
        if _is_model(d / name):
            return d / name
    return None


def installed_models() -> dict[str, Path]:
    """Every installed model by name (the first folder of that name wins, as in ``find_model``)."""
    found: dict[str, Path] = {}
    for d in model_dirs():
        if d.is_dir():
            for p in sorted(d.iterdir()):
                if _is_model(p):
                    found.setdefault(p.name, p)
    return found


def shipped_models() -> list[str]:
    """Names of the models that ship inside the package."""
    if not PACKAGE_MODELS.is_dir():
        return []
    return sorted(p.name for p in PACKAGE_MODELS.iterdir() if _is_model(p))


def resolve_model_dir(model: str | os.PathLike | None) -> Path:
    """A model folder for an installed name (``default``, a name in ``$CHROMALAB_MODELS``) or a folder path.

    Raises ``FileNotFoundError`` (one line) when it is neither.
    """
    name = str(model) if model is not None else DEFAULT_MODEL
    p = Path(name)
    if p.is_dir() and _is_model(p):
        return p
    if os.sep not in name and (found := find_model(name)) is not None:
        return found
    if p.is_dir():
        return p  # a folder without config.json: loading says what is missing
    known = ", ".join(installed_models()) or "none"
    raise FileNotFoundError(f"model {name!r} is neither a shipped model nor one in ${MODELS_ENV} ({known}), "
                            "nor a run folder")


def display_name(model: str | os.PathLike | None, path: Path) -> str:
    """The name a loaded model goes by: its installed name, or the run folder's name."""
    name = str(model) if model is not None else DEFAULT_MODEL
    return name if find_model(name) == path else path.resolve().name
