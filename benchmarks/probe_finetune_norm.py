"""Batch norm while fine-tuning on one scene: batch statistics (train mode) or the source's (eval mode)?

    .venv/bin/python benchmarks/probe_finetune_norm.py {trainbn,evalbn} [LR] [STEPS]

The first half of bikes.mp4's frames (every 5th, as `bench_finetune.py --kind bikes.mp4` makes them), held out
as `chromalab finetune` holds out; the shipped default's decoders take STEPS AdamW steps of 16 crops of 128 px
(bf16 autocast, encoder frozen, plain L1) and the held-out MAE on 128 px centre crops is printed after each.
Measured once (docs/finetune.md; by this logic in a scratch copy of the script, before it was tidied into
this file): trainbn 0.0299 → 0.0296, 0.0297, 0.0297, 0.0303, 0.0309, 0.0323 (stopped after 6 steps);
evalbn 0.0299 → 0.0295, 0.0283, 0.0269, 0.0262, 0.0260, 0.0263, 0.0266, 0.0268.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_finetune import video_frames  # noqa: E402
from sidebyside import SHARED_DATA  # noqa: E402


def main() -> None:
    from chromalab.core import lab
    from chromalab.data.folder import ImageFolder
    from chromalab.data.splits import held_out
    from chromalab.inference.store import resolve_model_dir
    from chromalab.models.io import read_meta
    from chromalab.models.registry import apply_overrides, get_config
    from chromalab.runs.finetune import finetune_recipe, scan_photos
    from chromalab.training.train import make_module

    mode = sys.argv[1]
    lr = float(sys.argv[2]) if len(sys.argv) > 2 else 2e-4
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    torch.manual_seed(0)
    root = Path(tempfile.mkdtemp(prefix="probe-norm-"))
    frames = video_frames(SHARED_DATA / "videos" / "bikes.mp4", root / "all")
    data = root / "tune"
    data.mkdir()
    for f in frames[:len(frames) // 2]:
        f.rename(data / f.name)
    src = resolve_model_dir("default")
    rec = finetune_recipe(read_meta(src), src)
    held, _ = held_out(scan_photos(data)[0])
    train = ImageFolder(data, "train", size=128, keep=lambda d: d not in held)
    val = ImageFolder(data, "val", size=128, keep=lambda d: d in held)
    vl = torch.stack([val[i][0] for i in range(len(val))])
    vab = torch.stack([val[i][1] for i in range(len(val))])
    truth = lab.lab_to_rgb(torch.cat([lab.denormalize_l(vl), lab.denormalize_ab(vab)], 1))

    def held_mae(net) -> float:
        net.eval()
        with torch.no_grad():
            return float((lab.network_to_rgb(vl, net(vl).float()) - truth).abs().mean())

    net = make_module(apply_overrides(get_config(rec.variant), dict(rec.model)), rec.replace(lr=lr)).net
    for p in net.encoder.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=lr, betas=rec.betas,
                            weight_decay=0)
    print(f"{mode} lr {lr}: {len(train)} training frames, {len(val)} held out; before {held_mae(net):.5f}")
    g = torch.Generator().manual_seed(0)
    for s in range(steps):
        net.train()
        net.encoder.eval()
        if mode == "evalbn":
            for m in net.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.eval()
        items = [train[int(i)] for i in torch.randperm(len(train), generator=g)[:16]]
        l_norm, ab = torch.stack([x[0] for x in items]), torch.stack([x[1] for x in items])
        with torch.autocast("cpu", dtype=torch.bfloat16):
            preds = net.forward_each(l_norm)
            loss = sum(torch.nn.functional.l1_loss(p.float(), ab) for p in preds) / len(preds)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {s + 1}: training L1 {float(loss):.4f}, held-out MAE {held_mae(net):.5f}", flush=True)


if __name__ == "__main__":
    main()
