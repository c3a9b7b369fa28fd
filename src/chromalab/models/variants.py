"""Importing this module registers every variant family."""

from chromalab.models import autoencoder  # noqa: F401
from chromalab.models import effnet_unet  # noqa: F401
