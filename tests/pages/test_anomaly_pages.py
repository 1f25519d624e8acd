"""The anomaly task as a user meets it: data, build, train, inspect, compare, runs, export."""

import io

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.train.runs import RunStore
from tests.pages.helpers import new_app, open_page, plotly_charts, session, train_on_page


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def anomaly_app(builtin: str | None = None) -> AppTest:
    at = new_app(task="anomaly")
    at.run()
    at = open_page("pages/anomaly/data.py", at)
    if builtin is not None:
        at.selectbox(key="w_anomaly_builtin").set_value(builtin).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_pages_ask_for_data_and_a_run_first():
    at = new_app(task="anomaly")
    at.run()
    at = open_page("pages/common/build.py", at)
    assert "Choose the data first" in at.info[0].value
    at = open_page("pages/anomaly/inspect.py", at)
    assert "Train an autoencoder first" in at.info[0].value


def test_builtin_series_show_labels_windows_and_split():
    at = anomaly_app()  # the first built-in series: mitdb
    shown = metrics(at)
    assert shown["Steps"] == "1,875"  # 7,500 samples, 4 per step
    assert shown["Labelled anomalous"] == "88 (4.7%)"  # samples 6936-7287, 4 per step
    assert "windows of 64 steps every 2" in at.success[0].value
    assert any("ECG" in c.proto.spec for c in plotly_charts(at))
    at.selectbox(key="w_anomaly_builtin").set_value("yahoo").run()
    shown = metrics(at)
    assert shown["Steps"] == "1,000" and shown["Labelled anomalous"] == "7 (0.7%)"
    assert at.number_input(key="w_anomaly_size").value == 32  # its recipe's window
    at.number_input(key="w_anomaly_size").set_value(900).run()  # no room for training windows
    assert "normal training windows" in at.error[0].value
    assert "anomaly" not in session(at).data
    at.selectbox(key="w_anomaly_builtin").set_value("GunPoint").run()
    assert not at.error
    assert "each sample is one window" in " ".join(i.value for i in at.info)
    assert at.selectbox(key="w_anomaly_normal").value == "1"
    assert "windows of 75 steps every 75" in at.success[0].value


def _csv(labels: bool = True, bad: bool = False) -> bytes:
    import numpy as np

    t = np.arange(400)
    values = np.sin(t / 5)
    values[300] = 6
    rows = ["time,value,label" if labels else "time,value"]
    for i, v in zip(t, values, strict=True):
        label = 2 if bad and i == 10 else int(i == 300)
        rows.append(f"{i},{v:.4f},{label}" if labels else f"{i},{v:.4f}")
    return "\n".join(rows).encode()


def _upload(at: AppTest, raw: bytes, name: str = "series.csv") -> AppTest:
    from rnnviz.ui.state import KeptUpload

    at.radio(key="w_anomaly_source").set_value("upload").run()
    session(at).uploads["anomaly_upload"] = KeptUpload(name, raw)
    at.run()
    return at


def test_upload_with_and_without_labels_and_a_bad_label_column():
    at = _upload(anomaly_app(), _csv())
    assert not at.exception and not at.error
    assert at.selectbox(key="w_anomaly_label").value == "label"  # guessed
    assert metrics(at)["Labelled anomalous"] == "1 (0.2%)"
    data = session(at).data["anomaly"]
    assert data.series.features == ("value",)  # the time column is no value
    at = _upload(anomaly_app(), _csv(labels=False), "plain.csv")
    assert metrics(at)["Labelled anomalous"] == "no labels"
    assert any("no labelled anomaly" in w.value for w in at.warning)
    at = _upload(anomaly_app(), _csv(bad=True), "bad.csv")
    assert at.selectbox(key="w_anomaly_label").value == "(no label column)"  # 2 is no label
    at.selectbox(key="w_anomaly_label").set_value("label").run()
    assert "must hold only 0 and 1" in at.error[0].value
    assert "anomaly" not in session(at).data


def test_yahoo_build_train_inspect_then_reopen_and_export(store):
    at = anomaly_app("yahoo")
    at = open_page("pages/common/build.py", at)
    assert list(at.dataframe[0].value["layer"]) == [
        "input",
        "encoder_1",
        "code",
        "repeat",
        "decoder_1",
        "reconstruction",
    ]
    at.number_input(key="w_units_1").set_value(4).run()
    spec = session(at).model_spec
    assert spec.architecture == "autoencoder" and spec.option("code_size") == 8
    at = train_on_page(at, 1)
    assert not at.exception and not at.error
    at = open_page("pages/anomaly/inspect.py", at)
    assert not at.exception and not at.error
    record = session(at).job.record
    shown = metrics(at)
    assert float(shown["Autoencoder test ROC AUC"]) == pytest.approx(
        record.metrics["test ROC AUC"], abs=1e-3
    )
    assert float(shown["PCA test ROC AUC"]) == pytest.approx(
        record.metrics["PCA test ROC AUC"], abs=1e-3
    )
    verdicts = [*at.success, *at.warning]
    assert any("test ROC AUC" in v.value for v in verdicts)
    before = shown["Autoencoder precision"]
    at.slider(key="w_anomaly_quantile").set_value(0.8).run()
    assert not at.exception
    assert metrics(at)["Autoencoder recall"] == "1.000"  # a low threshold flags every spike
    assert metrics(at)["Autoencoder precision"] != before
    specs = [c.proto.spec for c in plotly_charts(at)]
    assert any("ROC curve" in s for s in specs)
    assert any("Window codes" in s for s in specs)
    assert any("reconstruction" in s for s in specs)
    at.radio(key="w_anomaly_detector").set_value("PCA").run()
    assert not at.exception
    at.number_input(key="w_anomaly_window").set_value(3).run()
    assert not at.exception

    at = open_page("pages/common/runs.py", at)
    assert any(b.label == "Keras script (.py)" for b in at.get("download_button"))
    at.button(key="run_open").click().run()
    assert not at.exception and at.title[0].value == "Inspect: anomalies"
    assert session(at).job.record.run_id == record.run_id


def test_compare_two_cells_ranks_on_validation_beside_pca(store):
    at = anomaly_app("yahoo")
    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(4).run()
    at = open_page("pages/common/compare.py", at)
    at.multiselect(key="w_cmp_cells").set_value(["SimpleRNN", "GRU"])
    at.number_input(key="w_epochs").set_value(1).run()
    at.button(key="compare").click().run()
    session(at).comparison.join(300)
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert set(table["variant"]) == {"SimpleRNN uni x1 AUTOENCODER", "GRU uni x1 AUTOENCODER"}
    assert table["test ROC AUC"].between(0, 1).all()
    assert list(table["rank"]) == [1, 2] and table["best val loss"].is_monotonic_increasing
    bars = next(c for c in plotly_charts(at) if "Test ROC AUC" in c.proto.spec)
    assert "PCA" in bars.proto.spec
    assert {r.task for r in store.list()} == {"anomaly"}


def test_inspect_a_run_on_a_series_without_labels():
    import pandas as pd

    from rnnviz.model.spec import TrainSpec
    from rnnviz.tasks.anomaly.task import ANOMALY, AnomalySettings, anomaly_data

    table = pd.read_csv(io.BytesIO(_csv(labels=False)))
    data = anomaly_data(AnomalySettings(None, size=16, stride=4), table, "plain.csv")
    spec = ANOMALY.model_spec(ANOMALY.default_recipe()[0].with_(units=(4,)), data)
    job = ANOMALY.make_job(data, spec, TrainSpec(epochs=1, batch_size=64))
    job.run.run()  # not saved: Inspect scores the points itself
    at = new_app(task="anomaly", data={"anomaly": data}, job=job)
    at.run()
    at = open_page("pages/anomaly/inspect.py", at)
    assert not at.exception and not at.error
    assert "no labelled anomaly" in at.info[0].value
    assert "Autoencoder test ROC AUC" not in metrics(at)
    assert not any("ROC curve" in c.proto.spec for c in plotly_charts(at))
    assert any("threshold" in m.value for m in at.markdown)
    assert any("Window codes" in c.proto.spec for c in plotly_charts(at))
