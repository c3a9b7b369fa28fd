"""The training manifest: the demo samples are photos no shipped model saw."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from chromalab.data.manifest import SAME_PICTURE, build_manifest, closest_seen, read_manifest, seen_hashes
from chromalab.data.splits import file_hash, split_of
from chromalab.inference.store import PACKAGE_MODELS

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SHIPPED = sorted(p for p in PACKAGE_MODELS.iterdir() if (p / "config.json").is_file())


def _photo(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8).repeat(16, 0).repeat(16, 1)  # blocky: survives resizing
    Image.fromarray(img).save(path, quality=95)
    return path


@pytest.mark.parametrize("model", SHIPPED, ids=lambda p: p.name)
def test_samples_unseen_by_shipped_models(model: Path):
    manifest = read_manifest(model)
    assert manifest is not None, f"{model.name} ships no training manifest"
    assert len(manifest["photos"]) >= 80
    samples = sorted(SAMPLES.glob("*.jpg"))
    assert len(samples) >= 3
    for sample in samples:
        name, distance = closest_seen(sample, manifest)
        assert distance > SAME_PICTURE, f"{sample.name} is {name}, which {model.name} trained on"


def test_a_greyed_training_photo_is_recognised():
    skimage_data = pytest.importorskip("skimage.data")
    manifest = read_manifest(PACKAGE_MODELS / "default")
    grey = Image.fromarray(skimage_data.astronaut()).convert("L").resize((300, 300))  # the default trained on it
    name, distance = closest_seen(grey, manifest)
    assert "astronaut" in name and distance < SAME_PICTURE


def test_build_manifest(tmp_path):
    for i in range(12):
        _photo(tmp_path / f"p{i}.jpg", i)
    manifest = build_manifest(tmp_path)
    files = {p["file"] for p in manifest["photos"]}
    expected = {f"p{i}.jpg" for i in range(12) if split_of(file_hash(tmp_path / f"p{i}.jpg")) != "test"}
    assert files == expected and files
    assert set(seen_hashes(manifest).values()) == files
    seen = sorted(files)[0]
    small_grey = Image.open(tmp_path / seen).convert("L").resize((40, 30))
    assert closest_seen(small_grey, manifest) == (seen, pytest.approx(closest_seen(small_grey, manifest)[1]))
    assert closest_seen(small_grey, manifest)[1] < SAME_PICTURE
    other = Image.open(_photo(tmp_path / "other.jpg", 99))
    assert closest_seen(other, manifest)[1] > SAME_PICTURE
