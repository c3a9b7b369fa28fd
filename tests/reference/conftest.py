"""Fixtures for the reference-guided colorizer tests: a pretrained feature net and a tiny trained run."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pretrained_net():
    """The default reference-guided network with pretrained EfficientNet-Lite0 features (U-Net untrained)."""
    from chromalab.models.registry import get_config
    return get_config("reference-unet", width=4, depth=2, patchmatch_iters=4).build().eval()


@pytest.fixture(scope="session")
def tiny_reference_run(photo_dir, tmp_path_factory) -> Path:
    """A real (very short) training run of a tiny reference-guided U-Net on ``photo_dir``."""
    from chromalab.training.train import train

    out = tmp_path_factory.mktemp("runs") / "tiny-reference"
    train("reference-unet", photo_dir, out, size=32, batch=4, epochs=1, overrides={"width": 8, "depth": 2},
          lr=3e-3, progress=False)
    return out
