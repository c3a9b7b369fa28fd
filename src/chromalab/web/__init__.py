"""The web demo and HTTP API (FastAPI): ``create_app(WebSettings(...))``."""

from chromalab.web.app import WebSettings, create_app

__all__ = ["WebSettings", "create_app"]
