"""The task registry and the Job contract: every task answers the same questions the same way."""

import pickle
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from rnnviz.model.builder import build_model
from rnnviz.model.cells import CELL_TYPES, cudnn_blockers, export_options, layer_options
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.base import Job, data_key
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.tasks.generation.chars import CharCorpus, prepare_char_data
from rnnviz.tasks.generation.task import GenerationData
from rnnviz.tasks.registry import TASK_NAMES, TASKS, get_task
from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData
from rnnviz.tasks.sentiment.text import prepare_text_data
from rnnviz.train.runs import RunStore, save_job
from tests.core.synthetic_text import synthetic

ROOT = Path(__file__).resolve().parents[2]
TINY = TrainSpec(epochs=1, batch_size=16, seed=3)


@pytest.fixture(scope="module")
def forecast_data() -> ForecastData:
    windows = WindowSpec(window=12, horizon=3, test_size=24, val_size=12, transform="log_diff")
    return ForecastData(load_builtin("airline"), windows)


@pytest.fixture(scope="module")
def sentiment_data() -> SentimentData:
    return SentimentData("synthetic", prepare_text_data(synthetic(120), 30, 6))


@pytest.fixture(scope="module")
def generation_data() -> GenerationData:
    text = "MACBETH:\nSo foul and fair a day I have not seen.\n[Enter ROSS]\n\n" * 30
    chars = prepare_char_data(CharCorpus("tiny play", text), seq_len=16, val_fraction=0.2)
    return GenerationData(chars, None, 0.2, "MACBETH:", 0.5, 8)


def data_for(name: str, forecast_data, sentiment_data, generation_data=None):
    if name == "sequences":
        from tests.core.test_seq_task import tiny_sequences

        return tiny_sequences()
    if name == "anomaly":
        from tests.core.test_anomaly import tiny_anomaly_data

        return tiny_anomaly_data()
    return {"forecast": forecast_data, "sentiment": sentiment_data, "generation": generation_data}[
        name
    ]


def test_registry_names_pages_and_recipes():
    assert TASK_NAMES == ("forecast", "sentiment", "sequences", "generation", "anomaly")
    pages = set()
    for name, task in TASKS.items():
        assert task.name == name and task.label
        for page in (task.data_page, task.inspect_page):
            assert (ROOT / page).is_file(), page
            pages.add(page)
        model, train = task.default_recipe()
        assert isinstance(model, ModelSpec) and isinstance(train, TrainSpec)
        assert model.topology in task.topologies
        assert task.catalog() and all(row["data"] for row in task.catalog())
    assert len(pages) == 2 * len(TASKS)  # each task has its own Data and Inspect page
    with pytest.raises(ValueError, match="task must be one of"):
        get_task("no such task")


@pytest.mark.parametrize("name", TASK_NAMES)
def test_factory_job_matches_the_declared_shapes(
    name, forecast_data, sentiment_data, generation_data
):
    task = get_task(name)
    data = data_for(name, forecast_data, sentiment_data, generation_data)
    recipe, _ = task.default_recipe()
    spec = task.model_spec(recipe.with_(units=(4,), embedding_dim=4), data)
    job = task.make_job(data, spec, TINY)
    assert isinstance(job, Job) and get_task(job.task) is task and task.owns(job)
    assert job.dataset_name == task.dataset_name(data)
    shape = task.input_shape(data, spec)
    assert tuple(job.run.model.input_shape[1:]) == shape
    assert task.build_model(job.run.spec, shape).count_params() == job.run.model.count_params()
    fit = task.fit_data(data, spec)
    np.testing.assert_array_equal(fit.x_train, job.run.data.x_train)
    np.testing.assert_array_equal(fit.y_val, job.run.data.y_val)
    # Declared fields, nothing added at run time: a new job is neither saved nor failed.
    assert {"record", "save_error"} <= {f.name for f in fields(job)}
    assert job.record is None and job.save_error == "" and not job.saved


@pytest.mark.parametrize("name", TASK_NAMES)
def test_a_pickled_request_rebuilds_the_same_job(
    name, forecast_data, sentiment_data, generation_data
):
    task = get_task(name)
    data = data_for(name, forecast_data, sentiment_data, generation_data)
    spec = task.model_spec(task.default_recipe()[0].with_(units=(3,), embedding_dim=4), data)
    request = TrainRequest(name, data, spec, TINY, "unused-runs-root")
    here, there = request.build_job(), pickle.loads(pickle.dumps(request)).build_job()
    assert type(here) is type(there) and here.dataset_name == there.dataset_name
    assert request.dataset_name == task.dataset_name(data) == here.dataset_name
    for ours, theirs in zip(
        here.run.model.get_weights(), there.run.model.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(ours, theirs)  # seeded: the same initial weights


def test_model_spec_completes_the_build_spec_for_the_data(forecast_data, sentiment_data):
    forecast = FORECAST.model_spec(ModelSpec(topology="encoder_decoder"), forecast_data)
    assert forecast.horizon == 3 and forecast.head == "regression"
    text = sentiment_data.text_data
    sentiment = SENTIMENT.model_spec(ModelSpec(), sentiment_data)
    assert sentiment.vocab_size == len(text.vocab) == 13 and sentiment.head == "binary"
    assert SENTIMENT.input_shape(sentiment_data, sentiment) == (6,)
    notes = FORECAST.build_notes(forecast_data, forecast.with_(stateful=True))
    assert [n.kind for n in notes] == ["caption", "warning", "caption"]
    assert notes[0].text.startswith("Default recipe for this series. A firm season of 12 rows")
    assert "3 future steps at once" in notes[-1].text
    assert "P(pos)" in SENTIMENT.build_notes(sentiment_data, sentiment)[0].text


def test_content_key_follows_the_weights_not_the_object(forecast_data):
    spec = FORECAST.model_spec(ModelSpec(cell="GRU", units=(4,)), forecast_data)
    first = FORECAST.make_job(forecast_data, spec, TINY)
    twin = FORECAST.make_job(forecast_data, spec, TINY)  # same seed: same initial weights
    assert first.content_key() == twin.content_key()
    weights = twin.run.model.get_weights()
    twin.run.model.set_weights([w + 0.01 for w in weights])
    assert first.content_key() != twin.content_key()


def test_saved_runs_restore_compare_and_export_through_the_registry(tmp_path, forecast_data):
    store = RunStore(tmp_path)
    spec = FORECAST.model_spec(ModelSpec(cell="LSTM", units=(4,)), forecast_data)
    jobs = []
    for cell in ("LSTM", "GRU"):
        job = FORECAST.make_job(forecast_data, spec.with_(cell=cell), TINY)
        job.run.run()
        job.record = save_job(store, job)
        jobs.append(job)
    record = jobs[0].record
    restored = get_task(record.task).restore(record, store.load_model(record.run_id))
    assert restored.record is record and restored.saved
    np.testing.assert_allclose(
        restored.report().errors["RMSE"], jobs[0].report().errors["RMSE"], rtol=1e-5
    )
    # On the session's data (what collecting a finished run passes): the same job.
    on_data = FORECAST.restore(record, store.load_model(record.run_id), forecast_data)
    assert on_data.record is record and on_data.series_name == forecast_data.name
    np.testing.assert_allclose(
        on_data.report().errors["RMSE"], jobs[0].report().errors["RMSE"], rtol=1e-5
    )
    figures = FORECAST.comparison_figures([job.record for job in jobs])
    overlay = figures["cmp_forecasts"]
    assert [t.name for t in overlay.data] == ["actual", "LSTM uni x1", "GRU uni x1"]
    export = FORECAST.export(record)
    assert export.filename == "rnnviz_airline_lstm_many_to_one.py"
    assert "WINDOW = 12" in export.script and "HORIZON = 1" in export.script
    # The run's SARIMA baseline (its order saved with the run) is fit again by the script.
    sarima = record.data_config["sarima"]
    assert sarima == jobs[0].report().sarima and sarima["seasonal_order"][3] == 12
    assert f"SARIMA_ORDER = {sarima['order']}" in export.script
    assert 'FITTED_BASELINES["SARIMA"] = sarima_forecast' in export.script
    compile(export.script, export.filename, "exec")


def test_sentiment_comparison_draws_roc_of_each_variant(tmp_path, sentiment_data):
    store = RunStore(tmp_path)
    spec = SENTIMENT.model_spec(ModelSpec(units=(4,), embedding_dim=4), sentiment_data)
    records = []
    for cell in ("GRU", "LSTM"):
        job = SENTIMENT.make_job(sentiment_data, spec.with_(cell=cell), TINY)
        job.run.run()
        records.append(save_job(store, job))
    figure = SENTIMENT.comparison_figures(records)["cmp_roc"]
    names = " ".join(t.name or "" for t in figure.data)
    assert "GRU uni x1" in names and "LSTM uni x1" in names


def test_uploaded_models_only_where_the_task_inspects_them(sentiment_data):
    model = build_model(ModelSpec(units=(3,), vocab_size=30, head="binary"), (6,))
    assert FORECAST.inspects_uploads and not SENTIMENT.inspects_uploads
    with pytest.raises(ValueError, match="cannot be inspected"):
        SENTIMENT.job_from_model(model, sentiment_data)


# ---------------------------------------------------------------------------------------------
# Cells: one entry each, consistent with Keras


@pytest.mark.parametrize("name", list(CELL_TYPES))
def test_cell_entry_matches_its_keras_layer(name):
    cell = CELL_TYPES[name]
    spec = ModelSpec(cell=name, units=(5,))
    layer = cell.keras_class(5, **layer_options(spec))
    layer.build((None, 7, 3))
    kernel = layer.cell.kernel
    assert tuple(kernel.shape) == (3, cell.n_gates * 5)  # gate blocks stacked in the kernel
    assert set(cell.states) <= set(cell.gates) and set(cell.labels) == set(cell.gates)
    assert cell.sigmoid_gates <= set(cell.gates)
    assert export_options(spec) == {}  # every option at Keras's default: nothing to write
    assert (cudnn_blockers(spec) == []) == cell.cudnn


def test_export_options_name_what_differs_from_keras():
    spec = ModelSpec(cell="GRU", activation="relu", reset_after=False, dropout=0.2)
    assert export_options(spec) == {"activation": "relu", "dropout": 0.2, "reset_after": False}
    assert "reset_after" not in layer_options(spec.with_(cell="LSTM"))


def test_a_saved_rotten_tomatoes_run_exports_its_exact_data(tmp_path):
    from rnnviz.tasks.sentiment.text import load_rotten_tomatoes

    data = SentimentData("Rotten Tomatoes", prepare_text_data(load_rotten_tomatoes(), 200, 12))
    spec = SENTIMENT.model_spec(ModelSpec(units=(2,), embedding_dim=2), data)
    job = SENTIMENT.make_job(data, spec, TrainSpec(epochs=1, batch_size=512))
    job.run.run()
    record = save_job(RunStore(tmp_path), job)
    export = SENTIMENT.export(record)
    assert export.filename == "rnnviz_rotten_tomatoes_lstm_many_to_one.py"
    assert max(len(line) for line in export.script.splitlines()) <= 100
    namespace = {"__name__": "exported"}
    exec(compile(export.script, export.filename, "exec"), namespace)  # definitions only
    splits = namespace["text_splits"]()  # every real snippet quoted and re-encoded exactly
    text = data.text_data
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(splits[name][0], getattr(text, f"x_{name}"))
        np.testing.assert_array_equal(splits[name][1], getattr(text, f"y_{name}"))
    assert namespace["build_model"]().count_params() == job.run.model.count_params()
    # Data that is not stored cannot be exported again.
    assert SENTIMENT.export(replace(record, dataset="my.csv")) is None


def test_data_key_tells_the_same_data_chosen_again_from_other_data():
    airline, again = (ForecastData(load_builtin("airline"), WindowSpec()) for _ in range(2))
    assert airline is not again and data_key(airline) == data_key(again)
    assert data_key(airline) != data_key(ForecastData(load_builtin("lynx"), WindowSpec()))
    other_window = ForecastData(load_builtin("airline"), WindowSpec(window=6))
    assert data_key(airline) != data_key(other_window)
