"""The table of registered variant names: ``register(name, config, recipe)`` adds one.

The names themselves are declared in ``models/zoo.py`` (one literal line each) and by projects that register
their own (``projects/``); read them through ``models.registry``, which imports the zoo first.
"""

from __future__ import annotations

from typing import Any

from chromalab.models.config import is_config

VARIANTS: dict[str, Any] = {}
RECIPES: dict[str, str] = {}  # variant → the name of the training recipe it is trained with by default


def register(name: str, config: Any, recipe: str | None = None) -> Any:
    """Register ``config`` under ``name``, trained by default with the recipe named ``recipe`` (a name in
    ``training.recipe.RECIPES``; None: its family's). A name may be declared only once."""
    if name in VARIANTS:
        raise ValueError(f"variant {name!r} is already registered")
    if not is_config(config):
        raise TypeError(f"{type(config).__name__} is not a registered config type")
    VARIANTS[name] = config
    if recipe is not None:
        RECIPES[name] = recipe
    return config
