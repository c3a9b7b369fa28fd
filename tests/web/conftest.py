import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from chromalab.web import WebSettings, create_app
from tests.conftest import sample_rgb


def png_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def grey_png() -> bytes:
    return png_bytes(np.asarray(Image.fromarray(sample_rgb("astronaut", 96)).convert("L")))


@pytest.fixture
def settings(tiny_run, tmp_path_factory):
    runs = tmp_path_factory.mktemp("served")
    return WebSettings(runs_dir=runs, extra_models={"tiny": tiny_run}, max_upload_bytes=200_000,
                       max_pixels=500_000)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c
