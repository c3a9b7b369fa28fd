"""``chromalab colorize`` on a folder of bad and odd files made here: every file is accounted for with an exact
outcome, outputs keep format and frames, reruns skip, outputs are never inputs, names never clash."""

import io
import json
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from chromalab.cli import app
from tests.conftest import BROKEN_MAGIC, register_broken_format, sample_rgb

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def png_bomb_header(w: int = 100_000, h: int = 100_000) -> bytes:
    """A valid PNG signature and IHDR claiming ``w`` x ``h`` (no pixel data): a decompression-bomb header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IEND", b"")


def grey(size=48):
    return Image.fromarray(sample_rgb("astronaut", size)).convert("L")


EXPECTED = {  # file → (status, output name or None, a word in the message)
    "truncated.png": ("failed", None, "corrupt"),
    "zero.png": ("not-image", None, "empty"),
    "random.bin": ("not-image", None, "not an image"),
    "notes.txt": ("not-image", None, "not an image"),
    "cmyk.jpg": ("colorized", "cmyk_color.jpg", ""),
    "deep16.png": ("colorized", "deep16_color.png", ""),
    "palette_alpha.png": ("colorized", "palette_alpha_color.png", ""),
    "rotated.jpg": ("colorized", "rotated_color.jpg", ""),
    "one.png": ("colorized", "one_color.png", ""),
    "thin.png": ("colorized", "thin_color.png", ""),
    "bomb.png": ("failed", None, "limit"),
    "anim.gif": ("colorized", "anim_color.gif", "3 frames"),
    "pages.tif": ("colorized", "pages_color.tif", "2 frames"),
    "broken.img": ("failed", None, "fake codec not implemented"),
    "scan.pgm": ("colorized", "scan_color.png", ""),  # PGM cannot hold colour: PNG
    "dup.jpg": ("colorized", "dup_color.jpg", ""),
    "dup.png": ("colorized", "dup_color.png", ""),
}


@pytest.fixture
def corpus(tmp_path):
    register_broken_format()
    d = tmp_path / "odd"
    d.mkdir()
    buf = io.BytesIO()
    grey(64).save(buf, "PNG")
    (d / "truncated.png").write_bytes(buf.getvalue()[:300])
    (d / "zero.png").write_bytes(b"")
    (d / "random.bin").write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    (d / "notes.txt").write_text("not a photo\n")
    grey().convert("CMYK").save(d / "cmyk.jpg")
    Image.fromarray(np.asarray(grey()).astype(np.uint16) * 257).save(d / "deep16.png")
    pa = grey().convert("P")
    pa.info["transparency"] = 0
    pa.save(d / "palette_alpha.png", transparency=0)
    exif = Image.Exif()
    exif[0x0112] = 6
    grey().crop((0, 0, 40, 48)).save(d / "rotated.jpg", exif=exif)
    Image.new("L", (1, 1), 128).save(d / "one.png")
    Image.new("L", (3, 2000), 100).save(d / "thin.png")
    (d / "bomb.png").write_bytes(png_bomb_header())
    frames = [grey(40).point(lambda v, k=k: min(255, v + 30 * k)) for k in range(3)]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)
    frames[0].save(d / "pages.tif", save_all=True, append_images=frames[1:2])
    (d / "broken.img").write_bytes(BROKEN_MAGIC + b"\0" * 64)
    grey().save(d / "scan.pgm")
    grey().save(d / "dup.jpg")
    grey().save(d / "dup.png")
    return d


def rows(report):
    return {os.path.basename(r["path"]): r for r in map(json.loads, report.read_text().splitlines())}


def test_every_odd_file_gets_its_exact_outcome(tiny_run, corpus, tmp_path, capfd):
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    res = run("colorize", corpus, "--model", tiny_run, "--out", out, "--report", report)
    assert res.exit_code == 1, res.output  # some failed
    assert "11 colorized, 0 skipped (exists), 3 not images, 3 failed" in res.stderr
    got = rows(report)
    assert set(got) == set(EXPECTED)
    for name, (status, output, word) in EXPECTED.items():
        r = got[name]
        assert r["status"] == status, (name, r)
        assert (os.path.basename(r["output"]) if r["output"] else None) == output, (name, r)
        assert word in r["message"], (name, r)
    # the broken plugin's Python warning and its fd-2 chatter are in its one line, not on stderr
    assert "fake decoder warning" in got["broken.img"]["message"]
    assert "FakeLib" in got["broken.img"]["message"]
    assert "FakeLib" not in capfd.readouterr().err and "FakeLib" not in res.stderr.replace(
        got["broken.img"]["message"], "")
    made = sorted(p.name for p in out.iterdir())
    assert made == sorted(o for _, o, _ in EXPECTED.values() if o)
    assert Image.open(out / "rotated_color.jpg").size == (48, 40)  # upright
    assert Image.open(out / "rotated_color.jpg").getexif().get(0x0112, 1) == 1
    assert Image.open(out / "thin_color.png").size == (3, 2000)
    gif = Image.open(out / "anim_color.gif")
    assert gif.n_frames == 3
    assert [(gif.seek(i), gif.info["duration"])[1] for i in range(3)] == [100, 200, 300]
    assert Image.open(out / "pages_color.tif").n_frames == 2
    assert Image.open(out / "cmyk_color.jpg").mode == "RGB"


def test_rerun_skips_and_overwrite_redoes(tiny_run, corpus, tmp_path):
    for f in list(corpus.iterdir()):
        if f.name not in ("dup.jpg", "dup.png", "one.png"):
            f.unlink()
    out = tmp_path / "out"
    assert run("colorize", corpus, "--model", tiny_run, "--out", out).exit_code == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    res = run("colorize", corpus, "--model", tiny_run, "--out", out)
    assert res.exit_code == 0 and "0 colorized, 3 skipped (exists)" in res.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    res = run("colorize", corpus, "--model", tiny_run, "--out", out, "--overwrite")
    assert "3 colorized, 0 skipped" in res.stderr


def test_out_inside_or_equal_to_the_input_never_colorizes_outputs(tiny_run, corpus, tmp_path):
    for f in list(corpus.iterdir()):
        if f.name not in ("dup.jpg", "one.png"):
            f.unlink()
    for _ in range(2):
        assert run("colorize", corpus, "--model", tiny_run, "--out", corpus).exit_code == 0
        assert run("colorize", corpus, "--model", tiny_run, "--out", corpus / "colorized").exit_code == 0
    assert sorted(p.name for p in corpus.iterdir()) == ["colorized", "dup.jpg", "dup_color.jpg", "one.png",
                                                         "one_color.png"]
    assert sorted(p.name for p in (corpus / "colorized").iterdir()) == ["dup_color.jpg", "one_color.png"]


def test_same_stem_in_one_format_gets_distinct_names(tiny_run, corpus, tmp_path):
    for f in list(corpus.iterdir()):
        if f.name not in ("dup.jpg", "dup.png"):
            f.unlink()
    out = tmp_path / "out"
    res = run("colorize", corpus, "--model", tiny_run, "--out", out, "--format", "png")
    assert res.exit_code == 0 and "2 colorized" in res.stderr
    # the input already in the output's format keeps the plain name whatever lies beside it
    assert sorted(p.name for p in out.iterdir()) == ["dup_color.png", "dup_jpg_color.png"]
    assert Image.open(out / "dup_color.png").size == Image.open(corpus / "dup.png").size


def test_format_and_quality(tiny_run, corpus, tmp_path):
    src = corpus / "dup.jpg"
    res = run("colorize", src, "--model", tiny_run, "--out", tmp_path / "w", "--format", "webp", "--quality", "50")
    assert res.exit_code == 0
    assert Image.open(tmp_path / "w" / "dup_color.webp").format == "WEBP"


def test_multi_frame_to_a_one_frame_format_is_refused_unless_first_frame(tiny_run, corpus, tmp_path):
    res = run("colorize", corpus / "anim.gif", "--model", tiny_run, "--out", tmp_path / "o", "--format", "jpg")
    assert res.exit_code == 1 and "3 frames" in res.stderr and "--first-frame" in res.stderr
    res = run("colorize", corpus / "anim.gif", "--model", tiny_run, "--out", tmp_path / "o", "--format", "jpg",
              "--first-frame")
    assert res.exit_code == 0 and Image.open(tmp_path / "o" / "anim_color.jpg").size == (40, 40)


def test_bad_output_location_fails_before_the_model_loads(corpus, tmp_path):
    (tmp_path / "afile").write_text("x")
    res = run("colorize", corpus, "--model", "no-such-model", "--out", tmp_path / "afile")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "not a folder" in res.stderr


def test_read_only_output_folder_is_one_line(corpus, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        res = run("colorize", corpus, "--model", "no-such-model", "--out", ro / "sub")
        assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "not writable" in res.stderr
    finally:
        ro.chmod(0o700)


def test_max_megapixels_above_pillows_limit_is_the_limit(tiny_run, tmp_path, monkeypatch):
    """Pillow refuses > 2 x MAX_IMAGE_PIXELS by itself; our limit must win (shrunk here to stay fast)."""
    grey(48).save(tmp_path / "p.png")  # 2304 px: over Pillow's (shrunk) 2000-px error limit
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    res = run("colorize", tmp_path / "p.png", "--model", tiny_run, "--out", tmp_path / "o", "--max-megapixels", "1")
    assert res.exit_code == 0, res.stderr
    assert Image.MAX_IMAGE_PIXELS == 1000  # restored
