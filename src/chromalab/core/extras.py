"""Optional dependencies: ``pip install chromalab`` colorizes photos; training, the web server, video and data
building need an extra (``chromalab[train]``, ``[web]``, ``[video]``, ``[data]``; ``[all]`` for everything).

``require`` is called where such a feature starts, so a missing extra is one clear line, not a traceback
from deep inside an import.
"""

from __future__ import annotations

import importlib.util

EXTRAS = {  # extra → the modules it provides that features check for
    "train": ("lightning", "torchmetrics", "kornia", "skimage"),
    "web": ("fastapi", "uvicorn", "multipart"),
    "video": ("av", "cv2"),
    "data": ("cv2",),
}


class MissingExtra(ImportError):
    """A feature's optional dependencies are not installed; the message names the extra to install."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that are not installed."""
    return [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]


def require(extra: str, feature: str) -> None:
    """Raise ``MissingExtra`` ("training needs the extra: pip install 'chromalab[train]'") unless every module
    of ``extra`` is importable."""
    gone = missing(extra)
    if gone:
        raise MissingExtra(f"{feature} needs the extra: pip install 'chromalab[{extra}]' "
                           f"(missing: {', '.join(gone)})")
