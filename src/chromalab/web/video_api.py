"""``POST /api/colorize-video``: an uploaded video in, ``<name>_color.mp4`` out (the name the batch engine,
``inference.batch``, gives it; one upload has no skip rule or name clashes, so the rest of the engine is not
used: its errors become HTTP statuses here).

Limits → 413: a video over ``max_video_upload_bytes`` (its own limit, larger than the photos'
``max_upload_bytes``; the app's middleware cuts the body off, and the upload is streamed to disk in chunks,
never held whole in memory), frames over ``max_video_pixels`` or longer than ``max_video_seconds`` (checked
from the headers before any decoding). Not a usable video → 415, unknown model → 404, and the one inference
queue (full → 503). The upload and the result live in a temp folder removed once the response is sent.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from chromalab.core.extras import MissingExtra, require
from chromalab.core.media import VIDEO_OUTPUT_SUFFIX, VIDEO_SUFFIXES
from chromalab.inference.batch import output_name
from chromalab.inference.store import DEFAULT_MODEL
from chromalab.web.errors import error_responses, reference_or_422

CHUNK = 1024 * 1024


async def save_upload(upload: UploadFile, dst: Path, limit: int) -> int:
    """Copy an upload to ``dst`` chunk by chunk; 413 (``HTTPException``) once it passes ``limit`` bytes."""
    n = 0
    with dst.open("wb") as f:
        while chunk := await upload.read(CHUNK):
            n += len(chunk)
            if n > limit:
                raise HTTPException(413, f"video: upload over {limit} bytes")
            f.write(chunk)
    return n


def add_video_routes(app: FastAPI, settings: Any, pool: Any, read_image: Any, colorizer_for: Any) -> None:
    @app.post("/api/colorize-video", responses={200: {"content": {"video/mp4": {}}, "description": "MP4"},
                                               **error_responses(400, 404, 413, 415, 422, 500, 501, 503)})
    async def colorize_video_endpoint(video: UploadFile = File(...), model: str = Form(DEFAULT_MODEL),
                                      temporal: bool = Form(True), crf: int = Form(20),
                                      reference: UploadFile | None = File(None)):
        if not 0 <= crf <= 51:
            raise HTTPException(422, "crf must be in [0, 51]")
        try:
            require("video", "colorizing videos")
        except MissingExtra as e:  # the server runs without the video extra; photos still work
            raise HTTPException(501, str(e)) from None
        from chromalab.inference.video import VideoError, colorize_video, probe_video

        use_ref = reference is not None and bool(reference.filename)
        colorizer = await colorizer_for(model, use_ref)
        ref_rgb = reference_or_422(await read_image(reference, "reference")) if use_ref else None
        name = Path(video.filename or "video.mp4").name
        suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in VIDEO_SUFFIXES else ".mp4"
        tmp = Path(tempfile.mkdtemp(prefix="chromalab-video-"))
        try:
            src = tmp / f"upload{suffix}"
            await save_upload(video, src, settings.max_video_upload_bytes)
            try:
                info = probe_video(src)
            except VideoError as e:
                raise HTTPException(415, str(e).replace(str(src), "video")) from None
            if info.width * info.height > settings.max_video_pixels:
                raise HTTPException(413, f"video: {info.width}x{info.height} frames are over "
                                         f"{settings.max_video_pixels} pixels")
            if info.seconds is not None and info.seconds > settings.max_video_seconds:
                raise HTTPException(413, f"video: {info.seconds:.1f} s is over {settings.max_video_seconds} s")

            def work():
                ref = colorizer.prepare_reference(ref_rgb) if ref_rgb is not None else None
                return colorize_video(src, tmp / output_name(Path(name).stem, VIDEO_OUTPUT_SUFFIX), colorizer,
                                      temporal=temporal, crf=crf, reference=ref)

            try:
                res = await pool.run(work)
            except VideoError as e:
                raise HTTPException(415, str(e).replace(str(src), "video")) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        mp4 = res.dst.suffix == VIDEO_OUTPUT_SUFFIX  # else the .mkv an audio codec that mp4 cannot hold asked for
        return FileResponse(res.dst, media_type="video/mp4" if mp4 else "video/x-matroska", filename=res.dst.name,
                            background=BackgroundTask(shutil.rmtree, tmp, True))
