"""Inference settings (flip averaging, chroma scale, work size) live outside the model and act on any model."""

import dataclasses
import json

import pytest
import torch

from chromalab.core import lab
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.load import load_colorizer
from chromalab.inference.settings import InferenceSettings
from chromalab.models.io import read_meta, save_model
from chromalab.models.registry import get_config


def ab(col, L):
    """``col.predict`` on a torch tensor, as a tensor."""
    return torch.from_numpy(col.predict(L.numpy()))


def _L(*shape):
    return lab.denormalize_l(torch.rand(*shape) * 2 - 1)


def test_flip_average_makes_inference_mirror_symmetric():
    torch.manual_seed(0)
    net = get_config("unet-effnet-lite0").tiny().build().eval()
    plain = Colorizer(net)
    averaged = Colorizer(net, InferenceSettings(flip_average=True))
    L = _L(1, 1, 32, 48)
    assert not torch.allclose(ab(plain, L.flip(-1)), ab(plain, L).flip(-1), atol=1e-2)
    assert torch.allclose(ab(averaged, L.flip(-1)), ab(averaged, L).flip(-1), atol=1e-3)
    assert torch.allclose(ab(averaged, L), (ab(plain, L) + ab(plain, L.flip(-1)).flip(-1)) / 2,
                          atol=1e-4)


def test_chroma_scale_mutes_inference_only():
    torch.manual_seed(0)
    net = get_config("unet-effnet-lite0").tiny().build().eval()
    L = _L(2, 1, 32, 32)
    plain, muted = Colorizer(net), Colorizer(net, InferenceSettings(chroma_scale=0.5))
    assert torch.allclose(ab(muted, L), 0.5 * ab(plain, L), atol=1e-4)
    # the model itself (what training sees) is unscaled
    with torch.no_grad():
        assert torch.allclose(net(lab.normalize_l(L)), lab.normalize_ab(ab(plain, L)), atol=1e-5)


def test_settings_come_from_the_inference_section_and_work_size_overrides(tmp_path):
    cfg = get_config("ae-unet-learned", width=4, depth=2)
    save_model(cfg.build(), cfg, tmp_path, extra={"inference": {"work_size": 96, "flip_average": True,
                                                                "chroma_scale": 0.8, "chroma_scale_fit": {}}})
    col = load_colorizer(tmp_path)
    assert col.settings == InferenceSettings(work_size=96, flip_average=True, chroma_scale=0.8)
    assert load_colorizer(tmp_path, work_size=64).settings.work_size == 64
    with pytest.raises(ValueError):
        InferenceSettings(work_size=0)


def test_legacy_model_folder_with_settings_in_the_model_config_loads(tmp_path):
    """A model folder as written before inference settings had their own section (today's shipped layout)."""
    cfg = get_config("unet-effnet-lite0").tiny()
    save_model(cfg.build(), cfg, tmp_path, extra={"inference": {"work_size": 64}})
    data = json.loads((tmp_path / "config.json").read_text())
    data["model"].update(flip_average=True, chroma_scale=0.9)
    (tmp_path / "config.json").write_text(json.dumps(data))
    meta = read_meta(tmp_path)
    assert "flip_average" not in meta["model"] and meta["inference"]["chroma_scale"] == 0.9
    col = load_colorizer(tmp_path)
    assert col.settings == InferenceSettings(work_size=64, flip_average=True, chroma_scale=0.9)


def _bins_folder(tmp_path, temperature=None):
    """A tiny ab-bins model saved as a run folder (random weights, logits made peaked so T matters)."""
    torch.manual_seed(0)
    cfg = dataclasses.replace(get_config("unet-effnet-lite0-global"), decoders=3, ab_bins=10.0).tiny()
    net = cfg.build().eval()
    with torch.no_grad():
        for dec in net.decoders:
            dec.head.weight.mul_(20)
    inference = {"work_size": 64} if temperature is None else {"work_size": 64, "temperature": temperature}
    save_model(net, cfg, tmp_path / "run", extra={"inference": inference})
    return tmp_path / "run"


def test_temperature_is_a_runtime_setting_of_ab_bins_models(tmp_path):
    col = load_colorizer(_bins_folder(tmp_path), runtime="torch")
    assert col.settings.temperature == pytest.approx(0.38)
    L = _L(1, 1, 32, 40)
    bold, mean = ab(col.with_settings(temperature=0.1), L), ab(col.with_settings(temperature=1.0), L)
    assert not torch.allclose(bold, mean, atol=0.5)
    assert lab.chroma(bold).mean() > lab.chroma(mean).mean()  # nearer the mode: bolder
    # the colorizer that set 0.1 gets 0.1 again after another one ran the shared network at 1.0; the shared
    # network itself is never written to
    assert col.model.temperature == pytest.approx(0.38)
    assert torch.allclose(ab(col.with_settings(temperature=0.1), L), bold, atol=1e-5)
    with pytest.raises(ValueError, match="temperature"):
        InferenceSettings(temperature=0)


def test_onnx_file_bakes_the_exported_temperature(tmp_path):
    from chromalab.models.io import export_model

    dest = export_model(_bins_folder(tmp_path), tmp_path / "m", half=False, inference={"temperature": 0.2})
    assert read_meta(dest)["inference"]["temperature"] == 0.2
    L = _L(1, 1, 32, 40)
    onnx_col, torch_col = load_colorizer(dest, runtime="onnx"), load_colorizer(dest, runtime="torch")
    assert onnx_col.runtime == "onnx" and onnx_col.settings.temperature == 0.2
    assert torch.allclose(ab(onnx_col, L), ab(torch_col, L), atol=0.05)
    with pytest.raises(ValueError, match="runtime torch"):
        ab(onnx_col.with_settings(temperature=0.5), L)


def test_a_run_without_a_recorded_work_size_gets_twice_its_crops():
    from chromalab.inference.settings import DEFAULT_WORK_SIZE, trained_work_size

    assert InferenceSettings.from_meta({"training": {"size": 128}}).work_size == trained_work_size(128) == 256
    assert InferenceSettings.from_meta({"training": {"size": 384}}).work_size == 768
    assert InferenceSettings.from_meta({"training": {"size": 384}, "inference": {"work_size": 96}}).work_size == 96
    assert InferenceSettings.from_meta({}).work_size == DEFAULT_WORK_SIZE
