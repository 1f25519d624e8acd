"""Cold start: seconds from `streamlit run app.py` until the home page is drawn in a browser,
and whether TensorFlow was imported by then. Goal: under 3 s on 2 cores, no TensorFlow.

Run: .venv/bin/python bench/cold_start.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time

from _serve import CHROMIUM, CHROMIUM_ARGS, serve, tensorflow_loaded, wait_for_health
from playwright.sync_api import sync_playwright

HOME_TITLE = "rnnviz: see recurrent networks learn"


def one_start(browser) -> tuple[float, float, bool]:
    started = time.perf_counter()
    with serve() as (process, port):
        health = wait_for_health(port)
        page = browser.new_page()
        page.goto(f"http://localhost:{port}/")
        page.get_by_text(HOME_TITLE).wait_for(timeout=60_000)
        drawn = time.perf_counter() - started
        tf = tensorflow_loaded(process.pid)
        page.close()
    return health, drawn, tf


def main(repeats: int = 3) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = [one_start(browser) for _ in range(repeats)]
        browser.close()
    for health, drawn, tf in results:
        print(
            f"server up {health:5.2f} s   home page drawn {drawn:5.2f} s   tensorflow imported: {tf}"
        )
    median = statistics.median(r[1] for r in results)
    any_tf = any(r[2] for r in results)
    print(f"median seconds to home page: {median:.2f}")
    print("goal: < 3.0 s and no TensorFlow ->", "PASS" if median < 3.0 and not any_tf else "FAIL")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
