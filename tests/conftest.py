"""Shared fixtures: tiny photo folders made from scikit-image's sample photos and generated images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

torch.set_num_threads(2)

SAMPLES = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "retina",
           "cat", "colorwheel")


def sample_rgb(name: str, size: int = 96) -> np.ndarray:
    """A scikit-image sample photo as uint8 RGB, resized so its longer side is ``size``."""
    import skimage.data

    img = getattr(skimage.data, name)()
    im = Image.fromarray(img).convert("RGB")
    im.thumbnail((size, size))
    return np.asarray(im)


def synthetic_rgb(seed: int, size: int = 64) -> np.ndarray:
    """Colourful blocks and gradients, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    img = np.stack([x, y, 1 - x * y], -1)
    for _ in range(4):
        c = rng.random(3)
        y0, x0 = rng.integers(0, size // 2, 2)
        img[y0:y0 + size // 3, x0:x0 + size // 3] = c
    return (img * 255).astype(np.uint8)


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    """~24 small colour photos (every split gets some) and one grey photo."""
    root = tmp_path_factory.mktemp("photos")
    (root / "sub").mkdir()
    for name in SAMPLES:
        Image.fromarray(sample_rgb(name)).save(root / f"{name}.png")
    for i in range(16):
        Image.fromarray(synthetic_rgb(i)).save(root / "sub" / f"synthetic_{i:02d}.png")
    grey = np.asarray(Image.fromarray(sample_rgb("camera")).convert("L").convert("RGB"))
    Image.fromarray(grey).save(root / "grey_camera.png")
    return root


@pytest.fixture(scope="session")
def tiny_run(photo_dir, tmp_path_factory) -> Path:
    """A real (very short) training run of a tiny U-Net on ``photo_dir``."""
    from chromalab.training.train import train

    out = tmp_path_factory.mktemp("runs") / "tiny"
    train("ae-unet-learned", photo_dir, out, size=32, batch=4, epochs=2, overrides={"width": 4, "depth": 2},
          progress=False)
    return out


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


BROKEN_MAGIC = b"BRKN"


def register_broken_format() -> None:
    """A fake Pillow plugin for files starting with ``BRKN``: it opens (8x8 grey), then its decoder warns,
    writes to fd 2 like libtiff does, and raises ``NotImplementedError`` — the worst a real plugin does."""
    import os
    import warnings

    from PIL import ImageFile

    if "BROKENTEST" in Image.ID:
        return

    class BrokenFile(ImageFile.ImageFile):
        format = "BROKENTEST"
        format_description = "test plugin whose decoder is not implemented"

        def _open(self) -> None:
            self._size = (8, 8)
            self._mode = "L"
            self.tile = []

        def load(self):
            warnings.warn("fake decoder warning", UserWarning, stacklevel=1)
            os.write(2, b"FakeLib: Warning, odd tag\n")
            raise NotImplementedError("fake codec not implemented")

    Image.register_open("BROKENTEST", BrokenFile, lambda prefix: prefix[:4] == BROKEN_MAGIC)
