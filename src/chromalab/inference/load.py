"""``load_colorizer`` under its historical import path; it lives with ``Colorizer`` in
``chromalab.inference.colorizer`` (a class method and the function it calls share one module, so no cycle)."""

from chromalab.inference.colorizer import AUTO, default_device, load_auto, load_colorizer

__all__ = ["AUTO", "default_device", "load_auto", "load_colorizer"]
