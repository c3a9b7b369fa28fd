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
