"""Datasets of colour photos for training and evaluation."""

from chromalab.data.folder import ImageFolder, SplitName
from chromalab.data.splits import file_hash, split_of

__all__ = ["ImageFolder", "SplitName", "file_hash", "split_of"]
