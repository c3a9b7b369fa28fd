import json

import pytest
import torch

from chromalab.models.io import load_model
from chromalab.training.train import train


def test_run_folder_holds_config_weights_history_and_grids(tiny_run):
    meta = json.loads((tiny_run / "config.json").read_text())
    t = meta["training"]
    assert meta["variant"] == "ae-unet-learned" and meta["model"]["width"] == 4
    assert t["status"] == "finished" and t["epochs_done"] == 2 and len(t["data_fingerprint"]) == 16
    assert t["size"] == 32 and t["seed"] == 0 and "torch" in t["versions"] and t["device"] == "cpu"
    for name in ("model.safetensors", "last.safetensors", "history.json", "images/epoch_000.png",
                 "images/epoch_001.png", "checkpoints/last.ckpt"):
        assert (tiny_run / name).is_file(), name
    assert list((tiny_run / "tb").rglob("events.out.tfevents*"))
    history = json.loads((tiny_run / "history.json").read_text())["epochs"]
    assert [h["epoch"] for h in history] == [0, 1] and all("val/mae" in h for h in history)


def test_model_rebuilds_from_run_folder(tiny_run):
    model, meta = load_model(tiny_run)
    out = model(torch.zeros(1, 1, 32, 32))
    assert out.shape == (1, 2, 32, 32)


def test_resume_continues_to_more_epochs(tiny_run, tmp_path):
    import shutil
    run = tmp_path / "resumed"
    shutil.copytree(tiny_run, run)
    train(None, None, run, epochs=3, resume=True, progress=False)
    meta = json.loads((run / "config.json").read_text())
    assert meta["training"]["epochs_done"] == 3
    assert [h["epoch"] for h in json.loads((run / "history.json").read_text())["epochs"]] == [0, 1, 2]


def test_refuses_to_overwrite_a_trained_run(tiny_run):
    with pytest.raises(FileExistsError):
        train("ae-unet-learned", "unused", tiny_run, progress=False)
