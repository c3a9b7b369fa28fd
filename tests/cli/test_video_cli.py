"""``chromalab colorize`` and ``chromalab evaluate`` with videos, as a user runs them."""

from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from chromalab.cli import app
from tests.conftest import sample_rgb
from tests.videos import make_video, probe

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_colorize_one_video_writes_clip_color_mp4(tmp_path):
    src = make_video(tmp_path / "clip.mp4", frames=8)
    res = run("colorize", src, "--out", tmp_path / "out", "--temporal", "off", "--crf", "23")
    assert res.exit_code == 0, res.output
    out = tmp_path / "out" / "clip_color.mp4"
    assert probe(out)["frames"] == 8 and probe(out)["audio"] == [("aac", 22050)]
    assert "1 colorized" in res.stderr and "8 frames" in res.stderr


def test_folder_of_photos_and_videos_bad_video_does_not_stop_the_others(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    make_video(d / "a.mkv", frames=6, audio=False)
    make_video(d / "sub" / "b.mov", frames=6)
    (d / "broken.mp4").write_bytes(b"not a video")
    Image.fromarray(sample_rgb("astronaut", 48)).convert("L").save(d / "photo.png")
    out = tmp_path / "out"
    res = run("colorize", d, "--out", out)
    assert res.exit_code == 1
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert made == ["a_color.mp4", "photo_color.png", "sub/b_color.mp4"]
    assert "3 colorized" in res.stderr and "1 failed" in res.stderr
    assert "broken.mp4: not a readable video" in res.stderr


def test_bad_temporal_value_is_one_line(tmp_path):
    src = make_video(tmp_path / "clip.mp4", frames=4)
    res = run("colorize", src, "--temporal", "maybe")
    assert res.exit_code == 2 and "--temporal must be on or off" in res.stderr


def test_evaluate_video_prints_off_and_on_rows(tmp_path):
    src = make_video(tmp_path / "v.mp4", frames=8, size=(48, 32), audio=False)
    res = run("evaluate", "default", "--data", src, "--frames", "6", "--out", tmp_path / "m.json")
    assert res.exit_code == 0, res.output
    assert "warping_error" in res.stdout and "cdc" in res.stdout
    rows = [line for line in res.stdout.splitlines() if "v.mp4" in line]
    assert len(rows) == 4 and (tmp_path / "m.json").exists()  # off, on, and the grey / colour references
    assert any(line.startswith("grey input") for line in rows) and any(" off " in line for line in rows)


def test_ctrl_c_stops_cleanly_with_exit_130(tmp_path, monkeypatch):
    import chromalab.inference.video as video

    real = video.colorize_video

    def interrupted(*args, **kwargs):
        def stop(p):
            raise KeyboardInterrupt

        return real(*args, **{**kwargs, "progress": stop})

    monkeypatch.setattr(video, "colorize_video", interrupted)
    src = make_video(tmp_path / "clip.mp4", frames=12)
    res = run("colorize", src, "--out", tmp_path / "out")
    assert res.exit_code == 130 and "interrupted" in res.stderr
    assert list((tmp_path / "out").iterdir()) == []


def rows(report):
    import json

    return {Path(r["path"]).name: r for r in map(json.loads, report.read_text().splitlines())}


def tiny(path, frames=3):
    return make_video(path, frames=frames, size=(16, 16), audio=False)


def test_rerun_skips_videos_and_overwrite_redoes_them(tmp_path):
    d, out = tmp_path / "in", tmp_path / "out"
    d.mkdir()
    tiny(d / "a.mp4")
    tiny(d / "b.mkv")
    args = ("colorize", d, "--out", out, "--temporal", "off")
    first = run(*args)
    assert first.exit_code == 0 and "2 colorized, 0 skipped (exists)" in first.stderr
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert sorted(stamps) == ["a_color.mp4", "b_color.mp4"]
    again = run(*args, "--report", tmp_path / "r.jsonl")
    assert again.exit_code == 0 and "0 colorized, 2 skipped (exists), 0 not images, 0 failed" in again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps  # untouched
    got = rows(tmp_path / "r.jsonl")
    assert {n: (r["status"], Path(r["output"]).name) for n, r in got.items()} == {
        "a.mp4": ("skipped", "a_color.mp4"), "b.mkv": ("skipped", "b_color.mp4")}
    redo = run(*args, "--overwrite")
    assert redo.exit_code == 0 and "2 colorized, 0 skipped (exists)" in redo.stderr
    assert all(p.stat().st_mtime_ns != stamps[p.name] for p in out.iterdir())


def test_clip_mov_and_clip_mp4_give_two_outputs_and_two_report_rows(tmp_path):
    d, out, report = tmp_path / "in", tmp_path / "out", tmp_path / "r.jsonl"
    d.mkdir()
    tiny(d / "clip.mov", frames=3)
    tiny(d / "clip.mp4", frames=5)
    res = run("colorize", d, "--out", out, "--temporal", "off", "--report", report)
    assert res.exit_code == 0 and "2 colorized, 0 skipped (exists), 0 not images, 0 failed" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["clip_color.mp4", "clip_mov_color.mp4"]
    assert probe(out / "clip_color.mp4")["frames"] == 5 and probe(out / "clip_mov_color.mp4")["frames"] == 3
    got = rows(report)
    assert {n: (r["status"], Path(r["output"]).name) for n, r in got.items()} == {
        "clip.mov": ("colorized", "clip_mov_color.mp4"), "clip.mp4": ("colorized", "clip_color.mp4")}
    assert got["clip.mp4"]["message"].startswith("5 frames, ")


def test_mixed_folder_every_input_has_a_row_and_outputs_beside_inputs_are_never_inputs(tmp_path):
    d, report = tmp_path / "in", tmp_path / "r.jsonl"
    d.mkdir()
    tiny(d / "clip.mp4")
    (d / "sub").mkdir()
    tiny(d / "sub" / "clip.mov")
    (d / "broken.avi").write_bytes(b"not a video")
    (d / "notes.txt").write_text("not a photo")
    Image.fromarray(sample_rgb("astronaut", 32)).convert("L").save(d / "photo.png")
    Image.fromarray(sample_rgb("astronaut", 32)).convert("L").save(d / "clip.png")  # a photo with a video's stem
    res = run("colorize", d, "--out", d, "--temporal", "off", "--report", report)  # outputs beside the inputs
    assert res.exit_code == 1
    assert "4 colorized, 0 skipped (exists), 1 not images, 1 failed" in res.stderr
    got = rows(report)
    assert {n: r["status"] for n, r in got.items()} == {
        "clip.mp4": "colorized", "clip.mov": "colorized", "clip.png": "colorized", "photo.png": "colorized",
        "broken.avi": "failed", "notes.txt": "not-image"}
    assert "broken.avi: not a readable video" in got["broken.avi"]["message"]
    made = sorted(p.relative_to(d).as_posix() for p in d.rglob("*_color*"))
    assert made == ["clip_color.mp4", "clip_color.png", "photo_color.png", "sub/clip_color.mp4"]
    again = run("colorize", d, "--out", d, "--temporal", "off", "--report", report)
    assert again.exit_code == 1  # the broken video fails again; nothing of ours is taken as an input
    assert "0 colorized, 4 skipped (exists), 1 not images, 1 failed" in again.stderr
    assert len(rows(report)) == 6 and sorted(p.relative_to(d).as_posix() for p in d.rglob("*_color*")) == made
