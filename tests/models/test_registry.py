import json

import pytest
import torch
import torch.nn.functional as F

from chromalab.models.io import load_model, save_model
from chromalab.models.registry import (
    apply_overrides,
    build,
    config_from_dict,
    config_to_dict,
    get_config,
    names,
    register,
)

TINY = {"width": 4, "depth": 2}


def tiny_config(name):
    """Each family declares what 'tiny' means for it through its config's ``tiny()`` (or width/depth)."""
    cfg = get_config(name)
    return cfg.tiny() if hasattr(cfg, "tiny") else apply_overrides(cfg, TINY)


def test_seed_autoencoders_are_registered():
    assert {"ae-unet-learned", "ae-unet-interp", "ae-plain-learned", "ae-plain-interp"} <= set(names("ae"))


@pytest.mark.parametrize("name", names())
def test_every_variant_builds_runs_and_learns(name):
    if not getattr(get_config(name), "colorizer", True):  # feature networks: tests/reference/test_features.py
        pytest.skip(f"{name} is not an L → ab colorizer (family {get_config(name).family!r})")
    torch.manual_seed(0)
    model = tiny_config(name).build()
    x = torch.rand(2, 1, 36, 44) * 2 - 1  # not a multiple of the model's stride on purpose
    target = torch.tanh(torch.randn(2, 2, 36, 44))
    out = model(x)
    assert out.shape == (2, 2, 36, 44)
    assert out.min() >= -1 and out.max() <= 1
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):
        loss = F.l1_loss(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_config_round_trips_through_json():
    cfg = get_config("ae-plain-interp", width=8)
    again = config_from_dict(json.loads(json.dumps(config_to_dict(cfg))))
    assert again == cfg


def test_string_overrides_are_coerced_and_unknown_fields_refused():
    cfg = apply_overrides(get_config("ae-unet-learned"), {"width": "8", "skips": "false"})
    assert cfg.width == 8 and cfg.skips is False
    with pytest.raises(KeyError, match="no field"):
        apply_overrides(cfg, {"colour": "1"})
    with pytest.raises(KeyError, match="unknown model variant"):
        build("ae-nope")


def test_names_are_declared_once():
    with pytest.raises(ValueError, match="already registered"):
        register("ae-unet-learned", get_config("ae-unet-learned"))


def test_skips_and_upsampling_change_the_architecture():
    kinds = {name: type(m).__name__ for name, m in
             ((n, build(n, **TINY).up[0].up) for n in ("ae-unet-learned", "ae-unet-interp"))}
    assert kinds == {"ae-unet-learned": "ConvTranspose2d", "ae-unet-interp": "Sequential"}
    assert build("ae-unet-learned", **TINY).fuse[0][0].in_channels == 2 * build(
        "ae-plain-learned", **TINY).fuse[0][0].in_channels


def test_save_and_load_rebuild_from_config_alone(tmp_path):
    cfg = get_config("ae-unet-interp", **TINY)
    model = cfg.build().eval()
    save_model(model, cfg, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    again, meta = load_model(tmp_path)
    x = torch.rand(1, 1, 16, 16)
    assert torch.equal(model(x), again(x))
    assert meta["model"]["kind"] == "AutoencoderConfig"
