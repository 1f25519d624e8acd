"""The anomaly task's core: metrics against scikit-learn, windows and their mapping back to
points, the autoencoder's shapes and parameters against Keras, PCA, and the export script."""

import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
from sklearn import metrics

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.anomaly.data import AnomalySeries, downsample, one_class_series
from rnnviz.tasks.anomaly.model import build_autoencoder, reconstruct
from rnnviz.tasks.anomaly.options import autoencoder_options, training_target
from rnnviz.tasks.anomaly.scoring import (
    detection_at,
    pca_fit_reconstruct,
    quantile_threshold,
    roc_auc,
    roc_curve,
)
from rnnviz.tasks.anomaly.windows import (
    ACROSS,
    TEST,
    TRAIN,
    VALIDATION,
    WindowSpec,
    make_windows,
    points_from_windows,
    spread_window_scores,
    window_starts,
)

RNG = np.random.default_rng(0)


def upload_data():
    """A labelled series as a user uploads it: a sine with three spikes, a time column."""
    import pandas as pd

    from rnnviz.tasks.anomaly.task import AnomalySettings, anomaly_data

    t = np.arange(300)
    value = np.sin(t / 4)
    label = np.isin(t, [60, 230, 260]).astype(int)
    table = pd.DataFrame({"time": t, "value": value + 4 * label, "label": label})
    settings = AnomalySettings(None, size=16, stride=4, label_column="label")
    return anomaly_data(settings, table, "series.csv")


def tiny_anomaly_data():
    """yahoo in few, short windows (what the registry tests build their jobs from)."""
    from rnnviz.tasks.anomaly.task import AnomalySettings, anomaly_data

    return anomaly_data(AnomalySettings("yahoo", every=2, size=12, stride=4))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_and_auc_match_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.normal(size=300) + labels, 1)  # rounded: many ties
    fpr, tpr, thresholds = roc_curve(labels, scores)
    ref_fpr, ref_tpr, ref_thresholds = metrics.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr)
    np.testing.assert_allclose(tpr, ref_tpr)
    np.testing.assert_allclose(thresholds[1:], ref_thresholds[1:])
    assert roc_auc(labels, scores) == pytest.approx(metrics.roc_auc_score(labels, scores))
    assert np.isnan(roc_auc(np.zeros(5), np.arange(5.0)))  # one class: no area


def test_precision_recall_f1_at_a_threshold_match_sklearn():
    labels = RNG.integers(0, 2, 200)
    scores = RNG.normal(size=200) + labels
    for threshold in (-1.0, 0.5, 1.5):
        flagged = scores >= threshold
        found = detection_at(labels, scores, threshold)
        assert found.precision == pytest.approx(metrics.precision_score(labels, flagged))
        assert found.recall == pytest.approx(metrics.recall_score(labels, flagged))
        assert found.f1 == pytest.approx(metrics.f1_score(labels, flagged))
        assert found.flagged == flagged.sum()
    nothing = detection_at(labels, scores, np.inf)
    assert (nothing.precision, nothing.recall, nothing.f1, nothing.flagged) == (0, 0, 0, 0)
    assert quantile_threshold(np.array([1.0, 2.0, np.nan, 3.0]), 0.5) == 2.0


def test_windows_cover_every_point_and_map_back_as_a_loop_would():
    starts = window_starts(23, 5, 4)
    assert list(starts) == [0, 4, 8, 12, 16, 18]  # the last one ends at the last row
    errors = RNG.random((len(starts), 5))
    points = points_from_windows(errors, starts, 23)
    for t in range(23):
        covering = [errors[w, t - s] for w, s in enumerate(starts) if s <= t < s + 5]
        assert points[t] == pytest.approx(np.mean(covering))
    spread = spread_window_scores(errors)
    assert spread.shape == errors.shape and np.allclose(spread[:, 3], errors.mean(axis=1))
    both = points_from_windows(np.stack([errors, 2 * errors], axis=-1), starts, 23)  # (23, 2)
    np.testing.assert_allclose(both[:, 1], 2 * points)
    assert np.isnan(points_from_windows(errors[:1], starts[:1], 8)[7])  # no window covers it


def _series(n=200, anomaly=(150, 152), train_end=100, val_end=130) -> AnomalySeries:
    values = np.sin(np.arange(n) / 3)[:, None].astype(np.float32) + 5
    labels = np.zeros(n, np.int8)
    labels[anomaly[0] : anomaly[1]] = 1
    labels[40] = 1  # an anomaly in the training part: its windows are left out of training
    values[40] = 50
    return AnomalySeries("toy", values, labels, train_end, val_end)


def test_make_windows_scales_on_normal_training_rows_and_tags_parts():
    series = _series()
    windows = make_windows(series, WindowSpec(size=10, stride=5, center=False))
    normal = series.values[:100][series.labels[:100] == 0]
    np.testing.assert_allclose(windows.scaler.mean, normal.mean(axis=0), rtol=1e-6)
    assert windows.x.shape == (len(windows.starts), 10, 1)
    assert {TRAIN, VALIDATION, TEST, ACROSS} == set(windows.part)
    assert windows.part[windows.starts == 95][0] == ACROSS  # rows 95-104 cross row 100
    held = (windows.starts > 30) & (windows.starts <= 40)
    assert windows.anomalous[held].all() and not windows.select(TRAIN, True).max() > 10
    centred = make_windows(series, WindowSpec(size=10, stride=5, center=True))
    np.testing.assert_allclose(centred.x.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(
        centred.in_units(centred.x), series.values[centred.starts[:, None] + np.arange(10)]
    )


def test_downsample_averages_values_and_keeps_any_anomaly():
    series = _series()
    half = downsample(series, 4)
    assert half.values.shape == (50, 1) and (half.train_end, half.val_end) == (25, 32)
    np.testing.assert_allclose(half.values[3, 0], series.values[12:16, 0].mean())
    assert half.labels[10] == 1 and half.labels[37] == 1 and half.labels.sum() == 2


def test_one_class_vs_the_rest_lays_samples_end_to_end():
    samples = [np.full((6, 1), k, np.float32) for k in range(40)]
    classes = ["b" if k % 3 == 0 else "a" for k in range(40)]
    series = one_class_series(samples, classes, 24, "a", "toy")
    assert series.segment == 6 and series.values.shape == (240, 1)
    assert (series.train_end, series.val_end) == (108, 144)  # 6 of 24 training samples validate
    np.testing.assert_array_equal(series.labels[::6], [c != "a" for c in classes])
    windows = make_windows(series, WindowSpec())  # the sample is the window, whatever the spec
    assert windows.x.shape[1] == 6 and list(windows.starts) == list(range(0, 240, 6))
    assert windows.mask(TRAIN, normal_only=True).sum() == 12


def _spec(cell="GRU", units=(4,), decoder="repeat", bidirectional=False, reverse=True):
    return ModelSpec(
        cell=cell,
        units=units,
        bidirectional=bidirectional,
        topology="encoder_decoder",
        architecture="autoencoder",
        options=autoencoder_options(3, decoder, reverse),
    )


def _rnn_params(cell: str, inputs: int, units: int) -> int:
    layer = {
        "SimpleRNN": keras.layers.SimpleRNN,
        "LSTM": keras.layers.LSTM,
        "GRU": keras.layers.GRU,
    }
    probe = keras.Sequential([keras.Input((5, inputs)), layer[cell](units)])
    return probe.count_params()


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("decoder", ["repeat", "state"])
def test_autoencoder_shapes_and_parameters(cell, decoder):
    spec = _spec(cell, (4, 3), decoder)
    model = build_autoencoder(spec, (12, 2))
    assert model.output_shape == (None, 12, 2)
    assert model.get_layer("code").output.shape == (None, 3)
    decoder_input = 3 if decoder == "repeat" else 1
    n_states = 2 if cell == "LSTM" else 1
    expected = (
        _rnn_params(cell, 2, 4)  # encoder_1
        + _rnn_params(cell, 4, 3)  # encoder_2
        + 3 * 3
        + 3  # code
        + _rnn_params(cell, decoder_input, 3)  # decoder_1
        + _rnn_params(cell, 3, 4)  # decoder_2
        + 4 * 2
        + 2  # reconstruction
    )
    if decoder == "state":
        expected += 3 + n_states * ((3 * 3 + 3) + (3 * 4 + 4))  # zeros + one Dense per state
    assert model.count_params() == expected
    bidirectional = build_autoencoder(_spec(cell, (4,), decoder, bidirectional=True), (12, 2))
    assert bidirectional.get_layer("encoder_1").output.shape == (None, 8)


def test_reversed_training_target_and_reconstruction_in_time_order():
    x = RNG.normal(size=(5, 7, 1)).astype(np.float32)
    spec = _spec(reverse=True)
    np.testing.assert_array_equal(training_target(spec, x), x[:, ::-1])
    model = build_autoencoder(spec, (7, 1))
    raw = model.predict(x, verbose=0)
    np.testing.assert_allclose(reconstruct(model, spec, x), raw[:, ::-1], rtol=1e-5, atol=1e-6)
    plain = _spec(reverse=False)
    np.testing.assert_array_equal(training_target(plain, x), x)


def test_pca_with_every_component_rebuilds_exactly():
    train = RNG.normal(size=(40, 6, 1)).astype(np.float32)
    rebuilt, explained = pca_fit_reconstruct(train, train, 6)
    np.testing.assert_allclose(rebuilt, train, atol=1e-4)
    assert explained == pytest.approx(1.0)
    _, fewer = pca_fit_reconstruct(train, train, 2)
    assert fewer < 1.0


def test_export_reproduces_the_app_metrics_and_trains(tmp_path):
    from rnnviz.tasks.anomaly.export import anomaly_script
    from rnnviz.tasks.anomaly.job import evaluate, pca_rebuilt
    from rnnviz.tasks.anomaly.task import ANOMALY, AnomalySettings, anomaly_data, series_file

    data = anomaly_data(AnomalySettings("yahoo", every=1, size=16, stride=4))
    spec = ANOMALY.model_spec(_spec("LSTM", (4,), "state", bidirectional=True), data)
    train = TrainSpec(epochs=1, batch_size=64)
    job = ANOMALY.make_job(data, spec, train)
    job.run.run()
    _, found, _ = job.summary()
    job.inference_model.save(tmp_path / "model.keras")
    (tmp_path / "script.py").write_text(anomaly_script(data, spec, train))
    upload = upload_data()  # an uploaded series: the script reads the file the run keeps
    (tmp_path / "series.csv").write_bytes(series_file(upload).content)
    (tmp_path / "upload.py").write_text(anomaly_script(upload, spec, train, "series.csv"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    runs = (["script.py", "--weights", "model.keras"], ["script.py", "--epochs", "2"])
    processes = [  # all at once: each spends most of its time importing TensorFlow
        subprocess.Popen(
            [sys.executable, *extra],
            cwd=tmp_path,  # far from the repository: the script must not need rnnviz
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for extra in (*runs, ["upload.py", "--epochs", "1"])
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        outputs.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    for result in outputs:
        assert result.returncode == 0, result.stderr[-3000:]
        printed = f"Parameters: {job.inference_model.count_params()}"
        assert printed in result.stdout
    evaluated, trained, uploaded = (r.stdout for r in outputs)

    def figure(text: str, name: str) -> float:
        return float(re.search(rf"^{name}: (\S+)$", text, re.M).group(1))

    assert figure(evaluated, "Autoencoder test ROC AUC") == pytest.approx(
        found["test ROC AUC"], abs=1e-4
    )
    assert figure(evaluated, "Autoencoder threshold") == pytest.approx(found["threshold"], rel=1e-4)
    for text in (evaluated, trained):  # PCA is deterministic: the app's figure either way
        assert figure(text, "PCA test ROC AUC") == pytest.approx(
            found["PCA test ROC AUC"], abs=1e-4
        )
    baseline, _ = pca_rebuilt(upload.windows, 3)
    expected = evaluate(upload.series, upload.windows, baseline).auc
    assert figure(uploaded, "PCA test ROC AUC") == pytest.approx(expected, abs=1e-4)
    loss = re.search(r"^LOSS first=(\S+) last=(\S+)$", trained, re.M)
    assert float(loss.group(2)) < float(loss.group(1))
    assert 0 <= figure(trained, "Autoencoder test ROC AUC") <= 1


def test_the_verdict_says_when_pca_wins():
    from rnnviz.tasks.anomaly.analysis import auc_verdict

    assert auc_verdict(0.9, 0.8).good and "beats PCA's 0.800" in auc_verdict(0.9, 0.8).text
    lost = auc_verdict(0.7, 0.8)
    assert not lost.good and lost.text.startswith("PCA wins") and "loses to" in lost.text
    assert "ties with" in auc_verdict(0.8, 0.8).text
