"""Words for messages about data."""

from __future__ import annotations

import pandas as pd


def plural(count: int, noun: str) -> str:
    """'1 row', '3 rows'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def when(time: pd.Timestamp) -> str:
    """A time as the page shows it: the date alone at midnight."""
    return f"{time:%Y-%m-%d}" if time == time.normalize() else f"{time:%Y-%m-%d %H:%M}"
