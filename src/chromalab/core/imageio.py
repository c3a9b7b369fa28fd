"""Reading photos of any mode and writing results atomically.

``load_rgb`` returns an ``(H, W, 3)`` float32 array in [0, 1] for RGB, RGBA, L, LA, P, CMYK, 16-bit and
EXIF-rotated files. Every failure is an ``ImageError`` with a one-line message naming the file.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from chromalab.core import lab

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}
DEFAULT_MAX_PIXELS = 100_000_000  # 100 MP: larger files are refused as possible decompression bombs
_UMASK = os.umask(0)
os.umask(_UMASK)


class ImageError(Exception):
    """A file that cannot be used as a photo. ``str(err)`` is one line naming the file."""


def _to_float_rgb(im: Image.Image) -> np.ndarray:
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float32)
        top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        if mode == "F":
            top = max(1.0, float(arr.max(initial=1.0)))
        grey = np.clip(arr / top, 0.0, 1.0)
        return np.repeat(grey[..., None], 3, axis=2)
    if mode == "P":
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba).convert("RGB")
    elif mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im, dtype=np.float32) / 255.0


def load_rgb(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file as sRGB ``(H, W, 3)`` float32 in [0, 1].

    Raises:
        ImageError: empty, missing, not an image, corrupt or truncated, or more than ``max_pixels``.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise ImageError(f"{p}: cannot read ({e.strerror or e})") from None
    if p.is_dir():
        raise ImageError(f"{p}: is a folder, not an image")
    if size == 0:
        raise ImageError(f"{p}: empty file")
    return decode_image(p, str(p), max_pixels)


def load_rgb_bytes(data: bytes, label: str = "upload", max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Like ``load_rgb`` for an image held in memory (e.g. an HTTP upload); ``label`` names it in errors."""
    if not data:
        raise ImageError(f"{label}: empty file")
    return decode_image(io.BytesIO(data), label, max_pixels)


class TooLargeError(ImageError):
    """An image over the pixel limit (possible decompression bomb)."""


def decode_image(source, label: str, max_pixels: int) -> np.ndarray:
    """Decode a path or binary file object; every failure is one ``ImageError`` line starting with ``label``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as im:
                w, h = im.size
                if w * h > max_pixels:
                    raise TooLargeError(
                        f"{label}: {w}x{h} is {w * h / 1e6:.0f} MP, over the {max_pixels / 1e6:.0f} MP limit")
                if w == 0 or h == 0:
                    raise ImageError(f"{label}: image has zero size")
                im.load()
                im = ImageOps.exif_transpose(im)
                return _to_float_rgb(im)
    except ImageError:
        raise
    except Image.UnidentifiedImageError:
        raise ImageError(f"{label}: not an image (unrecognised format)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLargeError(f"{label}: too many pixels (possible decompression bomb)") from None
    except PermissionError:
        raise ImageError(f"{label}: permission denied") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageError(f"{label}: corrupt or truncated image ({str(e).splitlines()[0][:80]})") from None


def encode_png(rgb: np.ndarray) -> bytes:
    """``(H, W, 3)`` float in [0, 1] (or uint8) → PNG bytes."""
    rgb = lab.to_uint8(rgb)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG")
    return buf.getvalue()


def is_grey(rgb: np.ndarray, tol: float = 2.0 / 255.0) -> bool:
    """True if the three channels of ``(H, W, 3)`` ``rgb`` agree within ``tol`` everywhere."""
    return bool(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).max() <= tol)


def temp_path_beside(path: Path) -> str:
    """A new empty temp file in ``path``'s folder, with the permissions a plain ``open`` would give."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    make_readable(tmp)
    return tmp


def make_readable(path: str | os.PathLike) -> None:
    """Give ``path`` the mode a plain ``open`` would (mkstemp and some writers make 0600 files)."""
    os.chmod(path, 0o666 & ~_UMASK)


def save_rgb(rgb: np.ndarray, path: str | os.PathLike) -> Path:
    """Write ``(H, W, 3)`` float in [0, 1] (or uint8) atomically: a temp file beside it, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = lab.to_uint8(rgb)
    fmt = Image.registered_extensions().get(path.suffix.lower(), "PNG")
    tmp = temp_path_beside(path)
    try:
        with open(tmp, "wb") as f:
            Image.fromarray(rgb, "RGB").save(f, format=fmt)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(data: bytes, path: str | os.PathLike) -> Path:
    """Write bytes to ``path`` via a temp file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_beside(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def iter_image_files(inputs: Iterable[str | os.PathLike], errors: list[str] | None = None) -> Iterator[Path]:
    """Expand files and folders (recursively, sorted) into image paths.

    Folder entries are filtered by suffix; files named directly are always yielded (their content decides).
    Unreadable folders and missing paths are appended to ``errors`` as one-line messages.
    """
    errs = errors if errors is not None else []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            def onerror(e: OSError) -> None:
                errs.append(f"{e.filename}: cannot read folder ({e.strerror})")

            found = []
            for root, dirs, files in os.walk(p, onerror=onerror):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES:
                        found.append(Path(root) / name)
            yield from sorted(found)
        elif p.exists():
            yield p
        else:
            errs.append(f"{p}: no such file or folder")
