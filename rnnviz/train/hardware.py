"""What this machine offers for training, found without importing TensorFlow (keeps pages fast)."""

from __future__ import annotations

import os
import shutil
import subprocess


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def gpu_names() -> list[str]:
    """NVIDIA GPUs that ``nvidia-smi`` lists (empty when there is none or no driver)."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def describe() -> str:
    gpus = gpu_names()
    device = f"GPU: {', '.join(gpus)}" if gpus else "no GPU found, training runs on the CPU"
    return f"{cpu_count()} CPU core(s); {device}"
