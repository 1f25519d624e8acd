"""Memory of the generation windows (issue 22 §3): a 10 MB text cut at length 200, stride 1
(9 million overlapping windows; 14 GB as eager x and y arrays), then a tiny LSTM fitted on a few
of its batches through the lazy path. Prints the peak resident size above the baseline (TensorFlow
imported) and the time to prepare the data.

    .venv/bin/python -m bench.generation_memory [megabytes] [seq_len] [stride] [batches]
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import keras
import numpy as np

from rnnviz.tasks.generation.chars import CharCorpus, prepare_char_data
from rnnviz.tasks.generation.model import build_char_model, char_recipe_specs
from rnnviz.tasks.generation.recipes import DEFAULT_CHAR_RECIPE
from rnnviz.train.training import fit_arguments


def peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def main(megabytes: float = 10, seq_len: int = 200, stride: int = 1, batches: int = 20) -> None:
    n_chars = int(megabytes * 1e6)
    codes = np.random.default_rng(0).integers(97, 123, n_chars, dtype=np.uint8)
    codes[::60] = 10
    text = codes.tobytes().decode("ascii")
    Path("/proc/self/clear_refs").write_text("5")
    base = peak_rss_mb()
    start = time.perf_counter()
    data = prepare_char_data(CharCorpus("bench.txt", text), seq_len, stride)
    prepared = time.perf_counter() - start
    after_prepare = peak_rss_mb() - base
    recipe = DEFAULT_CHAR_RECIPE | {"units": 8, "embedding_dim": 4, "batch_size": 64}
    spec, train = char_recipe_specs(recipe, len(data.vocab), seed=1)
    model = build_char_model(spec, train, seq_len)
    x, y = data.train_windows
    start = time.perf_counter()
    model.fit(**fit_arguments(x, y, 64, True, 1), epochs=1, steps_per_epoch=batches, verbose=0)
    fitted = time.perf_counter() - start
    eager_gb = 2 * x.shape[0] * x.shape[1] * 4 / 1e9
    print(
        f"{megabytes:g} MB text, length {seq_len}, stride {stride}: {len(x):,} windows "
        f"(eager x and y would take {eager_gb:.1f} GB); prepared in {prepared:.2f} s, "
        f"+{after_prepare:.0f} MB peak; {batches} batches fitted in {fitted:.1f} s, "
        f"+{peak_rss_mb() - base:.0f} MB peak in all (keras {keras.__version__})"
    )


if __name__ == "__main__":
    main(*(float(a) if i == 0 else int(a) for i, a in enumerate(sys.argv[1:])))
