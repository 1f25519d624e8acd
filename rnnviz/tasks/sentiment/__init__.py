"""The sentiment task."""
