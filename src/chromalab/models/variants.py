"""Importing this module registers every variant family."""

import chromalab.models.effnet_unet  # noqa: F401
from chromalab.models import autoencoder  # noqa: F401
