"""The sequence-classification task as a user meets it: data, build, train, inspect, runs."""

import math

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.train.runs import RunStore
from tests.pages.helpers import (
    new_app,
    open_page,
    plotly_charts,
    session,
    train_on_page,
)


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def sequences_app(builtin: str | None = None) -> AppTest:
    # AppTest cannot drive the sidebar radio of an st.navigation entry script: the stored task
    # seeds it (the browser test clicks it for real).
    at = new_app(task="sequences")
    at.run()
    at = open_page("pages/sequences/data.py", at)
    if builtin is not None:
        at.selectbox(key="w_seq_builtin").set_value(builtin).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_pages_ask_for_data_and_a_run_first():
    at = new_app(task="sequences")
    at.run()
    at = open_page("pages/common/build.py", at)
    assert "Choose the data first" in at.info[0].value
    at = open_page("pages/sequences/inspect.py", at)
    assert "Train a sequence classifier first" in at.info[0].value


def test_few_long_sequences_are_read_in_chunks_and_the_page_says_why():
    at = sequences_app("OSULeaf")  # 442 leaf outlines of 427 steps
    info = " ".join(i.value for i in at.info).replace("\\", "")  # Markdown escapes
    assert "427 steps is long for a recurrent cell: it reads 16 steps at a time" in info
    assert at.number_input(key="w_seq_chunk").value == 16
    data = session(at).data["sequences"]
    assert data.prepared.input_shape == (27, 16) and data.settings.chunk == 16
    at.number_input(key="w_seq_chunk").set_value(1).run()  # the user may read every step
    assert session(at).data["sequences"].prepared.input_shape == (427, 1)
    at.selectbox(key="w_seq_builtin").set_value("GunPoint").run()  # 150 steps: one at a time
    assert at.number_input(key="w_seq_chunk").value == 1
    assert not any("long for a recurrent cell" in i.value for i in at.info)
    assert not at.exception


def test_mnist_rows_shows_sizes_classes_and_digits():
    at = sequences_app()  # the first built-in set: MNIST read row by row
    assert metrics(at) == {
        "Sequences": "5,000",
        "Steps x features": "28 x 28",
        "Classes": "10",
        "Majority class": "10.0%",
    }
    data = session(at).data["sequences"]
    assert data.key == "mnist_rows" and data.image_shape == (28, 28)
    p = data.prepared
    assert (len(p.x_train), len(p.x_val), len(p.x_test)) == (3200, 800, 1000)
    assert "3,200 train, 800 validation, 1,000 test" in at.success[0].value
    charts = plotly_charts(at)
    assert len(charts) == 2  # class balance and the example digits
    assert at.selectbox(key="w_seq_scaling").value == "global"
    # The recipe's budget for 3,200 training sequences: 40 epochs already reach 2,000 batches.
    assert at.session_state["w_epochs"] == 40


def test_ucr_sets_use_the_archive_split_and_mask_ragged_sequences():
    at = sequences_app("ItalyPowerDemand")
    p = session(at).data["sequences"].prepared
    assert len(p.x_test) == 1029 and len(p.x_train) + len(p.x_val) == 67
    assert "archive's split" in at.success[0].value
    assert at.session_state["w_epochs"] > 40  # a small set gets more epochs
    at.toggle(key="w_seq_official").set_value(False).run()
    p = session(at).data["sequences"].prepared
    assert len(p.x_test) == math.ceil(0.2 * 1096)  # a stratified 20% (as sklearn rounds)

    at.selectbox(key="w_seq_builtin").set_value("JapaneseVowels").run()
    assert not at.exception
    assert metrics(at)["Steps x features"] == "7-29 x 12"
    data = session(at).data["sequences"]
    assert data.prepared.mask_value is not None
    assert any("Masking layer" in c.value for c in at.caption)
    at.selectbox(key="w_seq_feature").set_value("channel 3").run()
    assert "channel 3" in plotly_charts(at)[1].proto.spec


def _long_csv(classes: int = 2, per_class: int = 6, label=lambda k: f"c{k}") -> bytes:
    rows = ["id,t,value,label"]
    for s in range(classes * per_class):
        for t in range(3 + s % 3):  # ragged: 3 to 5 steps
            rows.append(f"s{s},{t},{(s % classes) + 0.1 * t},{label(s % classes)}")
    return ("\n".join(rows) + "\n").encode()


BAD_CSVS = [
    ("one_class.csv", _long_csv(classes=1), "same label"),
    ("few.csv", _long_csv(per_class=3), "too few sequences"),
    ("many.csv", _long_csv(classes=51, per_class=5), "at most 50 classes"),
    (
        "text_value.csv",
        _long_csv().replace(b"s1,1,1.1,c1", b"s1,1,high,c1"),
        "not a number",
    ),
    ("no_label.csv", b"label,s1,s2\n" + b"a,1,2\n" * 6 + b"b,2,1\n" * 6 + b",3,3\n", "no label"),
    ("empty.csv", b"", "empty"),
    ("one_column.csv", b"value\n1\n2\n3\n", "at least a value column"),
]


def test_upload_long_and_wide_and_every_bad_file_gets_a_message():
    at = sequences_app()
    at.radio(key="w_seq_source").set_value("upload").run()
    uploader = at.get("file_uploader")[0]
    uploader.set_value(("long.csv", _long_csv(), "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.radio(key="w_seq_layout").value == "long"  # guessed from the repeated ids
    assert at.selectbox(key="w_seq_step").value == "t"
    assert metrics(at)["Sequences"] == "12" and metrics(at)["Steps x features"] == "3-5 x 1"
    data = session(at).data["sequences"]
    assert data.key is None and data.prepared.mask_value is not None

    wide = b"label,s1,s2,s3\n" + b"".join(
        f"{'up' if i % 2 else 'down'},{i},{i + (1 if i % 2 else -1)},\n".encode() for i in range(20)
    )
    at.get("file_uploader")[0].set_value(("wide.csv", wide, "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.radio(key="w_seq_layout").value == "wide"
    assert metrics(at)["Sequences"] == "20" and metrics(at)["Classes"] == "2"

    for name, content, words in BAD_CSVS:
        at.get("file_uploader")[0].set_value((name, content, "text/csv"))
        at.run()
        assert not at.exception, (name, at.exception)
        assert any(words in e.value.lower() for e in at.error), (name, [e.value for e in at.error])
    # A column picked twice is explained, too.
    at.get("file_uploader")[0].set_value(("long.csv", _long_csv(), "text/csv"))
    at.run()
    at.multiselect(key="w_seq_values").set_value(["value", "label"]).run()
    assert not at.exception
    assert any("cannot also be a value column" in e.value for e in at.error)


def test_digits_build_train_inspect_then_reopen_from_runs(store):
    at = sequences_app("digits_rows")
    at = open_page("pages/common/build.py", at)
    assert list(at.dataframe[0].value["layer"]) == ["input", "rnn_1", "head"]
    at.number_input(key="w_units_1").set_value(4).run()
    spec = session(at).model_spec
    assert spec.head == "multiclass" and spec.n_outputs == 10 and spec.mask_value is None
    at.toggle(key="w_bidirectional").set_value(True).run()
    assert not at.error and any("backward direction" in c.value for c in at.caption)
    at.toggle(key="w_bidirectional").set_value(False).run()

    at = train_on_page(at, 1)
    assert not at.exception and not at.error
    history = session(at).job.run.snapshot().history
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}

    at = open_page("pages/sequences/inspect.py", at)
    assert not at.exception and not at.error
    shown = metrics(at)
    record = session(at).job.record
    assert float(shown["RNN test accuracy"]) == pytest.approx(
        record.metrics["test accuracy"], abs=1e-3
    )
    assert float(shown["1-nearest neighbour (Euclidean)"]) > 0.9  # digits: 1-NN is strong
    assert "logistic regression (flattened)" in shown and "Majority class" in shown
    assert float(shown["1-NN DTW (10% band)"]) > 0.9  # 8 steps: DTW is cheap here
    assert "test accuracy" in at.warning[0].value and "does not beat" in at.warning[0].value
    assert any("warps each pair within a band of 10%" in c.value for c in at.caption)
    charts = {c.proto.spec for c in plotly_charts(at)}
    assert any("Confusion matrix" in spec for spec in charts)
    assert any("image, read row by row" in spec for spec in charts)  # digit beside its gates
    assert any("after each step" in spec for spec in charts)  # a unidirectional model
    # an image: the probabilities after each row are a panel beside its rows, not a chart
    assert not any("Class probabilities after each step" in spec for spec in charts)
    per_class = at.dataframe[0].value
    assert list(per_class["class"]) == [str(d) for d in range(10)]
    assert at.selectbox(key="w_seq_example").value is not None

    at = open_page("pages/common/runs.py", at)
    assert list(store.table()["dataset"]) == ["Small digits (8 x 8), row by row"]
    assert any(b.label == "Keras script (.py)" for b in at.get("download_button"))
    at.button(key="run_open").click().run()
    assert not at.exception and at.title[0].value == "Inspect: sequences"
    assert session(at).job.record.run_id == record.run_id


def test_compare_two_cells_on_ragged_sequences(store):
    at = sequences_app("JapaneseVowels")
    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(4).run()
    assert list(at.dataframe[0].value["layer"]) == ["input", "masking", "rnn_1", "head"]
    at = open_page("pages/common/compare.py", at)
    at.multiselect(key="w_cmp_cells").set_value(["SimpleRNN", "GRU"])
    at.number_input(key="w_epochs").set_value(1).run()
    at.button(key="compare").click().run()
    session(at).comparison.join(300)
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert set(table["variant"]) == {"SimpleRNN uni x1", "GRU uni x1"}
    assert table["test accuracy"].between(0, 1).all()
    assert list(table["rank"]) == [1, 2] and table["best val loss"].is_monotonic_increasing
    # Keras's own parameter counts: 12 features, 4 units, 9 classes.
    parameters = dict(zip(table["variant"], table["parameters"], strict=True))
    assert parameters == {
        "SimpleRNN uni x1": 4 * (12 + 4 + 1) + 45,
        "GRU uni x1": 3 * 4 * (12 + 4 + 2) + 45,
    }
    bars = next(c for c in plotly_charts(at) if "Test accuracy" in c.proto.spec)
    assert "1-NN" in bars.proto.spec and "GRU uni x1" in bars.proto.spec
    assert {r.task for r in store.list()} == {"sequences"}


def test_inspect_a_bidirectional_model_on_ragged_series():
    from rnnviz.model.spec import ModelSpec, TrainSpec
    from rnnviz.tasks.sequences.data import load_builtin_sequences
    from rnnviz.tasks.sequences.task import SEQUENCES, SplitSettings, sequences_data

    data = sequences_data(
        load_builtin_sequences("JapaneseVowels"), SplitSettings(), "JapaneseVowels"
    )
    spec = SEQUENCES.model_spec(ModelSpec(cell="GRU", units=(4,), bidirectional=True), data)
    job = SEQUENCES.make_job(data, spec, TrainSpec(epochs=1, batch_size=64))
    job.run.run()  # not saved: Inspect computes the predictions and baselines itself
    at = new_app(task="sequences", data={"sequences": data}, job=job)
    at.run()
    at = open_page("pages/sequences/inspect.py", at)
    assert not at.exception and not at.error
    assert any(
        "DTW is left out: the sequences have different lengths" in c.value for c in at.caption
    )
    position = at.selectbox(key="w_seq_example").value
    length = int(data.prepared.lengths_test[position])
    explorer = next(
        c for c in plotly_charts(at) if "unit" in c.proto.spec and "channel" in c.proto.spec
    )
    assert "channel 1" in explorer.proto.spec  # the sequence drawn above its heatmap
    assert not any("image, read row by row" in c.proto.spec for c in plotly_charts(at))
    assert any("no prediction after each step" in c.value for c in at.caption)
    assert f"{length} steps" in " ".join(m.value for m in at.markdown)
    at.selectbox(key="w_seq_inspect_feature").set_value("channel 5").run()
    assert not at.exception
    assert any("channel 5" in c.proto.spec for c in plotly_charts(at))
    at.selectbox(key="w_explore_trace").set_value("rnn_1 (backward, GRU)").run()
    assert not at.exception
