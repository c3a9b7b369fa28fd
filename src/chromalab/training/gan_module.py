"""The Lightning module for the conditional GANs: an explicit D step and G step per batch (manual optimisation).

D step: ``BCE(D(L, ab_true), 1) + BCE(D(L, G(L)), 0)`` (halved), only D's optimiser steps.
G step: ``w_adv * BCE(D(L, G(L)), 1) + w_l1 * L1(G(L), ab_true)`` with the recipe's weights;
only G's optimiser steps (D's parameters are frozen during it). ``.net`` is the generator: it is what the run
folder saves and what validation (``val/mae``) measures.

A generator with a decoder ensemble (``forward_each``, the shipped default's architecture) contributes every
decoder's ab as a fake of its own, so each decoder learns on its own L1 and adversarial terms (as the
ensemble does without a discriminator, ``effnet_module``). Parameters that need no gradient (a frozen
encoder, ``FreezeEncoder``) are left out of G's optimiser.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from chromalab.models.io import load_model
from chromalab.models.registry import config_from_dict
from chromalab.training.module import ColorizationModule
from chromalab.training.recipe import TrainRecipe, get_recipe


def adversarial_loss(logits: torch.Tensor, real: bool) -> torch.Tensor:
    """Binary cross-entropy of discriminator logits against all-real (1) or all-fake (0) labels."""
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits.float(), target.float())


def load_generator_weights(net: torch.nn.Module, generator_config: Any, run_dir: str) -> None:
    """Copy a trained run's generator weights into ``net`` (for warm starts); the architectures must match."""
    trained, meta = load_model(run_dir)
    cfg = config_from_dict(meta["model"])
    cfg = getattr(cfg, "generator", cfg)  # a GAN run's model is its generator
    if cfg != generator_config:
        raise ValueError(f"warm_start {run_dir}: its model {cfg} differs from this generator {generator_config}")
    net.load_state_dict(trained.state_dict())


class GanModule(ColorizationModule):
    """Trains ``config.build()`` (the generator, ``.net``) against ``config.build_discriminator()`` (``.disc``).

    Learning rates (``lr`` for G, ``lr_d`` for D) and loss weights (``adversarial_weight``, ``l1_weight``) are
    the recipe's (the registered GAN names differ by their recipe); validation is the base module's.
    """

    def __init__(self, config: Any, recipe: TrainRecipe | None = None):
        super().__init__(config, recipe or get_recipe("gan-w20"))
        self.automatic_optimization = False
        self.disc = config.build_discriminator()
        if self.recipe.warm_start:
            load_generator_weights(self.net, config.generator, self.recipe.warm_start)
        self.w_adv, self.w_l1 = self.recipe.adversarial_weight, self.recipe.l1_weight
        self._standalone_optimizers: list[torch.optim.Optimizer] | None = None

    def configure_optimizers(self):
        """G: AdamW over the generator's trainable parameters at ``lr`` with the recipe's weight decay (0 for
        the seed's GANs, where it is Adam); D: Adam at ``lr_d``."""
        r = self.recipe
        opt_g = torch.optim.AdamW([p for p in self.net.parameters() if p.requires_grad], lr=r.lr, betas=r.betas,
                                  weight_decay=r.weight_decay)
        opt_d = torch.optim.Adam(self.disc.parameters(), lr=r.lr_d, betas=r.betas)
        return [opt_g, opt_d]

    def fakes(self, l_norm: torch.Tensor, ab: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The generator's ab for ``l_norm`` ``(B, 1, H, W)`` as ``(l, fake, truth)``, each ``(K * B, C, H, W)``:
        K = 1, or every decoder of an ensemble (``forward_each``), L and the truth ab repeated alongside."""
        each = getattr(self.net, "forward_each", None)
        fake = self.net(l_norm) if each is None else each(l_norm).flatten(0, 1)
        k = len(fake) // len(l_norm)
        return l_norm.repeat(k, 1, 1, 1), fake, ab.repeat(k, 1, 1, 1)

    def _optimizers(self) -> tuple[Any, Any]:
        if self._trainer is None:  # the steps also work outside a Trainer (tests, notebooks)
            if self._standalone_optimizers is None:
                self._standalone_optimizers = self.configure_optimizers()
            return tuple(self._standalone_optimizers)
        return tuple(self.optimizers())

    def _backward(self, loss: torch.Tensor) -> None:
        if self._trainer is None:
            loss.backward()
        else:
            self.manual_backward(loss)

    def d_step(self, batch) -> dict[str, torch.Tensor]:
        """One discriminator update on ``batch = (l_norm, ab_norm)``; returns its loss and accuracies."""
        l_norm, ab = batch
        _, opt_d = self._optimizers()
        with torch.no_grad():
            l_k, fake, _ = self.fakes(l_norm, ab)
        real_logits = self.disc(l_norm, ab)
        fake_logits = self.disc(l_k, fake)
        loss = 0.5 * (adversarial_loss(real_logits, True) + adversarial_loss(fake_logits, False))
        opt_d.zero_grad(set_to_none=True)
        self._backward(loss)
        opt_d.step()
        return {"d_loss": loss.detach(), "d_acc_real": (real_logits.detach() > 0).float().mean(),
                "d_acc_fake": (fake_logits.detach() < 0).float().mean()}

    def g_step(self, batch) -> dict[str, torch.Tensor]:
        """One generator update on ``batch``: weighted adversarial + L1 loss; D is frozen meanwhile."""
        l_norm, ab = batch
        opt_g, _ = self._optimizers()
        self.disc.requires_grad_(False)
        try:
            l_k, fake, ab_k = self.fakes(l_norm, ab)
            adv = adversarial_loss(self.disc(l_k, fake), True)
            l1 = F.l1_loss(fake.float(), ab_k.float())
            loss = self.w_adv * adv + self.w_l1 * l1
            opt_g.zero_grad(set_to_none=True)
            self._backward(loss)
            opt_g.step()
        finally:
            self.disc.requires_grad_(True)
        return {"g_loss": loss.detach(), "g_adv": adv.detach(), "g_l1": l1.detach()}

    def training_step(self, batch, batch_idx):
        stats = {**self.d_step(batch), **self.g_step(batch)}
        n = len(batch[0])
        self.log_dict({f"train/{k}": v for k, v in stats.items()}, on_step=True, on_epoch=True, batch_size=n)
        self.log("train/loss", stats["g_l1"], prog_bar=True, on_step=True, on_epoch=True, batch_size=n)
