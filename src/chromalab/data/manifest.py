"""The training manifest of a model folder: which photos the model saw (train and val splits), by content hash,
file name and a small grey thumbnail.

The hash finds an exact file (``evaluate`` warns when test photos are among them); the thumbnail finds the same
picture made grey, resized or re-encoded (the demo samples are checked against it), which a hash cannot.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from chromalab.core import rundir
from chromalab.core.imageio import iter_image_files
from chromalab.core.jsonio import read_json, write_json
from chromalab.data.splits import file_hash, split_of

THUMB = 16        # thumbnails are THUMB × THUMB grey pixels of the whole picture (aspect ignored)
SAME_PICTURE = 6.0  # mean absolute thumbnail difference (0–255) under which two files show the same picture


def thumbnail(image: str | os.PathLike | Image.Image) -> np.ndarray:
    """(THUMB, THUMB) uint8 luminance of the whole picture (first frame), box-filtered: stable under greying,
    resizing and JPEG re-encoding."""
    img = image if isinstance(image, Image.Image) else Image.open(image)
    with img:
        return np.asarray(img.convert("L").resize((THUMB, THUMB), Image.Resampling.BOX), dtype=np.uint8)


def build_manifest(data: str | os.PathLike, splits: tuple[str, ...] = ("train", "val")) -> dict[str, Any]:
    """The manifest of a photo folder's ``splits`` (the content-hash split of ``data.splits``)."""
    root = Path(data)
    photos = []
    for path in iter_image_files([root], []):
        digest = file_hash(path)
        split = split_of(digest)
        if split in splits:
            rel = path.relative_to(root) if root.is_dir() else Path(path.name)
            photos.append({"file": rel.as_posix(), "sha256": digest, "split": split,
                           "thumb": thumbnail(path).tobytes().hex()})
    return {"splits": list(splits), "thumb_size": THUMB, "photos": sorted(photos, key=lambda p: p["file"])}


def write_manifest(data: str | os.PathLike, model_dir: str | os.PathLike) -> Path:
    """Write the manifest of ``data`` into ``model_dir``; returns its path."""
    path = Path(model_dir) / rundir.TRAINING_PHOTOS
    write_json(build_manifest(data), path)
    return path


def read_manifest(model_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The model folder's manifest, or None if it has none."""
    path = Path(model_dir) / rundir.TRAINING_PHOTOS
    return read_json(path) if path.is_file() else None


def seen_hashes(manifest: dict[str, Any] | None) -> dict[str, str]:
    """sha256 → file name of every photo the model saw."""
    return {p["sha256"]: p["file"] for p in (manifest or {}).get("photos", [])}


def closest_seen(image: str | os.PathLike | Image.Image, manifest: dict[str, Any]) -> tuple[str, float]:
    """(file name, mean absolute thumbnail difference) of the seen photo most like ``image``; a difference
    under ``SAME_PICTURE`` means it is that photo."""
    thumb = thumbnail(image).astype(np.float32)
    best = ("", float("inf"))
    for p in manifest["photos"]:
        seen = np.frombuffer(bytes.fromhex(p["thumb"]), dtype=np.uint8).reshape(thumb.shape)
        d = float(np.abs(seen.astype(np.float32) - thumb).mean())
        if d < best[1]:
            best = (p["file"], d)
    return best
