"""Video through the one pipeline, old vs new side by side: fps at 640×360, peak RSS, torch imported or not, and
what the ``[video,web]`` install weighs with and without torch.

    .venv/bin/python benchmarks/bench_video_pipeline.py [--frames 90] [--repeats 3] [--base main]

A 640×360 clip is made inside the benchmark: a pan (4 px a frame) over a photo of ../shared/data/photos (an
scikit-image sample photo if that folder is missing), H.264, in a grey (black-and-white film) and a colour
version. Each run is ``colorize_video`` with the shipped default, temporal consistency on, in a fresh process
(``old``: the base commit's code, unpacked with ``git archive``; ``new``: this checkout's), old and new
interleaved: old, new, old, new, ... fps is ``VideoResult.fps`` (decode → colorize → encode, the model already
loaded); peak RSS is the process's ``ru_maxrss`` after the run.

Install size: the dependency closure of ``chromalab[video,web]`` by each commit's pyproject.toml, resolved from
the distributions installed in this venv (their RECORD files' sizes: what pip would put in site-packages),
once as declared and once without torch. Prints a table and writes benchmarks/results/video-pipeline.json.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import numpy as np
from packaging.requirements import Requirement
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from clips import pan_over, write_mp4  # noqa: E402
from sidebyside import ROOT, SHARED_DATA, base_src, write  # noqa: E402

PHOTO = SHARED_DATA / "photos" / "enlightenment-data__Red-Maple.jpg"
EXTRAS = ("video", "web")

RUN = """
import json, resource, sys
from chromalab.inference.load import load_colorizer
from chromalab.inference.video import colorize_video
col = load_colorizer("default")
res = colorize_video({src!r}, {dst!r}, col, temporal=True)
print(json.dumps({{"fps": res.fps, "frames": res.frames, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                   / 1024, "torch_imported": "torch" in sys.modules, "runtime": col.runtime}}))
"""


def pan_frames(n: int, w: int = 640, h: int = 360, step: int = 4) -> list[np.ndarray]:
    if PHOTO.is_file():
        img = Image.open(PHOTO).convert("RGB")
    else:
        from skimage import data

        img = Image.fromarray(data.astronaut())
    return pan_over(img, n, w, h, step)


def run_once(src_dir: Path, clip: Path, dst: Path) -> dict:
    res = subprocess.run([sys.executable, "-c", RUN.format(src=str(clip), dst=str(dst))],
                         env={**os.environ, "PYTHONPATH": str(src_dir)}, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{src_dir}: {res.stderr.strip()[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def closure(pyproject: Path, extras: tuple[str, ...], drop: frozenset[str] = frozenset()) -> dict[str, int]:
    """Installed size in bytes of every distribution ``chromalab[extras]`` needs by ``pyproject`` (names in
    ``drop`` and what only they need left out), resolved from this venv's installed metadata."""
    project = tomllib.loads(pyproject.read_text())["project"]
    optional = project["optional-dependencies"]

    def own(extra_names: set[str]) -> list[str]:  # chromalab's requirements for some extras, self-references opened
        reqs, seen, todo = list(project["dependencies"]), set(), list(extra_names)
        while todo:
            e = todo.pop()
            if e in seen:
                continue
            seen.add(e)
            for r in optional[e]:
                req = Requirement(r)
                if req.name == "chromalab":
                    todo.extend(req.extras)
                else:
                    reqs.append(r)
        return reqs

    sizes: dict[str, int] = {}
    todo = [Requirement(r) for r in own(set(extras))]
    while todo:
        req = todo.pop()
        name = req.name.lower().replace("_", "-")
        if name in drop or name in sizes:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            continue
        sizes[name] = sum((f.size or 0) for f in dist.files or [])
        for r in dist.requires or []:
            sub = Requirement(r)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in ("", *req.extras)):
                todo.append(sub)
    return sizes


def install_rows(old_src: Path) -> list[dict]:
    rows = []
    for name, pyproject in (("old", old_src.parent / "pyproject.toml"), ("new", ROOT / "pyproject.toml")):
        declared = closure(pyproject, EXTRAS)
        lean = closure(pyproject, EXTRAS, frozenset({"torch"}))
        rows.append({"variant": name, "declared_mb": sum(declared.values()) / 1e6, "packages": len(declared),
                     "torch_in_declared": "torch" in declared, "without_torch_mb": sum(lean.values()) / 1e6,
                     "packages_without_torch": len(lean)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=90)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--base", default="main")
    args = ap.parse_args()
    old_src = base_src(args.base)
    base = subprocess.run(["git", "merge-base", "HEAD", args.base], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    (old_src.parent / "pyproject.toml").write_bytes(subprocess.run(["git", "show", f"{base}:pyproject.toml"], cwd=ROOT,
                                                                   capture_output=True, check=True).stdout)
    variants = {"old": old_src, "new": ROOT / "src"}
    colour = pan_frames(args.frames)
    results: dict[str, dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory() as d:
        clips = {"grey": write_mp4([np.repeat(np.asarray(Image.fromarray(f).convert("L"))[..., None], 3, 2)
                                    for f in colour], Path(d) / "grey.mp4"),
                 "colour": write_mp4(colour, Path(d) / "colour.mp4")}
        for _ in range(args.repeats):
            for clip, path in clips.items():
                for name, src in variants.items():  # interleaved: old, new, old, new, ...
                    r = run_once(src, path, Path(d) / f"{clip}_{name}.mp4")
                    results.setdefault(clip, {}).setdefault(name, []).append(r)
    rows = []
    for clip, by in results.items():
        for name, runs in by.items():
            rows.append({"clip": f"{clip} 640x360, {args.frames} frames", "variant": name,
                         "fps_median": statistics.median(r["fps"] for r in runs),
                         "fps_all": [round(r["fps"], 2) for r in runs],
                         "peak_rss_mb_median": statistics.median(r["peak_mb"] for r in runs),
                         "torch_imported": runs[0]["torch_imported"], "runtime": runs[0]["runtime"]})
    inst = install_rows(old_src)
    print(f"video, temporal on, shipped default; fresh process per run, old/new interleaved, {args.repeats} repeats")
    print(f"{'clip':<30} {'variant':>7} {'fps (median)':>13} {'peak RSS MB':>12} {'torch imported':>15} {'runtime':>8}")
    for r in rows:
        print(f"{r['clip']:<30} {r['variant']:>7} {r['fps_median']:>13.2f} {r['peak_rss_mb_median']:>12.0f} "
              f"{str(r['torch_imported']):>15} {r['runtime']:>8}")
    print("\nchromalab[video,web] install (dependency closure, sizes of the installed files in this venv)")
    print(f"{'variant':>7} {'declared MB':>12} {'packages':>9} {'torch in it':>12} {'without torch MB':>17}")
    for r in inst:
        print(f"{r['variant']:>7} {r['declared_mb']:>12.0f} {r['packages']:>9} {str(r['torch_in_declared']):>12} "
              f"{r['without_torch_mb']:>17.0f}")
    new_fps = {r["clip"]: r["fps_median"] for r in rows if r["variant"] == "new"}
    old_fps = {r["clip"]: r["fps_median"] for r in rows if r["variant"] == "old"}
    targets = {f"{c}: new fps >= old fps": new_fps[c] >= old_fps[c] for c in new_fps}
    targets.update({f"{c}: new fps >= 25": new_fps[c] >= 25 for c in new_fps})
    targets["[video,web] without torch"] = not inst[1]["torch_in_declared"]
    for k, ok in targets.items():
        print(f"  {'met    ' if ok else 'NOT met'}  {k}")
    write("video-pipeline", {"frames": args.frames, "repeats": args.repeats, "rows": rows, "install": inst,
                             "targets_met": targets, "cpu_count": os.cpu_count()})


if __name__ == "__main__":
    main()
