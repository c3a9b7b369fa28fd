import numpy as np
import pytest
import torch

from chromalab.core import lab
from chromalab.data.faces import cascade_path as haar_cascade_path
from chromalab.data.faces import largest_face_fraction
from chromalab.inference.auto import AutoColorizer
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.store import find_model
from chromalab.models.io import save_model
from chromalab.models.registry import apply_overrides, get_config
from chromalab.training.router import fit_router
from tests.conftest import sample_rgb, synthetic_rgb


def constant_colour_model(folder, a: float, b: float):
    """A tiny autoencoder whose output is the constant ab (a, b) in network units: easy to recognise."""
    cfg = apply_overrides(get_config("ae-unet-learned"), {"width": 4, "depth": 2})
    net = cfg.build()
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.copy_(torch.atanh(torch.tensor([a, b])))
    save_model(net, cfg, folder)


def mean_ab(rgb: np.ndarray) -> np.ndarray:
    return lab.rgb_to_lab(lab.image_to_tensor(rgb))[0, 1:].mean((1, 2)).numpy()


def photos(kind: str, n: int) -> list[np.ndarray]:
    if kind == "portrait":  # the astronaut's head and shoulders, cropped at a few places
        img = sample_rgb("astronaut", 128) / 255.0
        return [img[4 * i:4 * i + 96, 10 + 4 * i:106 + 4 * i].astype(np.float32) for i in range(n)]
    return [(synthetic_rgb(i, 96) / 255.0).astype(np.float32) for i in range(n)]


@pytest.fixture
def installed(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMALAB_MODELS", str(tmp_path))
    monkeypatch.setenv("CHROMALAB_FACE_CASCADE", str(tmp_path / "no-cascade.xml"))
    constant_colour_model(tmp_path / "default", 0.0, 0.0)
    return tmp_path


def test_auto_routes_each_photo_to_the_portrait_or_landscape_model(installed):
    constant_colour_model(installed / "portrait", 0.4, 0.0)   # red
    constant_colour_model(installed / "landscape", 0.0, -0.4)  # blue
    fit_router(photos("portrait", 4), photos("landscape", 4), installed / "router", pretrained=False)
    col = Colorizer.load("auto", work_size=64)
    assert isinstance(col, AutoColorizer)
    portrait = sample_rgb("astronaut", 110)[8:100, 12:104] / 255.0  # a crop it did not see
    a, b = mean_ab(col.colorize(portrait.astype(np.float32)))
    assert a > 10 and abs(b) < 8
    a, b = mean_ab(col.colorize((synthetic_rgb(11, 80) / 255.0).astype(np.float32)))
    assert b < -10 and abs(a) < 8


def test_auto_falls_back_to_the_default_model_with_a_notice(installed, caplog):
    constant_colour_model(installed / "portrait", 0.4, 0.0)
    col = Colorizer.load("auto", work_size=64)
    assert not isinstance(col, AutoColorizer)
    assert "no portrait and landscape models" in caplog.text
    assert np.abs(mean_ab(col.colorize(photos("portrait", 1)[0]))).max() < 1.0  # the grey default
    constant_colour_model(installed / "landscape", 0.0, -0.4)
    col = Colorizer.load("auto", work_size=64)  # both colour models, but no router and no face cascade
    assert not isinstance(col, AutoColorizer)
    assert "no router model and no OpenCV face cascade" in caplog.text
    assert find_model("landscape") == installed / "landscape"


def test_fitting_a_router_needs_both_kinds(tmp_path):
    with pytest.raises(ValueError, match="portrait and landscape"):
        fit_router(photos("portrait", 2), [], tmp_path / "router", pretrained=False)


@pytest.mark.skipif(haar_cascade_path() is None, reason="this OpenCV ships no Haar face cascade")
def test_face_detector_finds_the_astronaut_and_no_face_in_coffee():
    def grey(name):
        return sample_rgb(name, 400).mean(2) / 255.0

    assert largest_face_fraction(grey("astronaut")) > 0.12
    assert largest_face_fraction(grey("coffee")) == 0.0
