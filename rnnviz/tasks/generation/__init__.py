"""The generation task."""
