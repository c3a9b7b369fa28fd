"""Command-line interface: thin commands over the public API. Each module adds its commands to ``app``."""

from chromalab.cli import colorize_cmd, evaluate_cmd, models_cmd, reference_cmd, train_cmd  # noqa: F401
from chromalab.cli.app import app


def main() -> None:
    app()
