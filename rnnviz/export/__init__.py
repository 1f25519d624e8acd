"""Export: a saved run as a standalone, readable Keras script."""
