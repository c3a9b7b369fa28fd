"""Inference settings (flip averaging, chroma scale, work size) live outside the model and act on any model."""

import json

import pytest
import torch

from chromalab.core import lab
from chromalab.inference.colorizer import Colorizer
from chromalab.inference.load import load_colorizer
from chromalab.inference.settings import InferenceSettings
from chromalab.models.io import read_meta, save_model
from chromalab.models.registry import get_config


def _L(*shape):
    return lab.denormalize_l(torch.rand(*shape) * 2 - 1)


def test_flip_average_makes_inference_mirror_symmetric():
    torch.manual_seed(0)
    net = get_config("unet-effnet-lite0").tiny().build().eval()
    plain = Colorizer(net)
    averaged = Colorizer(net, InferenceSettings(flip_average=True))
    L = _L(1, 1, 32, 48)
    assert not torch.allclose(plain.predict_ab(L.flip(-1)), plain.predict_ab(L).flip(-1), atol=1e-2)
    assert torch.allclose(averaged.predict_ab(L.flip(-1)), averaged.predict_ab(L).flip(-1), atol=1e-3)
    assert torch.allclose(averaged.predict_ab(L), (plain.predict_ab(L) + plain.predict_ab(L.flip(-1)).flip(-1)) / 2,
                          atol=1e-4)


def test_chroma_scale_mutes_inference_only():
    torch.manual_seed(0)
    net = get_config("unet-effnet-lite0").tiny().build().eval()
    L = _L(2, 1, 32, 32)
    plain, muted = Colorizer(net), Colorizer(net, InferenceSettings(chroma_scale=0.5))
    assert torch.allclose(muted.predict_ab(L), 0.5 * plain.predict_ab(L), atol=1e-4)
    # the model itself (what training sees) is unscaled
    with torch.no_grad():
        assert torch.allclose(net(lab.normalize_l(L)), lab.normalize_ab(plain.predict_ab(L)), atol=1e-5)


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
