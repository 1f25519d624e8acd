"""Comparison runs, saving jobs, restoring them, and reproducible training on CPU."""

import time

import numpy as np
import pandas as pd
import pytest

from rnnviz.model.builder import spec_of
from rnnviz.model.spec import ModelSpec, TrainSpec, variant_label
from rnnviz.service.compare import MAX_VARIANTS, Comparison, results_table, variant_specs
from rnnviz.service.executor import default_executor
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.forecast.evaluation import forecast_job
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.tasks.registry import get_task
from rnnviz.train.runs import RunStore, save_job

WINDOWS = WindowSpec(window=12, horizon=1, test_size=24, val_size=12, transform="log_diff")
TINY = TrainSpec(epochs=2, batch_size=16, seed=3)


def airline_job(spec=None, train=TINY):
    return forecast_job(
        load_builtin("airline"), WINDOWS, spec or ModelSpec(cell="GRU", units=(4,)), train
    )


def test_variants_cover_the_product_and_respect_the_limit():
    base = ModelSpec(cell="LSTM", units=(5, 7), dropout=0.1)
    specs = variant_specs(base, ["SimpleRNN", "GRU"], [False, True], [1])
    assert [variant_label(s) for s in specs] == [
        "SimpleRNN uni x1",
        "SimpleRNN bi x1",
        "GRU uni x1",
        "GRU bi x1",
    ]
    assert all(s.units == (5,) and s.dropout == 0.1 for s in specs)
    with pytest.raises(ValueError, match="at most"):
        variant_specs(base, ["SimpleRNN", "LSTM", "GRU"], [False, True], [1, 2])
    assert MAX_VARIANTS == 6


def forecast_request(spec, root, train=TINY) -> TrainRequest:
    data = ForecastData(load_builtin("airline"), WINDOWS)
    return TrainRequest("forecast", data, spec, train, str(root))


def test_comparison_trains_variants_in_turn_and_saves_each(tmp_path):
    store = RunStore(tmp_path)
    specs = variant_specs(ModelSpec(units=(4,)), ["SimpleRNN", "LSTM"], [False], [1])
    submit = default_executor().submit
    comparison = Comparison(specs, lambda spec: forecast_request(spec, tmp_path), submit)
    comparison.start()
    comparison.join(300)
    assert comparison.done and comparison.progress == 1.0
    assert [h.request.model_spec.cell for h in comparison.handles] == ["SimpleRNN", "LSTM"]
    assert all(h.snapshot().epoch == 2 for h in comparison.handles)
    assert sorted(r.cell for r in store.list()) == ["LSTM", "SimpleRNN"]
    table = results_table(comparison.handles, store)
    # Keras's own counts: SimpleRNN 4 * (1 + 4 + 1) + 5, LSTM 4 * 4 * (1 + 4 + 1) + 5.
    parameters = dict(zip(table["variant"], table["parameters"], strict=True))
    assert parameters == {"SimpleRNN uni x1": 29, "LSTM uni x1": 101}
    assert (table["test RMSE 1-1 steps"] > 0).all() and list(table["epochs"]) == [2, 2]
    assert list(table["rank"]) == [1, 2]  # ranked on the best validation loss
    assert table["best val loss"].is_monotonic_increasing
    assert len(table.columns) <= 8  # fits the page without a horizontal scroll


def test_stop_skips_the_remaining_variants(tmp_path):
    specs = variant_specs(ModelSpec(units=(4,)), ["SimpleRNN", "LSTM", "GRU"], [False], [1])
    slow = TrainSpec(epochs=500, batch_size=4)
    submit = default_executor().submit
    comparison = Comparison(specs, lambda spec: forecast_request(spec, tmp_path, slow), submit)
    comparison.start()
    deadline = time.monotonic() + 120
    while not (comparison.handles and comparison.handles[0].snapshot().batch_loss):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    comparison.stop()
    comparison.join(30)
    assert comparison.done and len(comparison.handles) == 1
    assert comparison.handles[0].snapshot().status == "stopped"
    assert comparison.progress < 1.0  # 0 of 3 variants trained: the bar is not full


def test_saved_run_restores_to_the_same_forecast(tmp_path):
    job = airline_job()
    job.run.run()
    record = save_job(RunStore(tmp_path), job)
    assert record.metrics["test RMSE"] > 0 and "Seasonal naive (season 12) RMSE" in record.metrics
    predictions = record.predictions()
    assert set(predictions["split"]) == {"train", "val", "test", "future"}
    restored = get_task(record.task).restore(record, RunStore(tmp_path).load_model(record.run_id))
    original, again = job.report(), restored.report()
    pd.testing.assert_frame_equal(original.errors, again.errors, rtol=1e-5)
    assert restored.run.snapshot().status == job.run.snapshot().status


def test_uploaded_model_is_described_and_checked_against_the_data():
    # Built elsewhere: rnnviz refuses to build this topology (it reads the future it predicts),
    # but an uploaded one can still be inspected (its last step has no future to read).
    from rnnviz.model.builder import _assemble

    spec = ModelSpec(cell="LSTM", units=(4, 3), bidirectional=True, topology="many_to_many")
    model = _assemble(spec, (WINDOWS.window, 1))
    spec = spec_of(model)
    assert (spec.cell, spec.units, spec.bidirectional, spec.topology) == (
        "LSTM",
        (4, 3),
        True,
        "many_to_many",
    )
    inspected = FORECAST.job_from_model(model, ForecastData(load_builtin("airline"), WINDOWS))
    assert len(inspected.report().fitted) > 0
    with pytest.raises(ValueError, match="window x features"):
        FORECAST.job_from_model(
            model, ForecastData(load_builtin("airline"), WindowSpec(window=6, test_size=24))
        )


def test_same_spec_data_and_seed_give_the_same_history():
    histories = []
    for _ in range(2):
        job = airline_job(
            ModelSpec(cell="LSTM", units=(6,), dropout=0.1),
            TrainSpec(epochs=3, batch_size=16, seed=11),
        )
        histories.append(job.run.run().history)
    assert histories[0].keys() == histories[1].keys()
    for key in histories[0]:
        np.testing.assert_array_equal(histories[0][key], histories[1][key])


def test_forecast_variants_are_ranked_on_validation_not_test():
    from rnnviz.service.compare import rank_variants, ranking_note
    from rnnviz.tasks.forecast.task import FORECAST

    # The case: LSTM has the better test RMSE, SimpleRNN the better validation loss.
    table = pd.DataFrame(
        {
            "variant": ["LSTM uni x1", "SimpleRNN uni x1", "GRU uni x1"],
            "best val loss": [0.20, 0.01, np.nan],
            "test RMSE 1-12 steps": [18.0, 30.0, 10.0],
        }
    )
    ranked = rank_variants(table, FORECAST.ranking)
    assert ranked["variant"].tolist() == ["SimpleRNN uni x1", "LSTM uni x1", "GRU uni x1"]
    assert ranked["rank"].tolist() == [1, 2, 3]
    assert "Ranked on validation (best val loss" in ranking_note(FORECAST.ranking)
    assert "play no part in the ranking" in ranking_note(FORECAST.ranking)
    unsaved = pd.DataFrame({"variant": ["x"], "parameters": [3]})
    assert rank_variants(unsaved, FORECAST.ranking).equals(unsaved)


@pytest.mark.parametrize(
    ("task", "column", "values", "order"),
    [
        ("sentiment", "best val loss", [0.5, 0.3, 0.4], ["b", "c", "a"]),
        ("sequences", "best val loss", [0.2, 0.4, np.nan], ["a", "b", "c"]),
        ("generation", "val bpc", [2.6, 2.4, 2.5], ["b", "c", "a"]),  # fewer bits: better
    ],
)
def test_every_task_ranks_its_variants_on_validation(task, column, values, order):
    from rnnviz.service.compare import rank_variants
    from rnnviz.tasks.registry import get_task

    table = pd.DataFrame(
        {"variant": ["a", "b", "c"], column: values, "test accuracy": [0.9, 0.1, 0.5]}
    )
    ranked = rank_variants(table, get_task(task).ranking)
    assert ranked["variant"].tolist() == order and ranked["rank"].tolist() == [1, 2, 3]
