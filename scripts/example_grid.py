"""A grid of test-split photos: grey | each model | truth (one row per photo), for looking at results.

Usage: python scripts/example_grid.py DATA OUT.png MODEL [MODEL ...] [--split test] [--size 192] [--n 8]
MODELs are shipped names or run folders, optionally with ``@VIVIDNESS`` (e.g. ``default@1.3``); every photo
is scaled so its shorter side is --size and centre-cropped square.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.core.imageio import save_rgb
from chromalab.evaluation.evaluate import load_photos, no_colour
from chromalab.inference.colorizer import Colorizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--split", default="test")
    ap.add_argument("--size", type=int, default=192)
    ap.add_argument("--n", type=int, default=8)
    args = ap.parse_args()
    photos = load_photos(args.data, args.split, args.size)
    cols = []
    for spec in args.models:
        model, _, vivid = spec.partition("@")
        col = Colorizer.load(model, work_size=512)
        cols.append(col.with_settings(vividness=float(vivid)) if vivid else col)
    rows = []
    for i in range(min(args.n, len(photos))):
        img = photos.photo(i)
        h, w = img.shape[-2:]
        s = min(h, w)
        img = img[:, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
        img = F.interpolate(img[None], size=(args.size, args.size), mode="area")[0]
        truth = lab.tensor_to_image(img).clip(0, 1)
        grey = no_colour(truth)
        rows.append(np.concatenate([grey] + [c.colorize(grey).clip(0, 1) for c in cols] + [truth], 1))
    save_rgb(np.concatenate(rows, 0).astype(np.float32), args.out)
    print(f"{args.out}: columns grey | {' | '.join(args.models)} | truth")


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
