"""The dataset builder: photos from folders, videos, Flickr and URL lists → a clean, split image folder."""

from chromalab.data.build.build import BuildSummary, build_dataset

__all__ = ["BuildSummary", "build_dataset"]
