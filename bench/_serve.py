"""Start and stop the app as the README does (``streamlit run app.py``), for benches and e2e tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(port: int, timeout: float = 60.0) -> float:
    """Seconds until the server answers its health check."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(
                f"http://localhost:{port}/_stcore/health", timeout=1
            ) as reply:
                if reply.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"streamlit did not answer on port {port} within {timeout} s")


@contextlib.contextmanager
def serve(
    port: int | None = None, env: dict | None = None
) -> Iterator[tuple[subprocess.Popen, int]]:
    """``streamlit run app.py`` on a free port (the Makefile's ``run`` target runs the same)."""
    port = port or free_port()
    streamlit = Path(sys.executable).with_name("streamlit")
    process = subprocess.Popen(
        [str(streamlit), "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class ServerDidNotStart(RuntimeError):
    """`make run` did not answer its health check in time; the message ends with its log."""


@contextlib.contextmanager
def make_run(
    runs_dir: str | Path,
    timeout: float = 180.0,
    port: int | None = None,
    env: dict[str, str] | None = None,
    log_path: str | Path | None = None,
) -> Iterator[tuple[subprocess.Popen, str]]:
    """``make run PORT=<port>`` (the README's command; a free port by default) in its own process
    group, saving runs to ``runs_dir``, with ``env`` added to the environment and its output in
    ``log_path`` (a temporary file by default); yields (process, base URL); kills the whole
    group at the end."""
    port = port or free_port()
    log = open(log_path, "w+") if log_path else tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        start_new_session=True,
        env={
            **os.environ,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "RNNVIZ_RUNS_DIR": str(runs_dir),
            # No source watcher: the repo holds .venv (50k files) and others edit files meanwhile;
            # each inotify overflow re-walks the tree and starved training ~6x in this process.
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
            "STREAMLIT_SERVER_HEADLESS": "true",
            **(env or {}),
        },
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_for_health(port, timeout=timeout)
        except TimeoutError:
            log.seek(0)
            raise ServerDidNotStart(
                f"`make run PORT={port}` did not come up:\n{log.read()[-4000:]}"
            ) from None
        yield process, f"http://localhost:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()


def tensorflow_loaded(pid: int) -> bool:
    """Whether a process has TensorFlow's native library mapped (i.e. imported TensorFlow)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "_pywrap_tensorflow" in maps or "libtensorflow" in maps


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
