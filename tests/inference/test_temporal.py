"""The temporal step and the video frames on NumPy / OpenCV equal what they were in torch."""

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.inference.temporal import TemporalBlender, TemporalSettings
from chromalab.ops.flow import backward_warp, occlusion_mask
from chromalab.ops.histogram import channel_histograms, js_divergence
from tests.videos import pattern


class TorchBlender:
    """The temporal step as it was written in torch (the reference)."""

    def __init__(self, settings):
        self.st = settings
        self.dis = cv2.DISOpticalFlow_create(settings.preset)
        self.prev_L = self.prev_ab = None
        self.cuts = 0

    @staticmethod
    def u8(L):
        return (L[0, 0].clamp(0, 100) * 2.55 + 0.5).to(torch.uint8).numpy()

    @staticmethod
    def flow(f):
        return torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)[None].float()

    def step(self, L, ab):
        st = self.st
        if self.prev_L is not None:
            p = channel_histograms(self.prev_L[0] / lab.L_MAX, bins=64)
            q = channel_histograms(L[0] / lab.L_MAX, bins=64)
            if float(js_divergence(p, q).mean()) > st.cut_threshold:
                self.cuts += 1
                self.prev_L = None
        if self.prev_L is None:
            out = ab
        else:
            h, w = L.shape[-2:]
            s = min(1.0, st.flow_size / max(h, w))
            size = (max(8, round(h * s)), max(8, round(w * s)))
            cur = F.interpolate(L, size=size, mode="area") if s < 1 else L
            prev = F.interpolate(self.prev_L, size=size, mode="area") if s < 1 else self.prev_L
            a, b = self.u8(cur), self.u8(prev)
            fw, bw = self.flow(self.dis.calc(a, b, None)), self.flow(self.dis.calc(b, a, None))
            if s < 1:
                scale = torch.tensor([w / size[1], h / size[0]]).view(1, 2, 1, 1)
                fw = F.interpolate(fw, size=(h, w), mode="bilinear", align_corners=False) * scale
                bw = F.interpolate(bw, size=(h, w), mode="bilinear", align_corners=False) * scale
            warped, _ = backward_warp(torch.cat([self.prev_ab, self.prev_L], 1), fw)
            conf = occlusion_mask(fw, bw) * torch.exp(-(warped[:, 2:] - L).abs() / st.l_sigma)
            wgt = st.alpha * conf
            mixed = wgt * warped[:, :2] + (1 - wgt) * ab
            want = wgt * lab.chroma(warped[:, :2]) + (1 - wgt) * lab.chroma(ab)
            out = mixed * (want / lab.chroma(mixed).clamp_min(1e-3)).clamp(max=4.0)
        self.prev_L, self.prev_ab = L, out
        return out


@pytest.mark.parametrize("flow_size", [256, 40])
def test_numpy_temporal_step_equals_the_torch_one(flow_size):
    """At the default flow size (the working size) equal to float rounding. With the flow on smaller frames
    (40), the two area averagings differ by ~1e-4 L, which flips a few uint8 pixels DIS sees: a few pixels'
    flow differs, so only nearly equal."""
    st = TemporalSettings(flow_size=flow_size)
    rng = np.random.default_rng(0)
    frames = [pattern(48, 72, 3 * i) for i in range(6)] + [255 - pattern(48, 72, 0, seed=4) // 3]  # then a cut
    new, old = TemporalBlender(st), TorchBlender(st)
    for f in frames:
        L = lab.grey_l(torch.from_numpy(f).permute(2, 0, 1)[None].float() / 255)
        ab = torch.from_numpy(rng.normal(0, 25, (1, 2, 48, 72)).astype(np.float32))
        got = new.step(L.numpy(), ab.numpy())
        want = old.step(L, ab).numpy()
        assert got.shape == (1, 2, 48, 72) and got.dtype == np.float32
        if flow_size == 256:
            np.testing.assert_allclose(got, want, atol=2e-3)
        else:
            d = np.abs(got - want)
            assert d.max() < 1.0 and d.mean() < 0.01, (d.max(), d.mean())
    assert new.cuts == old.cuts == 1


def test_video_frames_equal_the_torch_orchestration_they_replace():
    """Frames through the pipeline (working copy, network, temporal hook, guided filter, finish, rounding)
    against the torch code video used before: guided upsampling of the blended ab, gamut fit, rounding."""
    from chromalab.inference.load import load_colorizer
    from chromalab.inference.video import VideoColorizer
    from chromalab.ops.upsample import guided_upsample

    col = load_colorizer("default", work_size=64)
    frames = [pattern(72, 120, 2 * i) for i in range(5)]
    got = list(VideoColorizer(col, temporal=True).colorize_frames(frames, batch=3))
    blender = TemporalBlender()
    want = []
    for f in frames:
        rgb = torch.from_numpy(f).permute(2, 0, 1)[None].float() / 255
        L = lab.grey_l(rgb)
        low = F.interpolate(L, size=(38, 64), mode="area")
        ab = torch.from_numpy(col.predict(low.numpy()))
        ab = torch.from_numpy(blender.step(low.numpy(), ab.numpy()))
        out = lab.lab_to_rgb_in_gamut(L, guided_upsample(ab, low / lab.L_MAX, L / lab.L_MAX))
        want.append((out[0].permute(1, 2, 0).clamp(0, 1) * 255 + 0.5).to(torch.uint8).numpy())
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape == (72, 120, 3) and g.dtype == np.uint8
        d = np.abs(g.astype(int) - w.astype(int))
        assert d.max() <= 2 and d.mean() < 0.05, (d.max(), d.mean())


def test_saturation_and_vibrance_reach_video_frames():
    from chromalab.inference.load import load_colorizer
    from chromalab.inference.video import VideoColorizer

    col = load_colorizer("default", work_size=64)
    frames = [pattern(40, 64, 2 * i) for i in range(3)]
    chroma = lambda fs: np.mean([np.abs(f.astype(int) - f.mean(2, keepdims=True)).mean() for f in fs])  # noqa: E731
    plain = list(VideoColorizer(col, temporal=False).colorize_frames(frames))
    bold = list(VideoColorizer(col, temporal=False, saturation=2.0).colorize_frames(frames))
    grey = list(VideoColorizer(col, temporal=False, saturation=0.0).colorize_frames(frames))
    assert chroma(bold) > 1.3 * chroma(plain) and chroma(grey) < 0.6
    photo = col.colorize(frames[0], saturation=2.0)
    np.testing.assert_array_equal(bold[0], photo)  # a frame is colorized exactly as the same photo
    with pytest.raises(ValueError, match="saturation"):
        VideoColorizer(col, saturation=5.0)
