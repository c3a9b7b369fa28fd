"""The one face detector: OpenCV's frontal-face Haar cascade, used to tell portraits from landscapes.

The dataset builder labels photos with it (``domain_of``) and ``--model auto`` routes photos with it
(``largest_face_fraction``) when no router model is installed. The cascade file is
``$CHROMALAB_FACE_CASCADE`` if set, else ``haarcascade_frontalface_default.xml`` from the installed OpenCV.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from chromalab.core import lab

CASCADE_ENV = "CHROMALAB_FACE_CASCADE"
MAX_SIDE = 512  # detection runs on a grey copy at most this large
_local = threading.local()
_import_lock = threading.Lock()


def _cv2():
    """``import cv2`` under a lock: OpenCV's bootstrap is not thread-safe, and the builder's worker threads
    importing it at once could see a half-initialised module without ``cv2.data`` ("no face cascade")."""
    with _import_lock:
        import cv2
    return cv2


def cascade_path() -> Path | None:
    """The Haar cascade file this installation has (``$CHROMALAB_FACE_CASCADE`` first), or None."""
    env = os.environ.get(CASCADE_ENV)
    if env:
        return Path(env) if Path(env).is_file() else None
    try:
        cv2 = _cv2()
    except ImportError:
        return None
    base = getattr(getattr(cv2, "data", None), "haarcascades", None)
    path = Path(base) / "haarcascade_frontalface_default.xml" if base else None
    return path if path is not None and path.is_file() else None


def _cascade(path: Path):
    cv2 = _cv2()

    cache = getattr(_local, "cascades", None)
    if cache is None:  # a CascadeClassifier is not safe to share between threads
        cache = _local.cascades = {}
    if path not in cache:
        c = cv2.CascadeClassifier(str(path))
        if c.empty():
            raise RuntimeError(f"cannot load the face cascade {path}")
        cache[path] = c
    return cache[path]


def face_boxes(rgb: np.ndarray, cascade: Path | None = None, max_side: int = MAX_SIDE
               ) -> list[tuple[int, int, int, int]]:
    """Frontal faces in ``rgb`` ``(H, W, 3)`` or grey ``(H, W)`` float in [0, 1], as (x, y, w, h) in the
    coordinates of a copy scaled to ``max_side``. ``cascade``: the file (default ``cascade_path()``)."""
    cv2 = _cv2()

    path = cascade or cascade_path()
    if path is None:
        raise RuntimeError("no face cascade: this OpenCV ships none and $CHROMALAB_FACE_CASCADE is unset")
    grey = lab.to_uint8(rgb.mean(2) if rgb.ndim == 3 else rgb)
    s = max_side / max(grey.shape)
    if s < 1:
        grey = cv2.resize(grey, (round(grey.shape[1] * s), round(grey.shape[0] * s)), interpolation=cv2.INTER_AREA)
    faces = _cascade(path).detectMultiScale(cv2.equalizeHist(grey), scaleFactor=1.1, minNeighbors=6,
                                            minSize=(24, 24))
    return [tuple(int(v) for v in f) for f in faces] if len(faces) else []


def largest_face_fraction(rgb: np.ndarray, cascade: Path | None = None) -> float:
    """Side of the largest face over the shorter side of the (scaled) photo; 0 if none."""
    boxes = face_boxes(rgb, cascade)
    s = min(1.0, MAX_SIDE / max(rgb.shape[:2]))
    short = min(rgb.shape[:2]) * s
    return max((min(w, h) for _, _, w, h in boxes), default=0) / short


def domain_of(rgb: np.ndarray, min_face_fraction: float = 0.01) -> str:
    """``portrait`` if a face covers at least ``min_face_fraction`` of the photo, else ``landscape``."""
    s = min(1.0, MAX_SIDE / max(rgb.shape[:2]))
    area = (rgb.shape[0] * s) * (rgb.shape[1] * s)
    return "portrait" if any(w * h >= min_face_fraction * area for _, _, w, h in face_boxes(rgb)) else "landscape"
