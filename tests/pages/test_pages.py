"""Every page as a user meets it: AppTest runs the real scripts (widgets found by key)."""

import json
import re
import subprocess
import sys

import pytest

from rnnviz.model.spec import ModelSpec
from tests.pages.helpers import open_page, plotly_charts, session, train_on_page, wait_for_training


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
    from rnnviz.tasks.registry import TASKS

    for task in TASKS.values():  # every registered task is introduced
        assert f"{task.label}**: {task.blurb}" in result["text"]


def test_data_page_previews_airline_with_split(data_ready):
    at = data_ready
    assert at.selectbox(key="w_builtin").value == "airline"
    assert len(plotly_charts(at)) == 1
    caption = " ".join(c.value for c in at.caption)
    assert "144 rows" in caption and "test 24" in caption
    data = session(at).data["forecast"]
    assert data.series.name == "Airline passengers"
    assert data.window_spec.test_size == 24


def test_data_page_derives_the_recipe_from_the_series_and_says_why(data_ready):
    at = data_ready  # airline: 144 monthly rows with a firm yearly season
    info = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Default recipe for this series. A firm season of 12 rows" in info
    assert "A small series (144 rows): a small model (LSTM(16))" in info
    assert at.selectbox(key="w_transform").value == "log_seasonal_diff"
    assert session(at).data["forecast"].window_spec.season == 12
    state = at.session_state
    assert (state["w_units_1"], state["w_epochs"], state["w_keep_weights"]) == (16, 60, "last")
    at = open_page("pages/common/build.py", at)
    assert any("A small series (144 rows)" in c.value.replace("\\", "") for c in at.caption)
    at = open_page("pages/forecast/data.py", at)
    at.selectbox(key="w_builtin").set_value("sunspots").run()  # a loose cycle: read as it is
    info = " ".join(i.value for i in at.info)
    assert "A loose cycle of about 11 rows" in info and "look-back of 33 rows" in info
    assert at.selectbox(key="w_transform").value == "none"
    assert at.number_input(key="w_window").value == 33
    assert at.session_state["w_units_1"] == 32 and at.session_state["w_epochs"] == 150
    assert not at.exception


def test_coming_back_to_forecasting_keeps_the_chosen_series_recipe(data_ready):
    at = data_ready
    at.selectbox(key="w_builtin").set_value("sunspots").run()  # its recipe: LSTM(32), 150 epochs
    chosen = (at.session_state["w_units_1"], at.session_state["w_epochs"])
    assert chosen == (32, 150)
    session(at).pending_task = "sentiment"  # another task (what the sidebar radio does) ...
    at.run()
    assert session(at).recipe_task == "sentiment" and at.session_state["w_epochs"] != 150
    session(at).pending_task = "forecast"  # ... and back: sunspots' recipe, not the default's
    at = open_page("pages/common/build.py", at)
    assert session(at).task == "forecast"
    assert (at.session_state["w_units_1"], at.session_state["w_epochs"]) == chosen
    assert not at.exception


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


def test_a_seasonal_difference_goes_with_the_season(data_ready):
    at = upload(data_ready, "sales.csv", GOOD_CSV)  # daily: a season of 7 rows guessed
    at.selectbox(key="w_transform").set_value("seasonal_diff").run()
    assert session(at).data["forecast"].window_spec.season == 7
    at.number_input(key="w_csv_season_sales.csv").set_value(0).run()  # no season any more
    assert not at.exception and not at.error
    assert at.selectbox(key="w_transform").value == "none"
    assert "seasonal_diff" not in at.selectbox(key="w_transform").options
    assert session(at).data["forecast"].window_spec.season == 0


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
    at = open_page("pages/common/build.py", data_ready)
    at.number_input(key="w_units_1").set_value(32).run()  # airline's own default: LSTM(16)
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
    for page in ("pages/common/build.py", "pages/common/train.py", "pages/forecast/inspect.py"):
        at = open_page(page)
        assert at.info and at.get("page_link"), page


def train_tiny(at, epochs: int = 2):
    at.number_input(key="w_units_1").set_value(6).run()
    return train_on_page(at, epochs)


def test_train_then_inspect_forecast(data_ready):
    at = open_page("pages/forecast/data.py", data_ready)
    # The plain log difference (the default before the seasonal residual): a two-epoch model
    # loses to the baselines, the verdict this test reads.
    at.selectbox(key="w_transform").set_value("log_diff").run()
    at = open_page("pages/common/build.py", at)
    at = train_tiny(at)
    assert not at.exception and not at.error
    assert any("Finished 2 epochs" in s.value for s in at.success)
    assert [link.proto.label for link in at.get("page_link")] == ["Inspect the results"]
    # Loss/MAE history, gate heatmaps of the probe sample, gate statistics per epoch.
    assert len(plotly_charts(at)) == 3
    assert any("Gates, live" in h.value for h in at.subheader)
    gate_history = session(at).job.run.snapshot().gate_history
    assert len(gate_history) == 2 and ("rnn_1", "forward", "forget") in gate_history[0]
    at = open_page("pages/forecast/inspect.py", at)
    by_horizon = at.dataframe[0].value
    errors = next(d.value for d in at.dataframe if "model" in d.value.columns)
    assert by_horizon["horizon"].tolist() == list(range(1, 13))
    # Every test row at every horizon: the count in the caption, not a column (the table fits).
    assert any("Rolling origin: every test row (24 of them) is" in c.value for c in at.caption)
    assert list(by_horizon.columns) == [
        "horizon",
        "RNN",
        "Naive (last value)",
        "Seasonal naive (season 12)",
        "Mean (training rows)",
        "Drift",
        "ETS (Holt-Winters)",
        "SARIMA",
        "strongest baseline",
    ]  # RMSE; the MAE in an expander
    assert set(by_horizon["strongest baseline"]) <= set(by_horizon.columns[2:8])
    # A two-epoch model loses: the verdict says where, and names the strongest baseline.
    verdict = at.warning[0].value
    assert verdict.startswith("The RNN ") and " loses " in verdict
    assert "Strongest baseline:" in verdict
    strongest = set(by_horizon["strongest baseline"])
    assert all(f"{name} at horizon" in verdict for name in strongest)
    assert strongest & {"ETS (Holt-Winters)", "SARIMA"}  # the fitted models lead here
    note = next(c.value for c in at.caption if c.value.startswith("Baselines are fit"))
    assert "multiplicative season of 12 rows, chosen on validation" in note
    # The SARIMA of the order search, its transform chosen on validation (airline is positive).
    assert re.search(r"SARIMA: SARIMA\(\d,\d,\d\)\(\d,1,\d\)12", note)
    assert "the order with the lowest AIC on the training rows, chosen on validation" in note
    assert list(errors["model"])[:2] == ["RNN", "Naive (last value)"]
    assert any(name.startswith("Seasonal naive") for name in errors["model"])
    assert (errors["RMSE"] > 0).all()
    # Coverage of the 80% and 95% intervals on test, beside the nominal level.
    labels = [m.label for m in at.metric]
    assert any(label.startswith("80% interval") for label in labels)
    assert any(label.startswith("95% interval") for label in labels)
    # Forecast, error by horizon, residuals, gate explorer heatmap (per-unit lines on demand).
    assert len(plotly_charts(at)) == 4
    forecast = json.loads(plotly_charts(at)[0].proto.spec)
    names = [trace.get("name") for trace in forecast["data"]]
    assert "80% interval" in names and "95% interval" in names
    assert not any(str(n).startswith("Seasonal") for n in names)
    at.toggle(key="w_show_baselines").set_value(True).run()
    names = [t.get("name") for t in json.loads(plotly_charts(at)[0].proto.spec)["data"]]
    assert "Naive (last value)" in names and "Seasonal naive (season 12)" in names
    assert {"Mean (training rows)", "Drift", "ETS (Holt-Winters)", "SARIMA"} <= set(names)
    by_h_names = [t.get("name") for t in json.loads(plotly_charts(at)[1].proto.spec)["data"]]
    assert by_h_names[0] == "RNN" and by_h_names[-2:] == ["ETS (Holt-Winters)", "SARIMA"]
    # Backtest: 2 refits with the run's settings, RMSE per fold, mean and spread.
    at.number_input(key="w_backtest_folds").set_value(2)
    at.button(key="backtest").click().run()
    assert session(at).analysis.result(120) is not None
    at.run()
    tables = [d.value for d in at.dataframe if "fold" in d.value.columns]
    assert len(tables) == 1 and tables[0]["fold"].tolist() == [1, 2]
    assert (tables[0]["RNN"] > 0).all()
    assert any("Mean RMSE over folds" in c.value for c in at.caption)
    at.selectbox(key="w_explore_gate_LSTM").set_value("forget").run()
    at.radio(key="w_explore_split").set_value("train").run()
    assert not at.exception


def test_thin_validation_trains_the_budget_and_is_never_green(data_ready):
    data_ready.number_input(key="w_horizon").set_value(4).run()
    data_ready.number_input(key="w_val_size").set_value(4).run()
    at = open_page("pages/common/build.py", data_ready)
    assert any("gives 4 window(s), fewer than 10" in w.value for w in at.warning)
    at = train_tiny(at, epochs=3)
    assert any(
        "Finished 3 epochs. Kept the weights of the last epoch" in s.value for s in at.success
    )
    at = open_page("pages/forecast/inspect.py", at)
    assert not at.success  # never green
    verdict = at.warning[0].value
    assert verdict.startswith("The validation part holds 4 window(s), fewer than 10: early")
    assert "trained its full epoch budget and kept the last weights" in verdict
    # 4 horizons x 4 validation rows: too few residuals for a 95% interval, so no coverage.
    labels = [m.label for m in at.metric]
    assert not any(label.startswith("95% interval") for label in labels)
    assert any("unbounded" in c.value for c in at.caption)


def test_encoder_decoder_gate_explorer_shows_decoder_steps(data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at.radio(key="w_topology").set_value("encoder_decoder")
    at.radio(key="w_cell").set_value("GRU").run()
    at = train_tiny(at, epochs=1)
    at = open_page("pages/forecast/inspect.py", at)
    labels = at.selectbox(key="w_explore_trace").options
    assert labels == ["encoder_1 (forward, GRU)", "decoder_1 (forward, GRU)"]
    at.selectbox(key="w_explore_trace").set_value("decoder_1 (forward, GRU)").run()
    assert not at.exception and len(plotly_charts(at)) == 4
    # The actual series is drawn whole, and the predictions cover both test years.
    traces = {t["name"]: t for t in json.loads(plotly_charts(at)[0].proto.spec)["data"]}
    assert len(traces["actual"]["x"]) == 144
    assert len(traces["predicted (test)"]["x"]) == 24
    assert traces["predicted (test)"]["x"][-1].startswith("1960-12")


def test_build_refuses_a_model_that_reads_the_future(data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at.radio(key="w_topology").set_value("many_to_many")
    at.toggle(key="w_bidirectional").set_value(True).run()
    assert not at.exception
    assert any("backward direction" in e.value for e in at.error)
    assert session(at).model_spec is None
    at.toggle(key="w_bidirectional").set_value(False).run()
    assert not at.error and session(at).model_spec.topology == "many_to_many"


def test_seattle_weather_offers_covariates(data_ready):
    at = data_ready
    at.selectbox(key="w_builtin").set_value("seattle_temp").run()
    picker = at.multiselect(key="w_builtin_inputs_seattle_temp")
    assert set(picker.options) == {"precipitation", "temp_min", "wind"}
    picker.set_value(["precipitation", "wind"]).run()
    assert not at.exception
    assert session(at).data["forecast"].series.columns == ("temp_max", "precipitation", "wind")
    assert any("held at their last observed value" in c.value for c in at.caption)


def test_tutorial_recipe_sets_every_page(data_ready):
    at = data_ready
    at.selectbox(key="w_builtin").set_value("lynx").run()
    at.button(key="recipe_tutorial").click().run()
    assert not at.exception
    spec = session(at).data["forecast"].window_spec
    assert (spec.window, spec.test_size, spec.val_size, spec.scaler) == (1, 48, 0, "minmax")
    assert session(at).data["forecast"].series.name == "Airline passengers"
    at = open_page("pages/common/build.py", at)
    assert session(at).model_spec.units == (4,)
    at = open_page("pages/common/train.py", at)
    assert at.number_input(key="w_batch_size").value == 1
    assert at.number_input(key="w_epochs").value == 100
    assert at.radio(key="w_keep_weights").value == "last"
    assert not at.toggle(key="w_early_stopping").value
    at.number_input(key="w_epochs").set_value(1)
    at.button(key="train").click().run()
    wait_for_training(at)
    assert any("last epoch (1)" in s.value.replace("\\", "") for s in at.success)  # escaped
    at = open_page("pages/forecast/inspect.py", at)
    assert not at.exception
    assert any("47.5" in i.value for i in at.info)  # the app's figure beside the tutorial's
    assert any("No validation rows" in c.value for c in at.caption) and not at.metric


def test_day_first_upload_says_which_order_and_can_switch(data_ready):
    days = [
        f"{d:%d/%m/%Y},{i % 12 + i / 10}\n"
        for i, d in enumerate(__import__("pandas").date_range("1920-01-31", periods=60, freq="ME"))
    ]
    at = upload(data_ready, "monthly.csv", ("date,value\n" + "".join(days)).encode())
    assert not at.exception and not at.error
    assert any("day first" in i.value for i in at.info)
    assert at.radio(key="w_csv_date_order").value == "auto"
    # The season field shows the period the note promises (monthly data: 12), not 0.
    assert at.number_input(key="w_csv_season_monthly.csv").value == 12
    assert session(at).data["forecast"].series.season == 12
    at.radio(key="w_csv_date_order").set_value("month_first").run()
    assert not at.exception
    assert any("impossible" in e.value and "other date order" in e.value for e in at.error)


def test_train_uses_a_build_value_typed_just_before_leaving_build(data_ready):
    """A value typed on Build reaches the next page's run even when the Build run that would
    have built it was cut short by the page change: Train trains what the controls say."""
    at = open_page("pages/common/build.py", data_ready)
    built = session(at).model_spec
    at.session_state["w_units_1"] = built.units[0] + 3  # the typed value; Build never reran
    at = open_page("pages/common/train.py", at)
    spec = session(at).model_spec
    assert spec.units[0] == built.units[0] + 3 and spec.horizon == built.horizon
    caption = " ".join(c.value for c in at.caption).replace("\\", "")  # Markdown escapes
    assert f"units [{built.units[0] + 3}]" in caption
