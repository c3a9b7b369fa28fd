import io

import numpy as np
import pytest
from PIL import Image

from chromalab.core.imageio import ImageError, is_grey, iter_image_files, load_rgb, save_rgb
from tests.conftest import sample_rgb


@pytest.fixture
def rgb():
    return sample_rgb("astronaut", 48)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "CMYK", "I;16", "I"])
def test_every_mode_loads_as_float_rgb(tmp_path, rgb, mode):
    im = Image.fromarray(rgb)
    if mode in ("I;16", "I"):
        grey16 = (np.asarray(im.convert("L")).astype(np.uint16) * 257)
        im = Image.fromarray(grey16.astype(np.uint16 if mode == "I;16" else np.int32))
    else:
        im = im.convert(mode)
    path = tmp_path / ("x.tif" if mode in ("CMYK", "I") else "x.png")
    im.save(path)
    out = load_rgb(path)
    assert out.shape == (rgb.shape[0], rgb.shape[1], 3) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    if mode in ("L", "LA", "I;16", "I"):
        assert is_grey(out)
        assert abs(out.mean() - np.asarray(Image.fromarray(rgb).convert("L")).mean() / 255) < 0.01
    elif mode in ("RGB", "RGBA", "P", "CMYK"):
        assert np.abs(out - rgb / 255).mean() < 0.08


def test_transparent_pixels_become_white(tmp_path):
    a = np.zeros((4, 4, 4), np.uint8)
    Image.fromarray(a, "RGBA").save(tmp_path / "t.png")
    assert np.allclose(load_rgb(tmp_path / "t.png"), 1.0)


def test_exif_rotation_is_applied(tmp_path, rgb):
    im = Image.fromarray(rgb[:, :40])  # 48 high, 40 wide
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    im.save(tmp_path / "r.jpg", exif=exif)
    assert load_rgb(tmp_path / "r.jpg").shape[:2] == (40, 48)


def test_bad_inputs_give_one_line_errors(tmp_path, rgb):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image at all\n")
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    (tmp_path / "trunc.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    cases = {"empty.png": "empty", "text.png": "not an image", "trunc.png": "corrupt", "missing.png": "cannot read"}
    for name, words in cases.items():
        with pytest.raises(ImageError) as err:
            load_rgb(tmp_path / name)
        msg = str(err.value)
        assert words in msg and name in msg and "\n" not in msg


def test_decompression_bomb_is_refused(tmp_path):
    Image.new("L", (4000, 4000)).save(tmp_path / "big.png")
    with pytest.raises(ImageError, match="limit"):
        load_rgb(tmp_path / "big.png", max_pixels=1_000_000)


def test_save_is_atomic_and_leaves_nothing_on_failure(tmp_path, rgb):
    path = save_rgb(rgb / 255.0, tmp_path / "o.png")
    assert np.array_equal(np.asarray(Image.open(path)), rgb)
    with pytest.raises((TypeError, ValueError)):
        save_rgb(np.zeros((4, 4, 5)), tmp_path / "bad.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.png"]


def test_iter_image_files_recurses_and_reports_missing(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for p in ("a/1.png", "a/b/2.jpg", "a/notes.txt"):
        (tmp_path / p).write_bytes(b"x")
    errors = []
    found = list(iter_image_files([tmp_path / "a", tmp_path / "nope.png"], errors))
    assert [p.name for p in found] == ["1.png", "2.jpg"]
    assert len(errors) == 1 and "nope.png" in errors[0]
