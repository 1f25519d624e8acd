"""The Data pages keep the upload and its choices on return; a run trained on an upload reopens
from Runs after a restart, with its data to download beside its script."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.train.runs import RunStore
from tests.pages.helpers import new_app, open_page, session, train_on_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
AIRLINE_CSV = load_builtin("airline").frame.to_csv().encode()


def texts(at: AppTest, kind: str = "caption") -> str:
    """The page's captions as read (without the Markdown escapes)."""
    return " ".join(str(element.value) for element in getattr(at, kind)).replace("\\", "")


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, content, "application/octet-stream"))
    return at.run()


def away_and_back(at: AppTest, page: str) -> AppTest:
    at = open_page("pages/common/build.py", at)
    return open_page(page, at)


def test_the_forecast_upload_and_its_choices_are_kept_on_return():
    at = open_page("pages/forecast/data.py")
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at = upload(at, "passengers.csv", AIRLINE_CSV)
    at.number_input(key="w_csv_season_passengers.csv").set_value(6).run()
    at.number_input(key="w_window").set_value(9).run()
    assert not at.exception and session(at).task_data().window_spec.window == 9

    at = away_and_back(at, "pages/forecast/data.py")
    assert not at.exception
    assert "Using passengers.csv (uploaded, 144 rows) — upload another to replace it." in texts(at)
    assert at.number_input(key="w_csv_season_passengers.csv").value == 6
    assert at.number_input(key="w_window").value == 9
    data = session(at).task_data()
    assert data.series.name == "passengers.csv" and data.series.season == 6
    assert data.window_spec.window == 9

    at.number_input(key="w_horizon").set_value(2).run()  # one setting changed: no new upload
    assert session(at).task_data().window_spec.horizon == 2

    at = upload(at, "other.csv", AIRLINE_CSV[: len(AIRLINE_CSV) // 2])  # replaces it
    assert session(at).task_data().series.name == "other.csv"
    assert "Using passengers.csv" not in texts(at)


def test_the_text_upload_and_its_columns_are_kept_on_return():
    at = new_app(task="sentiment")
    at.run()
    at = open_page("pages/sentiment/data.py", at)
    at.radio(key="w_text_source").set_value("upload").run()
    at = upload(at, "reviews.csv", (FIXTURES / "text" / "good.csv").read_bytes())
    assert not at.exception
    columns = at.selectbox(key="w_text_col").options
    at.selectbox(key="w_label_col").set_value(columns[1]).run()
    chosen = (at.selectbox(key="w_text_col").value, at.selectbox(key="w_label_col").value)
    rows = len(session(at).task_data().text_data.x_train)

    at = away_and_back(at, "pages/sentiment/data.py")
    assert not at.exception
    assert "Using reviews.csv (uploaded, " in texts(at)
    assert (at.selectbox(key="w_text_col").value, at.selectbox(key="w_label_col").value) == chosen
    assert len(session(at).task_data().text_data.x_train) == rows


def test_the_sequence_and_corpus_uploads_are_kept_on_return():
    at = new_app(task="sequences")
    at.run()
    at = open_page("pages/sequences/data.py", at)
    at.radio(key="w_seq_source").set_value("upload").run()
    rows = "\n".join(f"s{i // 4},{i % 4},{(i * 7) % 5},{'ab'[i // 4 % 2]}" for i in range(96))
    at = upload(at, "moves.csv", f"id,t,v,label\n{rows}\n".encode())
    assert not at.exception, at.exception
    layout = at.radio(key="w_seq_layout").value
    at = away_and_back(at, "pages/sequences/data.py")
    assert not at.exception
    assert "Using moves.csv (uploaded, 96 rows)" in texts(at)
    assert at.radio(key="w_seq_layout").value == layout
    assert session(at).task_data().name == "moves.csv"

    at = new_app(task="generation")
    at.run()
    at = open_page("pages/generation/data.py", at)
    at.radio(key="w_char_source").set_value("upload").run()
    at = upload(at, "poem.txt", b"Shall I compare thee to a summer's day?\n" * 80)
    at.number_input(key="w_char_seq_len").set_value(30).run()
    at = away_and_back(at, "pages/generation/data.py")
    assert not at.exception
    assert "Using poem.txt (uploaded, 3,200 characters)" in texts(at)
    assert at.number_input(key="w_char_seq_len").value == 30
    assert session(at).task_data().chars.seq_len == 30


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def test_a_run_on_an_upload_reopens_from_runs_after_a_restart(store):
    at = open_page("pages/forecast/data.py")
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at = upload(at, "passengers.csv", AIRLINE_CSV)
    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(4).run()
    at = train_on_page(at, epochs=1)
    [record] = store.list()
    assert record.data_config["stored_data"]["filename"] == "passengers.csv"

    fresh = AppTest.from_file(at._script_path, default_timeout=120)  # a new server and session
    fresh = open_page("pages/common/runs.py", fresh)
    assert fresh.selectbox(key="w_run").value == record.run_id
    labels = [b.label for b in fresh.get("download_button")]
    assert "Keras script (.py)" in labels and "Data (passengers.csv)" in labels
    fresh.button(key="run_open").click().run()
    assert not fresh.exception, fresh.exception
    assert fresh.title[0].value == "Inspect"
    job = session(fresh).job
    assert job.record.run_id == record.run_id and job.dataset_name == "passengers.csv"
    assert job.summary()[1]["test RMSE"] == pytest.approx(record.metrics["test RMSE"], rel=1e-5)

    fresh = open_page("pages/forecast/data.py", fresh)  # the same bytes again, under another name
    fresh.radio(key="w_data_source").set_value("Upload a CSV").run()
    fresh = upload(fresh, "again.csv", AIRLINE_CSV)
    assert f"Same data as run {record.run_id} (saved runs trained on these values)." in texts(fresh)
