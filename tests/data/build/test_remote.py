"""Flickr and URL-list sources against a fake HTTP server on 127.0.0.1 (never the internet)."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from chromalab.data.build.build import build_dataset
from chromalab.data.build.http import FetchError, fetch
from chromalab.data.build.sources import SourceOptions
from tests.conftest import synthetic_rgb

PHOTOS = {f"p{i}": synthetic_rgb(10 + i, 160) for i in range(5)}


class Handler(BaseHTTPRequestHandler):
    calls: dict = {}

    def log_message(self, *a):
        pass

    def _send(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        Handler.calls[url.path] = Handler.calls.get(url.path, 0) + 1
        if url.path == "/rest/":
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if q.get("api_key") != "secret":
                return self._send(200, json.dumps({"stat": "fail", "code": 100, "message": "Invalid API Key"}).encode(),
                                  "application/json")
            page = int(q["page"])
            ids = list(PHOTOS)[(page - 1) * 3: page * 3]
            base = f"http://127.0.0.1:{self.server.server_port}"
            body = {"stat": "ok", "photos": {"page": page, "pages": 2, "photo": [
                {"id": i, "owner": "o1", "ownername": "Ann", "license": "4", "url_b": f"{base}/img/{i}.jpg"}
                for i in ids]}}
            return self._send(200, json.dumps(body).encode(), "application/json")
        if url.path == "/flaky.jpg" and Handler.calls[url.path] == 1:
            return self._send(503, b"busy", "text/plain")
        if url.path.startswith("/img/") or url.path == "/flaky.jpg":
            key = url.path.rsplit("/", 1)[1].split(".")[0]
            buf = io.BytesIO()
            Image.fromarray(PHOTOS.get(key, PHOTOS["p0"])).save(buf, "JPEG")
            return self._send(200, buf.getvalue(), "image/jpeg")
        if url.path == "/page.html":
            return self._send(200, b"<html></html>", "text/html")
        return self._send(404, b"no", "text/plain")


@pytest.fixture
def server():
    Handler.calls = {}
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def opts(server, **kw):
    return SourceOptions(flickr_api=f"{server}/rest/", flickr_key="secret", api_interval=0.0, backoff=0.01,
                         timeout=5, **kw)


def test_flickr_search_paginates_and_records_attribution(server, tmp_path):
    out = tmp_path / "ds"
    s = build_dataset(["flickr:old town"], out, size=128, min_side=64, options=opts(server))
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert s.kept == 5 and sorted(r["flickr_id"] for r in rows) == sorted(PHOTOS)
    assert all(r["licence"] == "CC BY 2.0" and r["owner_name"] == "Ann" and r["url"].startswith(server) for r in rows)
    # resumable: a second run fetches no image again
    before = {k: v for k, v in Handler.calls.items() if k.startswith("/img/")}
    s2 = build_dataset(["flickr:old town"], out, size=128, min_side=64, options=opts(server))
    assert s2.kept == 0 and s2.skipped_done == 5
    assert {k: v for k, v in Handler.calls.items() if k.startswith("/img/")} == before


def test_flickr_bad_key_is_a_clear_error(server, tmp_path):
    o = opts(server)
    o.flickr_key = "wrong"
    s = build_dataset(["flickr:x"], tmp_path / "ds", options=o)
    assert s.kept == 0 and any("Invalid API Key" in e for e in s.errors)


def test_url_list_with_retry_content_type_and_404(server, tmp_path):
    lst = tmp_path / "urls.txt"
    lst.write_text(f"# my photos\n{server}/img/p1.jpg\n{server}/flaky.jpg\n{server}/page.html\n{server}/gone.jpg\n")
    s = build_dataset([str(lst)], tmp_path / "ds", size=128, min_side=64, options=opts(server))
    rows = [json.loads(x) for x in (tmp_path / "ds" / "manifest.jsonl").read_text().splitlines()]
    status = {r["url"].rsplit("/", 1)[1]: r.get("dropped") for r in rows}
    assert status == {"p1.jpg": None, "flaky.jpg": None, "page.html": "unreadable", "gone.jpg": "unreadable"}
    assert Handler.calls["/flaky.jpg"] == 2  # retried after the 503
    assert s.kept == 2


def test_fetch_caps_size_and_refuses_other_schemes(server):
    with pytest.raises(FetchError, match="cap"):
        fetch(f"{server}/img/p1.jpg", max_bytes=100)
    with pytest.raises(FetchError, match="http"):
        fetch("file:///etc/passwd")
