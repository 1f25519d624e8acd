"""Fast, quiet, deterministic test settings shared by every test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("RNNVIZ_PREPARE_AHEAD", "0")  # pages prepare no run in a spare worker
os.environ.setdefault(
    "RNNVIZ_RUNS_DIR", os.path.join(os.path.dirname(__file__), "..", "artifacts", "runs")
)
