"""What a photo carries besides pixels (EXIF, ICC profile, DPI, frame timing), and how each output format
takes it back.

A colorized scan should keep its date, copyright, colour profile and print size; only the orientation
changes, because the pixels are stored upright (EXIF orientation reset to 1). Outputs also carry a
provenance tag: EXIF ``Software`` (JPEG, WebP, TIFF, PNG eXIf) and a PNG ``Software`` text chunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, PngImagePlugin

ORIENTATION = 0x0112
SOFTWARE = 0x0131

# Output formats: Pillow name → canonical suffix. ``same`` keeps the input's format when it is one of these
# (it can hold colour and Pillow writes it); anything else (PGM, PBM, PSD, ICO, JPEG 2000, ...) becomes PNG.
WRITABLE = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "TIFF": ".tif", "GIF": ".gif", "BMP": ".bmp"}
CHOICES = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "tiff": "TIFF"}  # ``--format`` values besides ``same``
FORMAT_CHOICES = ("same", *CHOICES)  # every ``--format`` value
MULTI_FRAME = {"GIF", "PNG", "WEBP", "TIFF"}  # formats whose extra frames are animation/pages we colorize
DEFAULT_QUALITY = 92
# TIFF tags that describe a file's pixel layout (size, strips, compression, colour model): a TIFF's EXIF
# view includes them, but copied into another file they would describe the wrong pixels.
STRUCTURAL = {254, 255, 256, 257, 258, 259, 262, 266, 273, 277, 278, 279, 280, 281, 284, 317, 320, 322, 323,
              324, 325, 338, 339, 340, 341, 347, 530, 531, 532, 700, 0x83BB, 0x8649, 0x8773, 0x935C}


@dataclass
class Metadata:
    """The parts of a photo's header worth keeping. ``exif`` is an ``Image.Exif`` (orientation already 1)."""

    format: str | None = None
    exif: Image.Exif | None = None
    icc_profile: bytes | None = None
    dpi: tuple[float, float] | None = None
    durations: list[int] = field(default_factory=list)  # ms per frame (animations)
    loop: int | None = None
    text: dict[str, str] = field(default_factory=dict)  # PNG text chunks


def read_metadata(im: Image.Image) -> Metadata:
    """Metadata of an opened (not yet transposed) image; a damaged EXIF block is dropped, not fatal."""
    info = im.info
    exif = None
    try:
        exif = Image.Exif()  # a copy: the image's own EXIF must keep its orientation for exif_transpose
        raw = info.get("exif")
        if isinstance(raw, bytes) and raw:
            exif.load(raw)
        else:
            for k, v in im.getexif().items():
                if k not in STRUCTURAL:
                    exif[k] = v
        if ORIENTATION in exif:
            exif[ORIENTATION] = 1
        if not len(exif):
            exif = None
    except Exception:  # noqa: BLE001 - broken EXIF must not cost the photo
        exif = None
    dpi = info.get("dpi")
    text = {k: v for k, v in info.items() if isinstance(v, str) and im.format == "PNG"
            and k not in ("icc_profile", "exif")}
    return Metadata(format=im.format, exif=exif, icc_profile=info.get("icc_profile") or None,
                    dpi=tuple(float(d) for d in dpi) if dpi else None, loop=info.get("loop"), text=text)


def output_format(input_format: str | None, choice: str = "same") -> str:
    """The Pillow format to write: ``choice`` (jpg/png/webp/tiff), or for ``same`` the input's format where
    Pillow writes it in colour, else PNG."""
    if choice != "same":
        return CHOICES[choice]
    return input_format if input_format in WRITABLE else "PNG"


def _tag_name(tag: int) -> str:
    from PIL import ExifTags

    return ExifTags.TAGS.get(tag, f"0x{tag:04X}")


def _writable(key: int, value: Any) -> bool:
    probe = Image.Exif()
    probe[key] = value
    try:
        probe.tobytes()
    except Exception:  # noqa: BLE001 - Pillow raises TypeError, ValueError, struct.error, ... for odd values
        return False
    return True


def exif_bytes(exif: Image.Exif, notes: list[str] | None = None) -> bytes:
    """``exif`` encoded; tags whose values Pillow cannot write (an XResolution that is text, a rational of
    the wrong shape — files from other tools say what they like) are dropped, named in ``notes``."""
    try:
        return exif.tobytes()
    except Exception:  # noqa: BLE001 - found and dropped tag by tag below
        pass
    dropped = []
    for key in list(exif.keys()):
        value = exif[key]
        if isinstance(value, dict):  # a sub-IFD: keep what of it can be written
            kept = {k: v for k, v in value.items() if _writable(key, {k: v})}
            dropped += [_tag_name(k) for k in value if k not in kept]
            if kept:
                exif[key] = kept
            else:
                del exif[key]
        elif not _writable(key, value):
            dropped.append(_tag_name(key))
            del exif[key]
    try:
        data = exif.tobytes()
    except Exception:  # noqa: BLE001 - each tag writes alone but not together: keep none
        dropped, data = ["all tags"], Image.Exif().tobytes()
    if notes is not None:
        notes.append(f"EXIF {', '.join(dropped)} dropped (cannot be written)")
    return data


def save_options(fmt: str, meta: Metadata | None, *, software: str, quality: int | None = None,
                 frames: int = 1, notes: list[str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``Image.save`` in ``fmt`` that put ``meta`` and the provenance tag back; EXIF
    tags that cannot be written are left out and named in ``notes`` (``exif_bytes``)."""
    meta = meta or Metadata()
    opts: dict[str, Any] = {}
    exif = Image.Exif()
    if meta.exif is not None:
        for k, v in meta.exif.items():
            exif[k] = v
        for ifd in (0x8769, 0x8825):  # Exif (dates, camera) and GPS sub-IFDs
            try:
                sub = meta.exif.get_ifd(ifd)
            except Exception:  # noqa: BLE001
                sub = {}
            if sub:
                exif[ifd] = dict(sub)
            elif ifd in exif:
                del exif[ifd]  # a bare offset into another file would point at garbage
    exif[SOFTWARE] = software
    if fmt in ("JPEG", "WEBP", "TIFF", "PNG"):
        opts["exif"] = exif_bytes(exif, notes)
    if meta.icc_profile and fmt in ("JPEG", "WEBP", "TIFF", "PNG"):
        opts["icc_profile"] = meta.icc_profile
    if meta.dpi and fmt in ("JPEG", "PNG", "TIFF", "BMP"):
        if all(math.isfinite(d) and 0 < d < 1e6 for d in meta.dpi):
            opts["dpi"] = meta.dpi if fmt != "JPEG" else tuple(max(1, round(d)) for d in meta.dpi)
        elif notes is not None:  # e.g. a TIFF resolution of 0/0
            notes.append(f"DPI {meta.dpi[0]:g}x{meta.dpi[1]:g} dropped (cannot be written)")
    if fmt in ("JPEG", "WEBP"):
        opts["quality"] = quality or DEFAULT_QUALITY
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        for k, v in {**meta.text, "Software": software}.items():
            info.add_text(k, v)
        opts["pnginfo"] = info
    if fmt == "TIFF" and not any(ifd in exif for ifd in (0x8769, 0x8825)):
        opts["compression"] = "tiff_deflate"  # libtiff cannot write EXIF sub-IFDs: those files stay plain
    if frames > 1:
        if meta.durations and fmt != "TIFF":
            opts["duration"] = meta.durations[:frames] + [meta.durations[-1]] * (frames - len(meta.durations))
        if meta.loop is not None and fmt != "TIFF":
            opts["loop"] = meta.loop
    return opts
