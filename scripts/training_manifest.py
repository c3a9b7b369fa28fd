"""Write a model folder's training manifest (training_photos.json: the train and val photos it saw).

Usage: python scripts/training_manifest.py DATA MODEL_DIR   (``make train-default`` runs it for the default)
"""

from __future__ import annotations

import sys

from chromalab.data.manifest import write_manifest

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    path = write_manifest(sys.argv[1], sys.argv[2])
    print(f"wrote {path}")
