"""`chromalab finetune` end to end on tiny generated photos: a complete model folder that ONNX Runtime colorizes
with, before / after on its held-out photos, resume, one-line errors for folders with nothing to learn from."""

import json
import logging
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from chromalab.cli import app
from chromalab.runs.finetune import finetune, scan_photos
from tests.conftest import sample_rgb, synthetic_rgb
from tests.inference.test_torch_free import BLOCK

pytest.importorskip("onnxruntime")
TINY = dict(size=32, batch=4, epochs=1, eval_size=48)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Twelve small colour photos (three of them held out by the content-hash split) and one grey photo."""
    root = tmp_path_factory.mktemp("mine")
    (root / "trip").mkdir()
    for i in range(10):
        Image.fromarray(synthetic_rgb(i, 48)).save(root / "trip" / f"s{i}.png")
    for name in ("coffee", "chelsea"):
        Image.fromarray(sample_rgb(name, 64)).save(root / f"{name}.jpg")
    Image.fromarray(sample_rgb("astronaut", 64)).convert("L").save(root / "grey.png")
    return root


@pytest.fixture(scope="module")
def tuned(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp("ft") / "mine"
    report = finetune(photos, out, **TINY)
    return out, report


def test_writes_a_complete_model_folder_with_its_card(tuned):
    out, report = tuned
    for name in ("config.json", "model.safetensors", "model.onnx", "MODEL_CARD.md", "evaluation.json",
                 "history.json", "checkpoints/last.ckpt"):
        assert (out / name).is_file(), name
    meta = json.loads((out / "config.json").read_text())
    ft = meta["finetune"]
    assert ft["from"] == "default" and ft["photos"] == 12 and ft["grey_skipped"] == 1
    assert ft["held_out"] >= 2 and meta["training"]["train_images"] == 12 - ft["held_out"]
    assert meta["training"]["val_images"] == ft["held_out"]
    assert meta["model"]["decoders"] == 3 and meta["recipe"]["frozen_encoder_epochs"] == -1  # the default's shape
    assert meta["inference"]["chroma_scale"] == 0.9  # the source's inference settings travel with it
    assert set(ft["before"]) >= {"mae", "delta_e2000", "colourfulness"} and ft["after"]["mae"] > 0
    names = [r["name"] for r in report["results"]]
    assert names == ["mine", "default", "no-colour"] and report["count"] == ft["held_out"]
    card = (out / "MODEL_CARD.md").read_text()
    assert "fine-tuned from `default`" in card and "| mine (fine-tuned) |" in card and "| default (before) |" in card


def test_the_encoder_and_norm_statistics_stayed_and_the_decoders_moved(tuned):
    from chromalab.models.io import load_model

    out, _ = tuned
    src, tuned_net = load_model("src/chromalab/weights/default")[0].state_dict(), load_model(out)[0].state_dict()
    enc = [k for k in src if k.startswith("encoder.") and src[k].is_floating_point()]
    dec = [k for k in src if k.startswith("decoders.") and k.endswith("weight")]
    assert enc and all(np.allclose(src[k], tuned_net[k], atol=1e-3) for k in enc)  # fp16 source, fp32 copy
    assert any(not np.allclose(src[k], tuned_net[k], atol=1e-4) for k in dec)
    stats = [k for k in src if k.endswith(("running_mean", "running_var"))]  # batch norm keeps the source's
    assert any(k.startswith("decoders.") for k in stats)
    assert all(np.allclose(src[k], tuned_net[k], rtol=1e-3, atol=1e-3) for k in stats)


def test_colorize_uses_it_on_onnx_runtime_without_torch(tuned, tmp_path):
    out, _ = tuned
    grey = tmp_path / "old.png"
    Image.fromarray(sample_rgb("rocket", 72)).convert("L").save(grey)
    dest = tmp_path / "done"
    r = subprocess.run([sys.executable, "-c", BLOCK + f"""
from chromalab.cli import main
from chromalab import Colorizer
assert Colorizer.load({str(out)!r}).runtime == "onnx"
sys.argv = ["chromalab", "colorize", {str(grey)!r}, "--model", {str(out)!r}, "--out", {str(dest)!r}]
main()
"""], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    img = np.asarray(Image.open(dest / "old_color.png"))
    assert img.shape[:2] == np.asarray(Image.open(grey)).shape[:2] and img.ndim == 3


def test_onnx_and_torch_give_the_same_colours(tuned):
    from chromalab.inference.load import load_colorizer

    out, _ = tuned
    grey = np.asarray(Image.fromarray(sample_rgb("chelsea", 64)).convert("L"))
    a = load_colorizer(out, runtime="onnx").colorize(grey).astype(int)
    b = load_colorizer(out, runtime="torch").colorize(grey).astype(int)
    assert np.abs(a - b).max() <= 2


def test_the_web_page_lists_it(tuned):
    from chromalab.web.models import discover_models

    out, _ = tuned
    assert discover_models(out.parent)["mine"] == out


def test_resume_continues_with_one_log_line_per_epoch(tuned, tmp_path, caplog):
    out, _ = tuned
    run = tmp_path / "resumed"
    shutil.copytree(out, run)
    with caplog.at_level(logging.INFO, logger="chromalab"):
        finetune(None, run, resume=True, epochs=2, eval_size=48)
    meta = json.loads((run / "config.json").read_text())
    assert meta["training"]["epochs_done"] == 2 and meta["finetune"]["from"] == "default"
    assert [h["epoch"] for h in json.loads((run / "history.json").read_text())["epochs"]] == [0, 1]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("epoch ")]
    assert len(lines) == 1 and lines[0].startswith("epoch 2/2: train loss ") and "val MAE" in lines[0]


def test_refuses_to_overwrite_and_to_resume_nothing(tuned, photos, tmp_path):
    out, _ = tuned
    with pytest.raises(FileExistsError):
        finetune(photos, out, **TINY)
    with pytest.raises(FileNotFoundError):
        finetune(None, tmp_path / "none", resume=True)


def test_bad_folders_are_one_line_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no photos here")
    greys = tmp_path / "greys"
    greys.mkdir()
    for i, name in enumerate(("astronaut", "coffee")):
        Image.fromarray(sample_rgb(name, 48)).convert("L").save(greys / f"g{i}.png")
    with pytest.raises(ValueError, match="no photos found"):
        scan_photos(empty)
    with pytest.raises(ValueError, match="2 grey"):
        scan_photos(greys)
    runner = CliRunner()
    for folder in (empty, greys, tmp_path / "missing"):
        res = runner.invoke(app, ["finetune", "--data", str(folder), "--out", str(tmp_path / "run"),
                                  "--db", str(tmp_path / "db.sqlite")])
        assert res.exit_code == 1 and res.output.count("\n") == 1 and res.output.startswith("error: "), res.output
        assert not (tmp_path / "run").exists()


def test_a_non_effnet_model_is_refused(tiny_run, photos, tmp_path):
    with pytest.raises(ValueError, match="unet-effnet-lite0"):
        finetune(photos, tmp_path / "x", source=tiny_run, **TINY)


def test_blend_weights_is_the_source_at_0_the_tuned_at_1_and_between_in_between():
    import torch

    from chromalab.runs.finetune import blend_weights

    g = torch.Generator().manual_seed(0)
    src = {"w": torch.randn(3, 4, generator=g).half(), "n": torch.tensor(7)}
    tuned = {"w": torch.randn(3, 4, generator=g), "n": torch.tensor(9)}
    assert torch.equal(blend_weights(src, tuned, 0.0)["w"], src["w"].float())
    assert torch.equal(blend_weights(src, tuned, 1.0)["w"], tuned["w"])
    mid = blend_weights(src, tuned, 0.3)
    assert torch.allclose(mid["w"], 0.7 * src["w"].float() + 0.3 * tuned["w"]) and mid["w"].dtype == torch.float32
    assert mid["n"].item() == 9  # counters are the tuned model's
    with pytest.raises(ValueError, match="alpha"):
        blend_weights(src, tuned, 1.5)
    with pytest.raises(ValueError, match="architecture"):
        blend_weights({"w": src["w"]}, tuned, 0.5)


def test_alpha_writes_the_blend_of_source_and_best_epoch(photos, tmp_path):
    import torch
    from safetensors.torch import load_file

    from chromalab.core.rundir import FINETUNED_WEIGHTS
    from chromalab.inference.store import resolve_model_dir
    from chromalab.runs.finetune import blend_run

    out = tmp_path / "half"
    finetune(photos, out, alpha=0.5, **TINY)  # the recipe's wise_alpha, replaced
    src = load_file("src/chromalab/weights/default/model.safetensors")
    best, written = load_file(str(out / FINETUNED_WEIGHTS)), load_file(str(out / "model.safetensors"))
    dec = [k for k in src if k.startswith("decoders.") and k.endswith("weight")]
    assert any(not torch.allclose(best[k], src[k].float(), atol=1e-4) for k in dec)  # the best epoch moved
    assert all(torch.allclose(written[k], 0.5 * src[k].float() + 0.5 * best[k], atol=1e-6) for k in dec)
    meta = json.loads((out / "config.json").read_text())
    assert meta["recipe"]["wise_alpha"] == 0.5 and meta["finetune"]["wise_alpha"] == 0.5
    assert "0.5 × the best epoch + 0.5 × `default`" in (out / "MODEL_CARD.md").read_text()
    before = (out / "model.safetensors").read_bytes()  # blending again (a resume with no better epoch) starts
    again = blend_run(out, resolve_model_dir("default"), 0.5, meta["finetune"]["blended"])
    assert again == meta["finetune"]["blended"]
    with pytest.raises(ValueError, match="alpha"):
        finetune(None, out, resume=True, alpha=0.3)
    assert (out / "model.safetensors").read_bytes() == before  # from the best epoch again, not from the blend
