"""Importing this module registers every variant family."""

from chromalab.models import (
    autoencoder,  # noqa: F401
    gan,  # noqa: F401
)
