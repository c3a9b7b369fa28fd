"""Named model variants, each declared once from a frozen dataclass config.

A config is a frozen dataclass with a ``family`` class attribute and a ``build()`` method returning an
``nn.Module``. ``register(name, config)`` adds a variant; ``build(name, **overrides)`` makes it, with
fields replaced (e.g. ``width=4`` for tiny test models). Configs round-trip through plain dicts, so a
model is rebuilt from its ``config.json`` alone.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from torch import nn

_VARIANTS: dict[str, Any] = {}
_RECIPES: dict[str, str] = {}  # variant → the name of the training recipe it is trained with by default
_CONFIG_TYPES: dict[str, type] = {}


def config_type(cls: type) -> type:
    """Class decorator: make a config class loadable from its ``kind`` name."""
    _CONFIG_TYPES[cls.__name__] = cls
    return cls


def register(name: str, config: Any, recipe: str | None = None) -> Any:
    """Register ``config`` under ``name``, trained by default with the recipe named ``recipe`` (a name in
    ``training.recipe.RECIPES``; None: its family's). A name may be declared only once."""
    if name in _VARIANTS:
        raise ValueError(f"variant {name!r} is already registered")
    if type(config).__name__ not in _CONFIG_TYPES:
        raise TypeError(f"{type(config).__name__} is not a registered config type")
    _VARIANTS[name] = config
    if recipe is not None:
        _RECIPES[name] = recipe
    return config


def recipe_of(name: str) -> str | None:
    """The recipe name variant ``name`` was registered with (None: its family's default)."""
    _ensure_loaded()
    return _RECIPES.get(name)


def _ensure_loaded() -> None:
    # Importing the variant modules registers their names.
    from chromalab.models import zoo  # noqa: F401


def names(family: str | None = None) -> list[str]:
    """All registered variant names (optionally of one family), sorted."""
    _ensure_loaded()
    return sorted(n for n, c in _VARIANTS.items() if family is None or c.family == family)


def get_config(name: str, **overrides: Any) -> Any:
    """The frozen config of variant ``name`` with ``overrides`` applied."""
    _ensure_loaded()
    if name not in _VARIANTS:
        raise KeyError(f"unknown model variant {name!r}; `chromalab models` lists them")
    return apply_overrides(_VARIANTS[name], overrides)


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


def coerce(value: Any, current: Any) -> Any:
    """``value`` (e.g. a ``--set`` string) as the type of ``current`` (bool, int, float, tuple)."""
    if not isinstance(value, str):
        if isinstance(current, tuple) and isinstance(value, list):
            return tuple(value)
        return value
    if isinstance(current, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected a boolean, got {value!r}")
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    if isinstance(current, tuple):
        parsed = json.loads(value) if value.strip().startswith("[") else [v for v in value.split(",")]
        return tuple(coerce(v, current[0]) if current else v for v in parsed)
    return value


def apply_overrides(config: Any, overrides: dict[str, Any]) -> Any:
    """Return ``config`` with fields replaced; string values (``--set k=v``) are coerced to the field type.

    Dotted keys reach nested configs (``generator.width=16``).
    """
    if not overrides:
        return config
    fields = {f.name for f in dataclasses.fields(config)}
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if head not in fields:
            raise KeyError(f"{type(config).__name__} has no field {head!r}; fields: {', '.join(sorted(fields))}")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = coerce(value, getattr(config, head))
    for head, sub in nested.items():
        direct[head] = apply_overrides(getattr(config, head), sub)
    return dataclasses.replace(config, **direct)


def family_of(data: dict[str, Any]) -> str | None:
    """The family (``ae``, ``gan``, ``effnet``, ...) of a config dict from ``config.json``; None if unknown."""
    _ensure_loaded()
    cls = _CONFIG_TYPES.get(data.get("kind", ""))
    return getattr(cls, "family", None)


def legacy_fields(data: dict[str, Any]) -> dict[str, str]:
    """Fields of the config dict ``data`` that its class no longer holds → the section they moved to."""
    _ensure_loaded()
    cls = _CONFIG_TYPES.get(data.get("kind", ""))
    return {k: s for k, s in getattr(cls, "legacy_fields", {}).items() if k in data}


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready dict with a ``kind`` key naming the config class (nested configs too)."""
    out: dict[str, Any] = {"kind": type(config).__name__}
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        if dataclasses.is_dataclass(v):
            v = config_to_dict(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


def config_from_dict(data: dict[str, Any]) -> Any:
    """Inverse of ``config_to_dict``."""
    _ensure_loaded()
    data = dict(data)
    kind = data.pop("kind")
    if kind not in _CONFIG_TYPES:
        raise ValueError(f"unknown config kind {kind!r}")
    cls = _CONFIG_TYPES[kind]
    for name in getattr(cls, "legacy_fields", {}):  # moved to another section (``models.io.migrate_meta``)
        data.pop(name, None)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        v = data[f.name]
        if isinstance(v, dict) and "kind" in v:
            v = config_from_dict(v)
        elif isinstance(v, list):
            v = tuple(v)
        kwargs[f.name] = v
    return cls(**kwargs)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
