"""Copy a trained run into a shippable model folder: config.json + fp16 model.safetensors.

Usage: python scripts/export_model.py RUN_DIR DEST_DIR   (e.g. src/chromalab/weights/default)
The config keeps the run's model config, training record and inference settings; loading casts to float32.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from chromalab.models.io import load_model, save_model


def export(run_dir: str, dest: str) -> Path:
    model, meta = load_model(run_dir)
    from chromalab.models.registry import config_from_dict
    config = config_from_dict(meta["model"])
    extra = {k: v for k, v in meta.items() if k != "model"}
    extra["exported_from"] = str(Path(run_dir).resolve().name)
    out = save_model(model, config, dest, extra=extra, dtype=torch.float16)
    size = (out / "model.safetensors").stat().st_size / 1e6
    print(f"{out}: model.safetensors {size:.1f} MB (fp16)", file=sys.stderr)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export(sys.argv[1], sys.argv[2])
