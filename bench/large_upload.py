"""A million-row series through the Data page: parse time, rerun time and page payload.

Run: ``python bench/large_upload.py [rows]``. Writes a CSV of ``rows`` (default 1,000,000)
minutely readings (just under the 20 MB upload limit), then

1. times ``parse_series_csv`` on it (median of 3);
2. uploads it to the Data page (AppTest, the real page script), then changes a widget (the
   look-back window) 5 times and reports the median rerun time: the file must not be parsed again;
3. reports the page payload: the bytes of every element the page sends (the chart's figure JSON
   included), and the points the chart draws.

Goals (issue 12): reruns under 0.5 s, page under 2 MB.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402, TID251 - drives the real page

from rnnviz.common.csvread import MAX_UPLOAD_BYTES  # noqa: E402
from rnnviz.tasks.forecast.series import parse_series_csv  # noqa: E402

RERUN_GOAL_S, PAYLOAD_GOAL_MB = 0.5, 2.0


def big_csv(rows: int) -> bytes:
    """Minutely readings from 2000-01-01: a daily cycle, a trend and noise (integers 0-99)."""
    times = pd.date_range("2000-01-01", periods=rows, freq="min").strftime("%Y-%m-%d %H:%M")
    steps = np.arange(rows)
    rng = np.random.default_rng(0)
    values = 50 + 30 * np.sin(steps * 2 * np.pi / 1440) + 10 * steps / rows + rng.normal(0, 4, rows)
    values = np.clip(np.round(values), 0, 99).astype(int)
    body = "\n".join(f"{t},{v}" for t, v in zip(times, values, strict=True))
    return ("time,reading\n" + body + "\n").encode()


def payload_bytes(at: AppTest) -> int:
    """Bytes of every element proto on the page (what the server sends to draw it)."""
    total, pending = 0, [at._tree]
    while pending:
        node = pending.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ByteSize"):
            total += proto.ByteSize()
        children = getattr(node, "children", None) or {}
        pending.extend(children.values())
    return total


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    raw = big_csv(rows)
    assert len(raw) <= MAX_UPLOAD_BYTES, len(raw)
    print(f"file: {rows:,} rows, {len(raw) / 1e6:.1f} MB")

    parse_times = []
    for _ in range(3):
        start = time.perf_counter()
        parsed = parse_series_csv(raw, "big.csv")
        parse_times.append(time.perf_counter() - start)
    print(
        f"parse_series_csv: {statistics.median(parse_times):.2f} s (median of 3), "
        f"{len(parsed.frame):,} rows read"
    )

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
    at.switch_page("pages/forecast/data.py").run()
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at.get("file_uploader")[0].set_value(("big.csv", raw, "text/csv"))
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    print(f"first run after the upload (parse, fill gaps, split, chart): {first:.2f} s")

    reruns = []
    for window in (24, 36, 48, 60, 72):
        at.number_input(key="w_window").set_value(window)
        start = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - start)
        assert not at.exception and not at.error
    rerun = statistics.median(reruns)
    print(f"rerun after a widget change: {rerun:.3f} s (median of 5; goal < {RERUN_GOAL_S} s)")

    chart = at.get("plotly_chart")[0]
    points = len(__import__("json").loads(chart.proto.spec)["data"][0]["x"])
    payload = payload_bytes(at) / 1e6
    print(
        f"page payload: {payload:.2f} MB (goal < {PAYLOAD_GOAL_MB} MB); "
        f"chart: {len(chart.proto.spec) / 1e6:.2f} MB, {points:,} points drawn of {rows:,}"
    )


if __name__ == "__main__":
    main()
