"""The package version (one owner: pyproject.toml's version is read by nothing else at run time)."""

__version__ = "0.1.0"
