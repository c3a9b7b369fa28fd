"""FastAPI app: the demo page and the HTTP API.

- ``POST /api/colorize`` (multipart ``image``, ``model``, ``saturation``, ``vibrance``, optional
  ``reference``, optional ``vividness`` — the model's boldness, ``InferenceSettings.vividness``) → PNG at the
  upload's full resolution.
- ``POST /api/postprocess`` (multipart ``image`` = a colorized PNG, ``saturation``, ``vibrance``) → PNG;
  lets the page adjust colour without re-running the network.
- ``POST /api/colorize-video`` (multipart ``video``, ``model``, ``temporal``, ``crf``, optional ``reference``)
  → mp4 (``chromalab.web.video_api``).
- ``GET /api/models``, ``GET /api/runs`` (leaderboard rows), ``GET /health``.

Limits: uploads over ``max_upload_bytes`` (videos: ``max_video_upload_bytes``) → 413, counted while the body
streams (a chunked upload with no ``Content-Length`` is cut off at the limit, not spooled whole first); images
over ``max_pixels`` → 413; not an image → 415; unknown model → 404. Inference runs in a thread pool off the
event loop; when ``workers + queue_size`` jobs are already waiting → 503 with ``Retry-After``. Memory is
bounded by *pixels* in flight, not only requests: a request holds its images' megapixels (read from the
header, before decoding) from decoding to the encoded answer, and waits while ``max_pixels_in_flight`` are
held by others (503 after ``pixel_wait_seconds``). Errors are JSON ``{"detail": "..."}``, an unexpected one a
500 naming a request id (``web.errors``). Every answer carries a Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from PIL import Image

from chromalab.core.extras import MissingExtra, missing
from chromalab.core.imageio import ImageError, TooLargeError, encode_png, load_rgb_bytes
from chromalab.core.labnp import SATURATION_RANGE, VIBRANCE_RANGE, check_adjustment
from chromalab.core.version import __version__
from chromalab.inference.colorizer import make_steps
from chromalab.inference.pipeline import adjust_image
from chromalab.inference.runtime import ONNX
from chromalab.inference.settings import MAX_VIVIDNESS
from chromalab.inference.store import model_for
from chromalab.web.errors import UnexpectedErrors, error_responses, reference_or_422
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
    runtime: str | None = None  # torch | onnx | auto (None): see chromalab.inference.runtime
    extra_models: dict[str, Path] = field(default_factory=dict)  # name → model folder (tests, embedding)
    max_video_upload_bytes: int = 200 * 1024 * 1024  # video uploads (POST /api/colorize-video) only
    max_video_seconds: float = 120.0
    max_video_pixels: int = 1920 * 1088
    max_pixels_in_flight: int = 40_000_000  # decoded photos held at once, over all requests (memory bound)
    pixel_wait_seconds: float = 60.0
    retry_after_seconds: int = 5
    db: Path | None = None  # run registry the leaderboard reads (default: runs_dir/chromalab.sqlite)


# the page loads only its own script, style and images (blob: for results); the API docs page has its own
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; frame-ancestors 'none'"
            )  # Swagger UI's inline bootstrap; ReDoc's inline styles and its search worker


IMAGE_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {"image/png": {}}, "description": "PNG"}}


class BodyLimit:
    """ASGI middleware: 413 for a body over ``limit`` bytes (``path_limits[path]`` for the paths it names), by
    ``Content-Length`` at once or by counting the chunks as they arrive (so a chunked upload never gets
    spooled past the limit), plus the CSP header."""

    def __init__(self, app, limit: int, path_limits: dict[str, int] | None = None):
        self.app, self.default_limit, self.path_limits = app, limit, dict(path_limits or {})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        docs = scope.get("path", "") in DOCS_PATHS
        limit = self.path_limits.get(scope.get("path", ""), self.default_limit)

        async def send_with_csp(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                headers.append((b"content-security-policy", (DOCS_CSP if docs else CSP).encode()))
                message = {**message, "headers": headers}
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            response = JSONResponse({"detail": f"upload over {limit} bytes"}, status_code=413)
            return await response(scope, receive, send_with_csp)
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"upload over {limit} bytes")
            return message

        await self.app(scope, counting_receive, send_with_csp)


class PixelBudget:
    """An asyncio semaphore counted in pixels: ``hold(n)`` waits until ``n`` more fit under ``capacity`` (an
    image larger than the whole budget runs alone), then holds them until the block ends."""

    def __init__(self, capacity: int):
        self.capacity, self.held = capacity, 0
        self._cond = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def hold(self, pixels: int, timeout: float):
        pixels = min(pixels, self.capacity)
        async with self._cond:
            try:
                await asyncio.wait_for(self._cond.wait_for(lambda: self.held + pixels <= self.capacity), timeout)
            except TimeoutError:
                raise Busy() from None
            self.held += pixels
        try:
            yield
        finally:
            async with self._cond:
                self.held -= pixels
                self._cond.notify_all()


DOCS_PATHS = ("/docs", "/redoc")  # the API documentation pages (DOCS_CSP)


def mount_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI 5) and ``/redoc`` from assets vendored in ``static/docs`` (see its README): FastAPI's
    default pages load them from a CDN, so they were blank offline, and the Python ``swagger-ui-bundle`` has only
    Swagger UI 4, which cannot read OpenAPI 3.1. ``/favicon.ico`` is the page's icon."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="chromalab API",
                                   swagger_js_url="/static/docs/swagger-ui-bundle.js",
                                   swagger_css_url="/static/docs/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    async def redoc():
        return get_redoc_html(openapi_url=app.openapi_url, title="chromalab API",
                              redoc_js_url="/static/docs/redoc.standalone.js",
                              redoc_favicon_url="/static/favicon.png", with_google_fonts=False)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon():
        return FileResponse(STATIC / "favicon.png", media_type="image/png")


def image_pixels(data: bytes) -> int:
    """Pixels of an encoded image from its header alone (0 if unreadable: decoding will say why)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size[0] * im.size[1]
    except Exception:  # any decoder error: leave the message to the real decode
        return 0


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
    store = ModelStore(discover_models(settings.runs_dir, settings.extra_models), device=settings.device,
                       runtime=settings.runtime)
    pool = InferencePool(settings.workers, settings.queue_size)
    app = FastAPI(title="chromalab", version=__version__, docs_url=None, redoc_url=None,
                  description="Colorize black-and-white photos; compare colorizers.")
    mount_docs(app)
    app.state.settings, app.state.store, app.state.pool = settings, store, pool

    app.add_middleware(UnexpectedErrors)  # added first: inside BodyLimit, so its answers carry the CSP too
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + 64 * 1024,
                       path_limits={"/api/colorize-video": settings.max_video_upload_bytes
                                    + 2 * settings.max_upload_bytes + 64 * 1024})  # video + reference photo
    post_steps = make_steps(ONNX)  # /api/postprocess: the adjust step (ONNX Runtime; torch if no graphs)
    budget = PixelBudget(settings.max_pixels_in_flight)
    app.state.pixel_budget = budget

    async def read_bytes(upload: UploadFile, label: str) -> bytes:
        data = await upload.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"{label}: upload over {settings.max_upload_bytes} bytes")
        return data

    def hold_pixels(*datas: bytes):
        return budget.hold(sum(image_pixels(d) for d in datas), settings.pixel_wait_seconds)

    async def decode(data: bytes, label: str, as_uint8: bool = False):
        try:
            return await pool.run(load_rgb_bytes, data, label, settings.max_pixels, as_uint8)
        except TooLargeError as e:
            raise HTTPException(413, str(e)) from None
        except ImageError as e:
            raise HTTPException(415, str(e)) from None

    async def colorizer_for(model: str, use_ref: bool):
        """The shared colorizer a request names (404 if unknown); with a reference photo the default becomes the
        shipped reference-guided model; a reference to a model that takes none, or none to one that needs it, is
        a 422."""
        model = model_for(model, use_ref, store.names())
        if model not in store.names():
            raise HTTPException(404, f"unknown model {model!r}; GET /api/models lists them")
        try:
            colorizer = await pool.run(store.get, model)
        except MissingExtra as e:  # e.g. a PyTorch-only model on a server installed without torch
            raise HTTPException(501, str(e)) from None
        if use_ref and not colorizer.takes_reference:
            raise HTTPException(422, f"model {model!r} is not reference-guided; use model=reference")
        if colorizer.takes_reference and not use_ref:  # without one it only guesses (washed-out colour)
            raise HTTPException(422, f"model {model!r} is reference-guided: send a colour photo as reference")
        return colorizer

    async def read_image(upload: UploadFile, label: str):
        return await decode(await read_bytes(upload, label), label)

    def check_params(saturation: float, vibrance: float) -> None:
        try:
            check_adjustment(saturation, vibrance)
        except ValueError:
            (s0, s1), (v0, v1) = SATURATION_RANGE, VIBRANCE_RANGE
            msg = f"saturation must be in [{s0:g}, {s1:g}] and vibrance in [{v0:g}, {v1:g}]"
            raise HTTPException(422, msg) from None

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
        if missing("train"):  # the run registry comes with training; a server without it has no runs to show
            return {"columns": [], "rows": [], "baseline": None}
        from chromalab.web.leaderboard import leaderboard_rows

        return leaderboard_rows(settings.runs_dir, settings.db)

    @app.post("/api/colorize", responses={**IMAGE_ANSWER, **error_responses(400, 404, 413, 415, 422, 500, 503)})
    async def colorize(image: UploadFile = File(...), model: str = Form("default"),
                       saturation: float = Form(1.0), vibrance: float = Form(0.0),
                       reference: UploadFile | None = File(None), vividness: float | None = Form(None)):
        """Colorize ``image`` at its full resolution (PNG)."""
        check_params(saturation, vibrance)
        if vividness is not None and not 0.0 <= vividness <= MAX_VIVIDNESS:
            raise HTTPException(422, f"vividness must be in [0, {MAX_VIVIDNESS:g}]")
        use_ref = reference is not None and bool(reference.filename)
        colorizer = await colorizer_for(model, use_ref)
        data = await read_bytes(image, "image")
        ref_data = await read_bytes(reference, "reference") if use_ref else b""
        async with hold_pixels(data, ref_data):
            rgb = await decode(data, "image", as_uint8=True)  # 8-bit in, 8-bit out: no float copy
            ref = reference_or_422(await decode(ref_data, "reference")) if use_ref else None

            def work():
                return encode_png(colorizer.colorize(rgb, reference=ref, vividness=vividness, saturation=saturation,
                                                     vibrance=vibrance))

            return Response(await pool.run(work), media_type="image/png")

    @app.post("/api/postprocess", responses={**IMAGE_ANSWER, **error_responses(400, 413, 415, 422, 500, 503)})
    async def postprocess(image: UploadFile = File(...), saturation: float = Form(1.0),
                          vibrance: float = Form(0.0)):
        check_params(saturation, vibrance)
        data = await read_bytes(image, "image")
        async with hold_pixels(data):
            rgb = await decode(data, "image")
            work = lambda: encode_png(adjust_image(rgb, steps=post_steps, saturation=saturation,  # noqa: E731
                                                   vibrance=vibrance))
            return Response(await pool.run(work), media_type="image/png")

    from chromalab.web.video_api import add_video_routes

    add_video_routes(app, settings, pool, read_image, colorizer_for)

    @app.exception_handler(Busy)
    async def busy_handler(request: Request, exc: Busy):
        return JSONResponse({"detail": "server busy: too many images waiting; try again shortly"}, status_code=503,
                            headers={"Retry-After": str(settings.retry_after_seconds)})

    return app
