"""The sequence Data page reads long and wide CSVs as meant, with no switch touched."""

from __future__ import annotations

import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.core.test_sequences_long import specimens, wide_frame
from tests.pages.helpers import session
from tests.pages.test_seq_pages import metrics, sequences_app


def upload(at: AppTest, name: str, frame: pd.DataFrame) -> AppTest:
    if at.radio(key="w_seq_source").value != "upload":
        at.radio(key="w_seq_source").set_value("upload").run()
    at.get("file_uploader")[0].set_value((name, frame.to_csv(index=False).encode(), "text/csv"))
    return at.run()


def shown(markdown: str) -> str:
    """A message as the reader sees it (the page escapes Markdown in what it quotes)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def infos(at: AppTest) -> list[str]:
    return [shown(i.value) for i in at.info]


def errors(at: AppTest) -> list[str]:
    return [shown(e.value) for e in at.error]


def test_a_shuffled_long_file_with_the_label_first_is_read_as_meant():
    frame = specimens()[["kind", "outline", "specimen", "position"]].sample(
        frac=1.0, random_state=1
    )
    at = upload(sequences_app(), "specimens.csv", frame)
    assert not at.exception and not errors(at), errors(at)
    assert at.radio(key="w_seq_layout").value == "long"
    assert at.selectbox(key="w_seq_label").value == "kind"
    assert at.selectbox(key="w_seq_id").value == "specimen"
    assert at.selectbox(key="w_seq_step").value == "position"
    assert at.multiselect(key="w_seq_values").value == ["outline"]
    assert (
        "Long table: 30 sequences of 20 steps (id 'specimen', step 'position'), 1 feature "
        "('outline'), 3 classes (kind: a 10, b 10, c 10)."
    ) in infos(at)
    assert metrics(at)["Sequences"] == "30" and metrics(at)["Steps x features"] == "20 x 1"
    data = session(at).data["sequences"]
    assert data.feature_names == ("outline",) and data.prepared.input_shape == (20, 1)


def test_a_ragged_long_file_with_dates_says_so():
    frame = specimens(ragged=True).rename(columns={"position": "day"})
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame["day"], unit="D")
    frame["day"] = days.dt.strftime("%Y-%m-%d")
    lengths = frame.groupby("specimen").size()
    at = upload(sequences_app(), "dated.csv", frame.sample(frac=1.0, random_state=2))
    assert not at.exception and not errors(at), errors(at)
    span = f"{lengths.min()}-{lengths.max()}"
    assert any(
        i.startswith(
            f"Long table: 30 sequences of {span} steps (id 'specimen', step 'day', read as"
        )
        for i in infos(at)
    ), infos(at)
    assert metrics(at)["Steps x features"] == f"{span} x 1"
    assert any("Masking layer" in c.value for c in at.caption)


def test_a_column_chosen_as_step_or_id_leaves_the_values():
    at = upload(sequences_app(), "specimens.csv", specimens())
    at.multiselect(key="w_seq_values").set_value(["outline", "position"]).run()
    assert any(
        "'position' is the step column; it cannot also be a value column" in e for e in errors(at)
    )
    at.selectbox(key="w_seq_step").set_value("outline").run()  # the step's column leaves the values
    assert at.multiselect(key="w_seq_values").value == ["position"]
    at.selectbox(key="w_seq_step").set_value("position").run()
    at.multiselect(key="w_seq_values").set_value(["outline"]).run()
    assert not errors(at) and metrics(at)["Steps x features"] == "20 x 1"
    at.selectbox(key="w_seq_id").set_value("outline").run()
    assert at.multiselect(key="w_seq_values").value == []
    assert any("Choose at least one column of values" in e for e in errors(at))
    assert not at.exception


def test_a_layout_chosen_by_hand_gets_its_value_columns():
    at = upload(sequences_app(), "specimens.csv", specimens())
    at.radio(key="w_seq_layout").set_value("wide").run()
    assert at.multiselect(key="w_seq_values").value == ["position", "outline"]
    assert any(i.startswith("Wide table: 600 sequences of 2 steps") for i in infos(at))
    at.radio(key="w_seq_layout").set_value("long").run()
    assert at.multiselect(key="w_seq_values").value == ["outline"]
    assert any(i.startswith("Long table: 30 sequences of 20 steps") for i in infos(at))
    assert not at.exception and not errors(at)


def test_a_label_that_changes_within_a_sequence_is_named():
    frame = specimens()
    frame.loc[(frame["specimen"] == "sp7") & (frame["position"] == 3), "kind"] = "a"
    at = upload(sequences_app(), "mixed.csv", frame.sample(frac=1.0, random_state=3))
    assert not at.exception
    assert any(e.startswith("Sequence 'sp7' has more than one label") for e in errors(at)), errors(
        at
    )


def test_a_wide_file_with_the_label_first_stays_wide():
    at = upload(sequences_app(), "wide.csv", wide_frame(label_first=True))
    assert not at.exception and not errors(at), errors(at)
    assert at.radio(key="w_seq_layout").value == "wide"
    assert at.selectbox(key="w_seq_label").value == "kind"
    assert any(i.startswith("Wide table: 30 sequences of 12 steps") for i in infos(at))
    assert metrics(at)["Steps x features"] == "12 x 1"
