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
