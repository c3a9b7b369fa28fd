"""Every path that needs a missing extra says so in one line naming it (no traceback), run in a fresh interpreter
where the extra's modules cannot be imported; the rest of a batch still runs and the summary is printed."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.videos import make_video

BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"{{name}} is blocked in this test")
sys.meta_path.insert(0, Block())
from chromalab.cli import main
sys.argv = ["chromalab", *{argv!r}]
main()
"""
TORCH = ("torch", "kornia", "lightning", "torchvision", "safetensors")
VIDEO = ("av", "cv2")


def chromalab(argv: list[str], blocked: tuple[str, ...], env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    code = BLOCK.format(blocked=blocked, argv=[str(a) for a in argv])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def errors(r: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in r.stderr and "blocked" not in r.stderr, r.stderr[-3000:]
    return [line for line in r.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "old.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 50), dtype=np.uint8), "L").save(path)
    return path


def test_videos_without_the_video_extra_fail_in_one_line_and_photos_go_on(tmp_path, photo):
    clip = make_video(tmp_path / "clip.mp4", frames=3, audio=False)
    out = tmp_path / "out"
    r = chromalab(["colorize", clip, photo, "--out", out], VIDEO)
    assert r.returncode == 1
    (line,) = [x for x in r.stderr.splitlines() if "failed:" in x and "clip.mp4" in x]  # the batch's line
    assert "pip install 'chromalab[video]'" in line and "av" in line
    assert "Traceback" not in r.stderr
    assert "1 colorized" in r.stderr and "1 failed" in r.stderr  # the summary counts the video
    assert sorted(p.name for p in out.iterdir()) == ["old_color.png"]


def test_model_auto_without_torch_names_the_extra(tmp_path, photo):
    models = tmp_path / "models"
    for name in ("portrait", "landscape"):
        (models / name).mkdir(parents=True)
        (models / name / "config.json").write_text(json.dumps({"model": {}}))
    r = chromalab(["colorize", photo, "--model", "auto", "--out", tmp_path / "out"], TORCH,
                  env={"CHROMALAB_MODELS": str(models)})
    assert r.returncode == 1
    (line,) = errors(r)
    assert "--model auto" in line and "pip install 'chromalab[torch]'" in line


def test_model_auto_without_routes_falls_back_on_the_default_without_torch(tmp_path, photo):
    r = chromalab(["colorize", photo, "--model", "auto", "--out", tmp_path / "out"], TORCH)
    assert r.returncode == 0 and errors(r) == []
    assert "using the default model" in r.stderr and (tmp_path / "out" / "old_color.png").is_file()


def test_reference_without_torch_names_the_extra(tmp_path, photo):
    ref = tmp_path / "ref.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(ref)
    r = chromalab(["colorize", photo, "--reference", ref, "--out", tmp_path / "out"], TORCH)
    assert r.returncode == 1
    (line,) = errors(r)
    assert "--reference" in line and "pip install 'chromalab[torch]'" in line


@pytest.mark.parametrize("argv, extra", [(["evaluate", "default", "--data", "photos"], "train"),
                                         (["serve"], "web"), (["train", "--out", "x"], "train")])
def test_commands_without_their_extra_say_it_in_one_line(argv, extra):
    r = chromalab(argv, TORCH + ("fastapi",))
    assert r.returncode == 1
    (line,) = errors(r)
    assert f"pip install 'chromalab[{extra}]'" in line
