"""Command-line interface: thin commands over the public API. Each module adds its commands to ``app``."""

from chromalab.cli import (  # noqa: F401
    colorize_cmd,
    data_cmd,
    evaluate_cmd,
    export_cmd,
    finetune_cmd,
    models_cmd,
    reference_cmd,
    report_cmd,
    runs_cmd,
    serve_cmd,
    sweep_cmd,
    train_cmd,
)
from chromalab.cli.app import app


def main() -> None:
    import sys

    from chromalab.cli.progress import setup_logging
    from chromalab.core.extras import MissingExtra

    setup_logging()
    try:
        app()
    except MissingExtra as e:  # one line naming the extra to install, not a traceback
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
