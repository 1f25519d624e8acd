"""Compare and Runs pages (AppTest): variants side by side, saved runs listed, diffed, reopened."""

import io
import json
import zipfile

import pytest

from rnnviz.train.runs import RunStore
from tests.pages.helpers import open_page, plotly_charts, session


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def built(units: int = 4):
    at = open_page("pages/forecast/data.py")
    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(units).run()
    return at


def compare(at, cells, epochs=2):
    at = open_page("pages/common/compare.py", at)
    at.multiselect(key="w_cmp_cells").set_value(cells)
    at.number_input(key="w_epochs").set_value(epochs).run()
    at.button(key="compare").click().run()
    session(at).comparison.join(300)
    return at.run()


def test_compare_two_cells_then_list_diff_and_reopen(store):
    at = compare(built(), ["SimpleRNN", "GRU"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    # Ranked on validation; the mean test RMSE over horizons 1..12 is shown beside it.
    assert table["rank"].tolist() == [1, 2] and table["best val loss"].is_monotonic_increasing
    assert any("Ranked on validation (best val loss" in c.value for c in at.caption)
    parameters = dict(zip(table["variant"], table["parameters"], strict=True))
    # Keras's own parameter counts: SimpleRNN 4*(1+4+1)+5, GRU 3*4*(1+4+2)+5.
    assert parameters == {"SimpleRNN uni x1": 29, "GRU uni x1": 89}
    assert (table["test RMSE 1-12 steps"] > 0).all()
    assert (
        "forget" not in at.dataframe[1].value.columns and "update" in at.dataframe[1].value.columns
    )
    # Overlaid curves, the test forecasts side by side, and the variants beside the baselines.
    assert len(plotly_charts(at)) == 3
    bars = json.loads(plotly_charts(at)[2].proto.spec)["data"][0]["x"]
    assert bars[:2] == ["SimpleRNN uni x1", "GRU uni x1"]
    assert {"ETS (Holt-Winters)", "SARIMA"} <= set(bars)  # the fitted baselines too

    at = open_page("pages/common/runs.py", at)
    listed = at.dataframe[0].value
    assert sorted(listed["cell"]) == ["GRU", "SimpleRNN"] and len(store.list()) == 2
    diff = at.dataframe[1].value
    assert list(diff["setting"]) == ["model.cell"]
    at.multiselect(key="w_runs_cells").set_value(["GRU"]).run()
    assert list(at.dataframe[0].value["cell"]) == ["GRU"]
    chosen = at.selectbox(key="w_run").value
    at.button(key="run_open").click().run()
    assert not at.exception
    assert session(at).job.record.run_id == chosen
    assert at.title[0].value == "Inspect"  # the saved model, reopened on its data
    assert len(plotly_charts(at)) == 4  # forecast, error by horizon, residuals, gate heatmap


def test_runs_page_deletes_and_survives_a_damaged_run(store):
    at = compare(built(), ["LSTM"], epochs=1)
    (store.root / "20990101-000000-dead").mkdir()
    (store.root / "20990101-000000-dead" / "run.json").write_text("{ half written")
    at = open_page("pages/common/runs.py", at)
    assert not at.exception
    assert any("damaged" in w.value for w in at.warning)
    run_id = at.selectbox(key="w_run").value
    at.button(key="run_delete").click().run()
    assert run_id not in [r.run_id for r in store.list()]
    assert at.info and "No saved runs" in at.info[0].value


def test_model_upload_good_and_corrupt(store, tmp_path):
    at = compare(built(), ["GRU"], epochs=1)
    handle = session(at).comparison.handles[0]
    path = store.get(handle.result().run_id).model_path  # the model the worker saved
    at = open_page("pages/common/runs.py", at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a model")
    for name, content in [("bad.keras", b"garbage bytes"), ("zip.keras", buffer.getvalue())]:
        at.get("file_uploader")[0].set_value((name, content, "application/octet-stream"))
        at.run()
        assert not at.exception and at.error, name
    at.get("file_uploader")[0].set_value(
        ("good.keras", path.read_bytes(), "application/octet-stream")
    )
    at.run()
    assert not at.exception and any("parameters" in s.value for s in at.success)
    at.button(key="upload_inspect").click().run()
    assert not at.exception
