"""Training of colorization models with Lightning."""
