"""Where photos come from. Each source yields ``Candidate``s with a stable key (for resuming) and attribution.

Source specs (``chromalab data build SOURCE...``):

- a folder: images (recursive) and any video files in it;
- a video file (anything PyAV reads): frames sampled at ``fps`` and at scene cuts, skipping near-duplicate
  consecutive frames and black or fade frames;
- ``flickr:QUERY``: the Flickr REST API (``flickr.photos.search``), key from ``FLICKR_API_KEY``, Creative
  Commons licences by default, paginated, rate-limited, retried;
- a ``.txt`` file (or ``urls:FILE``): one image URL per line.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chromalab.core.imageio import IMAGE_SUFFIXES, iter_image_files, load_rgb, load_rgb_bytes
from chromalab.core.media import VIDEO_SUFFIXES
from chromalab.data.build.filters import is_black_or_flat
from chromalab.data.build.http import FetchError, fetch, fetch_json

FLICKR_API = "https://api.flickr.com/services/rest/"
FLICKR_CC_LICENSES = "1,2,3,4,5,6,9,10"  # CC BY-NC-SA … CC BY-SA, CC0, Public Domain Mark
FLICKR_LICENSE_NAMES = {"1": "CC BY-NC-SA 2.0", "2": "CC BY-NC 2.0", "3": "CC BY-NC-ND 2.0", "4": "CC BY 2.0",
                        "5": "CC BY-SA 2.0", "6": "CC BY-ND 2.0", "9": "CC0 1.0", "10": "Public Domain Mark 1.0"}


@dataclass
class Candidate:
    key: str  # stable identity, e.g. file:/abs/path, video:/abs/path#t=12.00, flickr:123, url:https://…
    source: str
    load: Callable[[], np.ndarray]  # → (H, W, 3) float32 in [0, 1]; raises ImageError / FetchError
    meta: dict[str, Any] = field(default_factory=dict)  # licence, owner, url, …
    dropped: str | None = None  # set by a source that already rejected it (e.g. a black video frame)


@dataclass
class SourceOptions:
    fps: float = 1.0  # video frames per second sampled (plus scene cuts)
    cut_threshold: float = 0.25  # mean abs difference of thumbnails that counts as a scene cut
    dup_threshold: float = 0.02  # below this, a frame repeats the last kept one
    flickr_api: str = os.environ.get("CHROMALAB_FLICKR_API", FLICKR_API)
    flickr_key: str | None = None
    flickr_licenses: str = FLICKR_CC_LICENSES
    flickr_per_page: int = 100
    flickr_max: int = 500
    api_interval: float = 1.0  # seconds between Flickr API calls (their limit is 3600/hour)
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 0.5
    max_bytes: int = 30 << 20


def iter_candidates(spec: str, opts: SourceOptions, errors: list[str]) -> Iterator[Candidate]:
    if spec.startswith("flickr:"):
        yield from flickr_source(spec[len("flickr:"):], opts, errors)
        return
    if spec.startswith("urls:"):
        yield from url_list_source(Path(spec[len("urls:"):]), opts, errors)
        return
    p = Path(spec)
    if p.is_dir():
        yield from folder_source(p, opts, errors)
    elif p.suffix.lower() in VIDEO_SUFFIXES:
        yield from video_source(p, opts, errors)
    elif p.suffix.lower() == ".txt":
        yield from url_list_source(p, opts, errors)
    elif p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
        yield _file_candidate(p)
    else:
        errors.append(f"{spec}: not a folder, video, image, URL list (.txt) or flickr:QUERY")


def _file_candidate(p: Path) -> Candidate:
    p = p.resolve()
    return Candidate(f"file:{p}", "folder", lambda: load_rgb(p), {"path": str(p)})


def folder_source(root: Path, opts: SourceOptions, errors: list[str]) -> Iterator[Candidate]:
    for p in iter_image_files([root], errors):
        yield _file_candidate(p)
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file():
            yield from video_source(p, opts, errors)


def _to_float(rgb8: np.ndarray) -> np.ndarray:
    return rgb8.astype(np.float32) / 255.0


def video_source(path: Path, opts: SourceOptions, errors: list[str]) -> Iterator[Candidate]:
    """Frames at ``opts.fps`` and at scene cuts; near-duplicates of the last kept frame and black/fade frames
    are yielded as dropped candidates (so the summary counts them)."""
    import av

    path = path.resolve()
    try:
        container = av.open(str(path))
    except Exception as e:  # PyAV raises several error types for unreadable files
        errors.append(f"{path}: cannot read video ({str(e).splitlines()[0][:80]})")
        return
    with container:
        stream = container.streams.video[0]
        last_sample_t = -1e9
        prev_thumb = kept_thumb = None
        try:
            for frame in container.decode(stream):
                t = float(frame.time if frame.time is not None else 0.0)
                # decide on a 32×32 thumbnail scaled by libswscale; only frames kept for a look get converted
                # to a full-size array (that conversion, done for every decoded frame, was most of the cost)
                small = frame.reformat(width=32, height=32, format="rgb24", interpolation="AREA")
                thumb = small.to_ndarray().astype(np.float32) / 255.0
                cut = prev_thumb is not None and float(np.abs(thumb - prev_thumb).mean()) > opts.cut_threshold
                prev_thumb = thumb
                if not cut and t - last_sample_t < 1.0 / opts.fps:
                    continue
                last_sample_t = t
                key = f"video:{path}#t={t:.3f}"
                meta = {"path": str(path), "time": round(t, 3), "scene_cut": cut}
                rgb8 = frame.to_ndarray(format="rgb24")
                load = functools.partial(_to_float, rgb8)
                if is_black_or_flat(load()):
                    yield Candidate(key, "video", load, meta, dropped="black_or_fade")
                    continue
                if kept_thumb is not None and float(np.abs(thumb - kept_thumb).mean()) < opts.dup_threshold:
                    yield Candidate(key, "video", load, meta, dropped="duplicate_frame")
                    continue
                kept_thumb = thumb
                yield Candidate(key, "video", load, meta)
        except Exception as e:  # a damaged stream: keep what was decoded
            errors.append(f"{path}: video decoding stopped ({str(e).splitlines()[0][:80]})")


def _download(url: str, opts: SourceOptions) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        data = fetch(url, timeout=opts.timeout, retries=opts.retries, backoff=opts.backoff, max_bytes=opts.max_bytes)
        return load_rgb_bytes(data, url)
    return load


def url_list_source(path: Path, opts: SourceOptions, errors: list[str]) -> Iterator[Candidate]:
    try:
        lines = path.read_text().splitlines()
    except OSError as e:
        errors.append(f"{path}: cannot read URL list ({e.strerror})")
        return
    for line in lines:
        url = line.strip()
        if url and not url.startswith("#"):
            yield Candidate(f"url:{url}", "url", _download(url, opts), {"url": url})


def flickr_source(query: str, opts: SourceOptions, errors: list[str]) -> Iterator[Candidate]:
    key = opts.flickr_key or os.environ.get("FLICKR_API_KEY")
    if not key:
        errors.append("flickr: no API key (set FLICKR_API_KEY)")
        return
    page, pages, seen, last_call = 1, 1, 0, 0.0
    while page <= pages and seen < opts.flickr_max:
        wait = opts.api_interval - (time.monotonic() - last_call)
        if wait > 0:
            time.sleep(wait)
        last_call = time.monotonic()
        try:
            answer = fetch_json(opts.flickr_api, {
                "method": "flickr.photos.search", "api_key": key, "text": query, "license": opts.flickr_licenses,
                "extras": "url_b,url_c,url_z,owner_name,license", "per_page": opts.flickr_per_page, "page": page,
                "format": "json", "nojsoncallback": 1, "content_type": 1, "media": "photos", "sort": "relevance"},
                timeout=opts.timeout, retries=opts.retries, backoff=opts.backoff)
        except FetchError as e:
            errors.append(f"flickr:{query}: {e}")
            return
        if answer.get("stat") != "ok":
            errors.append(f"flickr:{query}: API error {answer.get('code')}: {answer.get('message')}")
            return
        photos = answer["photos"]
        pages = int(photos.get("pages", 1))
        for ph in photos.get("photo", []):
            url = ph.get("url_b") or ph.get("url_c") or ph.get("url_z")
            if not url or seen >= opts.flickr_max:
                continue
            seen += 1
            lic = str(ph.get("license", ""))
            meta = {"url": url, "flickr_id": ph["id"], "owner": ph.get("owner"), "owner_name": ph.get("ownername"),
                    "licence": FLICKR_LICENSE_NAMES.get(lic, lic),
                    "page_url": f"https://www.flickr.com/photos/{ph.get('owner')}/{ph['id']}"}
            yield Candidate(f"flickr:{ph['id']}", "flickr", _download(url, opts), meta)
        page += 1
