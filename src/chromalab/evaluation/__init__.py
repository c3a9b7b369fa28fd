"""Metrics and evaluation of colorizers against ground truth."""
