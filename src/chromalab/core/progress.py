"""Progress reporting without printing: the library calls a callback, the CLI and web decide how to show it.

A ``ProgressFn`` is called as ``progress(label, done, total)`` (``total`` None when unknown) after each unit
of work; ``None`` means nobody is listening.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

ProgressFn = Callable[[str, int, "int | None"], None]
T = TypeVar("T")


def track(items: Iterable[T], label: str, progress: ProgressFn | None, total: int | None = None) -> Iterator[T]:
    """Yield ``items``, reporting ``(label, done, total)`` to ``progress`` after each one."""
    if progress is None:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    progress(label, 0, total)
    for done, item in enumerate(items, 1):
        yield item
        progress(label, done, total)
