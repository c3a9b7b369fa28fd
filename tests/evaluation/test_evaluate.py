import pytest

from chromalab.evaluation.evaluate import BASELINE, compare, evaluate, format_table


def test_evaluate_reports_model_and_baseline_on_same_images(tiny_run, photo_dir, tmp_path):
    report = evaluate(tiny_run, photo_dir, split="all", size=32, out=tmp_path / "e.json")
    names = [r["name"] for r in report["results"]]
    assert names == [tiny_run.name, BASELINE]
    files = [[row["file"] for row in r["images"]] for r in report["results"]]
    assert files[0] == files[1] and len(files[0]) == report["count"] > 0
    base = report["results"][1]["summary"]
    assert base["colourfulness"]["max"] < 1.0  # the baseline has no colour
    for r in report["results"]:
        assert r["summary"]["mae"]["min"] <= r["summary"]["mae"]["mean"] <= r["summary"]["mae"]["max"]
    assert (tmp_path / "e.json").is_file()
    table = format_table(report)
    assert BASELINE in table and "delta_e2000" in table


def test_compare_several_models(tiny_run, photo_dir):
    report = compare([tiny_run, tiny_run], photo_dir, split="all", size=32, baseline=False)
    assert len(report["results"]) == 2


def test_empty_split_is_a_clear_error(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(ValueError, match="no colour photos"):
        evaluate("unused", tmp_path / "x")


def test_warns_of_few_photos_and_of_photos_the_default_trained_on(tmp_path):
    from PIL import Image

    from tests.conftest import sample_rgb, synthetic_rgb

    Image.fromarray(sample_rgb("astronaut", 128)).save(tmp_path / "astronaut.png")  # the default trained on it
    Image.fromarray(synthetic_rgb(3)).save(tmp_path / "mine.png")
    report = compare(["default"], tmp_path, split="all", size=32, write_runs=False)
    rows = {row["file"].rsplit("/", 1)[1]: row for row in report["results"][0]["images"]}
    assert rows["astronaut.png"].get("trained_on") and not rows["mine.png"].get("trained_on")
    warnings = report["warnings"]
    assert any("only 2 photos" in w for w in warnings)
    assert any(w.startswith("default trained on 1 of these 2 photos (astronaut.png)") for w in warnings)
    assert "warning: default trained on" in format_table(report)
