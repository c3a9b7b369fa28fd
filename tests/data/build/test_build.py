import json

import pytest

from chromalab.data.build.build import build_dataset
from chromalab.data.folder import ImageFolder
from chromalab.data.shards import ShardDataset


def manifest(out):
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_folder_build_keeps_good_photos_and_says_why_others_were_dropped(source_dir, tmp_path):
    out = tmp_path / "ds"
    s = build_dataset([str(source_dir)], out, size=128, min_side=100, workers=2)
    rows = manifest(out)
    why = {r["key"].rsplit("/", 1)[1]: r.get("dropped") for r in rows}
    assert why["grey.png"] == "grey_or_sepia" and why["sepia.png"] == "grey_or_sepia"
    assert why["tiny.png"] == "too_small" and why["broken.jpg"] == "unreadable"
    assert {why["coffee.jpg"], why["coffee_copy.jpg"]} == {"near_duplicate", None}
    assert s.kept == 8 and sum(s.dropped.values()) == 5
    kept = [r for r in rows if "dropped" not in r]
    for r in kept:
        assert (out / r["file"]).is_file() and r["domain"] in ("portrait", "landscape")
        assert max(r["width"], r["height"]) <= 128
    summary = json.loads((out / "summary.json").read_text())
    assert summary["total_kept"] == 8 and summary["total_dropped"]["grey_or_sepia"] == 2


def test_splits_agree_with_image_folder(source_dir, tmp_path):
    out = tmp_path / "ds"
    build_dataset([str(source_dir)], out, size=128, min_side=100)
    for split in ("train", "val", "test"):
        files = {p.name for p in ImageFolder(out / "images", split, size=32).index.files}
        assert files == {p.name for p in (out / "images" / split).glob("*.jpg")}


def test_resume_after_interruption_adds_nothing_twice_and_loses_nothing(source_dir, tmp_path):
    full = tmp_path / "full"
    build_dataset([str(source_dir)], full, size=128, min_side=100, workers=1)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        build_dataset([str(source_dir)], out, size=128, min_side=100, workers=1, _stop_after=5)
    assert len(manifest(out)) == 5
    s = build_dataset([str(source_dir)], out, size=128, min_side=100, workers=1)
    assert s.skipped_done == 5
    keys = [r["key"] for r in manifest(out)]
    assert len(keys) == len(set(keys)) == len(manifest(full))
    assert sorted(p.name for p in out.rglob("*.jpg")) == sorted(p.name for p in full.rglob("*.jpg"))
    assert not list(out.rglob("*.part"))


def test_domain_filter_and_shards(source_dir, tmp_path):
    out = tmp_path / "ds"
    s = build_dataset([str(source_dir)], out, size=256, min_side=100, domain="portrait", shards=2)
    rows = [r for r in manifest(out) if "dropped" not in r]
    assert all(r["domain"] == "portrait" for r in rows) and s.dropped["not_portrait"] >= 1
    assert any("astronaut" in r["key"] for r in rows)  # the astronaut's face is found
    train_shards = list((out / "shards").glob("train-*.tar"))
    if any(r["split"] == "train" for r in rows):
        assert train_shards
        l_norm, ab = next(iter(ShardDataset(out, "train", size=32)))
        assert l_norm.shape == (1, 32, 32) and ab.shape == (2, 32, 32)


def test_bad_domain_is_refused(tmp_path):
    with pytest.raises(ValueError, match="domain"):
        build_dataset([], tmp_path / "x", domain="cats")
