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
