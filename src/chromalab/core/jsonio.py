"""JSON files written atomically (temp file, then rename) and read back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chromalab.core.imageio import atomic_write_bytes


def write_json(data: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``data`` as indented JSON to ``path`` atomically; returns the path."""
    return atomic_write_bytes((json.dumps(data, indent=2, sort_keys=False) + "\n").encode(), path)


def read_json(path: str | os.PathLike) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
