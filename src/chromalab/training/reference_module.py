"""Lightning module for reference-guided colorizers, trained from colour photos only.

Each training photo is its own reference, distorted and colour-jittered (``augment.make_reference``);
a fraction ``p_unrelated`` of the batch instead gets another photo of the batch as reference, so the
network learns to fall back on its own guess where the similarity is low. Loss: L1 on network ab.
Validation uses fixed references (seeded by batch index) and logs ``val/mae`` like every colorizer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from chromalab.core import rundir
from chromalab.ops.distort import make_reference
from chromalab.training.module import ColorizationModule, log_validation


def load_feature_weights(net: torch.nn.Module, run_dir: str) -> None:
    """Load a similarity run's ``model.safetensors`` into ``net.features`` (classifier head included)."""
    from pathlib import Path

    path = Path(run_dir) / rundir.WEIGHTS
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir}: no model.safetensors (train it with `chromalab similarity train`)")
    net.features.load_state_dict({k: v.float() for k, v in load_file(str(path)).items()})


class ReferenceModule(ColorizationModule):
    """Trains a ``ReferenceGuidedNet``: the photo is its own (distorted) reference; L1 on network ab."""

    def build_net(self) -> torch.nn.Module:
        net = self.config.build()
        if self.recipe.features_weights:
            load_feature_weights(net, self.recipe.features_weights)
        return net

    def references(self, l_norm: torch.Tensor, ab: torch.Tensor, gen: torch.Generator, p_unrelated: float
                   ) -> tuple[torch.Tensor, torch.Tensor]:
        ref_l, ref_ab = make_reference(l_norm, ab, self.recipe.distort, gen)
        if p_unrelated > 0 and len(l_norm) > 1:
            swap = (torch.rand(len(l_norm), generator=gen, device=l_norm.device) < p_unrelated).view(-1, 1, 1, 1)
            ref_l = torch.where(swap, ref_l.roll(1, 0), ref_l)
            ref_ab = torch.where(swap, ref_ab.roll(1, 0), ref_ab)
        return ref_l, ref_ab

    def forward(self, l_norm: torch.Tensor, ref_l: torch.Tensor | None = None, ref_ab: torch.Tensor | None = None):
        return self.net(l_norm, ref_l, ref_ab)

    def training_step(self, batch, batch_idx):
        l_norm, ab = batch
        gen = torch.Generator(device=l_norm.device).manual_seed(int(torch.randint(0, 2**31, (1,))))
        ref_l, ref_ab = self.references(l_norm, ab, gen, self.recipe.p_unrelated)
        guide = self.net.guide(l_norm.float(), ref_l.float(), ref_ab.float(), seed=batch_idx)
        loss = F.l1_loss(self.net(l_norm, guide=guide).float(), ab)
        self.log("train/loss", loss, prog_bar=True, on_step=True, on_epoch=True, batch_size=len(l_norm))
        return loss

    def validation_step(self, batch, batch_idx):
        l_norm, ab = batch
        gen = torch.Generator(device=l_norm.device).manual_seed(1000 + batch_idx)
        ref_l, ref_ab = self.references(l_norm, ab, gen, 0.0)
        log_validation(self, batch, self.net(l_norm, ref_l, ref_ab).float())
