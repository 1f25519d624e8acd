"""A refused upload leaves no data in use (issue 22 §4): after a bad file, Build and Train of
every task ask for data again instead of going on with the previous data set (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.tasks.generation import chars
from tests.pages.helpers import new_app, open_page, session

NOT_A_TABLE = b"\x00\x01\x02 not a csv \xff\xfe" * 50


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, content, "text/csv"))
    return at.run()


def built_and_refused(task: str, page: str, source_key: str, upload_source: str) -> AppTest:
    """Data chosen (built in) and a model built on it; then a bad file uploaded on Data."""
    at = new_app(task=task)
    at.run()
    at = open_page(page, at)
    assert session(at).data.get(task) is not None
    at = open_page("pages/common/build.py", at)
    assert not at.info and session(at).model_spec is not None
    at = open_page(page, at)
    at.radio(key=source_key).set_value(upload_source).run()
    return upload(at, "broken.csv", NOT_A_TABLE)


def assert_data_cleared(at: AppTest, task: str) -> None:
    assert not at.exception
    assert at.error and "broken.csv" in at.error[0].value  # the refusal names the file
    assert session(at).data.get(task) is None
    at = open_page("pages/common/build.py", at)
    assert at.info[0].value == "Choose the data first."
    at = open_page("pages/common/train.py", at)
    assert "Choose the data" in at.info[0].value
    assert not at.button  # no Train button on the previous data


@pytest.mark.parametrize(
    ("task", "page", "source_key", "upload_source"),
    [
        ("forecast", "pages/forecast/data.py", "w_data_source", "Upload a CSV"),
        ("sentiment", "pages/sentiment/data.py", "w_text_source", "upload"),
        ("sequences", "pages/sequences/data.py", "w_seq_source", "upload"),
    ],
)
def test_a_refused_csv_clears_the_tasks_data(task, page, source_key, upload_source):
    at = built_and_refused(task, page, source_key, upload_source)
    assert_data_cleared(at, task)


def test_a_forecast_split_that_cannot_be_made_clears_the_data():
    at = open_page("pages/forecast/data.py")
    assert session(at).data.get("forecast") is not None
    at.number_input(key="w_window").set_value(72)  # airline: 144 rows, half of them tested
    at.number_input(key="w_test_size").set_value(72).run()
    assert not at.exception and at.error
    assert session(at).data.get("forecast") is None


def test_an_absurd_generation_setting_is_refused_and_clears_the_data(monkeypatch):
    monkeypatch.setattr(chars, "MAX_EPOCH_CHARS", 1_000_000)
    at = new_app(task="generation")
    at.run()
    at = open_page("pages/generation/data.py", at)
    assert session(at).data.get("generation") is not None
    assert "One epoch reads" in at.success[0].value
    at.number_input(key="w_char_stride").set_value(1).run()
    assert not at.exception
    message = at.error[0].value
    assert "training sequences" in message and "Raise the stride to" in message
    assert session(at).data.get("generation") is None
    at = open_page("pages/common/build.py", at)
    assert at.info[0].value == "Choose the data first."
