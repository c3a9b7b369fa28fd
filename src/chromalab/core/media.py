"""Which files are videos, by suffix (what PyAV/FFmpeg reads): asked before anything heavy is imported, so
that colorizing a folder of photos needs neither PyAV nor torch. The video pipeline, the CLI, the web API
and the dataset builder all ask here."""

from __future__ import annotations

import os
from pathlib import Path

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"})
VIDEO_OUTPUT_SUFFIX = ".mp4"  # what a colorized video is written as ...
VIDEO_FALLBACK_SUFFIX = ".mkv"  # ... unless its audio codec does not fit in mp4


def is_video(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES
