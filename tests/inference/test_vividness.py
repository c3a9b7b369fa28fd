"""Vividness: the one boldness knob (an ab multiplier at working size, on top of the calibration)."""

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from chromalab.core import lab
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.load import load_colorizer
from chromalab.inference.settings import InferenceSettings
from tests.conftest import sample_rgb


@pytest.fixture(scope="module")
def colorizer(tiny_run):
    return Colorizer.load(tiny_run, work_size=40)


def grey(size: int = 64) -> np.ndarray:
    g = (sample_rgb("astronaut", size).mean(2, keepdims=True) / 255.0).astype(np.float32)
    return np.repeat(g, 3, 2)


def test_settings_validate_and_round_trip():
    assert InferenceSettings().vividness == 1.0
    with pytest.raises(ValueError):
        InferenceSettings(vividness=-0.1)
    s = InferenceSettings.from_meta({"inference": {"vividness": 1.3, "chroma_scale": 0.9}})
    assert (s.vividness, s.chroma_scale) == (1.3, 0.9) and s.to_dict()["vividness"] == 1.3


def test_vividness_multiplies_predicted_ab(colorizer):
    L = lab.grey_l(lab.image_to_tensor(grey(40)))
    ab1 = colorizer.predict(L.numpy())
    ab2 = colorizer.with_settings(vividness=2.0).predict(L.numpy())
    assert np.allclose(ab2, 2.0 * ab1, atol=1e-4)
    assert colorizer.settings.vividness == 1.0  # the copy did not change the original


def test_vividness_zero_is_grey_and_per_call_override(colorizer):
    g = grey()
    out0 = colorizer.colorize(g, vividness=0.0)
    assert np.abs(out0 - out0.mean(2, keepdims=True)).max() < 2e-3
    assert not np.allclose(colorizer.colorize(g, vividness=2.0), colorizer.colorize(g), atol=1e-3)


def test_load_colorizer_takes_vividness(tiny_run):
    assert load_colorizer(tiny_run, vividness=1.5).settings.vividness == 1.5
    assert load_colorizer(tiny_run).settings.vividness == 1.0


def test_cli_and_web_take_vividness(tiny_run, tmp_path):
    from typer.testing import CliRunner

    from chromalab.cli import app
    from chromalab.web import WebSettings, create_app

    src = tmp_path / "in.png"
    Image.fromarray(lab.to_uint8(grey())).save(src)
    res = CliRunner().invoke(app, ["colorize", str(src), "--model", str(tiny_run), "--out", str(tmp_path / "o"),
                                   "--vividness", "0"])
    assert res.exit_code == 0, res.output
    out = np.asarray(Image.open(tmp_path / "o" / "in_color.png")).astype(int)
    assert np.abs(out - out.mean(2, keepdims=True)).max() <= 2
    settings = WebSettings(runs_dir=tmp_path / "runs", extra_models={"tiny": tiny_run})
    with TestClient(create_app(settings)) as client:
        post = lambda **form: client.post("/api/colorize", files={"image": ("p.png", src.read_bytes())},  # noqa: E731
                                          data={"model": "tiny", **form})
        assert post(vividness="9").status_code == 422
        res = post(vividness="0")
        assert res.status_code == 200
        out = np.asarray(Image.open(io.BytesIO(res.content)).convert("RGB")).astype(int)
        assert np.abs(out - out.mean(2, keepdims=True)).max() <= 2


def test_any_inference_setting_is_a_call_argument_and_the_colorizer_is_not_changed(colorizer):
    g = grey(80)
    before = colorizer.settings
    small = colorizer.colorize(g, work_size=16)
    np.testing.assert_array_equal(small, colorizer.with_settings(work_size=16).colorize(g))
    assert not np.allclose(small, colorizer.colorize(g), atol=1e-3)  # the work size made a difference
    assert colorizer.settings == before
    np.testing.assert_array_equal(colorizer.colorize(g, vividness=None), colorizer.colorize(g))
    with pytest.raises(TypeError, match="unknown settings: boldness"):
        colorizer.colorize(g, boldness=2.0)
