"""Figures draw the numbers they are given (no model needed)."""

import numpy as np
import pandas as pd

from rnnviz.common.figures import (
    comparison_curves,
    confusion_figure,
    gate_explorer_figure,
    gate_heatmaps,
    gate_stats_figure,
    history_figure,
    topology_diagram,
)
from rnnviz.model.gates import GATE_KEYS, Trace
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.forecast.figures import forecast_figure, horizon_figure, series_preview


def lstm_trace(batch=2, time=5, units=3) -> Trace:
    rng = np.random.default_rng(0)
    gates = {k: rng.uniform(size=(batch, time, units)).astype("float32") for k in GATE_KEYS["LSTM"]}
    return Trace("rnn_1", "forward", "LSTM", gates)


def test_history_figure_plots_train_and_validation_per_epoch():
    fig = history_figure({"loss": [3.0, 2.0], "val_loss": [4.0, 3.5], "mae": [1.0, 0.5]}, "mae")
    names = [t.name for t in fig.data]
    assert names == ["train loss", "validation loss", "train mae"]
    assert list(fig.data[1].y) == [4.0, 3.5] and list(fig.data[0].x) == [1, 2]


def test_history_figure_draws_batch_losses_under_the_epochs():
    history = {"loss": [3.0, 2.0], "val_loss": [4.0, 3.5], "mae": [1.0, 0.5]}
    batches = [3.4, 3.2, 3.0, 2.4, 2.2, 2.0]  # 2 epochs of 3 batches
    fig = history_figure(history, "mae", batches, steps_per_epoch=3)
    line = next(t for t in fig.data if t.name == "train loss per batch")
    assert list(line.y) == batches and line.opacity < 1
    np.testing.assert_allclose(line.x, [1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2])
    epoch_points = next(t for t in fig.data if t.name == "train loss")
    # The last batch of each epoch sits where that epoch's point is drawn.
    assert list(line.x[2::3]) == list(epoch_points.x)
    assert len(fig.data) == 4  # the three per-epoch lines as before, plus the batches
    assert history_figure(history, "mae", [], 3).data[0].name == "train loss"


def test_gate_heatmaps_show_time_by_units_for_each_gate():
    trace = lstm_trace()
    fig = gate_heatmaps(trace, sample=1)
    assert len(fig.data) == len(GATE_KEYS["LSTM"])
    np.testing.assert_array_equal(
        np.asarray(fig.data[1].z), trace.gates["forget"][1].T
    )  # (units, time)
    assert (
        fig.data[0].zmin == 0.0 and fig.data[0].zmax == 1.0
    )  # sigmoid gates on a fixed [0, 1] scale


def test_gate_stats_follow_the_epochs():
    history = [
        {("rnn_1", "forward", "forget"): (0.5, 0.1)},
        {("rnn_1", "forward", "forget"): (0.7, 0.4)},
    ]
    fig = gate_stats_figure(history, "rnn_1", "forward")
    assert [list(t.y) for t in fig.data] == [[0.5, 0.7], [0.1, 0.4]]


def test_explorer_draws_the_input_on_the_same_time_axis():
    trace = lstm_trace(time=4)
    steps = list(pd.date_range("2020-01-01", periods=4, freq="MS"))
    fig = gate_explorer_figure(trace, 0, "output", steps, np.array([1.0, 2.0, 3.0, 4.0]), "y")
    line, heat = fig.data
    assert list(line.x) == list(heat.x) == steps and list(line.y) == [1, 2, 3, 4]
    assert "unit %{y}" in heat.hovertemplate and "step %{x}" in heat.hovertemplate


def test_preview_shades_validation_and_test_rows():
    frame = pd.DataFrame({"y": np.arange(10.0)}, index=pd.RangeIndex(10))
    fig = series_preview(frame, "y", train_end=6, val_end=8)
    bands = [(s.x0, s.x1) for s in fig.layout.shapes]
    assert bands == [(6, 7), (8, 9)]


def test_small_figures():
    assert np.asarray(confusion_figure(np.array([[3, 1], [0, 4]]), ["a", "b"]).data[0].z).sum() == 8
    assert len(comparison_curves({"A": {"loss": [1, 0.5], "val_loss": [1.2, 0.9]}}).data) == 2
    diagram = topology_diagram(
        ModelSpec(units=(4, 4), topology="encoder_decoder", horizon=3), (12, 1)
    )
    texts = [a.text for a in diagram.layout.annotations if a.text]
    assert any("RepeatVector" in t for t in texts) and sum("Decoder" in t for t in texts) == 2


def test_horizon_figure_draws_the_model_beside_each_baseline():
    table = pd.DataFrame(
        {
            "horizon": [1, 2, 3],
            "rows": [5, 5, 5],
            "RNN RMSE": [1.0, 2.0, 3.0],
            "RNN MAE": [0.5, 1.0, 1.5],
            "Naive (last value) RMSE": [2.0, 3.0, 4.0],
            "Naive (last value) MAE": [1.0, 2.0, 3.0],
        }
    )
    fig = horizon_figure(table)
    assert [t.name for t in fig.data] == ["RNN", "Naive (last value)"]
    assert list(fig.data[0].y) == [1.0, 2.0, 3.0] and list(fig.data[1].x) == [1, 2, 3]


def test_forecast_figure_draws_bands_and_optional_baselines():
    times = pd.date_range("2000-01-01", periods=6, freq="MS")
    fitted = pd.DataFrame(
        {"time": times[2:4], "split": "test", "actual": [3.0, 4.0], "predicted": [3.1, 3.9]}
    )
    actual = pd.DataFrame({"time": times[:4], "actual": [1.0, 2.0, 3.0, 4.0]})
    future = pd.DataFrame(
        {
            "time": times[4:],
            "forecast": [5.0, 6.0],
            "Naive (last value)": [4.0, 4.0],
            "low 80%": [4.5, 5.0],
            "high 80%": [5.5, 7.0],
            "low 95%": [-np.inf, -np.inf],  # too few residuals: not drawn
            "high 95%": [np.inf, np.inf],
        }
    )
    fig = forecast_figure(fitted, future, "y", actual=actual)
    names = [t.name for t in fig.data]
    assert names == ["actual", "predicted (test)", "80% interval", "forecast"]
    assert len(fig.data[0].x) == 4  # the whole series, not only where predictions exist
    band = fig.data[2]
    assert list(band.y) == [5.5, 7.0, 5.0, 4.5]  # upper edge out, lower edge back
    with_baseline = forecast_figure(fitted, future, "y", actual, baselines=["Naive (last value)"])
    assert "Naive (last value)" in [t.name for t in with_baseline.data]


def test_history_figure_marks_the_loss_before_training_at_zero():
    """Before the first batch (Keras still tracing its train step) the chart already shows the
    untrained model's loss at 0; the batches then continue from there."""
    fig = history_figure({}, "mae", [], 3, initial_loss=2.5)
    (start,) = [t for t in fig.data if t.name == "loss before training"]
    assert list(start.x) == [0] and list(start.y) == [2.5] and start.xaxis == "x"
    later = history_figure({"loss": [1.0]}, "mae", [2.0, 1.5, 1.0], 3, initial_loss=2.5)
    assert [t.name for t in later.data][:2] == ["loss before training", "train loss per batch"]
    assert history_figure({}, "mae", [], 3).data == ()  # no starting loss: nothing drawn yet
