"""ReferenceColorizer and the CLI: routing, outputs per reference, clear errors for bad references."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from chromalab import Colorizer
from chromalab.cli import app
from chromalab.core.imageio import ImageError
from chromalab.inference.reference import ReferenceColorizer, load_reference
from tests.conftest import sample_rgb

runner = CliRunner()


def _rgb(name: str, size: int = 64) -> np.ndarray:
    return sample_rgb(name, size).astype(np.float32) / 255.0


def test_load_routes_reference_runs_and_keeps_plain_colorizer(tiny_reference_run, tiny_run):
    col = Colorizer.load(tiny_reference_run)
    assert isinstance(col, ReferenceColorizer)
    assert type(Colorizer.load(tiny_run)) is Colorizer


def test_two_references_give_measurably_different_outputs(tiny_reference_run):
    col = Colorizer.load(tiny_reference_run)
    grey = _rgb("astronaut", 48)
    a = col.colorize(grey, reference=_rgb("coffee"))
    b = col.colorize(grey, reference=_rgb("chelsea"))
    none = col.colorize(grey)
    assert a.shape == b.shape == none.shape == grey.shape
    assert np.abs(a - b).mean() > 1e-3
    # exactly the input's lightness, whatever the reference
    from chromalab.core import lab
    L = lambda x: lab.grey_l(lab.image_to_tensor(x)).numpy()  # noqa: E731
    np.testing.assert_allclose(L(a), L(grey), atol=0.6)


def test_with_matching_is_a_copy_and_leaves_the_loaded_colorizer_alone(tiny_reference_run):
    col = Colorizer.load(tiny_reference_run)
    grey, ref = _rgb("astronaut", 48), _rgb("coffee")
    before = col.colorize(grey, reference=ref)
    warped = col.with_matching("identity", warp_only=True)
    assert (warped.match, warped.warp_only) == ("identity", True) and warped.model is col.model
    assert (col.match, col.warp_only) == (None, False)
    assert np.abs(warped.colorize(grey, reference=ref) - before).mean() > 1e-3  # the copy really matches otherwise
    np.testing.assert_array_equal(col.colorize(grey, reference=ref), before)


def test_bad_references_give_one_line_errors(tmp_path):
    grey = np.repeat(np.asarray(Image.fromarray(sample_rgb("camera")).convert("L"))[..., None], 3, 2) / 255.0
    with pytest.raises(ImageError, match="grey") as e:
        load_reference(grey.astype(np.float32))
    assert "\n" not in str(e.value)
    with pytest.raises(ImageError, match="too small"):
        load_reference(_rgb("coffee", 20))
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    with pytest.raises(ImageError) as e:
        load_reference(bad)
    assert str(bad) in str(e.value) and "\n" not in str(e.value)


def test_cli_one_output_per_reference(tiny_reference_run, tmp_path):
    photo, ref1, ref2 = tmp_path / "photo.png", tmp_path / "coffee.png", tmp_path / "cat.png"
    Image.fromarray(sample_rgb("astronaut", 48)).convert("L").save(photo)
    Image.fromarray(sample_rgb("coffee", 64)).save(ref1)
    Image.fromarray(sample_rgb("chelsea", 64)).save(ref2)
    out = tmp_path / "out"
    res = runner.invoke(app, ["colorize", str(photo), "--model", str(tiny_reference_run), "--reference", str(ref1),
                              "--reference", str(ref2), "--out", str(out)])
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["photo_color_ref-cat.png", "photo_color_ref-coffee.png"]
    a, b = (np.asarray(Image.open(out / f), np.float32) for f in files)
    assert a.shape[:2] == (48, 48) and np.abs(a - b).mean() > 0.1


@pytest.mark.parametrize("kind", ["grey", "tiny", "not-an-image", "missing"])
def test_cli_bad_reference_is_one_line_error(tiny_reference_run, tmp_path, kind):
    photo = tmp_path / "photo.png"
    Image.fromarray(sample_rgb("astronaut", 48)).save(photo)
    ref = tmp_path / "ref.png"
    if kind == "grey":
        Image.fromarray(sample_rgb("coffee", 64)).convert("L").save(ref)
    elif kind == "tiny":
        Image.fromarray(sample_rgb("coffee", 16)).save(ref)
    elif kind == "not-an-image":
        ref.write_bytes(b"\x00garbage")
    res = runner.invoke(app, ["colorize", str(photo), "--model", str(tiny_reference_run), "--reference", str(ref),
                              "--out", str(tmp_path / "out")])
    assert res.exit_code == 1
    lines = [line for line in res.output.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("error:") and "ref.png" in lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_reference_with_plain_model_is_refused(tiny_run, tmp_path):
    photo = tmp_path / "photo.png"
    Image.fromarray(sample_rgb("astronaut", 48)).save(photo)
    ref = tmp_path / "ref.png"
    Image.fromarray(sample_rgb("coffee", 64)).save(ref)
    res = runner.invoke(app, ["colorize", str(photo), "--model", str(tiny_run), "--reference", str(ref)])
    assert res.exit_code == 1 and "not reference-guided" in res.output


def test_cli_reference_model_without_a_reference_is_refused(tiny_reference_run, tmp_path):
    photo = tmp_path / "photo.png"
    Image.fromarray(sample_rgb("astronaut", 48)).convert("L").save(photo)
    res = runner.invoke(app, ["colorize", str(photo), "--model", str(tiny_reference_run), "--out",
                              str(tmp_path / "out")])
    assert res.exit_code == 1 and "--reference PHOTO" in res.output
    assert not (tmp_path / "out" / "photo_color.png").exists()


def test_cli_reference_evaluate_table_and_grid(tiny_reference_run, tmp_path):
    data = tmp_path / "photos"
    data.mkdir()
    for name in ("coffee", "chelsea", "astronaut", "rocket"):
        Image.fromarray(sample_rgb(name, 48)).save(data / f"{name}.png")
    out, grid = tmp_path / "eval.json", tmp_path / "grid.png"
    res = runner.invoke(app, ["reference", "evaluate", str(tiny_reference_run), "--data", str(data),
                              "--split", "all", "--size", "32", "--out", str(out), "--grid", str(grid)])
    assert res.exit_code == 0, res.output
    names = [r["name"] for r in json.loads(out.read_text())["results"]]
    for kind in ("distorted", "unrelated", "zeros"):
        assert any(n.endswith(f"[exact] ref={kind}") and not n.startswith("warp-only") for n in names)
    assert any("[identity] ref=distorted" in n for n in names) and "warp-only [exact] ref=distorted" in names
    assert names[-1] == "no-colour" and "ref=distorted" in res.output
    img = np.asarray(Image.open(grid))
    assert img.shape[1] > 6 * 32 and img.shape[0] >= 4 * 32


def test_cli_similarity_train_reports_accuracy(tmp_path):
    data = tmp_path / "labelled"
    for label, names in (("warm", ("coffee", "chelsea", "rocket")), ("cool", ("astronaut", "colorwheel", "retina"))):
        (data / label).mkdir(parents=True)
        for name in names:
            for k in range(4):
                Image.fromarray(np.roll(sample_rgb(name, 40), 7 * k, axis=1)).save(data / label / f"{name}{k}.png")
    res = runner.invoke(app, ["similarity", "train", "--data", str(data), "--out", str(tmp_path / "run"),
                              "--variant", "similarity-resnet34-rgb", "--size", "32", "--epochs", "1",
                              "--set", "width=4", "--set", "blocks=1,1,1,1"])
    assert res.exit_code == 0, res.output
    assert "validation accuracy" in res.output and (tmp_path / "run" / "model.safetensors").is_file()
    res = runner.invoke(app, ["similarity", "train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "r")])
    assert res.exit_code == 1 and "not a folder" in res.output
