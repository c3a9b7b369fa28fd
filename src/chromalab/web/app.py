"""FastAPI app: the demo page and the HTTP API.

- ``POST /api/colorize`` (multipart ``image``, ``model``, ``saturation``, ``vibrance``, optional
  ``reference``, optional ``vividness`` — the model's boldness, ``InferenceSettings.vividness``) → PNG at the
  upload's full resolution.
- ``POST /api/postprocess`` (multipart ``image`` = a colorized PNG, ``saturation``, ``vibrance``) → PNG;
  lets the page adjust colour without re-running the network.
- ``POST /api/colorize-video`` (multipart ``video``, ``model``, ``temporal``, ``crf``, optional ``reference``)
  → mp4 (``chromalab.web.video_api``).
- ``GET /api/models``, ``GET /api/runs`` (leaderboard rows), ``GET /health``.

Limits: uploads over ``max_upload_bytes`` or ``max_pixels`` → 413; not an image → 415; unknown model →
404; inference runs in a thread pool off the event loop, and when ``workers + queue_size`` jobs are
already waiting → 503. Errors are JSON ``{"detail": "..."}``.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from chromalab.core.imageio import ImageError, TooLargeError, encode_png, load_rgb_bytes
from chromalab.core.version import __version__
from chromalab.inference.reference import load_reference
from chromalab.inference.settings import MAX_VIVIDNESS
from chromalab.inference.store import DEFAULT_MODEL, REFERENCE_MODEL
from chromalab.ops.colour import adjust_colour
from chromalab.web.leaderboard import leaderboard_rows
from chromalab.web.models import ModelStore, describe, discover_models

STATIC = Path(__file__).parent / "static"


@dataclass
class WebSettings:
    runs_dir: Path | None = None
    max_upload_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 40_000_000
    workers: int = 2
    queue_size: int = 8
    device: str = "cpu"
    extra_models: dict[str, Path] = field(default_factory=dict)  # name → model folder (tests, embedding)
    max_video_seconds: float = 120.0
    max_video_pixels: int = 1920 * 1088


class Busy(Exception):
    pass


class InferencePool:
    """A thread pool with a bound on jobs running plus waiting; beyond it, ``Busy``."""

    def __init__(self, workers: int, queue_size: int):
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chromalab-infer")
        self.slots = threading.BoundedSemaphore(workers + queue_size)

    async def run(self, fn, *args):
        if not self.slots.acquire(blocking=False):
            raise Busy()
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        finally:
            self.slots.release()


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    store = ModelStore(discover_models(settings.runs_dir, settings.extra_models), device=settings.device)
    pool = InferencePool(settings.workers, settings.queue_size)
    app = FastAPI(title="chromalab", version=__version__,
                  description="Colorize black-and-white photos; compare colorizers.")
    app.state.settings, app.state.store, app.state.pool = settings, store, pool

    @app.middleware("http")
    async def refuse_large_bodies(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_upload_bytes + 64 * 1024:
            return JSONResponse({"detail": f"upload over {settings.max_upload_bytes} bytes"}, status_code=413)
        return await call_next(request)

    async def read_image(upload: UploadFile, label: str):
        data = await upload.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"{label}: upload over {settings.max_upload_bytes} bytes")
        try:
            return await pool.run(load_rgb_bytes, data, label, settings.max_pixels)
        except TooLargeError as e:
            raise HTTPException(413, str(e)) from None
        except ImageError as e:
            raise HTTPException(415, str(e)) from None

    def check_params(saturation: float, vibrance: float) -> None:
        if not (0.0 <= saturation <= 4.0) or not (-1.0 <= vibrance <= 1.0):
            raise HTTPException(422, "saturation must be in [0, 4] and vibrance in [-1, 1]")

    def png(rgb) -> Response:
        return Response(encode_png(rgb), media_type="image/png")

    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "models": len(store.names())}

    @app.get("/api/models")
    async def models() -> list[dict[str, Any]]:
        return [{"name": n, **describe(store.paths[n])} for n in store.names()]

    @app.get("/api/runs")
    async def runs() -> dict[str, Any]:
        return leaderboard_rows(settings.runs_dir)

    @app.post("/api/colorize", responses={200: {"content": {"image/png": {}}}})
    async def colorize(image: UploadFile = File(...), model: str = Form("default"),
                       saturation: float = Form(1.0), vibrance: float = Form(0.0),
                       reference: UploadFile | None = File(None), vividness: float | None = Form(None)):
        check_params(saturation, vibrance)
        if vividness is not None and not 0.0 <= vividness <= MAX_VIVIDNESS:
            raise HTTPException(422, f"vividness must be in [0, {MAX_VIVIDNESS:g}]")
        use_ref = reference is not None and bool(reference.filename)
        if use_ref and model == DEFAULT_MODEL and REFERENCE_MODEL in store.names():
            model = REFERENCE_MODEL
        if model not in store.names():
            raise HTTPException(404, f"unknown model {model!r}; GET /api/models lists them")
        colorizer = await pool.run(store.get, model)
        if use_ref and not colorizer.takes_reference:
            raise HTTPException(422, f"model {model!r} is not reference-guided; use model=reference")
        rgb = await read_image(image, "image")
        ref = None
        if use_ref:
            try:
                ref = load_reference(await read_image(reference, "reference"))
            except ImageError as e:
                raise HTTPException(422, str(e)) from None

        def work():
            out = colorizer.colorize(rgb, reference=ref, vividness=vividness)
            return adjust_colour(out, saturation, vibrance)

        return png(await pool.run(work))

    @app.post("/api/postprocess", responses={200: {"content": {"image/png": {}}}})
    async def postprocess(image: UploadFile = File(...), saturation: float = Form(1.0),
                          vibrance: float = Form(0.0)):
        check_params(saturation, vibrance)
        rgb = await read_image(image, "image")
        return png(await pool.run(adjust_colour, rgb, saturation, vibrance))

    from chromalab.web.video_api import add_video_routes

    add_video_routes(app, settings, store, pool, read_image)

    @app.exception_handler(Busy)
    async def busy_handler(request: Request, exc: Busy):
        return JSONResponse({"detail": "server busy: too many images waiting; try again shortly"}, status_code=503)

    return app
