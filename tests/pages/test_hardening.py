"""Hardening as a user meets it (AppTest): deep links, fresh caches, damaged runs, safe exports,
escaped names, capped padded lengths, and uploads parsed once."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
from pathlib import Path

import keras
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from rnnviz.model.builder import build_model
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.train.runs import RunStore
from tests.pages.helpers import APP, TIMEOUT, new_app, open_page, plotly_charts, session

# ---------------------------------------------------------------------------------------------
# Helpers


def sentiment_upload_page() -> AppTest:
    at = new_app(task="sentiment")
    at.run()
    at = open_page("pages/sentiment/data.py", at)
    at.radio(key="w_text_source").set_value("upload").run()
    return at


def upload(at: AppTest, name: str, content: bytes, index: int = 0) -> AppTest:
    at.get("file_uploader")[index].set_value((name, content, "text/csv"))
    return at.run()


def text_rows(n: int, classes: list[str], words: str = "good film") -> bytes:
    lines = [f"{words} number {i},{classes[i % len(classes)]}" for i in range(n)]
    return ("review,label\n" + "\n".join(lines) + "\n").encode()


def downloaded(at: AppTest, key: str) -> bytes:
    """The bytes a download button would send (from Streamlit's in-memory media store)."""
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    file_id = button.proto.url.rsplit("/", 1)[-1].split(".")[0]
    stores = [o for o in gc.get_objects() if isinstance(o, MemoryMediaFileStorage)]
    for store in stores:
        try:
            return store.get_file(file_id).content
        except Exception:  # noqa: BLE001 - another session's store
            continue
    raise AssertionError(f"no media file {file_id}")


def texts(elements) -> str:
    """What the elements show a reader: their Markdown with the backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", " ".join(e.value for e in elements))


# ---------------------------------------------------------------------------------------------
# 7. Deep links


def test_the_pages_folder_holds_no_script_streamlit_would_serve_past_the_router():
    """A ``pages/`` folder beside app.py turns on Streamlit's multipage v1 for the process: it
    serves ``pages/*.py`` by itself, without the router's task switch and autosave. The page
    scripts live one level down (``pages/common``, ``pages/<task>``), where it does not look, and
    the app's first run turns the mode off (rnnviz/ui/runtime.py)."""
    PagesManager.uses_pages_directory = None  # as on a freshly started server
    PagesManager(APP)
    assert PagesManager.uses_pages_directory is True
    assert sorted((Path(APP).parent / "pages").glob("*.py")) == []
    AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert PagesManager.uses_pages_directory is False


def test_every_page_is_reached_through_the_router():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for page in ("pages/forecast/data.py", "pages/common/build.py", "pages/common/runs.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert at.radio(key="w_task").value == "forecast"  # the router's sidebar ran


# ---------------------------------------------------------------------------------------------
# 2. Stale text data, 8. parse once


def test_a_new_text_file_with_the_same_name_and_row_count_is_used():
    at = sentiment_upload_page()
    at = upload(at, "reviews.csv", text_rows(60, ["pos", "neg"]))
    assert session(at).data["sentiment"].text_data.class_names == ("neg", "pos")
    at = upload(at, "reviews.csv", text_rows(60, ["pos", "neg", "meh"]))
    assert not at.exception and not at.error
    assert session(at).data["sentiment"].text_data.class_names == ("meh", "neg", "pos")
    assert "3 classes" in texts(at.info)


def test_a_series_upload_is_parsed_once_per_content(monkeypatch):
    import rnnviz.tasks.forecast.series

    calls = []
    real = rnnviz.tasks.forecast.series.parse_series_csv
    monkeypatch.setattr(
        rnnviz.tasks.forecast.series, "parse_series_csv", lambda *a: calls.append(a[1]) or real(*a)
    )
    at = open_page("pages/forecast/data.py")
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    rows = [f"2021-01-{d:02d},{d * 1.5 % 7}" for d in range(1, 32)]
    content = ("day,sales\n" + "\n".join(rows)).encode()
    at = upload(at, "sales.csv", content)
    at.number_input(key="w_window").set_value(3).run()
    at.number_input(key="w_test_size").set_value(5).run()
    assert not at.exception and not at.error and calls == ["sales.csv"]
    at = upload(at, "sales.csv", content.replace(b"2021", b"2022"))  # same name, new bytes
    assert calls == ["sales.csv", "sales.csv"]
    assert session(at).data["forecast"].series.frame.index[0].year == 2022


# ---------------------------------------------------------------------------------------------
# 4. Damaged runs, 5. formula-safe export


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def saved_run(store: RunStore, **changes):
    keras.utils.set_random_seed(0)
    spec = ModelSpec(cell="GRU", units=(4,))
    options = dict(
        task="forecast",
        dataset="Airline passengers",
        model=build_model(spec, (12, 1)),
        model_spec=spec,
        train_spec=TrainSpec(epochs=1),
        data_config={
            "dataset_key": "airline",
            "window": 12,
            "horizon": 1,
            "test_size": 24,
            "val_size": 12,
            "transform": "none",
        },
        history={"loss": [1.0], "val_loss": [1.2]},
        metrics={"test RMSE": 10.0},
        status="finished",
        message="Finished 1 epoch.",
    )
    options.update(changes)
    return store.save(**options)


def damaged_store(store: RunStore) -> dict[str, str]:
    """Runs damaged in every way the probing pass found; returns run id -> what is wrong."""
    good = saved_run(store)
    cases = {}

    def copy(name: str, why: str):
        cases[name] = why
        return shutil.copytree(good.path, store.root / name)

    def edit(path, **changes):
        data = json.loads((path / "run.json").read_text())
        data.update(changes)
        (path / "run.json").write_text(json.dumps(data))

    edit(copy("20990101-000000-naive", "naive time"), created="2099-01-01T00:00:00")
    path = copy("20990101-000001-preds", "corrupt predictions")
    (path / "predictions.csv").write_bytes(b"time,actual\n\xff\xfe\x81\x00,1\n")
    edit(copy("20990101-000002-nowin", "no window"), data_config={"dataset_key": "airline"})
    copy("renamed-by-hand", "renamed folder")
    path = copy("20990101-000003-trunc", "truncated model")
    model = (path / "model.keras").read_bytes()
    (path / "model.keras").write_bytes(model[: len(model) // 3])
    copy("has spaces (copy)", "bad folder name")
    stale = store.root / ".tmp-crashed-save"
    stale.mkdir()
    os.utime(stale, (0, 0))
    cases[good.run_id] = "good"
    return cases


def test_runs_page_lists_damaged_runs_and_open_and_delete_never_raise(store):
    cases = damaged_store(store)
    at = open_page("pages/common/runs.py")
    assert not at.exception
    assert not (store.root / ".tmp-crashed-save").exists()  # removed when the store opened
    assert "has spaces (copy)" in texts(at.warning) and "not a run id" in texts(at.warning)
    listed = at.selectbox(key="w_run").options
    assert len(listed) == 6  # all but the folder that is not a run id
    for run_id in [r for r in cases if r != "has spaces (copy)"]:
        at.selectbox(key="w_run").set_value(run_id).run()
        assert not at.exception, run_id
        if cases[run_id] == "corrupt predictions":
            assert "predictions.csv is damaged" in texts(at.warning)
        at.button(key="run_open").click().run()
        assert not at.exception, run_id
        if cases[run_id] in ("truncated model", "no window"):
            message = texts(at.error)
            assert (
                "damaged or incomplete" if "model" in cases[run_id] else "incomplete"
            ) in message
            assert "not found" not in message.lower()
        if at.title[0].value != "Runs":
            at = open_page("pages/common/runs.py", at)
    at.button(key="damaged_delete_0").click().run()  # the folder that is not a run id
    assert not at.exception and not (store.root / "has spaces (copy)").exists()
    for run_id in ("renamed-by-hand", "20990101-000003-trunc"):
        at.selectbox(key="w_run").set_value(run_id).run()
        at.button(key="run_delete").click().run()
        assert not at.exception and run_id not in [r.run_id for r in store.list()]


def test_predictions_download_cannot_run_formulas(store):
    predictions = pd.DataFrame(
        {
            "text": ['=HYPERLINK("http://evil.example","click")', "+1+1", "fine"],
            "true": ["@pos", "neg", "-neg"],
            "p_pos": [0.9, -0.1, 0.5],
        }
    )
    saved_run(store, predictions=predictions)
    at = open_page("pages/common/runs.py")
    content = downloaded(at, "run_csv").decode()
    frame = pd.read_csv(pd.io.common.StringIO(content))
    assert frame["text"].tolist() == [
        '\'=HYPERLINK("http://evil.example","click")',
        "'+1+1",
        "fine",
    ]
    assert frame["true"].tolist() == ["'@pos", "neg", "'-neg"]
    assert frame["p_pos"].tolist() == [0.9, -0.1, 0.5]


# ---------------------------------------------------------------------------------------------
# 6. Markdown and link injection, 9. small ones


def test_file_and_column_names_are_shown_literally():
    at = open_page("pages/forecast/data.py")
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at = upload(at, "![x](https://evil.example/p.png).csv", b"")
    assert "\\!\\[x\\]\\(https\u2060\\://evil.example/p.png\\)" in at.error[0].value
    rows = [f"2021-01-{d:02d},{d},word" for d in range(1, 32)]
    csv = ("date,value,[click](https://evil.example)\n" + "\n".join(rows)).encode()
    at = upload(at, "fine.csv", csv)
    assert not at.exception
    note = next(i.value for i in at.info if "non-numeric" in i.value)
    assert "\\[click\\]\\(https\u2060\\://evil.example\\)" in note


def test_class_labels_never_become_links_in_the_chart():
    at = sentiment_upload_page()
    label = '<a href="https://evil.example">pos</a>'
    at = upload(at, "r.csv", text_rows(40, [label.replace('"', "'"), "neg"]))
    assert not at.exception and not at.error
    spec = json.dumps([json.loads(c.proto.spec) for c in plotly_charts(at)])
    assert "<a href" not in spec and "&lt;a href" in spec


def test_a_suggested_padded_length_over_the_limit_is_capped_not_reset():
    at = sentiment_upload_page()
    long_text = " ".join(["word"] * 2_100)
    at = upload(at, "long.csv", text_rows(30, ["pos", "neg"], words=long_text))
    assert not at.exception and not at.error
    assert at.number_input(key="w_max_len").value == 2_000
    assert "2,000 allowed" in texts(at.caption)


def test_texts_that_are_all_empty_are_named_as_such():
    at = sentiment_upload_page()
    content = b"review,label\n" + b"".join(
        f",{'pos' if i % 2 else 'neg'}\n".encode() for i in range(30)
    )
    at = upload(at, "empty_texts.csv", content)
    assert not at.exception
    assert "has no text: every row is empty" in texts(at.error)
    assert "different columns" not in texts(at.error)


def test_latin1_semicolon_text_csv_is_read():
    rows = "".join(f"très bon film {i};{'oui' if i % 2 else 'non'}\n" for i in range(40))
    at = sentiment_upload_page()
    at = upload(at, "avis.csv", ("avis;note\n" + rows).encode("latin-1"))
    assert not at.exception and not at.error
    assert session(at).data["sentiment"].text_data.class_names == ("non", "oui")


def test_the_upload_limit_message_never_reads_as_the_limit_itself():
    at = open_page("pages/forecast/data.py")
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at = upload(at, "big.csv", b"a" * (20 * 1024 * 1024 + 1))
    assert "20.1 MB, over the 20 MB upload limit" in at.error[0].value
