import json

import av
import numpy as np

from chromalab.data.build.build import build_dataset
from chromalab.data.build.sources import SourceOptions
from tests.conftest import sample_rgb


def write_video(path, frames, fps=10):
    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=fps)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        s.bit_rate = 4_000_000
        for f in frames:
            for packet in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                c.mux(packet)
        for packet in s.encode():
            c.mux(packet)


def test_video_frames_sampled_with_cuts_duplicates_and_black_frames(tmp_path):
    a = sample_rgb("astronaut", 160)[:128, :160]
    b = sample_rgb("coffee", 160)[:106, :160]
    b = np.pad(b, ((0, 128 - b.shape[0]), (0, 0), (0, 0)), mode="edge")
    black = np.zeros_like(a)
    # 2 s of a (static: later samples are duplicates), 1 s black, 1.5 s b (cut)
    frames = [a] * 20 + [black] * 10 + [b] * 15
    write_video(tmp_path / "clip.mp4", frames)
    out = tmp_path / "ds"
    s = build_dataset([str(tmp_path / "clip.mp4")], out, size=128, min_side=64, progress=None,
                      options=SourceOptions(fps=1.0))
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    kept = [r for r in rows if "dropped" not in r]
    assert len(kept) == 2  # one frame of each scene
    assert s.dropped["black_or_fade"] >= 1 and s.dropped["duplicate_frame"] >= 1
    assert any(r["scene_cut"] for r in rows)
    assert all(r["source"] == "video" and "time" in r for r in rows)
