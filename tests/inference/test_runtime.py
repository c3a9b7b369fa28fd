"""ONNX Runtime and PyTorch run the same network: their colours agree on any size and aspect ratio."""

import numpy as np
import pytest

from chromalab.core import lab
from chromalab.evaluation.metrics import delta_e2000
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.runtime import ONNX, TORCH, choose_runtime
from chromalab.models.io import ONNX_NAME, export_model
from tests.conftest import sample_rgb

pytest.importorskip("onnxruntime")

SIZES = [(40, 40), (64, 100), (120, 50), (97, 203), (33, 18)]


@pytest.fixture(scope="module")
def exported(tiny_run, tmp_path_factory):
    return export_model(tiny_run, tmp_path_factory.mktemp("exported") / "tiny")


def grey(h: int, w: int) -> np.ndarray:
    img = sample_rgb("chelsea", max(h, w) + 8)[:h, :w]
    img = np.asarray(np.resize(img, (h, w, 3)), dtype=np.float32) / 255.0  # np.resize: any aspect ratio
    return np.repeat(img.mean(2, keepdims=True), 3, 2)


def test_export_writes_onnx_with_dynamic_axes(exported):
    import onnx

    m = onnx.load(str(exported / ONNX_NAME))
    assert m.opset_import[0].version >= 17
    dims = [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["batch", 1, "height", "width"]


def test_torch_and_onnx_runtime_agree(exported):
    cols = {rt: Colorizer.load(exported, work_size=48, runtime=rt) for rt in (TORCH, ONNX)}
    assert cols[TORCH].runtime == TORCH and cols[ONNX].runtime == ONNX and cols[ONNX].model is None
    for h, w in SIZES:
        img = grey(h, w)
        L = lab.grey_l(lab.image_to_tensor(img)).numpy()
        ab = {rt: c.predict(L) for rt, c in cols.items()}  # the network at the photo's size, settings applied
        assert ab[ONNX].shape == (1, 2, h, w)
        assert float(np.abs(ab[TORCH] - ab[ONNX]).max()) < 0.05  # Lab units
        out = {rt: c.colorize(img) for rt, c in cols.items()}
        assert delta_e2000(out[ONNX], out[TORCH]) < 0.5


def test_onnx_batch_matches_single(exported):
    from chromalab.inference.runtime import OnnxRunner

    run = OnnxRunner(exported / ONNX_NAME)
    x = np.random.default_rng(0).random((3, 1, 36, 52), dtype=np.float32) * 2 - 1
    both = run(x)
    assert both.shape == (3, 2, 36, 52) and both.dtype == np.float32
    np.testing.assert_allclose(both[1:2], run(x[1:2]), atol=1e-5)


def test_shipped_default_agrees_across_runtimes():
    cols = {rt: Colorizer.load(work_size=64, runtime=rt) for rt in (TORCH, ONNX)}
    img = grey(72, 130)
    out = {rt: c.colorize(img) for rt, c in cols.items()}
    assert delta_e2000(out[ONNX], out[TORCH]) < 0.5


def test_shipped_default_uses_onnx_runtime_by_default():
    assert Colorizer.load(work_size=64).runtime == ONNX


def test_runtime_choice(tiny_run, exported):
    assert choose_runtime(None, tiny_run) == TORCH  # a run folder has no model.onnx
    assert choose_runtime("auto", exported) == ONNX
    assert choose_runtime("torch", exported) == TORCH
    assert choose_runtime("auto", exported, default_weights=False) == TORCH
    with pytest.raises(ValueError, match="no model.onnx"):
        choose_runtime("onnx", tiny_run)
    with pytest.raises(ValueError, match="reference photo"):
        choose_runtime("onnx", exported, exportable=False)
    with pytest.raises(ValueError, match="runtime must be one of"):
        choose_runtime("tensorrt", exported)
