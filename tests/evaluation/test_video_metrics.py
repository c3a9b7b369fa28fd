import numpy as np

from chromalab.core import lab
from chromalab.evaluation.video import cdc, grey_frames, input_flows, reference_rows, scene_cuts, warping_error
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


def test_evaluation_flow_recovers_a_known_shift_at_full_resolution():
    frames = [pattern(64, 96, 3 * i) for i in range(3)]  # the texture moves 3 px right each frame
    for flow, mask in input_flows(frames):
        inner = flow[0, :, 8:-8, 8:-16]  # frame t−1's pixel p is found at p + 3 in frame t
        assert (inner[0] - 3).abs().mean() < 0.1 and inner[1].abs().mean() < 0.1
        assert mask[0, 0, 8:-8, 8:-16].mean() > 0.95


def test_grey_reference_has_no_colour_and_no_more_flicker_than_the_colour_original():
    frames = [pattern(48, 64, 2 * i) for i in range(6)]
    grey = grey_frames(frames)
    assert all(lab.mean_chroma(g.astype(np.float32) / 255) < 1 for g in grey)
    rows = {r["model"]: r for r in reference_rows("p", frames, input_flows(frames))}
    assert rows["grey input"]["warping_error"] <= rows["colour orig"]["warping_error"]
    assert rows["grey input"]["temporal"] is None and rows["grey input"]["cdc"] >= 0


def test_pairs_across_a_scene_cut_are_left_out():
    shot_a = [pattern(48, 64, 2 * i) for i in range(4)]
    shot_b = [(pattern(48, 64, 2 * i, seed=1) * 0.3).astype(np.uint8) for i in range(4)]  # darker, other content
    frames = shot_a + shot_b
    assert scene_cuts(frames) == {3}
    flows = input_flows(frames)
    assert not flows[3][1].any() and all(m.any() for i, (_, m) in enumerate(flows) if i != 3)
    assert warping_error(frames, flows) < 0.01  # only the in-shot pairs count
    assert cdc(frames, cuts={3}) < cdc(frames) / 5
