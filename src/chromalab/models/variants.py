"""Importing this module registers every variant family."""

from chromalab.models import autoencoder  # noqa: F401
from chromalab.reference import net, resnet  # noqa: F401  (reference-guided colorizers, similarity networks)
