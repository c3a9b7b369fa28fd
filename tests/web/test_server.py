"""A real server on 127.0.0.1: parallel clients, and the page in a real browser (slow)."""

import io
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from PIL import Image

from chromalab.web import create_app


@pytest.fixture
def server(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.queue_size = 32
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_sixteen_parallel_clients_all_answered(server, grey_png):
    size = Image.open(io.BytesIO(grey_png)).size

    def one(i):
        with httpx.Client(timeout=60) as c:
            r = c.post(f"{server}/api/colorize", files={"image": (f"p{i}.png", grey_png, "image/png")},
                       data={"model": "tiny"})
            return r.status_code, Image.open(io.BytesIO(r.content)).size if r.status_code == 200 else None

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(16)))
    assert results == [(200, size)] * 16


@pytest.mark.slow
def test_page_end_to_end_in_chromium(server, grey_png, tmp_path):
    from playwright.sync_api import sync_playwright

    photo = tmp_path / "old.png"
    photo.write_bytes(grey_png)
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
        page.goto(server)
        page.wait_for_selector("#model option[value=tiny]", state="attached")
        page.select_option("#model", "tiny")
        page.set_input_files("#file", str(photo))
        page.click("#go")
        page.wait_for_selector("#result:not([hidden])")
        page.wait_for_function("document.getElementById('after').naturalWidth > 0")
        page.fill("#split", "30")
        page.dispatch_event("#split", "input")
        assert "70%" in page.eval_on_selector("#before", "e => e.style.clipPath")
        with page.expect_download() as dl:
            page.click("#download")
        saved = tmp_path / "download.png"
        dl.value.save_as(saved)
        assert Image.open(saved).size == Image.open(photo).size
        page.screenshot(path=str(shots / "web.png"), full_page=True)
        browser.close()
    assert (shots / "web.png").stat().st_size > 10_000


@pytest.mark.slow
def test_hostile_run_names_are_shown_as_text_never_run(settings, tiny_run):
    """A run folder named like an HTML tag must appear as text; its script must not run (escaping + CSP)."""
    import shutil

    from playwright.sync_api import sync_playwright

    hostile = "<img src=x onerror=alert(1)>"
    shutil.copytree(tiny_run, settings.runs_dir / hostile, ignore=shutil.ignore_patterns("checkpoints", "tb"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    dialogs = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            response = page.goto(f"http://127.0.0.1:{port}")
            assert "script-src 'self'" in response.headers.get("content-security-policy", "")
            page.wait_for_selector("#model option", state="attached")
            page.wait_for_timeout(1500)  # leaderboard and model list rendered
            options = page.eval_on_selector_all("#model option", "els => els.map(e => e.textContent)")
            injected = page.eval_on_selector_all("img[src='x']", "els => els.length")
            browser.close()
    finally:
        srv.should_exit = True
        thread.join(10)
    assert any(hostile in o for o in options)  # shown literally
    assert injected == 0 and dialogs == []  # never parsed as HTML, never run


@pytest.mark.slow
@pytest.mark.parametrize("path, operation", [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id]")])
def test_api_docs_render_in_chromium(server, path, operation):
    """Swagger UI and ReDoc render the OpenAPI 3.1 document offline and list the API's operations."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("http*://**", lambda route: route.abort() if server not in route.request.url
                   else route.continue_())  # offline: nothing but this server
        page.goto(server + path)
        page.wait_for_selector(operation, timeout=30_000)
        text = page.inner_text("body")
        browser.close()
    assert "Unable to render" not in text and "valid version field" not in text, text[:300]
    for op in ("/api/colorize", "/api/models", "/health"):
        assert op in text, f"{op} not shown on {path}"
    assert not errors, errors
