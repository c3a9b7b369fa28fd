"""Reading photos of any mode and writing results atomically.

``load_rgb`` returns an ``(H, W, 3)`` float32 array in [0, 1] for RGB, RGBA, L, LA, P, CMYK, 16-bit and
EXIF-rotated files. Every failure is an ``ImageError`` with a one-line message naming the file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import struct
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from chromalab.core.labnp import to_uint8
from chromalab.core.metadata import MULTI_FRAME, Metadata, read_metadata, save_options

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}
DEFAULT_MAX_PIXELS = 100_000_000  # 100 MP: larger files are refused as possible decompression bombs
log = logging.getLogger(__name__)
_UMASK = os.umask(0)
os.umask(_UMASK)


class ImageError(Exception):
    """A file that cannot be used as a photo. ``str(err)`` is one line naming the file."""


def _to_float_rgb(im: Image.Image, as_uint8: bool = False) -> np.ndarray:
    """``(H, W, 3)`` sRGB: float32 in [0, 1], or with ``as_uint8`` the 8-bit values of 8-bit photos (photos with
    more bits per sample stay float32)."""
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
    return np.asarray(im) if as_uint8 else np.asarray(im, dtype=np.float32) / 255.0


def load_rgb(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file (first frame) as sRGB ``(H, W, 3)`` float32 in [0, 1].

    Raises:
        ImageError: empty, missing, not an image, corrupt or truncated, or more than ``max_pixels``.
    """
    return read_photo(path, str(path), max_pixels, all_frames=False).rgb


def load_rgb_bytes(data: bytes, label: str = "upload", max_pixels: int = DEFAULT_MAX_PIXELS,
                   as_uint8: bool = False) -> np.ndarray:
    """Like ``load_rgb`` for an image held in memory (e.g. an HTTP upload); ``label`` names it in errors.
    ``as_uint8``: 8-bit photos as their uint8 values (``read_photo``)."""
    if not data:
        raise NotAnImageError(f"{label}: empty file")
    return read_photo(io.BytesIO(data), label, max_pixels, all_frames=False, as_uint8=as_uint8).rgb


def one_line(e: BaseException) -> str:
    """``Type: first line of the message`` (at most 160 characters) for an unexpected exception."""
    first = (str(e).splitlines() or [""])[0].strip()
    return f"{type(e).__name__}: {first}"[:160] if first else type(e).__name__


class TooLargeError(ImageError):
    """An image over the pixel limit (possible decompression bomb)."""


class NotAnImageError(ImageError):
    """Content Pillow does not recognise as any image format (or an empty file)."""


@dataclass
class Photo:
    """A decoded photo: one ``(H, W, 3)`` float32 frame per page/animation frame, plus its metadata.

    ``notes`` holds what the decoders warned about (Python warnings), so callers can put it in one line."""

    frames: list[np.ndarray]
    meta: Metadata
    label: str
    total_frames: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def rgb(self) -> np.ndarray:
        return self.frames[0]


# Pillow's own bomb limit is a process-wide global (89.5 MP warns, 179 MP raises); our per-call
# ``max_pixels`` must be the one limit, also in the threaded web server. So the header is parsed with
# Pillow's check off (under this lock, restored at once) and the size is checked here before decoding.
_PILLOW_LIMIT = threading.Lock()


def _open_unlimited(source) -> Image.Image:
    with _PILLOW_LIMIT:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(source)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def sniff_format(path: str | os.PathLike, notes: list[str] | None = None) -> str | None:
    """The Pillow format of a file by its content (header only), or None if Pillow cannot open it. Python
    warnings raised while reading the header go into ``notes`` (when given) instead of stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with _open_unlimited(path) as im:
                found = im.format or "unknown"
        except Exception:  # noqa: BLE001 - anything Pillow cannot open is simply not an image to us
            found = None
    if notes is not None:
        notes += _notes(caught)
    return found


def _frame_count(im: Image.Image) -> int:
    if im.format not in MULTI_FRAME:
        return 1  # ICO sizes, MPO previews, PSD layers: the first image is the whole picture
    try:
        return max(1, int(getattr(im, "n_frames", 1)))
    except Exception:  # noqa: BLE001
        return 1


def read_photo(source, label: str | None = None, max_pixels: int = DEFAULT_MAX_PIXELS,
               all_frames: bool = True, as_uint8: bool = False) -> Photo:
    """Decode a path or binary file object with its metadata; every failure is one ``ImageError`` line.

    Frames are ``(H, W, 3)`` float32 in [0, 1]; with ``as_uint8``, 8-bit photos give their uint8 values
    instead (a third of the memory, and what a colorizer turns into uint8 output without a float pass).
    ``all_frames``: every frame of an animated GIF/WebP/APNG or multi-page TIFF (else only the first).
    Any decoder exception (including ``NotImplementedError`` from a plugin) becomes an ``ImageError``;
    Python warnings raised while decoding are kept in ``Photo.notes`` instead of reaching stderr.
    """
    label = label or str(source)
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        try:
            size = p.stat().st_size
        except OSError as e:
            raise ImageError(f"{p}: cannot read ({e.strerror or e})") from None
        if p.is_dir():
            raise ImageError(f"{p}: is a folder, not an image")
        if size == 0:
            raise NotAnImageError(f"{p}: empty file")
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with _open_unlimited(source) as im:
                w, h = im.size
                n = _frame_count(im)
                used = n if all_frames else 1
                if w == 0 or h == 0:
                    raise ImageError(f"{label}: image has zero size")
                if w * h * used > max_pixels:
                    what = f"{w}x{h}" + (f" x {used} frames" if used > 1 else "")
                    raise TooLargeError(f"{label}: {what} is {w * h * used / 1e6:.0f} MP, over the "
                                        f"{max_pixels / 1e6:.0f} MP limit")
                meta = read_metadata(im)
                frames = []
                for i in range(used):
                    if i:
                        im.seek(i)
                    meta.durations.append(int(im.info.get("duration", 0) or 0))
                    im.load()
                    frames.append(_to_float_rgb(ImageOps.exif_transpose(im.copy() if used > 1 else im), as_uint8))
        return Photo(frames, meta, label, n, _notes(caught))
    except ImageError as e:
        raise type(e)(_joined(str(e), _notes(caught))) from None
    except Image.UnidentifiedImageError:
        raise NotAnImageError(f"{label}: not an image (unrecognised format)") from None
    except Image.DecompressionBombError:
        raise TooLargeError(f"{label}: too many pixels (possible decompression bomb)") from None
    except PermissionError:
        raise ImageError(f"{label}: permission denied") from None
    except MemoryError:
        raise ImageError(f"{label}: out of memory while decoding") from None
    except Exception as e:  # noqa: BLE001 - any decoder failure is this file's one-line error
        detail = (str(e).splitlines() or [""])[0][:80] or type(e).__name__
        kind = "cannot decode" if isinstance(e, NotImplementedError) else "corrupt or truncated image"
        raise ImageError(_joined(f"{label}: {kind} ({detail})", _notes(caught))) from None


def _notes(caught: list) -> list[str]:
    return sorted({(str(c.message).splitlines() or [""])[0][:120] for c in caught
                   if not issubclass(c.category, Image.DecompressionBombWarning)})


def _joined(message: str, notes: list[str]) -> str:
    return message + (f" [warnings: {'; '.join(notes)}]" if notes else "")


def decode_image(source, label: str, max_pixels: int) -> np.ndarray:
    """Decode a path or binary file object's first frame; every failure is one ``ImageError`` line."""
    return read_photo(source, label, max_pixels, all_frames=False).rgb


def pil_to_rgb(im: Image.Image) -> np.ndarray:
    """A PIL image (any mode) as ``(H, W, 3)`` float32 in [0, 1], pixels as stored (no EXIF rotation)."""
    return _to_float_rgb(im)


def encode_png(rgb: np.ndarray) -> bytes:
    """``(H, W, 3)`` float in [0, 1] (or uint8) → PNG bytes."""
    rgb = to_uint8(rgb)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG")
    return buf.getvalue()


def is_grey(rgb: np.ndarray, tol: float = 2.0 / 255.0) -> bool:
    """True if the three channels of ``(H, W, 3)`` ``rgb`` (float in [0, 1], or uint8) agree within ``tol``
    (in [0, 1] units) everywhere."""
    scale = 255.0 if rgb.dtype == np.uint8 else 1.0
    return bool(np.abs(rgb - rgb.mean(axis=2, keepdims=True, dtype=np.float32)).max() <= tol * scale)


def temp_path_beside(path: Path) -> str:
    """A new empty temp file in ``path``'s folder, with the permissions a plain ``open`` would give."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    make_readable(tmp)
    return tmp


def make_readable(path: str | os.PathLike) -> None:
    """Give ``path`` the mode a plain ``open`` would (mkstemp and some writers make 0600 files)."""
    os.chmod(path, 0o666 & ~_UMASK)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temp file beside ``path`` to write; on success it gets plain-``open`` permissions and replaces
    ``path`` in one rename, on any failure (Ctrl-C too) it is removed: ``path`` is never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_beside(path)
    try:
        yield tmp
        make_readable(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_rgb(rgb: np.ndarray, path: str | os.PathLike) -> Path:
    """Write ``(H, W, 3)`` float in [0, 1] (or uint8) atomically: a temp file beside it, then rename."""
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower(), "PNG")
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        Image.fromarray(to_uint8(rgb), "RGB").save(f, format=fmt)
    return path


def save_photo(frames: np.ndarray | list[np.ndarray], path: str | os.PathLike, *, fmt: str | None = None,
               meta: Metadata | None = None, software: str = "chromalab", quality: int | None = None,
               notes: list[str] | None = None) -> Path:
    """Write one or more ``(H, W, 3)`` frames (float in [0, 1] or uint8) atomically, with ``meta`` (EXIF with
    orientation 1, ICC profile, DPI, frame durations) and a ``software`` provenance tag.

    ``fmt``: a Pillow format name; default from ``path``'s suffix (PNG if unknown). Several frames are
    written as one animated / multi-page file (GIF, PNG, WebP, TIFF). Metadata never costs the photo: EXIF
    tags that cannot be written are dropped, and if the encoder still refuses ``meta`` the photo is written
    without it; either is said in ``notes``.
    """
    path = Path(path)
    frames = [frames] if isinstance(frames, np.ndarray) else list(frames)
    fmt = fmt or Image.registered_extensions().get(path.suffix.lower(), "PNG")
    if len(frames) > 1 and fmt not in MULTI_FRAME:
        raise ImageError(f"{path}: {fmt} holds one frame, not {len(frames)}")
    ims = [Image.fromarray(to_uint8(f), "RGB") for f in frames]
    said: list[str] = []

    def variants(opts: dict, with_meta: bool) -> list[tuple[dict, bool]]:  # a TIFF without libtiff: plain
        plain = {k: v for k, v in opts.items() if k != "compression"}
        return [(opts, with_meta)] + ([(plain, with_meta)] if plain != opts else [])

    attempts = variants(save_options(fmt, meta, software=software, quality=quality, frames=len(ims), notes=said),
                        True)
    if meta is not None:  # the same without the photo's metadata, in case the encoder refuses it
        attempts += variants(save_options(fmt, None, software=software, quality=quality, frames=len(ims)), False)
    with atomic_output(path) as tmp, open(tmp, "w+b") as f:  # multi-page TIFF writing reads back what it wrote
        for i, (opts, with_meta) in enumerate(attempts):
            if len(ims) > 1:
                opts.update(save_all=True, append_images=ims[1:])
            f.seek(0)
            f.truncate()
            try:
                ims[0].save(f, format=fmt, **opts)
            except (OSError, ValueError, KeyError, RuntimeError, TypeError, struct.error) as e:
                if i == len(attempts) - 1:
                    raise ImageError(f"{path}: cannot write {fmt} ({e})") from None
                if with_meta and not attempts[i + 1][1]:
                    said[:] = [f"metadata dropped (the {fmt} encoder refused it: "
                               f"{(str(e).splitlines() or [''])[0][:80] or type(e).__name__})"]
                continue
            break
    if notes is not None:
        notes += said
    return path


def save_like(image, path: str | os.PathLike, like=None, *, quality: int | None = None,
              software: str = "chromalab") -> Path:
    """Save a result (array, PIL image, or list of frames) to ``path``, keeping the metadata of ``like`` (a
    source path or ``Photo``); the format comes from ``path``'s suffix. Metadata that cannot be written is
    dropped with a logged warning (``save_photo``)."""
    if isinstance(like, Photo):
        meta = like.meta
    elif like is not None:
        meta = read_photo(like, all_frames=False).meta
    else:
        meta = None
    if isinstance(image, Image.Image):
        image = pil_to_rgb(image)
    notes: list[str] = []
    saved = save_photo(image, path, meta=meta, software=software, quality=quality, notes=notes)
    for note in notes:
        log.warning("%s: %s", path, note)
    return saved


def atomic_write_bytes(data: bytes, path: str | os.PathLike) -> Path:
    """Write bytes to ``path`` via a temp file in the same folder and a rename."""
    path = Path(path)
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return path


def walk_folder(folder: Path, errors: list[str], keep_file: Callable[[Path], bool] = lambda f: True,
                skip_dir: Callable[[Path], bool] = lambda d: False) -> list[Path]:
    """The files under ``folder`` (recursive, sorted) that ``keep_file`` accepts; hidden files and folders and
    folders ``skip_dir`` names are left out. Unreadable folders are appended to ``errors`` as one-line messages
    (the one folder walk of photo and video inputs)."""

    def onerror(e: OSError) -> None:
        errors.append(f"{e.filename}: cannot read folder ({e.strerror})")

    found = []
    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs[:] = [d for d in sorted(dirs) if not d.startswith(".") and not skip_dir(Path(root) / d)]
        found += [Path(root) / n for n in files if not n.startswith(".") and keep_file(Path(root) / n)]
    return sorted(found)


def iter_image_files(inputs: Iterable[str | os.PathLike], errors: list[str] | None = None) -> Iterator[Path]:
    """Expand files and folders (recursively, sorted) into image paths.

    Folder entries are filtered by suffix; files named directly are always yielded (their content decides).
    Unreadable folders and missing paths are appended to ``errors`` as one-line messages.
    """
    errs = errors if errors is not None else []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            yield from walk_folder(p, errs, keep_file=lambda f: f.suffix.lower() in IMAGE_SUFFIXES)
        elif p.exists():
            yield p
        else:
            errs.append(f"{p}: no such file or folder")
