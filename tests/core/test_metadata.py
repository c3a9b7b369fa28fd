"""Metadata survives colorizing: EXIF date/copyright, ICC profile, DPI; orientation becomes 1; provenance tag."""

import numpy as np
import pytest
from PIL import Image, ImageCms

from chromalab.core.imageio import read_photo, save_like, save_photo
from tests.conftest import sample_rgb


@pytest.fixture
def scan(tmp_path):
    im = Image.fromarray(sample_rgb("camera", 48)).convert("L").crop((0, 0, 40, 48))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated on display
    exif[0x8298] = "(c) Grandma"
    exif[0x8769] = {0x9003: "1931:05:17 10:00:00"}  # DateTimeOriginal
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "scan.jpg"
    im.save(path, exif=exif, icc_profile=icc, dpi=(300, 300))
    return path, icc


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_metadata_round_trip(scan, tmp_path, suffix):
    path, icc = scan
    photo = read_photo(path)
    assert photo.rgb.shape[:2] == (40, 48)  # upright
    out = save_photo(photo.frames, tmp_path / f"out{suffix}", meta=photo.meta, software="chromalab test")
    with Image.open(out) as im:
        exif = im.getexif()
        assert exif.get(0x0112, 1) == 1
        assert exif[0x8298] == "(c) Grandma"
        assert exif.get_ifd(0x8769)[0x9003] == "1931:05:17 10:00:00"
        assert exif[0x0131] == "chromalab test"
        assert im.info.get("icc_profile") == icc
        if suffix != ".webp":  # WebP has no DPI field
            assert tuple(round(d) for d in im.info["dpi"]) == (300, 300)
        if suffix == ".png":
            assert im.info["Software"] == "chromalab test"
        assert im.size == (48, 40)


def test_save_like_takes_metadata_from_the_source(scan, tmp_path):
    path, icc = scan
    out = save_like(np.zeros((40, 48, 3), np.float32), tmp_path / "o.jpg", like=path)
    with Image.open(out) as im:
        assert im.info.get("icc_profile") == icc and im.getexif()[0x8298] == "(c) Grandma"


# --- metadata that cannot be written never costs the photo ---------------------------------------------------

def _bad_exif_jpeg(path, sub_ifd=False):
    from scripts.odd_inputs import exif_with

    tag, text = (0x829A, b"1/6") if sub_ifd else (0x011A, b"72")
    Image.new("L", (24, 16), 120).save(path, exif=exif_with(tag, text, sub_ifd=sub_ifd))
    return path


def test_exif_tag_pillow_cannot_write_is_dropped_with_a_note(tmp_path):
    src = _bad_exif_jpeg(tmp_path / "bad.jpg")
    photo = read_photo(src)
    assert photo.meta.exif[0x011A] == "72"  # text where the spec says a rational
    notes: list[str] = []
    out = save_photo(np.zeros((16, 24, 3), np.uint8), tmp_path / "out.jpg", meta=photo.meta, notes=notes)
    assert notes == ["EXIF XResolution dropped (cannot be written)"]
    exif = Image.open(out).getexif()
    assert 0x011A not in exif and "chromalab" in exif[0x0131]  # the rest is still written


def test_exif_bytes_keeps_the_writable_tags():
    from chromalab.core.metadata import exif_bytes

    exif = Image.Exif()
    exif[0x011A] = "72"  # XResolution as text
    exif[0x013B] = "A. Photographer"  # Artist
    notes: list[str] = []
    back = Image.Exif()
    back.load(exif_bytes(exif, notes))
    assert dict(back) == {0x013B: "A. Photographer"} and notes == ["EXIF XResolution dropped (cannot be written)"]


def test_unwritable_dpi_is_dropped_with_a_note(tmp_path):
    from chromalab.core.metadata import Metadata

    for suffix in (".jpg", ".png", ".tif"):
        notes: list[str] = []
        out = save_photo(np.zeros((8, 8, 3), np.uint8), tmp_path / f"o{suffix}",
                         meta=Metadata(dpi=(float("nan"), float("inf"))), notes=notes)
        assert Image.open(out).size == (8, 8) and notes and "DPI" in notes[0]


def test_encoder_refusing_metadata_writes_the_photo_without_it(tmp_path, monkeypatch):
    from chromalab.core import imageio
    from chromalab.core.metadata import Metadata

    real = Image.Image.save

    def picky(self, fp, format=None, **opts):  # an encoder that refuses any ICC profile
        if opts.get("icc_profile"):
            raise ValueError("bad ICC profile")
        return real(self, fp, format=format, **opts)

    monkeypatch.setattr(Image.Image, "save", picky)
    notes: list[str] = []
    out = imageio.save_photo(np.zeros((8, 8, 3), np.uint8), tmp_path / "o.png", meta=Metadata(icc_profile=b"junk"),
                             notes=notes)
    assert Image.open(out).size == (8, 8)
    assert notes and notes[0].startswith("metadata dropped") and "bad ICC profile" in notes[0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_chromalab_save_like_a_photo_with_broken_exif_saves_and_logs(tmp_path, caplog):
    import logging

    import chromalab

    for sub in (False, True):
        src = _bad_exif_jpeg(tmp_path / f"bad{sub}.jpg", sub_ifd=sub)
        with caplog.at_level(logging.WARNING, logger="chromalab.core.imageio"):
            out = chromalab.save(np.zeros((16, 24, 3), np.uint8), tmp_path / f"out{sub}.jpg", like=src)
        assert Image.open(out).size == (24, 16)
    assert "XResolution dropped" in caplog.text
