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


TINY = dict(size=32, batch=4, overrides={"width": 4, "depth": 2}, progress=False, deterministic=True, seed=3)


def _weights(run):
    from safetensors.torch import load_file
    return load_file(run / "last.safetensors")


def _history(run):
    return json.loads((run / "history.json").read_text())["epochs"]


def test_deterministic_runs_give_identical_weights(photo_dir, tmp_path):
    a = train("ae-unet-learned", photo_dir, tmp_path / "a", epochs=2, **TINY)
    b = train("ae-unet-learned", photo_dir, tmp_path / "b", epochs=2, **TINY)
    wa, wb = _weights(a), _weights(b)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert json.loads((a / "config.json").read_text())["training"]["deterministic"] is True
    assert not torch.are_deterministic_algorithms_enabled()  # the process-wide flag is put back


def test_history_records_each_epochs_own_training_loss(photo_dir, tmp_path):
    import lightning as L

    class Losses(L.Callback):
        def __init__(self):
            self.per_epoch: dict[int, list[float]] = {}

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            self.per_epoch.setdefault(trainer.current_epoch, []).append(float(outputs["loss"]))

    seen = Losses()
    run = train("ae-unet-learned", photo_dir, tmp_path / "run", epochs=3, callbacks=[seen], **TINY)
    history = _history(run)
    assert [h["epoch"] for h in history] == [0, 1, 2]
    for h in history:
        losses = seen.per_epoch[h["epoch"]]  # equal batches (drop_last): the epoch loss is their mean
        assert h["train/loss_epoch"] == pytest.approx(sum(losses) / len(losses), rel=1e-5)
        assert "val/mae" in h


def test_resume_refuses_when_there_is_no_checkpoint(tiny_run, tmp_path):
    import shutil
    run = tmp_path / "no-ckpt"
    shutil.copytree(tiny_run, run)
    shutil.rmtree(run / "checkpoints")
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(None, None, run, epochs=3, resume=True, progress=False)
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(None, None, tmp_path / "empty", resume=True, progress=False)


KILLED_RUN = """
import sys, time
import lightning as L
from chromalab.training.train import train


class StallAfterSecondEpoch(L.Callback):  # runs after the checkpoint and history of the epoch are written
    def on_train_epoch_end(self, trainer, pl_module):
        if trainer.current_epoch == 1:
            time.sleep(600)


train("ae-unet-learned", sys.argv[1], sys.argv[2], epochs=4, size=32, batch=4, overrides={"width": 4, "depth": 2},
      progress=False, deterministic=True, seed=3, callbacks=[StallAfterSecondEpoch()])
"""


def test_kill_9_then_resume_matches_an_uninterrupted_run(photo_dir, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    run = tmp_path / "killed"
    script = tmp_path / "killed_run.py"
    script.write_text(KILLED_RUN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script), str(photo_dir), str(run)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 240
        while not ((run / "history.json").is_file() and len(_history(run)) >= 2):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "the training subprocess recorded no 2 epochs in time"
            time.sleep(0.2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert json.loads((run / "config.json").read_text())["training"]["status"] == "running"  # it never ended

    train(None, None, run, epochs=4, resume=True, progress=False)
    whole = train("ae-unet-learned", photo_dir, tmp_path / "whole", epochs=4, **TINY)
    resumed, uninterrupted = _history(run), _history(whole)
    assert [(h["epoch"], h["step"]) for h in resumed] == [(h["epoch"], h["step"]) for h in uninterrupted]
    assert [h["train/loss_epoch"] for h in resumed] == pytest.approx([h["train/loss_epoch"] for h in uninterrupted],
                                                                     rel=1e-6)
    wa, wb = _weights(run), _weights(whole)
    assert max((wa[k] - wb[k]).abs().max().item() for k in wa) < 1e-6
    assert not list((run / "checkpoints").glob("*.tmp"))


DDP_RUN = """
import sys
from chromalab.training.train import train

train("ae-unet-learned", sys.argv[1], sys.argv[2], epochs=2, size=32, batch=4, overrides={"width": 4, "depth": 2},
      progress=False, accelerator="cpu", devices=2, strategy="ddp", seed=0)
"""


@pytest.mark.slow
def test_two_process_ddp_training_yields_one_valid_run_folder(photo_dir, tmp_path):
    """Lightning's DDP launcher re-runs the script for rank 1, so the run goes through a script file."""
    import os
    import subprocess
    import sys

    script, run = tmp_path / "ddp_run.py", tmp_path / "ddp"
    script.write_text(DDP_RUN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PL_TORCH_DISTRIBUTED_BACKEND": "gloo"}
    res = subprocess.run([sys.executable, str(script), str(photo_dir), str(run)], env=env, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    meta = json.loads((run / "config.json").read_text())
    assert meta["training"]["status"] == "finished" and meta["training"]["epochs_done"] == 2
    assert [h["epoch"] for h in _history(run)] == [0, 1]
    assert (run / "checkpoints" / "last.ckpt").is_file() and not list((run / "checkpoints").glob("*.tmp"))
    model, _ = load_model(run)
    assert model(torch.zeros(1, 1, 32, 32)).shape == (1, 2, 32, 32)


def test_trains_from_the_shards_of_a_built_dataset(photo_dir, tmp_path):
    import shutil

    from chromalab.data.build.build import build_dataset
    ds = tmp_path / "ds"
    build_dataset([str(photo_dir)], ds, size=64, min_side=32, shards=8)
    assert list((ds / "shards").glob("train-*.tar"))
    shutil.rmtree(ds / "images")  # only the shards remain: training must read them
    run = train("ae-unet-learned", ds, tmp_path / "run", epochs=2, **TINY)
    meta = json.loads((run / "config.json").read_text())["training"]
    assert meta["format"] == "shards" and meta["train_images"] > 4 and meta["epochs_done"] == 2
    assert [h["epoch"] for h in _history(run)] == [0, 1] and all("val/mae" in h for h in _history(run))
