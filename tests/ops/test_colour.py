import numpy as np
import pytest

from chromalab.core import lab
from chromalab.ops.colour import adjust_colour
from tests.conftest import sample_rgb


@pytest.fixture
def rgb():
    return (sample_rgb("coffee", 64) / 255.0).astype(np.float32)


def L_of(x):
    return lab.grey_l(lab.image_to_tensor(x))


def chroma_of(x):
    return lab.chroma(lab.rgb_to_lab(lab.image_to_tensor(x))[:, 1:])


def test_identity_and_grey(rgb):
    assert np.array_equal(adjust_colour(rgb), rgb)
    grey = adjust_colour(rgb, saturation=0.0)
    assert chroma_of(grey).max() < 1.0
    assert (L_of(grey) - L_of(rgb)).abs().max() < 0.5


def test_saturation_scales_chroma_and_keeps_lightness_within_gamut(rgb):
    muted = adjust_colour(rgb, saturation=0.4)
    more = adjust_colour(muted, saturation=2.0)
    assert 0.0 <= more.min() and more.max() <= 1.0
    assert (L_of(more) - L_of(muted)).abs().max() < 0.5
    assert chroma_of(more).mean() > 1.7 * chroma_of(muted).mean()
    vivid = adjust_colour(rgb, saturation=4.0)  # far past the gamut: chroma shrinks back, L stays
    assert 0.0 <= vivid.min() and vivid.max() <= 1.0 and (L_of(vivid) - L_of(rgb)).abs().max() < 0.5


def test_vibrance_lifts_weak_colours_more_than_strong_ones(rgb):
    c0 = chroma_of(rgb)
    c1 = chroma_of(adjust_colour(rgb, vibrance=1.0))
    weak, strong = c0 < 10, c0 > 50
    assert weak.any() and strong.any()
    gain = c1 / c0.clamp(min=1e-3)
    assert gain[weak & (c0 > 2)].mean() > gain[strong].mean() + 0.3


def test_out_of_range_parameters_are_refused(rgb):
    with pytest.raises(ValueError, match="saturation"):
        adjust_colour(rgb, saturation=-1)
    with pytest.raises(ValueError, match="vibrance"):
        adjust_colour(rgb, vibrance=3)
