"""Research projects built on chromalab (not part of the installed library; run from the repository root)."""
