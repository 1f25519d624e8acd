"""Shared by every task: CSV reading, safe strings, metrics, verdicts, decimation and figures."""
