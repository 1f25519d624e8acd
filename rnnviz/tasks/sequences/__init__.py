"""The sequences task."""
