"""Video colorizing end to end on tiny videos the tests make themselves (PyAV)."""

from fractions import Fraction

import av
import numpy as np
import pytest

from chromalab.inference.load import load_colorizer
from chromalab.inference.video import VideoColorizer, VideoError, colorize_video, read_frames
from tests.videos import make_video, probe


@pytest.fixture(scope="module")
def colorizer():
    return load_colorizer("default")


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_frames_rate_size_timestamps_rotation_and_audio_are_kept(colorizer, tmp_path):
    src = make_video(tmp_path / "clip.mp4", frames=10, size=(48, 32), fps=12, rotation=90)
    seen = []
    res = colorize_video(src, tmp_path / "out" / "clip_color.mp4", colorizer, progress=seen.append)
    a, b = probe(src), probe(res.dst)
    assert res.dst.name == "clip_color.mp4" and res.frames == 10
    assert b["size"] == a["size"] and b["frames"] == a["frames"] == 10
    assert b["rate"] == a["rate"] == Fraction(12)
    assert np.allclose(b["pts"], a["pts"])
    assert b["rotation"] == a["rotation"] == 90
    assert b["audio"] == a["audio"] == [("aac", 22050)] and b["audio_packets"] == a["audio_packets"] > 0
    assert b["pix_fmt"] == "yuv420p"
    assert seen and seen[-1].frames == 10
    assert leftovers(tmp_path / "out") == []
    assert np.abs(b["first"].astype(int) - b["first"].mean(2, keepdims=True)).mean() > 1  # it has colour


def test_colour_videos_get_the_notice_photos_get(colorizer, tmp_path):
    colour = colorize_video(make_video(tmp_path / "c.mp4", frames=4, audio=False), tmp_path / "c_color.mp4",
                            colorizer, temporal=False)
    grey = colorize_video(make_video(tmp_path / "g.mp4", frames=4, audio=False, grey=True),
                          tmp_path / "g_color.mp4", colorizer, temporal=False)
    assert colour.notes == ["is in colour; colorized its grey version"]
    assert grey.notes == []


def test_variable_frame_rate_timestamps_survive(colorizer, tmp_path):
    src = make_video(tmp_path / "vfr.mkv", frames=8, vfr=True, audio=False)
    res = colorize_video(src, tmp_path / "vfr_color.mp4", colorizer, temporal=False)
    assert np.allclose(probe(res.dst)["pts"], probe(src)["pts"])


def test_audio_packets_are_copied_bit_for_bit(colorizer, tmp_path):
    src = make_video(tmp_path / "a.mp4", frames=8)
    res = colorize_video(src, tmp_path / "a_color.mp4", colorizer)

    def payloads(path):
        with av.open(str(path)) as c:
            return [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]

    assert payloads(res.dst) == payloads(src)


def test_audio_that_mp4_cannot_hold_makes_an_mkv(colorizer, tmp_path):
    src = make_video(tmp_path / "pcm.avi", frames=6, codec="mpeg4", audio_codec="pcm_s16le")
    res = colorize_video(src, tmp_path / "pcm_color.mp4", colorizer, temporal=False)
    assert res.dst.name == "pcm_color.mkv" and any("pcm_s16le" in n for n in res.notes)
    assert probe(res.dst)["audio"] == [("pcm_s16le", 22050)] and probe(res.dst)["frames"] == 6


def frame_to_frame_error(frames, shift):
    """Mean |ab change| after undoing the known motion (the pattern moves ``shift`` px per frame)."""
    import torch

    from chromalab.core import lab

    abs_ = [lab.rgb_to_lab(torch.from_numpy(f).permute(2, 0, 1)[None].float() / 255)[:, 1:] for f in frames]
    errs = [(a[..., shift:-8] - b[..., :-shift - 8 + 0 or None][..., : a[..., shift:-8].shape[-1]]).abs().mean()
            for b, a in zip(abs_, abs_[1:], strict=False)]
    return float(np.mean(errs))


def test_temporal_mode_steadies_colour_on_known_motion(colorizer):
    from tests.videos import pattern

    rng = np.random.default_rng(0)
    frames = [np.clip(pattern(48, 64, 2 * i).astype(int) + rng.integers(-12, 13, (48, 64, 1)), 0, 255)
              .astype(np.uint8) for i in range(10)]  # film grain: per-frame colour jitters
    off = list(VideoColorizer(colorizer, temporal=False).colorize_frames(frames, batch=4))
    on = list(VideoColorizer(colorizer, temporal=True).colorize_frames(frames, batch=4))
    e_off, e_on = frame_to_frame_error(off, 2), frame_to_frame_error(on, 2)
    assert e_on < 0.85 * e_off, (e_on, e_off)
    chroma = lambda fs: np.mean([np.abs(f.astype(int) - f.mean(2, keepdims=True)).mean() for f in fs])  # noqa: E731
    assert chroma(on) > 0.9 * chroma(off)  # steadier, not washed out


def test_scene_cut_resets_the_carried_colour(colorizer):
    from tests.videos import pattern

    frames = [pattern(32, 48, i) for i in range(4)] + [255 - pattern(32, 48, 0, seed=5) // 3] * 2
    vc = VideoColorizer(colorizer, temporal=True)
    list(vc.colorize_frames(frames, batch=3))
    assert vc.scene_cuts == 1


def test_odd_size_and_10_bit_inputs_are_encoded(colorizer, tmp_path):
    odd = make_video(tmp_path / "odd.mkv", size=(33, 25), codec="ffv1", pix_fmt="yuv444p", audio=False)
    res = colorize_video(odd, tmp_path / "odd_color.mp4", colorizer)
    assert probe(res.dst)["size"] == (32, 24) and any("cropped to 32x24" in n for n in res.notes)
    ten = make_video(tmp_path / "ten.mp4", pix_fmt="yuv420p10le")
    res = colorize_video(ten, tmp_path / "ten_color.mp4", colorizer)
    assert probe(res.dst)["frames"] == 10 and probe(res.dst)["pix_fmt"] == "yuv420p"


def mux_silence(c) -> None:
    """One AAC frame of silence into the open container ``c``."""
    a = c.add_stream("aac", rate=22050)
    a.layout = "mono"
    af = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
    af.sample_rate, af.pts = 22050, 0
    c.mux(a.encode(af))
    c.mux(a.encode(None))


def zero_length(path):
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=10)
        v.width = v.height = 32
        v.pix_fmt = "yuv420p"
        mux_silence(c)
        c.mux(v.encode(None))
    return path


def audio_only(path):
    with av.open(str(path), "w", format="mp4") as c:
        mux_silence(c)
    return path


@pytest.mark.parametrize("kind, message", [
    ("garbage", "not a readable video"),
    ("empty", "not a readable video"),
    ("truncated_mp4", "not a readable video"),
    ("truncated_mkv", "truncated or damaged"),
    ("zero", "no frames"),
    ("audio_only", "no video stream (holds audio)"),
])
def test_bad_inputs_fail_in_one_line_and_leave_nothing(colorizer, tmp_path, kind, message):
    d = tmp_path / "in"
    d.mkdir()
    if kind == "garbage":
        src = d / "x.mp4"
        src.write_bytes(b"hello" * 100)
    elif kind == "empty":
        src = d / "x.mp4"
        src.write_bytes(b"")
    elif kind.startswith("truncated"):
        ext = kind.split("_")[1]
        good = make_video(d / f"good.{ext}", frames=12).read_bytes()
        src = d / f"x.{ext}"
        src.write_bytes(good[: int(len(good) * 0.55)])
    elif kind == "zero":
        src = zero_length(d / "x.mkv")
    else:
        src = audio_only(d / "x.m4a")
    out = tmp_path / "out"
    with pytest.raises(VideoError) as e:
        colorize_video(src, out / "x_color.mp4", colorizer)
    assert message in str(e.value) and "\n" not in str(e.value) and str(src) in str(e.value)
    assert not out.exists() or list(out.iterdir()) == []


def test_interrupt_removes_the_temp_file(colorizer, tmp_path):
    src = make_video(tmp_path / "clip.mp4", frames=12)

    def stop(p):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        colorize_video(src, tmp_path / "out" / "clip_color.mp4", colorizer, batch=4, progress=stop)
    assert list((tmp_path / "out").iterdir()) == []


def test_reference_is_used_for_every_frame(tiny_reference_run, tmp_path):
    from tests.conftest import sample_rgb

    col = load_colorizer(tiny_reference_run)
    ref = col.prepare_reference(sample_rgb("coffee", 64).astype(np.float32) / 255)
    src = make_video(tmp_path / "clip.mp4", frames=6, audio=False)
    res = colorize_video(src, tmp_path / "clip_color.mp4", col, reference=ref)
    assert res.frames == 6 == len(list(read_frames(res.dst)))


class TopRedColorizer:
    """A stand-in network: red (a = +40) on the top half of whatever it is shown; records the frame shapes."""

    work_size = 4096

    def __init__(self):
        from chromalab.inference.colorizer import make_steps

        self.shapes = []
        self.steps = make_steps("onnx")

    def predict(self, L, reference=None):
        self.shapes.append(tuple(L.shape[-2:]))
        ab = np.zeros((L.shape[0], 2, *L.shape[-2:]), np.float32)
        ab[:, 0, : L.shape[-2] // 2] = 40.0
        return ab


@pytest.mark.parametrize("rotation", [90, -90])
def test_rotated_video_is_colorized_upright_and_keeps_its_rotation(tmp_path, rotation):
    from chromalab.inference.video import upright_turns

    src = make_video(tmp_path / "r.mp4", frames=4, size=(48, 32), rotation=rotation, audio=False)
    fake = TopRedColorizer()
    res = colorize_video(src, tmp_path / "r_color.mp4", fake, temporal=False)
    assert set(fake.shapes) == {(48, 32)}  # stored 48 wide × 32 high; shown upright: 32 wide × 48 high
    out = probe(res.dst)
    assert out["rotation"] == probe(src)["rotation"] == rotation and out["size"] == (48, 32)
    shown = np.rot90(out["first"], upright_turns(rotation)).astype(int)  # as a player shows it
    redness = shown[..., 0] - shown[..., 1]
    assert redness[:20].mean() > redness[-20:].mean() + 20  # the top of the upright picture is the red part


def test_upright_turns_follow_ffmpeg_display_rotation():
    from chromalab.inference.video import upright_turns

    assert [upright_turns(r) for r in (0, 90, -90, 180, -180, 270, 89.6)] == [0, 1, 3, 2, 2, 3, 1]


@pytest.mark.parametrize("frames,size,audio", [(1, (48, 32), True), (1, (48, 32), False), (5, (16, 16), True),
                                               (3, (2, 2), False)])
def test_one_frame_and_tiny_videos_are_colorized(colorizer, tmp_path, frames, size, audio):
    src = make_video(tmp_path / "clip.mp4", frames=frames, size=size, audio=audio)
    res = colorize_video(src, tmp_path / "out.mp4", colorizer)
    got = probe(res.dst)
    assert res.frames == got["frames"] == frames and got["size"] == size
