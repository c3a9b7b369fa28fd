"""Reference-guided colorization: feature networks, dense correspondence, a colorizer guided by a reference photo."""
