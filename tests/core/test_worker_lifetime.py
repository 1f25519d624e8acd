"""Workers die with their server: a server process killed with SIGKILL (no clean-up of its own)
leaves no training worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.core.test_executor import TIMEOUT, wait_until

ROOT = Path(__file__).resolve().parents[2]
GONE_WITHIN = 8.0  # seconds (a loaded 2-core machine may be slow to schedule the exit)

SERVER = textwrap.dedent(
    """
    import time
    from rnnviz.service.executor import LocalExecutor
    from tests.core.test_executor import request, wait_until

    executor = LocalExecutor(max_running=1)
    handle = executor.submit(request({root!r}, epochs=2000, n=400))
    assert wait_until(lambda: handle.snapshot().epoch >= 1), "no epoch"
    print(executor.channels[handle.id].pid, flush=True)
    time.sleep(600)
    """
)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by its new parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_a_training_worker_exits_when_its_server_is_killed(tmp_path):
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(root=str(tmp_path))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        worker = int(server.stdout.readline())  # once the worker has trained an epoch
        assert alive(worker)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(TIMEOUT)
        killed_at = time.monotonic()
        assert wait_until(lambda: not alive(worker), GONE_WITHIN), Path(
            f"/proc/{worker}/status"
        ).read_text()[:400]
        assert time.monotonic() - killed_at < GONE_WITHIN
    finally:
        server.kill()
