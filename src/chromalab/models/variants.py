"""Importing this module registers every variant family."""

from chromalab.models import (  # noqa: F401
    autoencoder,
    effnet_unet,
    gan,
)
