"""``python -m projects.timid_colour ARGS``: ``chromalab ARGS`` with this project's variants and recipes."""

import projects.timid_colour  # noqa: F401  (registers the names)
from chromalab.cli import main

main()
