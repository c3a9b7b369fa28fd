import pytest
import torch
from safetensors.torch import load_file

from chromalab.models.registry import get_config
from chromalab.training.module import chroma_gap_loss, colorization_loss


def test_chroma_gap_matches_a_per_pixel_loop():
    torch.manual_seed(0)
    pred, true = torch.rand(3, 2, 4, 5) * 2 - 1, torch.rand(3, 2, 4, 5) * 2 - 1
    gaps = []
    for p, t in zip(pred, true, strict=True):
        cp = sum(float((p[0, y, x] ** 2 + p[1, y, x] ** 2) ** 0.5) for y in range(4) for x in range(5)) / 20
        ct = sum(float((t[0, y, x] ** 2 + t[1, y, x] ** 2) ** 0.5) for y in range(4) for x in range(5)) / 20
        gaps.append(abs(cp - ct))
    assert float(chroma_gap_loss(pred, true)) == pytest.approx(sum(gaps) / 3, abs=1e-4)


def test_chroma_term_pushes_a_grey_prediction_towards_colour():
    true = torch.full((1, 2, 8, 8), 0.3)
    grads = {}
    for w in (0.0, 2.0):
        pred = torch.full((1, 2, 8, 8), 0.05, requires_grad=True)  # (at exactly 0 chroma has no gradient)
        parts = colorization_loss(pred, true, chroma_weight=w)
        parts["loss"].backward()
        grads[w] = pred.grad
        if w == 0.0:
            assert torch.equal(parts["loss"], parts["l1"])
    # descent increases a and b towards the colourful truth, harder with the chroma term
    assert (grads[2.0] < grads[0.0]).all() and (grads[0.0] < 0).all()


def test_frozen_encoder_does_not_change_during_warm_up(photo_dir, tmp_path):
    import lightning as L

    from chromalab.training.train import train

    overrides = {"pretrained": "false", "decoder": "8,8,8,8,4"}
    out = train("unet-effnet-lite0", photo_dir, tmp_path / "run", size=32, batch=4, epochs=1,
                overrides={**overrides, "frozen_encoder_epochs": "1"}, progress=False, limit_train_batches=2)
    L.seed_everything(0, verbose=False)  # train() builds the model right after seeding with seed 0
    from chromalab.models.registry import apply_overrides
    init = apply_overrides(get_config("unet-effnet-lite0"), overrides).build().state_dict()
    trained = load_file(str(out / "last.safetensors"))
    enc = [k for k in trained if k.startswith("encoder.")]
    dec = [k for k in trained if k.startswith("decoders.0.fuse.") and k.endswith("weight")]
    assert enc and all(torch.equal(trained[k], init[k]) for k in enc)
    assert any(not torch.equal(trained[k], init[k]) for k in dec)
