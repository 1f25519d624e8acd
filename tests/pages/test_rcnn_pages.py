"""The RCNN architecture of the sentiment task on every page it reaches (AppTest): Build offers
it with its controls (layers and parameters as Keras counts them, refusals as messages), Train
runs it, Inspect shows the filters' words and the context gates, Compare and Runs (a reopened run
after a restart) treat it as any other model."""

from __future__ import annotations

import json

import pytest

from rnnviz.tasks.sentiment.rcnn import RCNN_RECIPE, expected_rcnn_params
from rnnviz.tasks.sentiment.recipes import TEXT_MODEL, TEXT_TRAIN
from rnnviz.train.runs import RunStore
from tests.pages.helpers import new_app, open_page, plotly_charts, session, train_on_page
from tests.pages.test_sentiment_pages import DEFAULT_LAYERS

pytestmark = pytest.mark.filterwarnings("ignore:Layer .conv_k:UserWarning")


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def small_upload(at):
    """60 short labelled texts, uploaded (fast to train; a kept upload reopens after a restart)."""
    at.radio(key="w_text_source").set_value("upload").run()
    rows = b"".join(
        f"{'great fun lovely' if i % 2 else 'dull boring awful'} film {i},{'pos' if i % 2 else 'neg'}\n".encode()
        for i in range(60)
    )
    at.get("file_uploader")[0].set_value(("reviews.csv", b"review,sentiment\n" + rows, "text/csv"))
    return at.run()


def rcnn_built(max_len: int = 12, upload: bool = False):
    """Rotten Tomatoes (vocabulary 300), or a small upload, and a tiny RCNN on the Build page."""
    at = new_app(task="sentiment")
    at.run()
    at = open_page("pages/sentiment/data.py", at)
    if upload:
        at = small_upload(at)
    else:
        at.number_input(key="w_vocab_size").set_value(300)
    at.number_input(key="w_max_len").set_value(max_len).run()
    assert not at.exception and not at.error
    at = open_page("pages/common/build.py", at)
    at.radio(key="w_architecture").set_value("rcnn").run()  # its controls appear
    at.number_input(key="w_units_1").set_value(4)
    at.number_input(key="w_embedding_dim").set_value(8)
    at.number_input(key="w_opt_rcnn_filters").set_value(4)
    at.multiselect(key="w_opt_rcnn_kernel_sizes").set_value([1, 2]).run()
    assert not at.exception and not at.error
    return at


def test_build_offers_the_rcnn_with_its_controls():
    at = rcnn_built(max_len=8)
    spec = session(at).model_spec
    assert spec.architecture == "rcnn" and dict(spec.options)["kernel_sizes"] == (1, 2)
    table = at.dataframe[0].value
    assert {"context", "join", "conv_k1", "conv_k2", "avg_k2", "max_k2", "head"} <= set(
        table["layer"]
    )
    shown = int(at.metric[0].value.replace(",", ""))
    assert shown == int(table["parameters"].sum()) == expected_rcnn_params(spec)
    assert not [s for s in at.slider if s.key == "w_depth"]  # one context layer: no depth
    diagram = json.loads(plotly_charts(at)[0].proto.spec)["layout"]["annotations"]
    texts = [a.get("text", "") for a in diagram]
    assert "<b>Conv1D k=1</b>" in texts and "<b>Conv1D k=2</b>" in texts
    assert any("RCNN" in i.value for i in at.info)
    # Picking the RCNN set its own dropout and learning rate (RCNN_RECIPE), and says so.
    assert spec.dropout == RCNN_RECIPE["dropout"] == 0.5
    assert at.session_state["w_learning_rate"] == RCNN_RECIPE["learning_rate"] == 5e-4
    assert any("its own defaults: dropout 0.5, learning rate 0.0005" in c.value for c in at.caption)
    at.selectbox(key="w_opt_rcnn_pooling").set_value("max").run()
    assert "avg_k1" not in set(at.dataframe[0].value["layer"])
    # Settings that cannot be built are refused with a message, never a traceback.
    at.multiselect(key="w_opt_rcnn_kernel_sizes").set_value([]).run()
    assert not at.exception and "at least one kernel size" in at.error[0].value
    at.multiselect(key="w_opt_rcnn_kernel_sizes").set_value([9]).run()
    assert not at.exception and "padded length" in at.error[0].value
    at = open_page("pages/common/train.py", at)  # nothing that can be built: Train says so
    assert not at.exception and "build" in at.info[0].value.lower()
    at = open_page("pages/common/build.py", at)
    # Back to the plain recurrent stack: its layers and depth control return.
    at.radio(key="w_architecture").set_value("recurrent").run()
    assert list(at.dataframe[0].value["layer"]) == DEFAULT_LAYERS
    assert [s for s in at.slider if s.key == "w_depth"]
    assert session(at).model_spec.dropout == TEXT_MODEL.dropout  # the plain stack's own again
    assert at.session_state["w_learning_rate"] == TEXT_TRAIN.learning_rate


def test_rcnn_trains_inspects_and_reopens_after_a_restart(store):
    at = train_on_page(rcnn_built(upload=True), 1)
    assert not at.exception and not at.error
    assert session(at).job.run.spec.architecture == "rcnn"
    at = open_page("pages/sentiment/inspect.py", at)
    assert not at.exception
    assert "RCNN" in at.caption[0].value
    filters = at.dataframe[0].value
    assert list(filters.columns[:4]) == ["kernel width", "filter", "max activation", "words"]
    assert sorted(set(filters["kernel width"])) == [1, 2] and len(filters) == 2 * 3
    assert (filters["max activation"] >= 0).all()  # ReLU outputs
    # Reading trace, filter words, gate explorer heatmap, confusion, ROC.
    assert len(plotly_charts(at)) == 5
    assert any("context layer" in m.value for m in at.markdown)
    at.slider(key="w_rcnn_top").set_value(1).run()
    assert len(at.dataframe[0].value) == 2
    run_id = session(at).job.record.run_id

    # A restart: a new session finds the run on Runs and reopens it in Inspect.
    again = open_page("pages/common/runs.py")
    assert again.selectbox(key="w_run").value == run_id
    again.button(key="run_open").click().run()
    assert not again.exception and session(again).job.run.spec.architecture == "rcnn"
    assert again.title[0].value == "Inspect: sentiment"
    assert len(again.dataframe[0].value) == 2 * 3  # the filters' words again


def test_compare_runs_rcnn_variants(store):
    at = open_page("pages/common/compare.py", rcnn_built(upload=True))
    at.multiselect(key="w_cmp_cells").set_value(["LSTM", "GRU"])
    at.number_input(key="w_epochs").set_value(1).run()
    at.button(key="compare").click().run()
    session(at).comparison.join(300)
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert sorted(table["variant"]) == ["GRU uni x1 RCNN", "LSTM uni x1 RCNN"]
    assert {r.model_spec.architecture for r in store.list()} == {"rcnn"}
