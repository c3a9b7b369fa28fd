"""The four bugs the re-layering fixed; each test fails on the code before it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image
from torch.utils.data import DataLoader
from typer.testing import CliRunner

from chromalab.cli import app
from chromalab.data.shards import ShardDataset, write_shards
from chromalab.inference.store import PACKAGE_MODELS
from chromalab.runs.registry import RunDB
from tests.conftest import synthetic_rgb


def test_bug1_registry_family_is_the_model_registry_s(tmp_path):
    """`chromalab runs --family effnet` finds the imported shipped default (was filed as family 'unet')."""
    shutil.copytree(PACKAGE_MODELS / "default", tmp_path / "default")
    db = tmp_path / "reg.sqlite"
    runner = CliRunner()
    assert runner.invoke(app, ["runs", "import", str(tmp_path / "default"), "--db", str(db)]).exit_code == 0
    res = runner.invoke(app, ["runs", "--family", "effnet", "--db", str(db)])
    assert res.exit_code == 0 and "default" in res.output
    with RunDB(db) as reg:
        assert [r["family"] for r in reg.runs()] == ["effnet"]


def test_bug2_a_model_in_chromalab_models_loads_by_name(tiny_run, tmp_path, monkeypatch):
    installed = tmp_path / "models"
    shutil.copytree(tiny_run, installed / "mine", ignore=shutil.ignore_patterns("checkpoints", "tb"))
    monkeypatch.setenv("CHROMALAB_MODELS", str(installed))
    Image.fromarray(synthetic_rgb(3, 40)).convert("L").save(tmp_path / "old.png")
    res = CliRunner().invoke(app, ["colorize", str(tmp_path / "old.png"), "--model", "mine",
                                   "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "old_color.png").is_file()


def test_bug3_loading_the_default_opens_no_imagenet_file(monkeypatch):
    from chromalab.inference.load import load_colorizer
    from chromalab.models.backbones import lite0

    def refuse():
        raise AssertionError("the ImageNet weights file was read while loading a saved model")

    monkeypatch.setattr(lite0, "imagenet_weights_path", refuse)
    col = load_colorizer("default", runtime="torch")  # the torch model is built from config.json + safetensors
    assert col.colorize(np.full((40, 40), 0.5, np.float32)).shape == (40, 40, 3)


def _dataset(tmp_path, n=12):
    rows = []
    for i in range(n):
        f = f"p{i:02d}.jpg"
        Image.fromarray(synthetic_rgb(i, 40)).save(tmp_path / f, quality=95)
        rows.append({"file": f, "hash": f"{i:064x}", "split": "train"})
    write_shards(tmp_path, rows, per_shard=5)
    return tmp_path


def test_bug4_shards_with_workers_yield_each_sample_once(tmp_path):
    root = _dataset(tmp_path)
    single = [ab for _, ab in ShardDataset(root, "train", size=16, shuffle=False)]
    loader = DataLoader(ShardDataset(root, "train", size=16, shuffle=False), batch_size=None, num_workers=2)
    multi = [ab for _, ab in loader]
    assert len(single) == 12 and len(multi) == 12
    # the same 12 photos (their mean colour identifies them), none twice
    key = lambda ab: round(float(ab.mean()), 4)  # noqa: E731
    assert sorted(map(key, multi)) == pytest.approx(sorted(map(key, single)), abs=1e-3)
