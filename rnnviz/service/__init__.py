"""Runs leave the web server: requests, the executor (local workers or Ray), what a worker does, comparisons."""
