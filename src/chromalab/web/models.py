"""The models a server offers: names mapped to known folders, each loaded once and shared.

A request names a model; it is looked up in this table and never used as a path.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from chromalab.core import rundir
from chromalab.core.extras import installed
from chromalab.core.jsonio import read_json
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.load import load_colorizer
from chromalab.inference.store import installed_models


def discover_models(runs_dir: Path | None = None, extra: dict[str, Path] | None = None) -> dict[str, Path]:
    """Installed models by name (shipped, ``$CHROMALAB_MODELS``), then every run folder below ``runs_dir`` with
    weights (name = relative path)."""
    found: dict[str, Path] = installed_models()
    if runs_dir is not None and Path(runs_dir).is_dir():
        for cfg in sorted(Path(runs_dir).rglob(rundir.CONFIG)):
            run = cfg.parent
            if (run / rundir.WEIGHTS).is_file():
                found.setdefault(run.relative_to(runs_dir).as_posix(), run)
    found.update(extra or {})
    return found


def describe(path: Path) -> dict[str, Any]:
    meta = read_json(path / rundir.CONFIG)
    t = meta.get("training", {})
    family = None
    if installed("torch"):  # families are named by the model classes (torch modules); unknown without them
        from chromalab.models.registry import family_of

        family = family_of(meta.get("model", {}))
    return {"variant": meta.get("variant"), "family": family,
            "epochs": t.get("epochs_done"), "train_size": t.get("size"), "status": t.get("status")}


class ModelStore:
    """Thread-safe lazy cache of ``Colorizer`` objects by model name."""

    def __init__(self, paths: dict[str, Path], device: str = "cpu", runtime: str | None = None):
        self.paths = dict(paths)
        self.device = device
        self.runtime = runtime
        self._loaded: dict[str, Colorizer] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return list(self.paths)

    def get(self, name: str) -> Colorizer:
        """The shared colorizer for ``name``; ``KeyError`` for a name not in the table."""
        if name not in self.paths:
            raise KeyError(name)
        with self._lock:
            if name not in self._loaded:
                col = load_colorizer(self.paths[name], device=self.device, runtime=self.runtime)
                col.name = name
                self._loaded[name] = col
            return self._loaded[name]
