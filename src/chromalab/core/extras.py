"""Optional dependencies: ``pip install chromalab`` colorizes photos; training, the web server, video and data
building need an extra (``chromalab[train]``, ``[web]``, ``[video]``, ``[data]``; ``[all]`` for everything).
PyTorch models (``--runtime torch``, reference-guided models, models without ``model.onnx``) need
``chromalab[torch]``, which ``train``, ``data`` and ``eval`` include; ``web`` and ``video`` do not: with the
shipped default they run on ONNX Runtime.

``require`` is called where such a feature starts, so a missing extra is one clear line, not a traceback
from deep inside an import.
"""

from __future__ import annotations

import importlib.util

EXTRAS = {  # extra → the modules it provides that features check for
    "torch": ("torch", "safetensors"),
    "train": ("torch", "lightning", "torchmetrics", "kornia", "skimage"),
    "web": ("fastapi", "uvicorn", "multipart"),
    "video": ("av", "cv2"),
    "data": ("torch", "cv2"),
}


class MissingExtra(ImportError):
    """A feature's optional dependencies are not installed; the message names the extra to install."""


def installed(module: str) -> bool:
    """True if ``module`` can be imported, found without importing it (``find_spec`` raises, rather than
    answering None, for a module that an import hook or ``sys.modules[name] = None`` blocks)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that are not installed."""
    return [m for m in EXTRAS[extra] if not installed(m)]


def require(extra: str, feature: str) -> None:
    """Raise ``MissingExtra`` ("training needs the extra: pip install 'chromalab[train]'") unless every module
    of ``extra`` is importable."""
    gone = missing(extra)
    if gone:
        raise MissingExtra(f"{feature} needs the extra: pip install 'chromalab[{extra}]' "
                           f"(missing: {', '.join(gone)})")
