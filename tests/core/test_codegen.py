"""Exported scripts: valid, lint-clean code that rebuilds the same data and model, and trains."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnviz.export.codegen import TEMPLATE, script_filename
from rnnviz.model.builder import build_model
from rnnviz.model.spec import CELLS, TOPOLOGIES, ModelSpec, TrainSpec
from rnnviz.tasks.forecast.baselines import drift_forecast, mean_forecast
from rnnviz.tasks.forecast.evaluation import fit_data, windows_for
from rnnviz.tasks.forecast.export import forecast_script
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec, make_windows
from rnnviz.tasks.sentiment.export import sentiment_script
from rnnviz.tasks.sentiment.text import prepare_text_data
from rnnviz.tasks.sentiment.wordfeatures import pair_feature_table, word_feature_table
from tests.core.synthetic_text import synthetic

WINDOWS = WindowSpec(window=8, horizon=3, test_size=12, val_size=12)
TRAIN = TrainSpec(epochs=2, batch_size=16, learning_rate=0.02)


def spec_for(cell: str, topology: str, bidirectional: bool, **changes) -> ModelSpec:
    options = dict(units=(6, 4), horizon=WINDOWS.horizon) | changes
    return ModelSpec(cell=cell, topology=topology, bidirectional=bidirectional, **options)


def load_script(source: str) -> dict:
    """Run a generated script's definitions without its ``main()``."""
    namespace = {"__name__": "generated_script"}
    exec(compile(source, "generated_script.py", "exec"), namespace)
    return namespace


def strip_names(config: object) -> object:
    """A layer config without the auto-numbered names Keras gives unnamed inner layers."""
    if isinstance(config, dict):
        return {k: strip_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [strip_names(v) for v in config]
    return config


COMBINATIONS = [
    (cell, topology, bidirectional)
    for cell, topology, bidirectional in itertools.product(CELLS, TOPOLOGIES, (False, True))
    if not (bidirectional and topology == "many_to_many")  # refused: it reads the future
]


@pytest.mark.parametrize(("cell", "topology", "bidirectional"), COMBINATIONS)
def test_every_combination_compiles_and_rebuilds_the_same_model(cell, topology, bidirectional):
    spec = spec_for(cell, topology, bidirectional, dropout=0.1 if bidirectional else 0.0)
    source = forecast_script("airline", WINDOWS, spec, TRAIN)
    compile(source, "x", "exec")
    generated = load_script(source)["build_model"]()
    reference = build_model(spec, (WINDOWS.window, 1))
    assert generated.count_params() == reference.count_params()
    assert generated.name == reference.name
    assert [layer.name for layer in generated.layers] == [layer.name for layer in reference.layers]
    for ours, theirs in zip(generated.layers, reference.layers, strict=True):
        assert type(ours) is type(theirs)
        assert strip_names(ours.get_config()) == strip_names(theirs.get_config()), ours.name


def test_stateful_and_unusual_options_rebuild_the_same_model():
    spec = spec_for(
        "GRU",
        "many_to_one",
        True,
        stateful=True,
        stateful_batch_size=4,
        merge_mode="sum",
        activation="relu",
        recurrent_activation="hard_sigmoid",
        use_bias=False,
        reset_after=False,
        recurrent_dropout=0.1,
    )
    namespace = load_script(forecast_script("airline", WINDOWS, spec, TRAIN))
    for stateful in (True, False):
        generated = namespace["build_model"](stateful=stateful)
        reference = build_model(spec.with_(stateful=stateful), (WINDOWS.window, 1))
        assert generated.input_shape == reference.input_shape
        for ours, theirs in zip(generated.layers, reference.layers, strict=True):
            assert strip_names(ours.get_config()) == strip_names(theirs.get_config()), ours.name


@pytest.mark.parametrize(
    ("dataset", "inputs", "windows", "topology"),
    [
        ("airline", (), WindowSpec(transform="log_diff"), "many_to_many"),
        (
            "seattle_temp",
            ("wind", "temp_min"),
            WindowSpec(horizon=3, transform="diff"),
            "encoder_decoder",
        ),
        ("co2", (), WindowSpec(window=20, transform="log"), "many_to_one"),
        (
            "airline",
            (),
            WindowSpec(window=1, test_size=48, val_size=0, scaler="minmax"),
            "many_to_one",
        ),
        ("seattle_temp", ("wind",), WindowSpec(scaler="none", transform="diff"), "many_to_one"),
        (
            "airline",
            (),
            WindowSpec(horizon=14, val_size=14, transform="log_seasonal_diff", season=12),
            "encoder_decoder",
        ),
        ("seattle_temp", (), WindowSpec(transform="seasonal_diff", season=365), "many_to_one"),
        (
            "seattle_temp",
            ("wind",),
            WindowSpec(horizon=3, transform="seasonal_profile", season=365),
            "encoder_decoder",
        ),
    ],
)
def test_script_rebuilds_rnnviz_data_exactly(dataset, inputs, windows, topology):
    spec = ModelSpec(topology=topology, units=(4,), horizon=windows.horizon)
    namespace = load_script(forecast_script(dataset, windows, spec, TRAIN, inputs=inputs))
    values = namespace["load_series"]()
    splits, mean, std = namespace["make_windows"](values)

    series = load_builtin(dataset).with_inputs(inputs)
    data = make_windows(series, windows_for(windows, topology))
    np.testing.assert_array_equal(values, series.values())  # the very same numbers
    fit = fit_data(data, topology)
    x_train, y_train = namespace["model_targets"](*splits["train"][:2])
    x_val, y_val = namespace["model_targets"](*splits["val"][:2])
    np.testing.assert_array_equal(x_train, fit.x_train)
    np.testing.assert_array_equal(y_train, fit.y_train)
    np.testing.assert_array_equal(x_val, fit.x_val)
    np.testing.assert_array_equal(y_val, fit.y_val)
    for name in ("train", "val", "test"):
        x, y, start = splits[name]
        np.testing.assert_array_equal(x, getattr(data, f"x_{name}"))
        np.testing.assert_array_equal(start, getattr(data, f"start_{name}"))

    _, _, start = splits["test"]
    scaled = np.random.default_rng(0).normal(size=(len(start), data.y_test.shape[1]))
    ours = namespace["to_original"](scaled, start, values[:, 0], mean, std)
    np.testing.assert_allclose(ours, data.to_original(scaled, start), rtol=1e-12)


@pytest.mark.parametrize("early_stopping", [True, False])
def test_the_weights_kept_are_exported(early_stopping):
    def callbacks(keep: str) -> list:
        train = TrainSpec(epochs=3, early_stopping=early_stopping, keep_weights=keep)
        namespace = load_script(
            forecast_script("airline", WINDOWS, spec_for("GRU", "many_to_one", False), train)
        )
        captured = {}

        class Model:  # records what train() passes to fit, instead of fitting
            def fit(self, *args, callbacks, **kwargs):
                captured["callbacks"] = callbacks
                raise StopIteration

        fit, _ = namespace["prepare_forecast"]()
        with pytest.raises(StopIteration):
            namespace["train"](Model(), fit)
        return [c for c in captured["callbacks"] if type(c).__name__ == "EarlyStopping"]

    best, last = callbacks("best"), callbacks("last")
    assert len(best) == 1 and best[0].restore_best_weights
    assert all(not c.restore_best_weights for c in last) and len(last) <= 1
    # Without early stopping the callback (if any) waits all the epochs: it never stops the run.
    assert early_stopping or all(c.patience >= 3 for c in best + last)


TEXT_DATA = prepare_text_data(synthetic(160), vocab_size=12, max_len=5)
TEXT_SPEC = ModelSpec(
    cell="GRU", units=(8,), vocab_size=len(TEXT_DATA.vocab), head="binary", embedding_dim=8
)


def test_sentiment_script_rebuilds_the_same_model_and_encoding():
    for spec in (TEXT_SPEC, TEXT_SPEC.with_(cell="LSTM", bidirectional=True, units=(4, 3))):
        namespace = load_script(sentiment_script("synthetic", TEXT_DATA, spec, TRAIN))
        generated = namespace["build_model"]()
        reference = build_model(spec, (TEXT_DATA.max_len,))
        assert [layer.name for layer in generated.layers] == [
            layer.name for layer in reference.layers
        ]
        for ours, theirs in zip(generated.layers, reference.layers, strict=True):
            assert strip_names(ours.get_config()) == strip_names(theirs.get_config()), ours.name
    splits = namespace["text_splits"]()
    for name in ("train", "val", "test"):
        x, y = splits[name]
        np.testing.assert_array_equal(x, getattr(TEXT_DATA, f"x_{name}"))  # the same token ids
        np.testing.assert_array_equal(y, getattr(TEXT_DATA, f"y_{name}"))
    with pytest.raises(ValueError, match="text"):
        sentiment_script("synthetic", TEXT_DATA, ModelSpec(), TRAIN)


@pytest.mark.parametrize("kind", ["both", "all"])
def test_sentiment_script_carries_the_fixed_word_features(kind):
    spec = TEXT_SPEC.with_(
        options=(("word_features", kind),), fixed_features=5, pair_features=int(kind == "all")
    )
    source = sentiment_script("synthetic", TEXT_DATA, spec, TRAIN)
    assert max(len(line) for line in source.splitlines()) <= 100
    generated = load_script(source)["build_model"]()
    reference = build_model(spec, (TEXT_DATA.max_len,))
    assert [layer.name for layer in generated.layers] == [layer.name for layer in reference.layers]
    for ours, theirs in zip(generated.layers, reference.layers, strict=True):
        assert strip_names(ours.get_config()) == strip_names(theirs.get_config()), ours.name
    expected = word_feature_table(
        kind, TEXT_DATA.vocab.tokens, TEXT_DATA.x_train, TEXT_DATA.y_train, 2
    )
    table = generated.get_layer("word_features").get_weights()[0]
    np.testing.assert_array_equal(table, expected)  # float32 values, exactly
    assert generated.count_params() == reference.count_params()
    if kind == "all":  # the pair table, written sparsely, reads back whole
        pairs = pair_feature_table(kind, TEXT_DATA.x_train, TEXT_DATA.y_train, 2)
        assert pairs.any()
        written = generated.get_layer("pair_features").get_weights()[0]
        np.testing.assert_array_equal(written, pairs)
    # the same weights give the same outputs: the script pairs the words as the app does
    reference.set_weights(generated.get_weights())
    x = TEXT_DATA.x_test[:16]
    np.testing.assert_allclose(generated.predict(x, verbose=0), reference.predict(x, verbose=0))


def test_long_texts_and_settings_are_split_into_valid_lines():
    long_text = "an extraordinarily " * 12 + "x" * 150 + ' "quoted" \\ and é'
    data = prepare_text_data(synthetic(60), vocab_size=12, max_len=5)
    data.texts_test = (long_text, *data.texts_test[1:])
    spec = TEXT_SPEC.with_(activation="relu", recurrent_activation="hard_sigmoid", use_bias=False)
    source = sentiment_script("synthetic", data, spec, TRAIN)
    namespace = load_script(source)
    assert namespace["TEXTS"]["test"][0] == long_text
    assert namespace["LAYER_OPTIONS"] == {
        "activation": "relu",
        "use_bias": False,
        "recurrent_activation": "hard_sigmoid",
    }
    assert max(len(line) for line in source.splitlines()) <= 100


def assert_lint_clean(folder: Path) -> None:
    """Every script in ``folder`` passes ruff's checks and format (skips without ruff)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    common = ["--isolated", "--no-cache", "--line-length", "100"]
    lint = [ruff, "check", *common, "--select", "E,F,W,I,B,UP", str(folder)]
    result = subprocess.run(lint, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    fmt = [ruff, "format", *common, "--check", "--diff", str(folder)]
    result = subprocess.run(fmt, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_generated_code_is_lint_clean_and_formatted(tmp_path):
    specs = [
        spec_for("LSTM", "many_to_one", False),
        spec_for("GRU", "encoder_decoder", True, dropout=0.25, reset_after=False),
        spec_for("SimpleRNN", "many_to_many", False, stateful=True, activation="relu"),
        spec_for(
            "GRU",
            "many_to_one",
            False,
            activation="relu",
            recurrent_activation="hard_sigmoid",
            use_bias=False,
            recurrent_dropout=0.1,
            reset_after=False,
        ),
    ]
    for i, spec in enumerate(specs):
        train = TrainSpec(
            early_stopping=bool(i % 2),
            clipnorm=None if i else 1.0,
            keep_weights="last" if i < 2 else "best",
        )
        source = forecast_script("seattle_temp", WINDOWS, spec, train, inputs=("wind",) * i)
        (tmp_path / f"script_{i}.py").write_text(source)
    text_spec = TEXT_SPEC.with_(bidirectional=True, dropout=0.3)
    (tmp_path / "text.py").write_text(sentiment_script("synthetic", TEXT_DATA, text_spec, TRAIN))
    shutil.copy(TEMPLATE, tmp_path / "template.py")  # the template itself, as every export uses it
    assert_lint_clean(tmp_path)


def test_invalid_exports_are_refused():
    with pytest.raises(ValueError, match="backward direction"):
        forecast_script("airline", WINDOWS, spec_for("GRU", "many_to_many", True), TRAIN)
    with pytest.raises(ValueError, match="forecasting"):
        forecast_script("airline", WINDOWS, ModelSpec(vocab_size=100, head="binary"), TRAIN)
    with pytest.raises(ValueError, match="horizon"):
        forecast_script(
            "airline", WINDOWS, spec_for("LSTM", "encoder_decoder", False, horizon=2), TRAIN
        )
    assert script_filename("airline", ModelSpec()) == "rnnviz_airline_lstm_many_to_one.py"


# ---------------------------------------------------------------------------------------------
# Running exported scripts end to end (each pays a TensorFlow import, so they run side by side)

RUN_TRAIN = TrainSpec(epochs=4, batch_size=16, learning_rate=0.02, patience=4)
RUN_TEXT_TRAIN = TrainSpec(epochs=6, batch_size=16, learning_rate=0.02, patience=6)
RUN_SPECS = {
    "lstm-many-to-one": (ModelSpec(cell="LSTM", units=(8,)), WindowSpec()),
    "bigru-encoder-decoder": (
        ModelSpec(
            cell="GRU", units=(8, 4), bidirectional=True, topology="encoder_decoder", horizon=3
        ),
        WindowSpec(horizon=3),
    ),
    "stateful-simplernn-many-to-many": (
        ModelSpec(cell="SimpleRNN", units=(8,), topology="many_to_many", stateful=True),
        WindowSpec(transform="log"),
    ),
}


@pytest.fixture(scope="module")
def script_runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("scripts")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    sources = {
        name: forecast_script("airline", windows, spec, RUN_TRAIN)
        for name, (spec, windows) in RUN_SPECS.items()
    }
    sources["template"] = TEMPLATE.read_text()  # run as it is
    sources["sentiment"] = sentiment_script("synthetic", TEXT_DATA, TEXT_SPEC, RUN_TEXT_TRAIN)
    processes = {}
    for name, source in sources.items():
        path = folder / f"{name}.py"
        path.write_text(source)
        processes[name] = subprocess.Popen(
            [sys.executable, str(path)],
            cwd=folder,  # far from the repository: the script must not need rnnviz
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    results = {}
    for name, process in processes.items():
        try:
            out, _ = process.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out)
    return results


@pytest.mark.parametrize("name", list(RUN_SPECS))
def test_exported_script_trains(script_runs, name):
    result = script_runs[name]
    assert result.returncode == 0, result.stdout[-3000:]
    spec, windows = RUN_SPECS[name]
    expected = build_model(spec, (windows.window, 1)).count_params()
    assert int(re.search(r"^Parameters: (\d+)$", result.stdout, re.M).group(1)) == expected
    loss = re.search(r"^LOSS first=(\S+) last=(\S+)$", result.stdout, re.M)
    first, last = float(loss.group(1)), float(loss.group(2))
    assert last < first, result.stdout[-3000:]
    rmse = float(re.search(r"^Test RMSE \(original units\): (\S+)$", result.stdout, re.M).group(1))
    assert np.isfinite(rmse) and rmse > 0
    # The training-mean and drift baselines print the app's own figures on the same rows.
    data = make_windows(load_builtin("airline"), windows_for(windows, spec.topology))
    start = data.start_test
    h = windows.horizon if spec.topology == "encoder_decoder" else 1
    actual = data.actual(start, h)
    for label, forecast in {
        "Training-mean": mean_forecast(data.target, data.train_end, start, h),
        "Drift": drift_forecast(data.target, start, h),
    }.items():
        printed = re.search(rf"^{label} RMSE: (\S+)$", result.stdout, re.M).group(1)
        expected = np.sqrt(np.mean((actual - forecast) ** 2))
        assert float(printed) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("name", ["template", "sentiment"])
def test_template_and_text_export_train(script_runs, name):
    result = script_runs[name]
    assert result.returncode == 0, result.stdout[-3000:]
    loss = re.search(r"^LOSS first=(\S+) last=(\S+)$", result.stdout, re.M)
    assert float(loss.group(2)) < float(loss.group(1)), result.stdout[-3000:]
    if name == "sentiment":
        expected = build_model(TEXT_SPEC, (TEXT_DATA.max_len,)).count_params()
        assert f"Parameters: {expected}" in result.stdout
        accuracy = float(re.search(r"^Test accuracy: (\S+)$", result.stdout, re.M).group(1))
        assert accuracy > 0.8  # one sentiment word per text decides the label: learnable
    else:
        assert re.search(r"^Test RMSE \(original units\): \d", result.stdout, re.M)


def test_an_export_keeps_only_its_own_task_code():
    forecast = forecast_script("airline", WINDOWS, spec_for("LSTM", "many_to_one", False), TRAIN)
    text = sentiment_script("synthetic", TEXT_DATA, TEXT_SPEC, TRAIN)
    template = TEMPLATE.read_text()
    for marker in ("# <forecast>", "# <sentiment>", "# <settings>", "# <data>"):
        assert marker in template and marker not in forecast and marker not in text
    assert "def make_windows" in forecast and "def tokenize" not in forecast
    assert "def tokenize" in text and "def make_windows" not in text and "WINDOW =" not in text
    assert "\n\n\n\n" not in forecast and "\n\n\n\n" not in text  # no gap where a block was
