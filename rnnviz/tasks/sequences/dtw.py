"""Dynamic time warping distances with a Sakoe-Chiba band, vectorised over every pair of
sequences (NumPy only), for the 1-nearest-neighbour DTW baseline of sequence classification."""

from __future__ import annotations

import math

import numpy as np

WINDOW_SHARE = 0.1  # band half-width, as a share of the length (the UCR archive's usual 10%)
CELL_BUDGET = 3e8  # pairs x steps x band cells x channels: about 10 s on one core


def band(length: int, share: float = WINDOW_SHARE) -> int:
    """The Sakoe-Chiba half-width in steps (at least 1)."""
    return max(1, math.ceil(share * length))


def dtw_cells(n_fit: int, n_test: int, length: int, channels: int) -> float:
    """How many cell updates the banded DTW of every test-fit pair costs."""
    return float(n_fit) * n_test * length * (2 * band(length) + 1) * channels


def dtw_skip_reason(
    n_fit: int,
    n_test: int,
    length: int,
    channels: int,
    ragged: bool,
    budget: float = CELL_BUDGET,
) -> str:
    """Why the DTW baseline is left out ('' when it runs within ``budget`` cell updates)."""
    if ragged:
        return "1-NN with DTW is left out: the sequences have different lengths."
    cells = dtw_cells(n_fit, n_test, length, channels)
    if cells > budget:
        return (
            f"1-NN with DTW is left out: {n_test:,} test x {n_fit:,} training sequences of "
            f"{length} steps would take {cells:.1e} cell updates (budget {budget:.0e})."
        )
    return ""


def dtw_distances(a: np.ndarray, b: np.ndarray, window: int) -> np.ndarray:
    """(n, m) DTW distances (square root of the summed squared steps along the cheapest warping
    path, steps at most ``window`` apart) between every ``a`` (n, L, f) and ``b`` (m, L, f)."""
    n, length, _ = a.shape
    m = b.shape[0]
    a_steps = np.ascontiguousarray(a.transpose(1, 0, 2))[:, :, None, :]  # (L, n, 1, f)
    b_steps = np.ascontiguousarray(b.transpose(1, 0, 2))[:, None, :, :]  # (L, 1, m, f)
    previous = np.full((length + 1, n, m), np.inf)  # D[i - 1][j], rows j contiguous
    current = np.full_like(previous, np.inf)
    previous[0] = 0.0  # D[0][0] = 0; D[0][j > 0] = inf
    for i in range(1, length + 1):
        lo, hi = max(1, i - window), min(length, i + window)
        current[lo - 1 : hi + 2] = np.inf  # the band's edges read as unreachable
        for j in range(lo, hi + 1):
            diff = a_steps[i - 1] - b_steps[j - 1]  # (n, m, f)
            cost = np.einsum("nmf,nmf->nm", diff, diff)
            best = np.minimum(np.minimum(previous[j], current[j - 1]), previous[j - 1])
            np.add(cost, best, out=current[j])
        previous, current = current, previous
    return np.sqrt(previous[length])
