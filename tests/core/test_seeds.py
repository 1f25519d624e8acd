"""Compare over seeds: the spread of 3 seeds of a tiny model, and a ranking that honours it."""

from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
import pytest

from rnnviz.common.seeds import (
    clearly_better,
    curve_spread,
    mean_sd_text,
    seed_summary,
    seeds_for,
    settings_diff,
    spread_ranking,
)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(320, 6, 1)).astype("float32")  # (samples, time, features)
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")
    return x[:256], y[:256], x[256:], y[256:]


def tiny_run(seed: int, learning_rate: float) -> dict[str, list[float]]:
    """A seeded SimpleRNN(4) trained 3 epochs: its history (the seed fixes init and order)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((6, 1)),
            keras.layers.SimpleRNN(4),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(keras.optimizers.Adam(learning_rate), "binary_crossentropy")
    x, y, xv, yv = _data()
    fit = model.fit(x, y, validation_data=(xv, yv), epochs=3, batch_size=32, verbose=0)
    return fit.history


@pytest.fixture(scope="module")
def runs():
    """Two variants x 3 seeds: 'trained' and 'frozen' (learning rate 0: its initial weights)."""
    rows, histories = [], {}
    for variant, rate in (("trained", 0.05), ("frozen", 0.0)):
        for seed in seeds_for(7, 3):
            history = tiny_run(seed, rate)
            histories.setdefault(variant, []).append(history)
            rows.append({"variant": variant, "seed": seed, "val loss": history["val_loss"][-1]})
    return pd.DataFrame(rows), histories


def test_spread_of_three_seeds_is_their_sample_sd(runs):
    results, _ = runs
    summary = seed_summary(results, "val loss").set_index("variant")
    trained = results.loc[results.variant == "trained", "val loss"].to_numpy()
    assert summary.loc["trained", "seeds"] == 3
    assert summary.loc["trained", "mean"] == pytest.approx(trained.mean())
    assert summary.loc["trained", "sd"] == pytest.approx(np.std(trained, ddof=1))
    assert summary.loc["trained", "sd"] > 0  # the seeds really differ
    # the same seed gives the same initialisation and data order: the same result
    assert tiny_run(7, 0.05)["val_loss"][-1] == pytest.approx(trained[0], rel=1e-6)


def test_ranking_counts_a_difference_only_beyond_the_spread(runs):
    results, _ = runs
    ranked = spread_ranking(seed_summary(results, "val loss"), higher_is_better=False)
    by_variant = ranked.set_index("variant")
    assert by_variant["rank"].to_dict() == {"trained": 1, "frozen": 2}
    assert (by_variant["tied with"] == "").all()
    # the same results with the seeds of one variant relabelled as a third: a tie with it
    half = results[results.variant == "trained"].assign(variant="trained again")
    ranked = spread_ranking(seed_summary(pd.concat([results, half]), "val loss"), False)
    by_variant = ranked.set_index("variant")
    assert by_variant["rank"].to_dict() == {
        "trained": 1,
        "trained again": 1,
        "frozen": 3,
    }
    assert by_variant.loc["trained", "tied with"] == "trained again"


def test_overlapping_bars_tie_and_separate_bars_do_not():
    summary = pd.DataFrame(
        {
            "variant": ["a", "b", "c"],
            "mean": [0.80, 0.78, 0.60],
            "sd": [0.02, 0.03, 0.01],
            "seeds": 3,
        }
    )
    ranked = spread_ranking(summary, higher_is_better=True).set_index("variant")
    assert ranked["rank"].to_dict() == {"a": 1, "b": 1, "c": 3}
    a, c = summary.iloc[0], summary.iloc[2]
    assert clearly_better(a, c, True) and not clearly_better(c, a, True)
    one_seed = summary.assign(sd=np.nan, seeds=1)
    assert spread_ranking(one_seed, True)["variant"].tolist() == ["a", "b", "c"]
    assert spread_ranking(one_seed, True)["rank"].tolist() == [1, 2, 3]
    assert (
        mean_sd_text(0.8123, 0.0141) == "0.812 \u00b1 0.014"
        and mean_sd_text(0.8, np.nan) == "0.800"
    )


def test_curve_spread_follows_each_epoch(runs):
    _, histories = runs
    spread = curve_spread(histories["trained"], "val_loss")
    values = np.array([h["val_loss"] for h in histories["trained"]])  # (seeds, epochs)
    np.testing.assert_allclose(spread["mean"], values.mean(axis=0))
    np.testing.assert_allclose(spread["sd"], values.std(axis=0, ddof=1))
    short = curve_spread([{"loss": [1.0, 2.0]}, {"loss": [3.0]}], "loss")
    assert short["seeds"].tolist() == [2, 1] and np.isnan(short["sd"].iloc[1])


def test_seeds_are_bounded():
    assert seeds_for(7) == [7, 8, 9]
    with pytest.raises(ValueError, match="between 1 and 5"):
        seeds_for(7, 9)


@dataclass(frozen=True)
class Spec:
    cell: str = "LSTM"
    units: tuple = (8,)
    dropout: float = 0.0
    head: str | None = None


def test_settings_diff_keeps_only_what_differs():
    diff = settings_diff(
        {
            "LSTM": Spec(),
            "GRU x2": Spec("GRU", (8, 8)),
            "GRU": {"cell": "GRU", "units": (8,), "dropout": 0.0, "head": None},
        }
    )
    assert diff.index.tolist() == ["cell", "units"]
    assert diff.loc["units"].tolist() == ["8", "8, 8", "8"]
    assert settings_diff({"a": Spec(), "b": Spec()}).empty
