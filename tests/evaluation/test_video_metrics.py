import numpy as np

from chromalab.evaluation.video import cdc, input_flows, warping_error
from tests.videos import pattern


def test_cdc_is_zero_for_a_still_video_and_grows_with_colour_flicker():
    still = [pattern(32, 48)] * 6
    assert cdc(still) == 0
    flicker = [np.clip(pattern(32, 48).astype(int) + (40 if i % 2 else -40) * np.array([1, 0, -1]), 0, 255)
               .astype(np.uint8) for i in range(6)]
    assert cdc(flicker) > 0.01


def test_warping_error_is_small_when_outputs_follow_the_motion_and_large_when_they_flicker():
    frames = [pattern(48, 64, 2 * i) for i in range(6)]
    flows = input_flows(frames)
    steady = warping_error(frames, flows)
    flicker = [np.clip(f.astype(int) + (30 if i % 2 else -30) * np.array([1, 0, -1]), 0, 255).astype(np.uint8)
               for i, f in enumerate(frames)]
    assert steady < 0.01 and warping_error(flicker, flows) > 10 * steady
