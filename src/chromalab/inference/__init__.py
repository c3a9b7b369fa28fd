"""Inference: colorizers, the model store and inference settings."""
