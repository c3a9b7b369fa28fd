"""The HTTP API: results, every error path, and the bounded queue."""

import io
import threading

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from chromalab.web import create_app
from tests.web.conftest import png_bytes


def post(client, data: bytes, **form):
    return client.post("/api/colorize", files={"image": ("photo.png", data, "image/png")},
                       data={"model": "tiny", **form})


def test_health_models_and_openapi(client):
    assert client.get("/health").json()["status"] == "ok"
    names = [m["name"] for m in client.get("/api/models").json()]
    assert "tiny" in names and "default" in names
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/colorize", "/api/models", "/api/runs", "/health", "/api/postprocess"} <= set(paths)
    declared = paths["/api/colorize"]["post"]["responses"]
    assert {"200", "400", "404", "413", "415", "422", "503"} <= set(declared)
    assert declared["413"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "Retry-After" in declared["503"]["headers"]


def test_colorize_returns_full_size_png(client, grey_png):
    res = post(client, grey_png)
    assert res.status_code == 200 and res.headers["content-type"] == "image/png"
    out = Image.open(io.BytesIO(res.content))
    assert out.size == Image.open(io.BytesIO(grey_png)).size and out.mode == "RGB"


def test_postprocess_changes_colour_not_size(client, grey_png):
    col = post(client, grey_png).content
    res = client.post("/api/postprocess", files={"image": ("r.png", col, "image/png")}, data={"saturation": "0"})
    assert res.status_code == 200
    grey = np.asarray(Image.open(io.BytesIO(res.content))).astype(int)
    assert np.abs(grey - grey.mean(2, keepdims=True)).max() <= 2  # saturation 0 → grey again


def test_error_paths(client, grey_png):
    assert post(client, grey_png, model="../../etc/passwd").status_code == 404
    res = post(client, b"definitely not an image")
    assert res.status_code == 415 and "not an image" in res.json()["detail"]
    assert post(client, b"").status_code == 415
    big_bytes = png_bytes(np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8))
    assert len(big_bytes) > 200_000
    res = post(client, big_bytes)
    assert res.status_code == 413 and "bytes" in res.json()["detail"]
    many_pixels = png_bytes(np.zeros((800, 800), np.uint8))  # compresses small, 0.64 MP > 0.5 MP
    res = post(client, many_pixels)
    assert res.status_code == 413 and "MP" in res.json()["detail"]
    assert post(client, grey_png, saturation="9").status_code == 422
    res = client.post("/api/colorize", files={"image": ("p.png", grey_png), "reference": ("r.png", grey_png)},
                      data={"model": "tiny"})
    assert res.status_code == 422 and "not reference-guided" in res.json()["detail"]
    res = client.post("/api/colorize", files={"image": ("p.png", grey_png), "reference": ("r.png", grey_png)},
                      data={"model": "reference"})
    assert res.status_code == 422 and "grey" in res.json()["detail"]  # a grey reference has no colour to give
    res = client.post("/api/colorize", files={"image": ("p.png", grey_png)}, data={"model": "reference"})
    assert res.status_code == 422 and "send a colour photo as reference" in res.json()["detail"]
    assert client.post("/api/colorize", data={"model": "tiny"}).status_code == 422  # no image at all


def test_reference_guided_colorize(client, grey_png):
    from tests.conftest import sample_rgb
    ref = png_bytes(sample_rgb("coffee", 96))
    res = client.post("/api/colorize", files={"image": ("p.png", grey_png), "reference": ("r.png", ref)})
    assert res.status_code == 200  # model "default" + a reference → the shipped reference-guided model
    out = np.asarray(Image.open(io.BytesIO(res.content))).astype(float)
    assert out.shape[:2] == Image.open(io.BytesIO(grey_png)).size[::-1] and out.std(2).mean() > 1


def test_full_queue_answers_503(settings, grey_png):
    settings.workers, settings.queue_size = 1, 0
    app = create_app(settings)
    gate, started = threading.Event(), threading.Event()
    col = app.state.store.get("tiny")
    original = col.colorize

    def slow(rgb, **kw):
        started.set()
        gate.wait(10)
        return original(rgb, **kw)

    col.colorize = slow
    results = {}
    with TestClient(app) as client:
        t = threading.Thread(target=lambda: results.setdefault("first", post(client, grey_png)))
        t.start()
        assert started.wait(10)
        second = post(client, grey_png)
        gate.set()
        t.join(10)
    assert second.status_code == 503 and "busy" in second.json()["detail"]
    assert int(second.headers["retry-after"]) > 0
    assert results["first"].status_code == 200


def test_leaderboard_reads_evaluations(tiny_run, photo_dir, settings):
    import shutil

    from chromalab.evaluation.evaluate import evaluate
    run = settings.runs_dir / "r1"
    shutil.copytree(tiny_run, run)
    evaluate(run, photo_dir, split="all", size=32, out=run / "evaluation.json")
    with TestClient(create_app(settings)) as client:
        board = client.get("/api/runs").json()
        names = [m["name"] for m in client.get("/api/models").json()]
    assert [r["model"] for r in board["rows"]] == ["r1"] and board["baseline"]["model"] == "no-colour"
    row, base = board["rows"][0], board["baseline"]
    assert ("mae" in row["worse"]) == (row["mae"] > base["mae"])  # marked where "no colour" beats it
    assert ("ssim" in row["worse"]) == (row["ssim"] < base["ssim"]) and "colourfulness" not in row["worse"]
    assert "r1" in names  # trained runs under --runs are offered as models


def test_decoder_raising_not_implemented_is_415_not_500(client):
    from tests.conftest import BROKEN_MAGIC, register_broken_format

    register_broken_format()
    res = post(client, BROKEN_MAGIC + b"\0" * 64)
    assert res.status_code == 415 and "cannot decode" in res.json()["detail"]


def test_chunked_upload_over_the_limit_is_cut_off_while_streaming(settings):
    import asyncio

    app = create_app(settings)
    pulled, sent = [], []
    chunk = b"--b\r\nContent-Disposition: form-data; name=image; filename=x.png\r\n\r\n" + b"x" * 16_384

    async def receive():  # a chunked upload of 100 × 16 KiB with no Content-Length: only counting can stop it
        pulled.append(1)
        return {"type": "http.request", "body": chunk, "more_body": len(pulled) < 100}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/colorize", "raw_path": b"/api/colorize", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"multipart/form-data; boundary=b"), (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80), "app": app}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert len(pulled) * len(chunk) < settings.max_upload_bytes + 64 * 1024 + 2 * len(chunk)  # stopped at the limit


def test_pages_carry_a_content_security_policy_and_the_page_escapes(client):
    from chromalab.web.app import STATIC
    for path in ("/", "/health", "/static/app.js"):
        csp = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "object-src 'none'" in csp
    js = (STATIC / "app.js").read_text()
    assert "innerHTML =" not in js and "textContent" in js


def test_models_report_the_registry_family(client):
    by_name = {m["name"]: m for m in client.get("/api/models").json()}
    assert by_name["tiny"]["family"] == "ae"
    assert by_name["default"]["family"] == "effnet"  # not the config class name


def test_pixel_budget_bounds_pixels_in_flight():
    import asyncio

    from chromalab.web.app import Busy, PixelBudget

    async def scenario():
        budget, peak, order = PixelBudget(100), [0], []

        async def job(name, px):
            async with budget.hold(px, timeout=5):
                peak[0] = max(peak[0], budget.held)
                order.append(name)
                await asyncio.sleep(0.05)

        await asyncio.gather(job("a", 60), job("b", 60), job("c", 30), job("huge", 500))
        async with budget.hold(100, timeout=1):
            try:
                async with budget.hold(1, timeout=0.05):
                    raise AssertionError("held more than the budget")
            except Busy:
                pass
        return peak[0], order

    peak, order = asyncio.run(scenario())
    assert peak <= 100 and sorted(order) == ["a", "b", "c", "huge"]


@pytest.mark.parametrize("path, script", [("/docs", "/static/docs/swagger-ui-bundle.js"),
                                          ("/redoc", "/static/docs/redoc.standalone.js")])
def test_docs_pages_work_offline(client, path, script):
    page = client.get(path)
    assert page.status_code == 200 and "http" not in page.text.replace(client.base_url.host, "")
    assert script in page.text and "worker-src" in page.headers["content-security-policy"]
    js = client.get(script)
    assert js.status_code == 200 and len(js.content) > 100_000
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")  # what the vendored Swagger UI 5 reads


def test_favicon(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(icon.content)).size == (32, 32)
