"""Lets bench scripts run as ``python bench/NAME.py``: repository root on sys.path, quiet TF logs."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
