"""The batch engine with videos among the photos: names, the skip rule, one video at a time, a missing extra.
Videos are stood in for (``video.colorize_video`` replaced) where only the engine's rules are under test."""

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from chromalab.inference import batch, video
from chromalab.inference.batch import COLORIZED, FAILED, SKIPPED, BatchSettings, find_inputs, plan, run_jobs

from .test_batch import SlowFirst


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def grey(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (12, 16), dtype=np.uint8), "L").save(path)
    return path


def names(jobs):
    return {j.src.name: (j.dst.name if j.dst else None) for j in jobs}


@pytest.mark.parametrize("order", [("clip.mov", "clip.mp4"), ("clip.mp4", "clip.mov")])
def test_same_stem_videos_get_two_names_and_the_mp4_keeps_the_plain_one(tmp_path, order):
    d = tmp_path / "in"
    for n in order:
        touch(d / n)
    touch(d / "clip.avi")
    out = tmp_path / "out"
    jobs = plan(find_inputs([d], out), out)
    assert all(j.video for j in jobs)
    assert names(jobs) == {"clip.mp4": "clip_color.mp4", "clip.avi": "clip_avi_color.mp4",
                           "clip.mov": "clip_mov_color.mp4"}


def test_outputs_and_the_output_folder_are_never_inputs(tmp_path):
    d = tmp_path / "in"
    touch(d / "a.mp4")
    touch(d / "a_color.mp4")  # an earlier output beside its input
    touch(d / "a_color.mkv")
    touch(d / "b_color_ref-r.mov")
    touch(d / "colorized" / "c.mp4")  # the output folder inside the input folder
    jobs = plan(find_inputs([d], d / "colorized"), d / "colorized")
    assert names(jobs) == {"a.mp4": "a_color.mp4"}


def test_an_mkv_output_counts_as_existing(tmp_path):
    """A video whose audio did not fit in mp4 was written as x_color.mkv: a rerun skips it."""
    touch(tmp_path / "in" / "x.avi")
    out = tmp_path / "out"
    touch(out / "x_color.mkv")
    (job,) = plan(find_inputs([tmp_path / "in"], out), out)
    outcome = batch.run_job(SlowFirst(), job, BatchSettings())
    assert outcome.status == SKIPPED and outcome.output == str(out / "x_color.mkv")
    assert batch.run_job(SlowFirst(), job, BatchSettings(overwrite=True)).status == FAILED  # not a real video


def fake_videos(monkeypatch, active: list[int], seen: list[tuple[str, int]]):
    """colorize_video records how many photos were in flight while it ran; photos count themselves."""
    real_frames = batch.colorize_frames
    lock = threading.Lock()

    def frames(colorizer, photo, settings, reference=None):
        with lock:
            active[0] += 1
        try:
            threading.Event().wait(0.05)
            return real_frames(colorizer, photo, settings, reference)
        finally:
            with lock:
                active[0] -= 1

    def colorize_video(src, dst, colorizer, *, progress=None, **kw):
        seen.append((Path(src).name, active[0]))
        if progress is not None:
            progress(video.VideoProgress(3, 3, 30.0, None))
        touch(Path(dst), b"video")
        return video.VideoResult(Path(src), Path(dst), 3, 0.1, ["a note"])

    monkeypatch.setattr(batch, "colorize_frames", frames)
    monkeypatch.setattr(video, "colorize_video", colorize_video)


def test_a_video_runs_alone_in_order_with_progress(tmp_path, monkeypatch):
    d = tmp_path / "in"
    for n in ("a.png", "b.png", "c.png", "e.png", "f.png"):
        grey(d / n)
    touch(d / "d.mp4")
    touch(d / "g.mov")
    active, seen, progress = [0], [], []
    fake_videos(monkeypatch, active, seen)
    out = tmp_path / "out"
    jobs = plan(find_inputs([d], out), out)
    results = list(run_jobs(SlowFirst(), jobs, BatchSettings(), workers=2,
                            frames=lambda job, p: progress.append((job.src.name, p.frames))))
    assert [j.src.name for j, _ in results] == ["a.png", "b.png", "c.png", "d.mp4", "e.png", "f.png", "g.mov"]
    assert seen == [("d.mp4", 0), ("g.mov", 0)]  # no photo in flight while a video runs
    assert progress == [("d.mp4", 3), ("g.mov", 3)]
    assert all(o.status == COLORIZED for _, o in results)
    o = dict((j.src.name, o) for j, o in results)["d.mp4"]
    assert o.output == str(out / "d_color.mp4") and o.message.startswith("3 frames, ") and "a note" in o.message


def test_one_output_per_reference(tmp_path, monkeypatch):
    touch(tmp_path / "in" / "clip.mp4")
    fake_videos(monkeypatch, [0], [])

    class Ref(SlowFirst):
        def prepare_reference(self, ref):
            return ("prepared", ref)

    out = tmp_path / "out"
    (job,) = plan(find_inputs([tmp_path / "in"], out), out)
    settings = BatchSettings(references=[("_ref-a", "A"), ("_ref-b", "B")])
    o = batch.run_job(Ref(), job, settings)
    assert o.status == COLORIZED
    assert sorted(p.name for p in out.iterdir()) == ["clip_color_ref-a.mp4", "clip_color_ref-b.mp4"]
    assert batch.run_job(Ref(), job, settings).status == SKIPPED


def test_without_the_video_extra_a_video_fails_in_one_line_and_photos_go_on(tmp_path, monkeypatch):
    from chromalab.core import extras

    real = extras.require

    def require(extra, feature):
        if extra == "video":
            raise extras.MissingExtra(f"{feature} needs the extra: pip install 'chromalab[video]' (missing: av)")
        return real(extra, feature)

    monkeypatch.setattr(extras, "require", require)
    d = tmp_path / "in"
    grey(d / "a.png")
    touch(d / "b.mp4")
    out = tmp_path / "out"
    got = {j.src.name: o for j, o in run_jobs(SlowFirst(), plan(find_inputs([d], out), out), BatchSettings())}
    assert got["a.png"].status == COLORIZED
    assert got["b.mp4"].status == FAILED and "pip install 'chromalab[video]'" in got["b.mp4"].message
    assert "\n" not in got["b.mp4"].message
