"""Colorizing photos with the shipped default needs neither torch nor kornia (ONNX Runtime + NumPy + Pillow):
run in a fresh interpreter where importing either fails, through the Python API and through the CLI."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("onnxruntime")

BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "kornia", "lightning", "torchvision"):
            raise ImportError(f"{name} is blocked in this test")
sys.meta_path.insert(0, Block())
"""


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True, timeout=300)


def test_python_api_colorizes_without_torch():
    r = run("""
import numpy as np
from chromalab import Colorizer
col = Colorizer.load()
grey = (np.add.outer(np.arange(90), np.arange(130)) % 256).astype(np.uint8)
out = col.colorize(grey)
assert out.shape == (90, 130, 3) and out.dtype == np.uint8, (out.shape, out.dtype)
assert col.runtime == "onnx"
print("ok", "torch" in sys.modules)
""")
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["ok", "False"]


def test_cli_colorizes_a_folder_without_torch(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (60, 80), dtype=np.uint8), "L").save(src / "a.png")
    Image.fromarray(rng.integers(0, 256, (50, 40, 3), dtype=np.uint8)).save(src / "b.jpg")
    (src / "notes.txt").write_text("not a photo")
    out = tmp_path / "out"
    r = run(f"""
from chromalab.cli import main
sys.argv = ["chromalab", "colorize", {str(src)!r}, "--out", {str(out)!r}]
main()
""")
    assert r.returncode in (0, 1), r.stderr[-2000:]  # 1: the text file is reported as not an image
    assert "blocked" not in r.stderr, r.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["a_color.png", "b_color.jpg"]
    assert Image.open(out / "a_color.png").size == (80, 60)


def test_a_torch_model_names_the_extra_when_torch_is_missing(tmp_path):
    folder = Path(__file__).parents[2] / "src" / "chromalab" / "weights" / "default"
    r = run(f"""
from chromalab import Colorizer
try:
    Colorizer.load({str(folder)!r}, runtime="torch")
except ImportError as e:
    print(e)
""")
    assert "pip install 'chromalab[torch]'" in r.stdout, r.stdout + r.stderr[-2000:]


def test_cli_colorizes_a_video_without_torch(tmp_path):
    pytest.importorskip("av")
    from tests.videos import make_video, probe

    src = make_video(tmp_path / "clip.mp4", frames=6, size=(48, 32))
    out = tmp_path / "out"
    r = run(f"""
from chromalab.cli import main
sys.argv = ["chromalab", "colorize", {str(src)!r}, "--out", {str(out)!r}, "--saturation", "1.5"]
try:
    main()
except SystemExit as e:
    print("exit", e.code, "torch" in sys.modules)
""")
    assert r.stdout.split() == ["exit", "0", "False"], r.stdout + r.stderr[-2000:]
    got = probe(out / "clip_color.mp4")
    assert got["frames"] == 6 and got["size"] == (48, 32)
    assert np.abs(got["first"].astype(int) - got["first"].mean(2, keepdims=True)).mean() > 1  # it has colour


def test_web_app_serves_the_page_and_colorizes_without_torch():
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    r = run("""
import io
import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from chromalab.web import create_app
client = TestClient(create_app())
assert client.get("/").status_code == 200
assert client.get("/health").status_code == 200
assert client.get("/api/runs").status_code == 200
names = [m["name"] for m in client.get("/api/models").json()]
assert "default" in names, names
buf = io.BytesIO()
Image.fromarray((np.add.outer(np.arange(40), np.arange(56)) % 256).astype(np.uint8), "L").save(buf, "PNG")
resp = client.post("/api/colorize", files={"image": ("g.png", buf.getvalue(), "image/png")},
                   data={"saturation": "1.2"})
assert resp.status_code == 200, resp.text
out = np.asarray(Image.open(io.BytesIO(resp.content)))
assert out.shape == (40, 56, 3)
resp = client.post("/api/postprocess", files={"image": ("c.png", resp.content, "image/png")},
                   data={"saturation": "0"})
assert resp.status_code == 200, resp.text
grey = np.asarray(Image.open(io.BytesIO(resp.content))).astype(int)
assert np.abs(grey - grey.mean(2, keepdims=True)).max() <= 1  # saturation 0: grey
if "reference" in names:  # a PyTorch-only model: one line naming the extra
    buf.seek(0)
    resp = client.post("/api/colorize", files={"image": ("g.png", buf.getvalue(), "image/png")},
                       data={"model": "reference"})
    assert resp.status_code == 501 and "chromalab[torch]" in resp.json()["detail"], resp.text
print("ok", "torch" in sys.modules)
""")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["ok", "False"], r.stdout + r.stderr[-2000:]
