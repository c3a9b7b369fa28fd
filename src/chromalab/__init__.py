"""chromalab: colorize black-and-white photos and videos, and the lab to train and compare colorizers.

Public API: ``Colorizer`` / ``load_colorizer`` (colorize photos), ``save`` (a result, keeping a source photo's
metadata), ``train``, ``evaluate``, ``compare``, ``list_models``, ``build_model``, ``RunDir``, ``__version__``.
It is imported lazily (``import chromalab`` stays cheap); ``TYPE_CHECKING`` imports let IDEs and type checkers
see it. Layers and owners: docs/architecture.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chromalab.core.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from chromalab.core.imageio import save_like as save
    from chromalab.core.rundir import RunDir
    from chromalab.evaluation.evaluate import compare, evaluate
    from chromalab.inference.colorizer import Colorizer
    from chromalab.inference.load import load_colorizer
    from chromalab.models.registry import build_model, list_models
    from chromalab.training.train import train

_LAZY = {
    "Colorizer": ("chromalab.inference.colorizer", "Colorizer"),
    "load_colorizer": ("chromalab.inference.load", "load_colorizer"),
    "save": ("chromalab.core.imageio", "save_like"),
    "train": ("chromalab.training.train", "train"),
    "evaluate": ("chromalab.evaluation.evaluate", "evaluate"),
    "compare": ("chromalab.evaluation.evaluate", "compare"),
    "list_models": ("chromalab.models.registry", "list_models"),
    "build_model": ("chromalab.models.registry", "build_model"),
    "RunDir": ("chromalab.core.rundir", "RunDir"),
}
__all__ = ["Colorizer", "load_colorizer", "save", "train", "evaluate", "compare", "list_models", "build_model",
           "RunDir", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'chromalab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
