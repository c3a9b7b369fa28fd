"""``chromalab colorize`` and ``chromalab evaluate`` with videos, as a user runs them."""

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
