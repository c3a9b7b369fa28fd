"""A folder of odd inputs, like those real-world folders hold, made from nothing (no downloads), and a check
that every colorizing path takes each one.

    python scripts/odd_inputs.py make DIR            # write the files (stdout: one line per file)
    python scripts/odd_inputs.py api DIR [--runtime torch]   # Colorizer.colorize_batch over DIR: counts
    python scripts/odd_inputs.py web DIR [--runtime torch]   # POST /api/colorize (FastAPI TestClient): statuses

``chromalab colorize DIR --out OUT --report R.jsonl`` is the CLI's run over the same folder. The tests
(``tests/cli/test_odd_inputs.py``, ``tests/web/test_odd_inputs.py``) use ``make_odd_folder`` too.

Kinds: tiny and thin photos (1x1 .. 4000x8 panoramas), broken EXIF types, 16-bit, 1-bit, float, palette with
transparency, LA, CMYK, multi-page TIFF, animated GIF, formats Pillow writes (PCX, QOI, JPEG 2000, ICO, TGA,
SGI, XBM, DDS, PPM/PGM/PBM, WebP, MSP), a header that warns, files that are no images or broken ones, and
videos (one frame, 16x16, 2x2, and a broken one).
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

# name → what a colorizer must do with it: "image" (colorized at its own size), "video" (colorized),
# "failed" (one line), "not-image"
EXPECTED: dict[str, str] = {}


def texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    return np.clip(128 + 90 * np.sin(xx / 9.0 + yy / 13.0) + rng.normal(0, 15, (h, w)), 0, 255).astype(np.uint8)


def grey(w: int, h: int, seed: int = 0) -> Image.Image:
    return Image.fromarray(texture(h, w, seed), "L")


def exif_with(tag: int, ascii_value: bytes, sub_ifd: bool = False) -> bytes:
    """Raw EXIF whose ``tag`` holds ASCII text although the spec says it is a number (what some scanners and
    editors write); with ``sub_ifd`` the tag sits in the Exif sub-IFD."""
    value = ascii_value + b"\0" * (4 - len(ascii_value)) if len(ascii_value) <= 4 else None
    assert value is not None, "keep the text within 4 bytes (inline value)"

    def ifd(entries: list[tuple[int, int, int, bytes]], start: int) -> bytes:
        out = struct.pack("<H", len(entries))
        for t, typ, count, val in entries:
            out += struct.pack("<HHI4s", t, typ, count, val)
        return out + struct.pack("<I", 0)

    if not sub_ifd:
        body = ifd([(tag, 2, len(ascii_value), value)], 8)
    else:
        sub_at = 8 + 2 + 12 + 4
        body = ifd([(0x8769, 4, 1, struct.pack("<I", sub_at))], 8) + ifd([(tag, 2, len(ascii_value), value)], sub_at)
    return b"Exif\x00\x00" + struct.pack("<2sHI", b"II", 42, 8) + body


def make_photos(d: Path) -> None:
    def put(name: str, im: Image.Image, expected: str = "image", **save) -> None:
        im.save(d / name, **save)
        EXPECTED[name] = expected

    for w, h in [(1, 1), (2, 1), (1, 2), (16, 16), (17, 17), (7, 13)]:
        put(f"tiny_{w}x{h}.png", grey(w, h))
    put("icon_32x32.ico", grey(32, 32))
    put("strip_1x5000.png", grey(1, 5000))
    put("strip_5000x1.png", grey(5000, 1))
    put("strip_798x20.png", grey(798, 20))
    put("pano_4000x8.png", grey(4000, 8))
    put("pano_4000x250.jpg", grey(4000, 250))
    put("pano_4096x256.jpg", grey(4096, 256))
    put("font_strip_1bit.png", grey(600, 9).point(lambda v: 255 if v > 128 else 0).convert("1"))
    put("bilevel_1bit.tif", grey(120, 80).convert("1"))
    put("bad_exif_xresolution.jpg", grey(64, 48), exif=exif_with(0x011A, b"72"))
    put("bad_exif_exposure.jpg", grey(48, 64), exif=exif_with(0x829A, b"1/6", sub_ifd=True))
    put("bad_exif_xresolution.webp", grey(40, 40), exif=exif_with(0x011A, b"300"))
    put("bad_exif_xresolution.png", grey(30, 20), exif=exif_with(0x011B, b"96"))
    put("zero_dpi.tif", grey(20, 30), dpi=(0, 0))
    put("deep16.png", Image.fromarray(texture(50, 70).astype(np.uint16) * 257))
    put("deep16.tif", Image.fromarray(texture(30, 90).astype(np.uint16) * 257))
    put("float32.tif", Image.fromarray(texture(40, 40).astype(np.float32) / 255.0, "F"))
    pa = grey(60, 40).convert("P")
    put("palette_alpha.png", pa, transparency=0)
    put("palette_alpha.gif", pa, transparency=0)
    put("grey_alpha.png", Image.merge("LA", [grey(50, 30), grey(50, 30, 1)]))
    put("cmyk.jpg", grey(48, 48).convert("CMYK"))
    pages = [grey(40, 30, k) for k in range(3)]
    put("pages.tif", pages[0], save_all=True, append_images=pages[1:])
    put("anim.gif", pages[0], save_all=True, append_images=pages[1:], duration=[100, 200, 300], loop=0)
    for name, fmt, im in [("scan.pcx", "PCX", grey(33, 21)), ("scan.qoi", "QOI", grey(21, 33).convert("RGB")),
                          ("scan.j2k", "JPEG2000", grey(40, 24)), ("scan.jp2", "JPEG2000", grey(5, 3)),
                          ("scan.tga", "TGA", grey(19, 11)), ("scan.sgi", "SGI", grey(12, 20)),
                          ("mask.xbm", "XBM", grey(16, 8).convert("1")), ("tex.dds", "DDS", grey(8, 8).convert("RGB")),
                          ("scan.pgm", "PPM", grey(30, 30)), ("bits.pbm", "PPM", grey(9, 9).convert("1")),
                          ("scan.webp", "WEBP", grey(26, 14)), ("paint.msp", "MSP", grey(16, 16).convert("1"))]:
        try:
            put(name, im, format=fmt)
        except (OSError, KeyError, ValueError):  # a codec this Pillow lacks: not part of the folder
            (d / name).unlink(missing_ok=True)
            EXPECTED.pop(name, None)
    buf = io.BytesIO()
    grey(64, 64).save(buf, "JPEG")
    (d / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    EXPECTED["truncated.jpg"] = "failed"
    (d / "empty.png").write_bytes(b"")
    EXPECTED["empty.png"] = "not-image"
    (d / "random.bin").write_bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    EXPECTED["random.bin"] = "not-image"
    (d / "notes.txt").write_text("not a photo\n")
    EXPECTED["notes.txt"] = "not-image"


def make_video(path: Path, frames: int, size: tuple[int, int], fps: int = 12) -> Path:
    import av

    w, h = size
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        v.options = {"preset": "ultrafast"}
        v.codec_context.time_base = Fraction(1, fps)
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(np.repeat(texture(h, w, i)[..., None], 3, 2), format="rgb24")
            f.pts, f.time_base = i, Fraction(1, fps)
            c.mux(v.encode(f))
        c.mux(v.encode(None))
    return path


def make_videos(d: Path) -> None:
    for name, frames, size in [("one_frame.mp4", 1, (64, 48)), ("tiny_16x16.mp4", 6, (16, 16)),
                               ("tiny_2x2.mp4", 3, (2, 2))]:
        make_video(d / name, frames, size)
        EXPECTED[name] = "video"
    (d / "broken.mp4").write_bytes(b"\0\0\0\x18ftypmp42" + bytes(200))
    EXPECTED["broken.mp4"] = "failed"


def make_odd_folder(dest: str | Path, videos: bool = True) -> dict[str, str]:
    """Write the odd inputs into ``dest`` (made if missing); returns ``{file name: expected outcome}``."""
    d = Path(dest)
    d.mkdir(parents=True, exist_ok=True)
    EXPECTED.clear()
    make_photos(d)
    if videos:
        make_videos(d)
    return dict(EXPECTED)


def run_api(d: Path, runtime: str | None) -> Counter:
    from chromalab.core.media import is_video
    from chromalab.inference.load import load_colorizer

    col = load_colorizer("default", runtime=runtime)
    counts: Counter = Counter()
    paths = sorted(p for p in d.iterdir() if p.is_file() and not is_video(p))
    for path, result, error in col.colorize_batch(paths):
        ok = result is not None and result.shape[:2] == Image.open(path).size[::-1]
        counts["colorized at own size" if ok else "error" if error else "WRONG SIZE"] += 1
        print(f"{path.name}: {error or result.shape}")
    return counts


def run_web(d: Path, runtime: str | None) -> Counter:
    from fastapi.testclient import TestClient

    from chromalab.core.media import is_video
    from chromalab.web import WebSettings, create_app

    counts: Counter = Counter()
    with TestClient(create_app(WebSettings(runtime=runtime)), raise_server_exceptions=False) as client:
        for path in sorted(p for p in d.iterdir() if p.is_file() and not is_video(p)):
            upload = (path.name, path.read_bytes(), "application/octet-stream")
            r = client.post("/api/colorize", files={"image": upload})
            kind = r.headers.get("content-type", "")
            if r.status_code == 200:
                same = Image.open(io.BytesIO(r.content)).size == Image.open(path).size
                counts["200 at own size" if same else "200 WRONG SIZE"] += 1
            else:
                counts[f"{r.status_code} {'json' if 'json' in kind else kind}"] += 1
            print(f"{path.name}: {r.status_code} {r.text[:100] if r.status_code != 200 else ''}")
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["make", "api", "web"])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--runtime", default=None, help="torch, onnx or auto (default)")
    ap.add_argument("--no-videos", action="store_true")
    args = ap.parse_args(argv)
    if args.what == "make":
        for name, kind in make_odd_folder(args.dir, videos=not args.no_videos).items():
            print(f"{name}\t{kind}")
        return 0
    counts = run_api(args.dir, args.runtime) if args.what == "api" else run_web(args.dir, args.runtime)
    print("counts:", dict(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
