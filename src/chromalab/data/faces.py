"""Portrait or landscape: OpenCV's bundled Haar cascade finds frontal faces."""

from __future__ import annotations

import threading

import cv2  # imported once here: a first import racing in worker threads can see a half-made module
import numpy as np

_local = threading.local()


def _cascade():
    if not hasattr(_local, "cascade"):  # a CascadeClassifier is not safe to share between threads
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        c = cv2.CascadeClassifier(path)
        if c.empty():
            raise RuntimeError(f"cannot load OpenCV's face cascade from {path}")
        _local.cascade = c
    return _local.cascade


def face_boxes(rgb: np.ndarray, max_side: int = 512) -> list[tuple[int, int, int, int]]:
    """Frontal faces as (x, y, w, h) in the coordinates of a copy scaled to ``max_side``."""
    grey = (rgb.mean(2) * 255).astype(np.uint8)
    s = max_side / max(grey.shape)
    if s < 1:
        grey = cv2.resize(grey, (round(grey.shape[1] * s), round(grey.shape[0] * s)), interpolation=cv2.INTER_AREA)
    faces = _cascade().detectMultiScale(cv2.equalizeHist(grey), scaleFactor=1.1, minNeighbors=6, minSize=(24, 24))
    return [tuple(int(v) for v in f) for f in faces] if len(faces) else []


def domain_of(rgb: np.ndarray, min_face_fraction: float = 0.01) -> str:
    """``portrait`` if a face covers at least ``min_face_fraction`` of the photo, else ``landscape``."""
    s = 512 / max(rgb.shape[:2])
    area = (rgb.shape[0] * min(1, s)) * (rgb.shape[1] * min(1, s))
    return "portrait" if any(w * h >= min_face_fraction * area for _, _, w, h in face_boxes(rgb)) else "landscape"
