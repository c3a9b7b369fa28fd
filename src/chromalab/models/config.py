"""Model configs: frozen dataclasses that rebuild a model, and their plain-dict form (``config.json``).

A config is a frozen dataclass with a ``family`` class attribute and a ``build()`` method returning an
``nn.Module``; ``@config_type`` makes its class loadable by its ``kind`` name. This module knows no variant
names (``models/variants.py``, ``models/zoo.py``), so every model module can import it; read configs through
``models.registry``, which loads every config class first.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from torch import nn

_CONFIG_TYPES: dict[str, type] = {}


def config_type(cls: type) -> type:
    """Class decorator: make a config class loadable from its ``kind`` name."""
    _CONFIG_TYPES[cls.__name__] = cls
    return cls


def config_class(data: dict[str, Any]) -> type | None:
    """The config class a ``config.json`` dict names (its ``kind``); None if unknown."""
    return _CONFIG_TYPES.get(data.get("kind", ""))


def is_config(config: Any) -> bool:
    """True for an instance of a ``@config_type`` class."""
    return type(config).__name__ in _CONFIG_TYPES


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
