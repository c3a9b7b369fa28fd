"""Importing this module registers every variant family."""

from chromalab.models import (  # noqa: F401
    autoencoder,
    effnet_unet,
    gan,
    reference_net,  # noqa: F401  (reference-guided colorizers)
)
from chromalab.models.backbones import lite0, resnet34  # noqa: F401  (similarity networks)
