"""chromalab: colorize black-and-white photos and videos, and the lab to train and compare colorizers.

Public API: ``Colorizer``, ``save`` (a result, keeping a source's metadata), ``train``, ``evaluate``,
``compare`` (imported lazily, so ``import chromalab``
stays cheap).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Colorizer", "save", "train", "evaluate", "compare", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Colorizer":
        from chromalab.inference.colorizer import Colorizer
        return Colorizer
    if name == "save":
        from chromalab.core.imageio import save_like
        return save_like
    if name == "train":
        from chromalab.training.train import train
        return train
    if name in ("evaluate", "compare"):
        from chromalab.evaluation import evaluate as ev
        return getattr(ev, name)
    raise AttributeError(f"module 'chromalab' has no attribute {name!r}")
