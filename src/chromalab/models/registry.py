"""Named model variants: look them up, build them, and read or write their configs.

Every name is declared once (``models/zoo.py``; projects may register more with ``register``); importing
this module imports the zoo, so every name and config class is known. ``build(name, **overrides)`` makes a
variant with fields replaced (e.g. ``width=4`` for tiny test models). Configs round-trip through plain dicts
(``models.config``), so a model is rebuilt from its ``config.json`` alone.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from chromalab.models import zoo  # noqa: F401  (declares every variant and loads every config class)
from chromalab.models.config import (  # noqa: F401  (re-exported: the one import path for callers)
    apply_overrides,
    coerce,
    config_class,
    config_from_dict,
    config_to_dict,
    config_type,
    count_parameters,
)
from chromalab.models.variants import RECIPES, VARIANTS, register  # noqa: F401


def recipe_of(name: str) -> str | None:
    """The recipe name variant ``name`` was registered with (None: its family's default)."""
    return RECIPES.get(name)


def names(family: str | None = None) -> list[str]:
    """All registered variant names (optionally of one family), sorted."""
    return sorted(n for n, c in VARIANTS.items() if family is None or c.family == family)


def get_config(name: str, **overrides: Any) -> Any:
    """The frozen config of variant ``name`` with ``overrides`` applied."""
    if name not in VARIANTS:
        raise KeyError(f"unknown model variant {name!r}; `chromalab models` lists them")
    return apply_overrides(VARIANTS[name], overrides)


def list_models(family: str | None = None) -> list[str]:
    """Registered variant names (optionally of one family), sorted: the public name of ``names``."""
    return names(family)


def build_model(name_or_config: Any, *, pretrained: bool = True, **overrides: Any) -> nn.Module:
    """Build a registered variant by name (or a config), fields replaced by ``overrides``.

    ``pretrained=False`` skips reading pretrained weight files (use it when saved weights are loaded next)."""
    config = get_config(name_or_config) if isinstance(name_or_config, str) else name_or_config
    return apply_overrides(config, overrides).build(pretrained=pretrained)


def build(name: str, pretrained: bool = True, **overrides: Any) -> nn.Module:
    """Build variant ``name`` (fields of its config replaced by ``overrides``)."""
    return build_model(name, pretrained=pretrained, **overrides)


def family_of(data: dict[str, Any]) -> str | None:
    """The family (``ae``, ``gan``, ``effnet``, ...) of a config dict from ``config.json``; None if unknown."""
    return getattr(config_class(data), "family", None)


def legacy_fields(data: dict[str, Any]) -> dict[str, str]:
    """Fields of the config dict ``data`` that its class no longer holds → the section they moved to."""
    return {k: s for k, s in getattr(config_class(data), "legacy_fields", {}).items() if k in data}
