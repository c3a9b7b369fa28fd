"""Importing this module registers every variant family."""

from chromalab.models import (  # noqa: F401
    autoencoder,
    effnet_unet,
    gan,
)
from chromalab.reference import net, resnet  # noqa: F401  (reference-guided colorizers, similarity networks)
