"""Jobs run two at a time (decoding/encoding of one overlapping another's colorizing) give the outcomes and
files of one at a time, in the jobs' order; a bad file is one outcome among the others."""

import threading

import numpy as np
from PIL import Image

from chromalab.inference.batch import COLORIZED, NOT_IMAGE, BatchSettings, find_inputs, plan, run_jobs


class SlowFirst:
    """A stand-in colorizer: grey → a fixed tint; the first photo is slow, so a second job overtakes it."""

    name = "stub"

    def __init__(self):
        self.threads = set()
        self.first = threading.Event()

    def colorize(self, image, *, reference=None, saturation=1.0, vibrance=0.0):
        self.threads.add(threading.current_thread().name)
        if not self.first.is_set():
            self.first.set()
            threading.Event().wait(0.3)
        out = np.asarray(image, np.float32)
        return np.stack([out[..., 0], out[..., 1] * 0.5, out[..., 2] * 0.2], -1)


def make_inputs(folder):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (20 + i, 30), dtype=np.uint8), "L").save(folder / f"p{i}.png")
    (folder / "p2b.png").write_bytes(b"not a png")  # sorted between p2 and p3


def test_two_workers_match_one_in_order(tmp_path):
    make_inputs(tmp_path / "in")
    got = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        jobs = plan(find_inputs([tmp_path / "in"], out), out)
        col = SlowFirst()
        results = list(run_jobs(col, jobs, BatchSettings(), workers=workers))
        assert [j.src.name for j, _ in results] == [j.src.name for j in jobs]
        got[workers] = [(o.status, o.path) for _, o in results]
        assert len(col.threads) == workers
        assert sorted(p.name for p in out.iterdir()) == [f"p{i}_color.png" for i in range(5)]
    assert got[1] == got[2]
    assert [s for s, _ in got[2]].count(COLORIZED) == 5 and [s for s, _ in got[2]].count(NOT_IMAGE) == 1
    for i in range(5):
        a = np.asarray(Image.open(tmp_path / "out1" / f"p{i}_color.png"))
        b = np.asarray(Image.open(tmp_path / "out2" / f"p{i}_color.png"))
        np.testing.assert_array_equal(a, b)


def test_colorize_batch_goes_on_after_any_error(tmp_path):
    from chromalab.inference.load import load_colorizer

    col = load_colorizer("default")
    paths = []
    for name, size in [("a.png", (1, 1)), ("boom.png", (12, 9)), ("c.png", (3, 700))]:
        Image.new("L", size, 100).save(tmp_path / name)
        paths.append(tmp_path / name)
    (tmp_path / "junk.jpg").write_bytes(b"junk")
    paths.insert(2, tmp_path / "junk.jpg")
    real = col.colorize

    def colorize(image, **kw):
        if image.shape[:2] == (9, 12):
            raise RuntimeError("network exploded")
        return real(image, **kw)

    col.colorize = colorize
    got = {p.name: (r, e) for p, r, e in col.colorize_batch(paths)}
    assert list(got) == ["a.png", "boom.png", "junk.jpg", "c.png"]
    assert got["a.png"][0].shape == (1, 1, 3) and got["c.png"][0].shape == (700, 3, 3)
    assert got["boom.png"][0] is None and got["boom.png"][1].endswith("failed while colorizing (RuntimeError: "
                                                                        "network exploded)")
    assert got["junk.jpg"][0] is None and "not an image" in got["junk.jpg"][1]
