"""Fitting the ``--model auto`` router on example portraits and landscapes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from chromalab.core import lab
from chromalab.models.io import save_model
from chromalab.models.router import PortraitRouterConfig, router_input


def fit_router(portraits: Sequence[np.ndarray], landscapes: Sequence[np.ndarray], out: str | os.PathLike,
               pretrained: bool = True, weight_decay: float = 1e-2, steps: int = 200) -> Path:
    """Fit a ``PortraitRouter`` on example photos (``(H, W, 3)`` float RGB in [0, 1]) and save it to ``out``.

    Logistic regression (full-batch L-BFGS) on standardised features of the frozen encoder.
    """
    cfg = PortraitRouterConfig(pretrained=pretrained)
    router = cfg.build()
    feats, labels = [], []
    for label, photos in ((1.0, portraits), (0.0, landscapes)):
        for rgb in photos:
            L = lab.grey_l(lab.image_to_tensor(rgb))
            feats.append(router.features(router_input(L)))
            labels.append(label)
    if not portraits or not landscapes:
        raise ValueError("fitting a router needs portrait and landscape examples")
    x = torch.cat(feats)
    y = torch.tensor(labels)
    router.mean.copy_(x.mean(0))
    router.std.copy_(x.std(0).clamp_min(1e-4) if len(x) > 1 else torch.ones(x.shape[1]))
    x = (x - router.mean) / router.std
    opt = torch.optim.LBFGS(router.linear.parameters(), lr=0.5, max_iter=steps)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(router.linear(x)[:, 0], y)
        loss = loss + weight_decay * router.linear.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return save_model(router, cfg, out, extra={"router": {"portraits": len(portraits),
                                                          "landscapes": len(landscapes)}},
                      dtype=torch.float16)
