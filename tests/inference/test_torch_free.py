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
