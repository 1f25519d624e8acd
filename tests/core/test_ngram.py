"""The interpolated Kneser-Ney character n-gram: hand-checked values, normalisation, sampling."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.common.csvread import DataError
from rnnviz.tasks.generation.chars import CharCorpus, prepare_char_data
from rnnviz.tasks.generation.ngram import CharNgram, max_order_for, ngram_baseline

A, B, C = 0, 1, 2


def _tiny() -> CharNgram:
    """Train on "aab" with the vocabulary {a, b, c} (c never seen)."""
    return CharNgram(np.array([A, A, B]), vocab_size=3, max_order=2)


def test_tiny_corpus_by_hand():
    model = _tiny()
    # unigram counts a:2 b:1 -> n1 = 1, n2 = 1, D1 = 1 / (1 + 2) ; bigrams aa, ab: n1 = 2, n2 = 0,
    # D = 1 clipped to 0.95; continuation counts (distinct left neighbours) a:1, b:1 -> D = 0.95
    assert model.raw[1].discount == pytest.approx(1 / 3)
    assert model.raw[2].discount == model.continuation[1].discount == 0.95
    d = 0.95
    cont_ab = (1 - d + d * 2 / 3) / 2  # P_cont(a) = P_cont(b): (max(1 - D, 0) + D * T / V) / N
    cont_c = (d * 2 / 3) / 2
    p_b_after_a = (1 - d + d * 2 * cont_ab) / 2  # N(ab) = 1, N(a.) = 2, T(a) = 2
    p_c_after_a = (d * 2 * cont_c) / 2
    assert model.distribution([A], 2) == pytest.approx([p_b_after_a, p_b_after_a, p_c_after_a])
    # "b" is never followed by anything: the bigram backs off to the continuation unigram
    assert model.distribution([B], 2) == pytest.approx([cont_ab, cont_ab, cont_c])
    # order 1 uses raw counts: (N(c) - D + D * T / V) / N with N = 3, T = 2
    d1 = 1 / 3
    expected = [(2 - d1 + d1 * 2 / 3) / 3, (1 - d1 + d1 * 2 / 3) / 3, (d1 * 2 / 3) / 3]
    assert model.distribution([A, B], 1) == pytest.approx(expected)
    assert sum(expected) == pytest.approx(1.0)


def _text_ids(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, int]:
    """Ids of a text with structure: words from a small lexicon, spaces and newlines."""
    rng = np.random.default_rng(seed)
    words = ["the", "king", "and", "queen", "shall", "not", "sleep", "macbeth", "doth"]
    text = " ".join(rng.choice(words, size=n // 4))
    text = "\n".join(text[i : i + 40] for i in range(0, len(text), 40))
    chars = sorted(set(text) | {"Z"})  # "Z" never occurs
    return np.array([chars.index(c) for c in text]), len(chars)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_every_distribution_sums_to_one(order):
    ids, vocab_size = _text_ids()
    model = CharNgram(ids[:3000], vocab_size, max_order=5)
    rng = np.random.default_rng(1)
    contexts = [ids[s : s + order - 1] for s in rng.integers(0, 2990, size=20)]
    contexts.append(rng.integers(0, vocab_size, size=order - 1))  # most likely unseen
    for context in contexts:
        probs = model.distribution(context, order)
        assert probs.shape == (vocab_size,) and np.all(probs > 0)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)


def test_log2_probs_agree_with_the_distributions():
    ids, vocab_size = _text_ids()
    model = CharNgram(ids[:3000], vocab_size, max_order=4)
    held_out = ids[3000:3060]
    for order in (1, 2, 4):
        fast = model.log2_probs(held_out, order)
        slow = [
            np.log2(model.distribution(held_out[max(0, i - order + 1) : i], order)[held_out[i]])
            for i in range(1, len(held_out))
        ]
        assert fast == pytest.approx(slow, abs=1e-12)


def test_higher_orders_fit_structured_text_better():
    ids, vocab_size = _text_ids(8000)
    model = CharNgram(ids[:6000], vocab_size, max_order=4)
    bpc = [model.bits_per_char(ids[6000:], k) for k in (1, 2, 3, 4)]
    assert bpc == sorted(bpc, reverse=True)
    assert bpc[0] < np.log2(vocab_size)  # even a unigram beats the uniform guess


def test_sampling_is_seeded_and_greedy_at_temperature_zero():
    ids, vocab_size = _text_ids()
    model = CharNgram(ids, vocab_size, max_order=3)
    first = model.sample(ids[:5], 50, order=3, seed=4)
    assert np.array_equal(first, model.sample(ids[:5], 50, order=3, seed=4))
    assert not np.array_equal(first, model.sample(ids[:5], 50, order=3, seed=5))
    greedy = model.sample(ids[:5], 20, order=3, temperature=0.0)
    history = list(ids[:5])
    for got in greedy:
        assert got == int(np.argmax(model.distribution(history, 3)))
        history.append(got)


def test_baseline_picks_the_best_order_on_validation():
    text = ("When shall we three meet again\nIn thunder, lightning, or in rain?\n" * 40) + (
        "When the hurlyburly's done,\nWhen the battle's lost and won.\n" * 10
    )
    data = prepare_char_data(CharCorpus("witches", text), seq_len=20, val_fraction=0.2)
    report = ngram_baseline(data, max_order=6, prompt="When", length=40, seed=0)
    assert set(report.bpc_by_order) == set(range(1, 7))
    assert report.best_bpc == min(report.bpc_by_order.values())
    assert report.best_order == min(report.bpc_by_order, key=report.bpc_by_order.get)
    assert len(report.sample) == 40 and set(report.sample) <= set(text)


def test_orders_beyond_an_int64_key_are_refused():
    assert max_order_for(64) == 10 and max_order_for(5000) == 5
    with pytest.raises(DataError, match="too long"):
        CharNgram(np.arange(100) % 64, 64, max_order=11)
