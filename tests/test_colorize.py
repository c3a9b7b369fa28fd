import numpy as np
import pytest
import torch

from chromalab import lab
from chromalab.colorize import Colorizer

from .conftest import sample_rgb


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
