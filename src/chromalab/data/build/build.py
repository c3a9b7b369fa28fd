"""``build_dataset``: sources → filtered, resized, deduplicated, split photos with a manifest.

Output folder:

- ``images/<split>/<sha256[:16]>.jpg`` — resized photos; the split comes from the hash of the *written*
  file (``chromalab.data.splits.split_of``), so ``ImageFolder`` recomputes exactly the same split;
- ``manifest.jsonl`` — one line per candidate ever seen: kept (file, source, key, attribution, size, domain,
  split, hash, dhash) or dropped (reason). Appended and flushed as work finishes, so a rerun after an
  interruption skips every key already there: nothing is added twice and nothing is lost;
- ``summary.json`` — counts kept (per split, domain, source) and dropped (per reason), wall time;
- ``shards/<split>-NNNNN.tar`` (with ``shards=N``) — WebDataset-style tars of N photos each
  (``<hash>.jpg`` + ``<hash>.json``), streamed by ``chromalab.data.shards.ShardDataset``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from chromalab.core import lab
from chromalab.core.imageio import ImageError, atomic_write_bytes
from chromalab.core.progress import ProgressFn
from chromalab.data.build.filters import DHashIndex, dhash, is_grey_or_sepia
from chromalab.data.build.http import FetchError
from chromalab.data.build.sources import Candidate, SourceOptions, iter_candidates
from chromalab.data.faces import domain_of
from chromalab.data.splits import split_of

MANIFEST = "manifest.jsonl"


@dataclass
class BuildSummary:
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    by_split: Counter = field(default_factory=Counter)
    by_domain: Counter = field(default_factory=Counter)
    by_source: Counter = field(default_factory=Counter)
    skipped_done: int = 0  # candidates already in the manifest (resume)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "dropped": dict(self.dropped), "by_split": dict(self.by_split),
                "by_domain": dict(self.by_domain), "by_source": dict(self.by_source),
                "skipped_already_done": self.skipped_done, "errors": self.errors, "seconds": round(self.seconds, 2)}


def _resize(rgb: np.ndarray, size: int) -> Image.Image:
    im = Image.fromarray(lab.to_uint8(rgb))
    if max(im.size) > size:
        im.thumbnail((size, size), Image.LANCZOS)
    return im


def _process(c: Candidate, size: int, min_side: int, label_domain: bool) -> dict[str, Any]:
    """Worker: load, filter, resize, encode. Returns a manifest row (with ``_jpeg`` bytes when kept)."""
    row: dict[str, Any] = {"key": c.key, "source": c.source, **c.meta}
    if c.dropped:
        return {**row, "dropped": c.dropped}
    try:
        rgb = c.load()
    except (ImageError, FetchError) as e:
        return {**row, "dropped": "unreadable", "error": str(e)}
    if min(rgb.shape[:2]) < min_side:
        return {**row, "dropped": "too_small", "width": rgb.shape[1], "height": rgb.shape[0]}
    if is_grey_or_sepia(rgb):
        return {**row, "dropped": "grey_or_sepia"}
    im = _resize(rgb, size)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92)
    jpeg = buf.getvalue()
    digest = hashlib.sha256(jpeg).hexdigest()
    small = np.asarray(im, dtype=np.float32) / 255.0
    return {**row, "_jpeg": jpeg, "hash": digest, "split": split_of(digest), "width": im.size[0],
            "height": im.size[1], "dhash": f"{dhash(small):016x}",
            "domain": domain_of(small) if label_domain else None}


def _read_manifest(path: Path) -> list[dict[str, Any]]:
    rows = []
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by a crash: its candidate is simply redone
                continue
    return rows


def build_dataset(sources: list[str], out: str | os.PathLike, size: int = 512, min_side: int = 128,
                  workers: int = 2, domain: str | None = None, shards: int = 0, dedup_bits: int = 4,
                  options: SourceOptions | None = None, progress: ProgressFn | None = None,
                  _stop_after: int | None = None) -> BuildSummary:
    """Build (or resume building) a dataset folder from ``sources``; see the module docstring.

    Args:
        size: longer side of the written photos (smaller ones are kept as they are).
        min_side: photos whose shorter side is below this are dropped (``too_small``).
        domain: ``portrait`` or ``landscape`` keeps only that domain (faces found by a Haar cascade).
        dedup_bits: dHash distance at or below which a photo is a near-duplicate of one already kept.
        _stop_after: tests only — raise ``KeyboardInterrupt`` after this many new manifest rows.
    """
    if domain not in (None, "portrait", "landscape"):
        raise ValueError(f"domain must be portrait or landscape, got {domain!r}")
    out = Path(out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    opts = options or SourceOptions()
    t0 = time.time()
    manifest = out / MANIFEST
    old = _read_manifest(manifest)
    done = {r["key"] for r in old}
    kept_hashes = {r["hash"] for r in old if "hash" in r and "dropped" not in r}
    kept_dhashes = DHashIndex(dedup_bits, [int(r["dhash"], 16) for r in old if "dhash" in r and "dropped" not in r])
    summary = BuildSummary()
    written = 0

    def candidates():
        for spec in sources:
            for c in iter_candidates(spec, opts, summary.errors):
                if c.key in done:
                    summary.skipped_done += 1
                    continue
                done.add(c.key)
                yield c

    with open(manifest, "a") as log, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending: list = []
        stream = candidates()

        def refill() -> None:
            for c in stream:
                pending.append(pool.submit(_process, c, size, min_side, True))
                if len(pending) >= 4 * max(1, workers):
                    return

        refill()
        while pending:
            row = pending.pop(0).result()
            jpeg = row.pop("_jpeg", None)
            if jpeg is not None:
                d = int(row["dhash"], 16)
                if row["hash"] in kept_hashes or kept_dhashes.near(d):
                    row = {k: v for k, v in row.items() if k not in ("hash", "dhash", "split")} | {
                        "dropped": "near_duplicate"}
                elif domain is not None and row["domain"] != domain:
                    row = {**row, "dropped": f"not_{domain}"}
                    row.pop("hash"), row.pop("dhash")
                else:
                    rel = Path("images") / row["split"] / f"{row['hash'][:16]}.jpg"
                    atomic_write_bytes(jpeg, out / rel)  # the file first, then its manifest line
                    row["file"] = rel.as_posix()
                    kept_hashes.add(row["hash"])
                    kept_dhashes.add(d)
            log.write(json.dumps(row) + "\n")
            log.flush()
            os.fsync(log.fileno())
            written += 1
            if "dropped" in row:
                summary.dropped[row["dropped"]] += 1
            else:
                summary.kept += 1
            if progress is not None:
                progress(f"building (kept {summary.kept}, dropped {sum(summary.dropped.values())})", written, None)
            if _stop_after is not None and written >= _stop_after:
                for f in pending:
                    f.cancel()
                raise KeyboardInterrupt("stopped for a test")
            refill()
    rows = _read_manifest(manifest)
    kept_rows = [r for r in rows if "dropped" not in r]
    summary.by_split = Counter(r["split"] for r in kept_rows)
    summary.by_domain = Counter(r.get("domain") or "unlabelled" for r in kept_rows)
    summary.by_source = Counter(r["source"] for r in kept_rows)
    summary.seconds = time.time() - t0
    totals = {**summary.as_dict(), "total_kept": len(kept_rows),
              "total_dropped": dict(Counter(r["dropped"] for r in rows if "dropped" in r))}
    atomic_write_bytes((json.dumps(totals, indent=2) + "\n").encode(), out / "summary.json")
    if shards:
        from chromalab.data.shards import write_shards
        write_shards(out, kept_rows, shards)
    return summary
