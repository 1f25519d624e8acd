"""The verdict logic on crafted horizon tables: it never claims more than the numbers show."""

import pandas as pd

from rnnviz.common.verdicts import (
    classifier_verdict,
    forecast_verdict,
    kept_epoch,
    strongest_baselines,
    validation_warning,
)


def table(rnn, naive, mean, drift=(9.0, 9.0, 9.0, 9.0)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "horizon": [1, 2, 3, 4],
            "rows": [4, 4, 4, 4],
            "RNN RMSE": rnn,
            "Naive (last value) RMSE": naive,
            "Mean (training rows) RMSE": mean,
            "Drift RMSE": drift,
        }
    )


def test_a_model_that_beats_every_baseline_is_green_and_names_the_strongest():
    verdict = forecast_verdict(table([1.0, 1.0, 1.0, 1.0], [2, 3, 4, 5], [2.5, 2.5, 2.5, 2.5]))
    assert verdict.good
    assert verdict.text.startswith("The RNN beats every baseline at all 4 horizons.")
    assert "Naive (last value) at horizon 1; Mean (training rows) at horizons 2-4" in verdict.text


def test_a_model_that_loses_says_so():
    verdict = forecast_verdict(table([5.0, 6.0, 7.0, 8.0], [2, 3, 4, 5], [3, 3, 3, 3]))
    assert not verdict.good
    assert verdict.text.startswith("The RNN loses to a baseline at every horizon (1-4): ")
    assert "at horizon 4, Mean (training rows) has RMSE 3 against the RNN's 8" in verdict.text


def test_a_model_that_beats_naive_but_not_the_mean():
    crafted = table([0.30, 0.30, 0.30, 0.20], [0.40, 0.45, 0.5, 0.6], [0.228] * 4)
    assert strongest_baselines(crafted).tolist() == ["Mean (training rows)"] * 4
    verdict = forecast_verdict(crafted)
    assert not verdict.good
    assert "at 1 of 4 horizons and loses at horizons 1-3" in verdict.text
    assert "Mean (training rows) has RMSE 0.228 against the RNN's 0.3" in verdict.text


def test_an_epoch_one_model_on_four_validation_rows_is_never_green():
    history = {"loss": [1.0, 0.8, 0.7, 0.6], "val_loss": [0.5, 0.6, 0.7, 0.8]}
    kept = kept_epoch(history, "best")
    assert kept == 1
    caution = validation_warning(4, kept, 4)
    assert "holds 4 window(s), fewer than 10: early stopping had too little to go on" in caution
    verdict = forecast_verdict(table([1.0] * 4, [2.0] * 4, [2.0] * 4), caution)
    assert not verdict.good and verdict.text.startswith(caution)
    assert "beats every baseline at all 4 horizons" in verdict.text  # the numbers, still said


def test_early_kept_weights_on_enough_windows_warn_too():
    assert "from epoch 2 of 30" in validation_warning(24, 2, 30)
    assert validation_warning(24, 12, 30) == ""
    assert validation_warning(24, 2, 2) == ""  # a two-epoch budget: nothing to stop early
    assert "kept the last weights" in validation_warning(6, 30, 30, kept_last=True)
    assert kept_epoch({"loss": [3.0, 2.0], "val_loss": [1.0, 2.0]}, "last") == 2
    assert kept_epoch({}, "best") is None


def test_a_classifier_verdict_names_the_baseline_it_loses_to():
    lost = classifier_verdict(0.58, {"1-NN": 0.81, "logistic": 0.6, "the majority class": 0.2})
    assert not lost.good
    assert lost.text == "The RNN's test accuracy 0.580 does not beat 1-NN (0.810): it loses to it."
    tie = classifier_verdict(0.77, {"TF-IDF + logistic regression": 0.77})
    assert not tie.good and tie.text.endswith("it ties.")
    won = classifier_verdict(0.96, {"1-NN": 0.955, "the majority class": 0.5})
    assert won.good and "(the strongest: 1-NN, 0.955)" in won.text
