"""``POST /api/colorize`` with the shipped default on both runtimes: any image of at least 1x1 pixels comes back
at its own size; odd files give an image or a 4xx JSON answer, never a 5xx; an unexpected error is a JSON 500
naming a request id that the log has too. One-frame and 16x16 videos colorize."""

import io
import logging

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from scripts.odd_inputs import make_odd_folder

from chromalab.web import WebSettings, create_app
from tests.videos import make_video
from tests.web.conftest import png_bytes

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module", params=["onnx", "torch"])
def default_client(request):
    with TestClient(create_app(WebSettings(runtime=request.param)), raise_server_exceptions=False) as c:
        yield c


def post(client, data: bytes, name: str = "x.png"):
    return client.post("/api/colorize", files={"image": (name, data, "application/octet-stream")})


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(size=st.one_of(st.tuples(st.integers(1, 200), st.integers(1, 200)),
                      st.tuples(st.integers(1, 3), st.integers(300, 4000)),
                      st.tuples(st.integers(300, 4000), st.integers(1, 3))))
@example(size=(1, 1))
@example(size=(16, 16))
@example(size=(8, 4000))
def test_any_size_comes_back_at_its_own_size(default_client, size):
    h, w = size
    res = post(default_client, png_bytes(np.random.default_rng(0).integers(0, 256, (h, w), dtype=np.uint8)))
    assert res.status_code == 200, res.text
    assert Image.open(io.BytesIO(res.content)).size == (w, h)


@pytest.fixture(scope="module")
def odd_folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("odd")
    return d, make_odd_folder(d, videos=False)


def test_odd_files_give_an_image_or_a_4xx_json_answer(default_client, odd_folder):
    d, expected = odd_folder
    for name, kind in expected.items():
        res = post(default_client, (d / name).read_bytes(), name)
        if kind == "image":
            assert res.status_code == 200, (name, res.text)
            with Image.open(d / name) as src:
                assert Image.open(io.BytesIO(res.content)).size == src.size, name
        else:
            assert res.status_code == 415 and res.headers["content-type"] == "application/json", (name, res.text)


def test_unexpected_error_is_a_json_500_with_a_request_id_in_the_log(default_client, monkeypatch, caplog):
    from chromalab.inference import colorizer

    def explode(*a, **k):
        raise ZeroDivisionError("surprise")

    monkeypatch.setattr(colorizer.Colorizer, "colorize", explode)
    with caplog.at_level(logging.ERROR, logger="chromalab.web.errors"):
        res = post(default_client, png_bytes(np.full((9, 9), 100, np.uint8)))
    assert res.status_code == 500 and res.headers["content-type"] == "application/json"
    rid = res.headers["x-request-id"]
    assert rid in res.json()["detail"] and "surprise" not in res.text and "Traceback" not in res.text
    assert "content-security-policy" in res.headers
    assert f"request {rid}" in caplog.text and "ZeroDivisionError" in caplog.text


@pytest.mark.parametrize("frames,size", [(1, (48, 32)), (4, (16, 16))])
def test_one_frame_and_tiny_videos_colorize(default_client, tmp_path, frames, size):
    src = make_video(tmp_path / "clip.mp4", frames=frames, size=size)
    res = default_client.post("/api/colorize-video", files={"video": ("clip.mp4", src.read_bytes(), "video/mp4")})
    assert res.status_code == 200, res.text
    out = tmp_path / "out.mp4"
    out.write_bytes(res.content)
    import av

    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == frames and c.streams.video[0].width == size[0]
