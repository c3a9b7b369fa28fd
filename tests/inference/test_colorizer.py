import numpy as np
import pytest
import torch

from chromalab.core import lab
from chromalab.inference.colorizer import Colorizer
from tests.conftest import sample_rgb


@pytest.fixture(scope="module")
def colorizer(tiny_run):
    return Colorizer.load(tiny_run, work_size=40)


def test_output_has_input_size_and_exact_l(colorizer):
    grey = np.repeat((sample_rgb("chelsea", 120).mean(2, keepdims=True) / 255.0).astype(np.float32), 3, 2)
    out = colorizer.colorize(grey)
    assert out.shape == grey.shape
    L_in = lab.grey_l(lab.image_to_tensor(grey))
    quantized = np.round(out * 255) / 255  # what the PNG will hold
    L_out = lab.grey_l(lab.image_to_tensor(quantized.astype(np.float32)))
    assert (L_out - L_in).abs().max() < 1.0


def test_colour_input_is_treated_as_its_grey_version(colorizer):
    rgb = (sample_rgb("coffee", 64) / 255.0).astype(np.float32)
    grey = lab.tensor_to_image(lab.lab_to_rgb(torch.cat([lab.grey_l(lab.image_to_tensor(rgb)),
                                                         torch.zeros(1, 2, *rgb.shape[:2])], 1)))
    assert np.allclose(colorizer.colorize(rgb), colorizer.colorize(grey), atol=2e-3)


def test_unknown_model_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="neither a shipped model"):
        Colorizer.load("no-such-model")


def test_shipped_default_model_colorizes_a_sample(tmp_path):
    col = Colorizer.load(work_size=64)
    grey = np.repeat((sample_rgb("astronaut", 96).mean(2, keepdims=True) / 255.0).astype(np.float32), 3, 2)
    out = col.colorize(grey)
    assert out.shape == grey.shape
    assert lab.chroma(lab.rgb_to_lab(lab.image_to_tensor(out))[:, 1:]).mean() > 1.0  # it adds colour


def test_exported_model_folder_is_readable_and_reloads(tiny_run, tmp_path):
    import os

    from chromalab.models.io import export_model
    dest = export_model(tiny_run, tmp_path / "m")
    assert all(os.stat(p).st_mode & 0o044 == 0o044 for p in dest.iterdir())  # not 0600 temp-file modes
    x = np.random.default_rng(0).random((24, 24, 3)).astype(np.float32)
    a, b = Colorizer.load(tiny_run).colorize(x), Colorizer.load(dest).colorize(x)
    assert np.abs(a - b).max() < 0.02  # fp16 weights, same model
    assert "data" not in __import__("json").loads((dest / "config.json").read_text())["training"]


def test_accepts_uint8_and_2d_arrays(colorizer):
    grey8 = sample_rgb("camera", 48)[..., 0] if sample_rgb("camera", 48).ndim == 3 else sample_rgb("camera", 48)
    a = colorizer.colorize(grey8)
    b = colorizer.colorize(np.repeat(grey8[..., None], 3, 2).astype(np.float32) / 255.0)
    assert a.shape == b.shape == (*grey8.shape, 3)
    assert a.dtype == np.uint8 and b.dtype == np.float32  # the kind it was given
    assert np.abs(a.astype(np.float32) - b * 255).max() <= 1.0


def test_pil_in_pil_out_and_saturation(colorizer):
    from PIL import Image

    im = Image.fromarray(sample_rgb("camera", 48)).convert("L")
    out = colorizer.colorize(im)
    assert isinstance(out, Image.Image) and out.mode == "RGB" and out.size == im.size
    grey = colorizer.colorize(im, saturation=0.0)
    arr = np.asarray(grey).astype(int)
    assert np.abs(arr - arr.mean(axis=2, keepdims=True)).max() <= 2  # saturation 0: no chroma left


def test_colorize_batch_goes_on_past_bad_files(colorizer, tmp_path):
    from PIL import Image

    Image.fromarray(sample_rgb("camera", 40)).convert("L").save(tmp_path / "a.png")
    (tmp_path / "b.png").write_bytes(b"junk")
    results = list(colorizer.colorize_batch([tmp_path / "a.png", tmp_path / "b.png"]))
    assert [r[0].name for r in results] == ["a.png", "b.png"]
    assert results[0][1].shape == (*Image.open(tmp_path / "a.png").size[::-1], 3) and results[0][2] == ""
    assert results[1][1] is None and "not an image" in results[1][2]
