"""How the CLI shows the library's progress and log messages: rich bars on a terminal, plain lines otherwise."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator

from chromalab.core.progress import ProgressFn


def setup_logging() -> None:
    """Library log messages (INFO and up) as plain lines on stderr: ``note: ...`` / ``warning: ...``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("chromalab")
    if not root.handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)


@contextlib.contextmanager
def progress_display(enabled: bool = True) -> Iterator[ProgressFn | None]:
    """A ``ProgressFn`` that draws one rich bar per label on a terminal, or prints a line every few seconds
    (and at the end of each label) when stderr is not a terminal."""
    if not enabled:
        yield None
        return
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(transient=True, console=Console(stderr=True)) as bar:
            tasks: dict[str, int] = {}

            def show(label: str, done: int, total: int | None) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done, total=total)

            yield show
        return
    last: dict[str, float] = {}

    def plain(label: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if done == total or now - last.get(label, 0.0) >= 5.0:
            last[label] = now
            print(f"{label}: {done}" + (f"/{total}" if total else ""), file=sys.stderr, flush=True)

    yield plain
