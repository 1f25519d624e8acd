"""The upload catalogue: every file in tests/fixtures/uploads goes through the real upload path.

Each must end in a correct read or a clear message (the words ``manifest.json`` names, no Python
jargon), never a traceback; nothing a file or column is named may render as a link, image or
markup; and the page must still take a good file afterwards. The files come from
``tests/fixtures/uploads/make_catalogue.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.helpers import new_app, open_page, plotly_charts, session

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
MANIFEST: dict[str, str] = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
JARGON = re.compile(r"Traceback|Exception|Error\b|errno|\bbytes\b|decode|KeyError|\.py\b")
UNESCAPED_LINK = re.compile(r"(?<!\\)\]\s*(?<!\\)\(")  # [text](url) or ![alt](src)
MESSAGE_KINDS = ("error", "warning", "info", "caption", "success", "markdown")


def files(kind: str) -> list[str]:
    return sorted(p.name for p in (FOLDER / kind).iterdir())


def test_the_manifest_covers_every_file():
    on_disk = {f"{k}/{n}" for k in ("series", "text", "models") for n in files(k)}
    assert on_disk == set(MANIFEST)
    assert len(on_disk) >= 80


def forecast_upload_page() -> AppTest:
    at = open_page("pages/forecast/data.py")
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    return at


def text_upload_page() -> AppTest:
    at = new_app(task="sentiment")
    at.run()
    at = open_page("pages/sentiment/data.py", at)
    at.radio(key="w_text_source").set_value("upload").run()
    return at


def model_upload_page(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return open_page("pages/common/runs.py")


def upload(at: AppTest, kind: str, name: str) -> AppTest:
    content = (FOLDER / kind / name).read_bytes()
    at.get("file_uploader")[0].set_value((name, content, "application/octet-stream"))
    return at.run()


def shown(at: AppTest) -> str:
    return " ".join(e.value for kind in MESSAGE_KINDS for e in at.get(kind))


def check_outcome(at: AppTest, key: str, was_read) -> None:
    expected = MANIFEST[key]
    assert not at.exception, (key, at.exception)
    errors = " ".join(e.value for e in at.error)
    readable = re.sub(r"\\(.)", r"\1", errors)
    if expected == "read":
        assert not errors, (key, readable)
        assert was_read(at), key
    else:
        assert re.search(expected, readable, re.IGNORECASE), (key, expected, readable)
        assert not JARGON.search(readable.replace(Path(key).name, "")), (key, readable)
    assert not UNESCAPED_LINK.search(shown(at)), (key, shown(at))
    for chart in plotly_charts(at):
        assert "<a " not in chart.proto.spec and "<b>" not in chart.proto.spec, key


def series_read(at: AppTest) -> bool:
    series = session(at).task_data("forecast")
    series = series.series if series is not None else None
    return series is not None and len(plotly_charts(at)) == 1 and len(series.frame) >= 10


def text_read(at: AppTest) -> bool:
    data = session(at).task_data("sentiment")
    data = data.text_data if data is not None else None
    return data is not None and len(plotly_charts(at)) == 2 and data.n_classes >= 2


def model_read(at: AppTest) -> bool:
    return any("parameters" in s.value for s in at.success) and len(at.dataframe) >= 1


@pytest.mark.parametrize("name", files("series"))
def test_series_upload(name):
    at = upload(forecast_upload_page(), "series", name)
    check_outcome(at, f"series/{name}", series_read)
    at = upload(at, "series", "good.csv")  # the page still works
    check_outcome(at, "series/good.csv", series_read)


@pytest.mark.parametrize("name", files("text"))
def test_text_upload(name):
    at = upload(text_upload_page(), "text", name)
    check_outcome(at, f"text/{name}", text_read)
    at = upload(at, "text", "good.csv")
    check_outcome(at, "text/good.csv", text_read)


@pytest.mark.parametrize("name", files("models"))
def test_model_upload(name, tmp_path, monkeypatch):
    at = upload(model_upload_page(tmp_path, monkeypatch), "models", name)
    check_outcome(at, f"models/{name}", model_read)
    at = upload(at, "models", "good_gru.keras")
    check_outcome(at, "models/good_gru.keras", model_read)
