"""Character n-gram baseline: interpolated Kneser-Ney, vectorised with NumPy.

An n-gram of ids is stored as one int64 key (base ``vocab_size``). For a context ``h`` of
``k - 1`` characters and a next character ``c`` (Chen and Goodman 1998, interpolated KN)::

    P_k(c | h) = (max(N(h c) - D_k, 0) + D_k * T(h) * P_{k-1}(c | h')) / N(h .)

where ``h'`` drops the oldest character of ``h``, ``N(h .) = sum_c N(h c)`` and ``T(h)`` is the
number of distinct characters seen after ``h``; an unseen context falls back to
``P_{k-1}(c | h')``. ``N`` is the raw count at the highest order of a query and the
*continuation* count (the number of distinct characters seen before ``h c``) below it. The
recursion ends in the uniform distribution over the vocabulary, so every character keeps a
non-zero probability and each ``P_k(. | h)`` sums to 1. The discount of each order is
``D = n1 / (n1 + 2 n2)`` (n1, n2: how many n-grams occur once, twice).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnnviz.common.csvread import DataError
from rnnviz.common.words import plural
from rnnviz.tasks.generation.chars import CharData
from rnnviz.tasks.generation.recipes import SMALL_CORPUS_CHARS
from rnnviz.tasks.generation.sampling import apply_temperature, draw

DEFAULT_MAX_ORDER = 8


@dataclass(frozen=True, eq=False)
class _Counts:
    """Counts of the k-grams of one order, and per context their total and distinct followers."""

    keys: np.ndarray  # (n_grams,) sorted int64 keys of the k-grams
    counts: np.ndarray  # (n_grams,) raw or continuation counts, all >= 1
    context_keys: np.ndarray  # (n_contexts,) sorted keys of the (k-1)-gram contexts
    context_totals: np.ndarray  # (n_contexts,) N(h .)
    context_types: np.ndarray  # (n_contexts,) T(h)
    discount: float


def _count_table(keys: np.ndarray, counts: np.ndarray, vocab_size: int) -> _Counts:
    """From sorted unique k-gram keys and their counts, the per-context sums and the discount."""
    contexts = keys // vocab_size  # (n_grams,) the k-gram without its last character
    context_keys, first, types = np.unique(contexts, return_index=True, return_counts=True)
    totals = np.add.reduceat(counts, first) if len(counts) else counts
    n1, n2 = int(np.sum(counts == 1)), int(np.sum(counts == 2))
    discount = n1 / (n1 + 2 * n2) if n1 + 2 * n2 > 0 else 0.5
    return _Counts(keys, counts, context_keys, totals, types, float(np.clip(discount, 0.05, 0.95)))


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` at ``queries`` in the sorted ``keys`` (0 where a query is absent)."""
    if len(keys) == 0:
        return np.zeros(len(queries), dtype=values.dtype)
    idx = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[idx] == queries, values[idx], 0)


def max_order_for(vocab_size: int) -> int:
    """The longest n-gram whose key fits in an int64 for this vocabulary."""
    return max(1, int(62 * math.log(2) / math.log(max(vocab_size, 2))))


class CharNgram:
    """Interpolated Kneser-Ney character model of every order up to ``max_order``."""

    def __init__(self, train_ids: np.ndarray, vocab_size: int, max_order: int = DEFAULT_MAX_ORDER):
        if max_order < 1:
            raise ValueError("The n-gram order must be at least 1.")
        if max_order > max_order_for(vocab_size):
            raise DataError(
                f"Order {max_order} is too long for {vocab_size} characters; "
                f"at most {max_order_for(vocab_size)}."
            )
        ids = np.asarray(train_ids, dtype=np.int64)
        if len(ids) < max_order:
            raise DataError(f"{len(ids)} training characters are too few for order {max_order}.")
        self.vocab_size, self.max_order = vocab_size, max_order
        self.raw: dict[int, _Counts] = {}
        self.continuation: dict[int, _Counts] = {}
        gram_keys: dict[int, np.ndarray] = {}
        for k in range(1, max_order + 1):
            keys, counts = np.unique(self._keys(ids, k), return_counts=True)
            gram_keys[k] = keys
            self.raw[k] = _count_table(keys, counts, vocab_size)
        for k in range(1, max_order):
            # N1+(. g): how many distinct (k+1)-grams end with the k-gram g
            suffixes = gram_keys[k + 1] % vocab_size**k
            keys, counts = np.unique(suffixes, return_counts=True)
            self.continuation[k] = _count_table(keys, counts, vocab_size)

    def _keys(self, ids: np.ndarray, k: int) -> np.ndarray:
        """Keys of every k-gram of ``ids`` (len(ids) - k + 1,)."""
        windows = np.lib.stride_tricks.sliding_window_view(ids, k)  # (n, k)
        return self._encode(windows)

    def _encode(self, grams: np.ndarray) -> np.ndarray:
        """Rows of ids (n, k) as int64 keys, first id most significant."""
        powers = self.vocab_size ** np.arange(grams.shape[1] - 1, -1, -1, dtype=np.int64)
        return grams.astype(np.int64) @ powers

    def prob(self, contexts: np.ndarray, chars: np.ndarray, top: bool = True) -> np.ndarray:
        """``P(chars[i] | contexts[i])`` for contexts (m, k-1) of one length, chars (m,)."""
        contexts = np.asarray(contexts, dtype=np.int64).reshape(len(chars), -1)
        chars = np.asarray(chars, dtype=np.int64)
        order = contexts.shape[1] + 1
        if order > self.max_order:
            raise ValueError(f"context longer than order {self.max_order} - 1")
        if order == 1:
            lower = np.full(len(chars), 1.0 / self.vocab_size)
        else:
            lower = self.prob(contexts[:, 1:], chars, top=False)
        table = self.raw[order] if top else self.continuation[order]
        grams = self._encode(np.column_stack([contexts, chars]))  # (m,)
        context = grams // self.vocab_size  # (m,)
        count = _lookup(table.keys, table.counts, grams)
        total = _lookup(table.context_keys, table.context_totals, context)
        types = _lookup(table.context_keys, table.context_types, context)
        d = table.discount
        mixed = (np.maximum(count - d, 0.0) + d * types * lower) / np.maximum(total, 1)
        return np.where(total > 0, mixed, lower)

    def distribution(self, context: Sequence[int], order: int) -> np.ndarray:
        """``P(. | context)`` over the vocabulary (vocab,), from the last ``order - 1`` ids
        (fewer, at a lower order, when the context is shorter)."""
        order = self._check_order(order)
        history = np.asarray(context, dtype=np.int64)[max(0, len(context) - (order - 1)) :]
        chars = np.arange(self.vocab_size)
        return self.prob(np.tile(history, (self.vocab_size, 1)), chars)

    def log2_probs(self, ids: np.ndarray, order: int) -> np.ndarray:
        """``log2 P(ids[i] | preceding ids)`` for i = 1 .. len(ids) - 1 (context cut at the start)."""
        order = self._check_order(order)
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty(len(ids) - 1)
        for i in range(1, min(order - 1, len(ids))):  # the first characters: shorter contexts
            out[i - 1] = self.prob(ids[None, :i], ids[i : i + 1])[0]
        if len(ids) >= order:
            full = np.lib.stride_tricks.sliding_window_view(ids, order)  # (n, order)
            first = max(order - 1, 1)
            out[first - 1 :] = self.prob(
                full[first - order + 1 :, :-1], full[first - order + 1 :, -1]
            )
        return np.log2(out)

    def bits_per_char(self, ids: np.ndarray, order: int) -> float:
        return float(-np.mean(self.log2_probs(ids, order)))

    def sample(
        self,
        prompt: Sequence[int],
        length: int,
        order: int,
        seed: int = 0,
        temperature: float = 1.0,
    ) -> np.ndarray:
        """``length`` ids drawn after ``prompt`` (seeded, like the RNN's sampler)."""
        rng = np.random.default_rng(seed)
        history = list(prompt)
        for _ in range(length):
            probs = apply_temperature(self.distribution(history, order), temperature)
            history.append(draw(probs, rng))
        return np.asarray(history[len(prompt) :], dtype=np.int32)

    def _check_order(self, order: int) -> int:
        if not 1 <= order <= self.max_order:
            raise ValueError(f"order must be 1 to {self.max_order}, got {order}")
        return int(order)


@dataclass(frozen=True)
class NgramReport:
    """The baseline beside the RNN: bits per character of each order on validation, a sample."""

    bpc_by_order: dict[int, float]
    best_order: int
    sample: str

    @property
    def best_bpc(self) -> float:
        return self.bpc_by_order[self.best_order]


def why_ngram_wins(
    rnn_bpc: float, report: NgramReport, train_chars: int, val_by_epoch: Sequence[float] = ()
) -> str:
    """One sentence on why the best n-gram beats the network ('' when it does not) that fits the
    run: with its validation loss (``val_by_epoch``, any unit) still falling at the last epoch it
    had too little training; having turned on a small corpus, it began to memorise it; on a
    larger one it stopped improving before it had learnt what the n-gram counts."""
    if not report.best_bpc < rnn_bpc:
        return ""
    order = report.best_order
    wins = f"The {order}-gram wins ({report.best_bpc:.3f} against {rnn_bpc:.3f} bits per character)"
    epochs = len(val_by_epoch)
    best = int(np.argmin(val_by_epoch)) + 1 if epochs else 0
    if epochs and best == epochs:
        return (
            f"{wins}: the network trained for only {plural(epochs, 'epoch')} on "
            f"{train_chars:,} training characters and was still improving at the last one, "
            "too little training to learn what the n-gram simply counts; train it for more epochs."
        )
    peaked = f", best at epoch {best} of {epochs}," if epochs else ""
    if train_chars < SMALL_CORPUS_CHARS:
        return (
            f"{wins}: on {train_chars:,} training characters it simply recalls the "
            f"{order - 1}-character contexts it has counted, while the network{peaked} has to "
            "learn its weights from the same few characters and starts to memorise them first; a "
            "larger corpus (a genre or all 38 plays) gives it enough to read."
        )
    return (
        f"{wins}: it recalls the {order - 1}-character contexts it has counted in "
        f"{train_chars:,} training characters, while the network{peaked} stopped improving "
        "before it had learnt them; more units or more dropout may close the gap."
    )


def ngram_baseline(
    data: CharData,
    max_order: int = DEFAULT_MAX_ORDER,
    prompt: str = "\n",
    length: int = 300,
    seed: int = 0,
    temperature: float = 1.0,
) -> NgramReport:
    """Fit on the training block, score orders 1..max_order on validation, sample the best."""
    max_order = min(max_order, max_order_for(len(data.vocab)))
    model = CharNgram(data.train_ids, len(data.vocab), max_order)
    scores = {k: model.bits_per_char(data.val_ids, k) for k in range(1, max_order + 1)}
    best = min(scores, key=scores.get)
    ids = model.sample(data.vocab.encode(prompt), length, best, seed, temperature)
    return NgramReport(scores, best, data.vocab.decode(ids))
