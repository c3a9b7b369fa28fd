"""Reference-guided colorization: features, correspondence, colorizer."""
