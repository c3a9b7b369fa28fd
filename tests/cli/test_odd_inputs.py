"""``chromalab colorize`` on folders of odd inputs with the shipped default: every tiny and thin photo is
colorized at its own size, every input has a report row, the summary line is always printed, and whatever one
input raises (decoder, network, encoder, a video) is its one line while the batch goes on."""

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from scripts.odd_inputs import make_odd_folder
from typer.testing import CliRunner

from chromalab.cli import app

pytest.importorskip("onnxruntime")
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def rows(report):
    return {os.path.basename(r["path"]): r for r in map(json.loads, report.read_text().splitlines())}


def test_odd_folder_every_input_accounted_for_and_colorized_at_its_own_size(tmp_path):
    src, out, report = tmp_path / "odd", tmp_path / "out", tmp_path / "r.jsonl"
    expected = make_odd_folder(src)
    res = run("colorize", src, "--out", out, "--report", report)
    assert "Traceback" not in res.output
    n_ok = sum(k in ("image", "video") for k in expected.values())
    n_not = sum(k == "not-image" for k in expected.values())
    n_failed = sum(k == "failed" for k in expected.values())
    assert f"{n_ok} colorized, 0 skipped (exists), {n_not} not images, {n_failed} failed" in res.stderr
    assert res.exit_code == 1  # the truncated JPEG and the broken video
    got = rows(report)
    assert set(got) == set(expected)
    for name, kind in expected.items():
        r = got[name]
        assert r["status"] == {"image": "colorized", "video": "colorized"}.get(kind, kind), (name, r)
        if kind == "image":
            with Image.open(src / name) as a, Image.open(r["output"]) as b:
                assert b.size == a.size, name
    assert "XResolution dropped" in got["bad_exif_xresolution.jpg"]["message"]
    assert got["broken.mp4"]["message"].count("\n") == 0 and "broken.mp4" in got["broken.mp4"]["message"]


@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(sizes=st.lists(st.one_of(st.tuples(st.integers(1, 120), st.integers(1, 120)),
                                st.tuples(st.integers(1, 3), st.integers(200, 4000)),
                                st.tuples(st.integers(200, 4000), st.integers(1, 3))), min_size=1, max_size=4))
@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_cli_batch_takes_any_size(tmp_path_factory, runtime, sizes):
    d = tmp_path_factory.mktemp("sizes")
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate(sizes):
        Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)).save(d / f"p{i}.png")
    res = run("colorize", d, "--out", d / "out", "--runtime", runtime)
    assert res.exit_code == 0, res.output
    assert f"{len(sizes)} colorized, 0 skipped (exists), 0 not images, 0 failed" in res.stderr
    for i, (h, w) in enumerate(sizes):
        assert Image.open(d / "out" / f"p{i}_color.png").size == (w, h)


def test_unexpected_errors_of_one_photo_and_one_video_are_their_own_lines(tmp_path, monkeypatch):
    from chromalab.inference import batch, video
    from tests.videos import make_video

    d = tmp_path / "in"
    d.mkdir()
    for name in ("a.png", "boom.png", "c.png"):
        Image.new("L", (20, 12), 90).save(d / name)
    make_video(d / "bad.mp4", frames=2, size=(16, 16), audio=False)
    make_video(d / "good.mp4", frames=2, size=(16, 16), audio=False)
    real_frames, real_video = batch.colorize_frames, video.colorize_video

    def frames(colorizer, photo, settings, reference=None):
        if "boom" in photo.label:
            raise RuntimeError("network exploded\nsecond line")
        return real_frames(colorizer, photo, settings, reference)

    def colorize_video(src, dst, *a, **k):
        if "bad" in str(src):
            raise TypeError("odd codec state")
        return real_video(src, dst, *a, **k)

    monkeypatch.setattr(batch, "colorize_frames", frames)
    monkeypatch.setattr(video, "colorize_video", colorize_video)
    report = tmp_path / "r.jsonl"
    res = run("colorize", d, "--out", tmp_path / "out", "--report", report)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "3 colorized, 0 skipped (exists), 0 not images, 2 failed" in res.stderr
    got = rows(report)
    assert got["boom.png"]["status"] == "failed"
    assert got["boom.png"]["message"].endswith("failed while colorizing (RuntimeError: network exploded)")
    assert got["bad.mp4"]["status"] == "failed" and "TypeError: odd codec state" in got["bad.mp4"]["message"]
    assert {n: r["status"] for n, r in got.items() if n not in ("boom.png", "bad.mp4")} == dict.fromkeys(
        ["a.png", "c.png", "good.mp4"], "colorized")
    assert got["good.mp4"]["output"].endswith("good_color.mp4")


CHATTY = b"CHTY"


def register_chatty_format() -> None:
    """A fake Pillow plugin whose header reader warns and writes to fd 2 (as libtiff does while sniffing),
    then decodes fine: an 8x8 grey image."""
    import warnings

    from PIL import ImageFile

    if "CHATTYTEST" in Image.ID:
        return

    class ChattyFile(ImageFile.ImageFile):
        format = "CHATTYTEST"
        format_description = "test plugin that talks while its header is read"

        def _open(self) -> None:
            warnings.warn("chatty header warning", UserWarning, stacklevel=1)
            os.write(2, b"ChattyLib: unknown field with tag 12345\n")
            self._size = (8, 8)
            self._mode = "L"
            self.tile = []

        def load(self):
            self.im = Image.core.fill("L", (8, 8), 77)
            return super().load()

    Image.register_open("CHATTYTEST", ChattyFile, lambda prefix: prefix[:4] == CHATTY)


def test_chatter_while_sniffing_is_folded_into_that_inputs_line(tmp_path, capfd):
    register_chatty_format()
    d = tmp_path / "in"
    d.mkdir()
    (d / "talks.img").write_bytes(CHATTY + b"\0" * 32)
    Image.new("L", (10, 10), 50).save(d / "quiet.png")
    report = tmp_path / "r.jsonl"
    res = run("colorize", d, "--out", tmp_path / "out", "--report", report)
    got = rows(report)
    assert "chatty header warning" in got["talks.img"]["message"]
    assert "ChattyLib: unknown field" in got["talks.img"]["message"]
    assert got["quiet.png"]["message"] == ""
    stray = capfd.readouterr().err + res.stderr.replace(got["talks.img"]["message"], "")
    assert "ChattyLib" not in stray and "chatty header warning" not in stray
