"""Every page as a user meets it: AppTest runs the real scripts (widgets found by key)."""

import json
import subprocess
import sys

import pytest

from rnnviz.spec import ModelSpec
from tests.pages.helpers import open_page, plotly_charts, session, wait_for_training


def test_home_shows_datasets_and_hardware_without_tensorflow():
    # In a fresh interpreter: the home page must not pull in TensorFlow.
    code = (
        "import sys, json\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
        "print(json.dumps({'tf': 'tensorflow' in sys.modules, 'exc': len(at.exception),"
        " 'title': at.title[0].value, 'table': len(at.dataframe),"
        " 'text': ' '.join(m.value for m in at.markdown)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {**result, "tf": False, "exc": 0, "table": 1}
    assert "recurrent" in result["title"]
    assert "CPU" in result["text"]


def test_data_page_previews_airline_with_split(data_ready):
    at = data_ready
    assert at.selectbox(key="w_builtin").value == "airline"
    assert len(plotly_charts(at)) == 1
    caption = " ".join(c.value for c in at.caption)
    assert "144 rows" in caption and "test 24" in caption
    data = session(at).data["forecast"]
    assert data.series.name == "Airline passengers"
    assert data.window_spec.test_size == 24


def test_data_page_reports_a_too_short_split(data_ready):
    at = data_ready
    at.number_input(key="w_test_size").set_value(70).run()
    at.number_input(key="w_window").set_value(60).run()
    assert not at.exception
    assert any("needs at least" in e.value for e in at.error)


GOOD_CSV = (
    b"date,sales,region\n2020-01-03,5,north\n2020-01-01,3,north\n2020-01-02,,south\n"
    + b"".join(
        f"2020-{m:02d}-{d:02d},{(m * 31 + d) % 17 + 1},x\n".encode()
        for m in range(2, 8)
        for d in range(1, 28)
    )
)


def upload(at, name: str, content: bytes):
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at.get("file_uploader")[0].set_value((name, content, "text/csv"))
    return at.run()


def test_upload_a_csv_series(data_ready):
    at = upload(data_ready, "sales.csv", GOOD_CSV)
    assert not at.exception and not at.error
    info = " ".join(i.value for i in at.info)
    assert "nterpolated 1" in info and "orted" in info
    assert at.selectbox(key="w_csv_target").value == "sales"
    assert len(plotly_charts(at)) == 1


@pytest.mark.parametrize(
    "name,content,words",
    [
        ("empty.csv", b"", "empty"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "CSV"),
        ("text.csv", b"name,colour\nann,red\nbob,blue\ncy,green\n", "numbers"),
        (
            "flat.csv",
            b"day,v\n" + b"".join(f"2021-03-{i:02d},5\n".encode() for i in range(1, 31)),
            "same value",
        ),
        (
            "short.csv",
            b"day,v\n" + b"".join(f"2021-03-{i:02d},{i % 4}\n".encode() for i in range(1, 13)),
            "needs at least",
        ),
    ],
)
def test_bad_uploads_get_a_message_not_a_traceback(data_ready, name, content, words):
    at = upload(data_ready, name, content)
    assert not at.exception
    assert any(words.lower() in e.value.lower() for e in at.error), [e.value for e in at.error]


def test_build_page_counts_parameters_and_warns(data_ready):
    at = open_page("pages/build.py", data_ready)
    table = at.dataframe[0].value
    assert list(table["layer"]) == ["input", "rnn_1", "head"]
    assert table["parameters"].sum() == 4 * 32 * (1 + 32 + 1) + 33  # LSTM(32) on 1 feature + Dense
    assert len(plotly_charts(at)) == 1  # the topology diagram
    assert not at.warning
    at.slider(key="w_recurrent_dropout").set_value(0.2).run()
    assert any("cuDNN" in w.value for w in at.warning)
    at.toggle(key="w_stateful").set_value(True).run()
    assert any("batch size is fixed" in w.value for w in at.warning)
    at.radio(key="w_topology").set_value("encoder_decoder")
    at.toggle(key="w_bidirectional").set_value(True).run()
    spec: ModelSpec = session(at).model_spec
    assert spec.topology == "encoder_decoder" and spec.bidirectional and spec.horizon == 12
    assert not at.exception


def test_pages_ask_for_what_is_missing():
    for page in ("pages/build.py", "pages/train.py", "pages/inspect.py"):
        at = open_page(page)
        assert at.info and at.get("page_link"), page


def train_tiny(at, epochs: int = 2):
    at.number_input(key="w_units_1").set_value(6).run()
    at = open_page("pages/train.py", at)
    at.number_input(key="w_epochs").set_value(epochs)
    at.button(key="train").click().run()
    wait_for_training(at)
    return at


def test_train_then_inspect_forecast(data_ready):
    at = open_page("pages/build.py", data_ready)
    at = train_tiny(at)
    assert not at.exception and not at.error
    assert any("Finished 2 epochs" in s.value for s in at.success)
    # Loss/MAE history, gate heatmaps of the probe sample, gate statistics per epoch.
    assert len(plotly_charts(at)) == 3
    assert any("Gates, live" in h.value for h in at.subheader)
    gate_history = session(at).job.run.snapshot().gate_history
    assert len(gate_history) == 2 and ("rnn_1", "forward", "forget") in gate_history[0]
    at = open_page("pages/inspect.py", at)
    errors = at.dataframe[0].value
    assert list(errors["model"])[:2] == ["RNN", "Naive (last value)"]
    assert any(name.startswith("Seasonal naive") for name in errors["model"])
    assert (errors["RMSE"] > 0).all()
    # Forecast, residuals, gate explorer heatmap (with the input above) and per-unit lines.
    assert len(plotly_charts(at)) == 4
    at.selectbox(key="w_explore_gate_LSTM").set_value("forget").run()
    at.radio(key="w_explore_split").set_value("train").run()
    assert not at.exception


def test_encoder_decoder_gate_explorer_shows_decoder_steps(data_ready):
    at = open_page("pages/build.py", data_ready)
    at.radio(key="w_topology").set_value("encoder_decoder")
    at.radio(key="w_cell").set_value("GRU").run()
    at = train_tiny(at, epochs=1)
    at = open_page("pages/inspect.py", at)
    labels = at.selectbox(key="w_explore_trace").options
    assert labels == ["encoder_1 (forward, GRU)", "decoder_1 (forward, GRU)"]
    at.selectbox(key="w_explore_trace").set_value("decoder_1 (forward, GRU)").run()
    assert not at.exception and len(plotly_charts(at)) == 4
