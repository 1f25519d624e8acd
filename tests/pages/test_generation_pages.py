"""The text-generation task as a user meets it: data, build, train with samples, inspect, compare,
runs (AppTest)."""

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.tasks.generation.chars import BIDIRECTIONAL_REASON, DEFAULT_PLAY, MIN_CHARS
from rnnviz.tasks.generation.model import in_context_bpc
from rnnviz.tasks.generation.recipes import DEFAULT_CHAR_RECIPE, corpus_recipe, text_defaults
from rnnviz.train.runs import RunStore
from tests.pages.helpers import (
    new_app,
    open_page,
    plotly_charts,
    session,
    train_on_page,
)

GOOD_TEXT = ("ALICE:\nDown the rabbit hole [she falls] and on and on.\n\n" * 60).encode()


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def generation_app() -> AppTest:
    # AppTest cannot drive a sidebar widget of an st.navigation entry script; the stored task seeds
    # that radio (the browser test clicks it for real).
    at = new_app(task="generation")
    at.run()
    return open_page("pages/generation/data.py", at)


def generation_data(at):
    return session(at).data.get("generation")


def test_char_data_page_explores_macbeth():
    at = generation_app()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    data = generation_data(at)
    chars = data.chars
    assert metrics["Characters"] == f"{len(chars.train_ids) + len(chars.val_ids):,}"
    assert metrics["Distinct characters"] == str(len(chars.vocab))
    assert data.corpus_key == DEFAULT_PLAY and data.prompt == "DOCTOR:\n"  # from the held-out end
    total = len(chars.train_ids) + len(chars.val_ids)
    recipe = corpus_recipe(round(total * (1 - DEFAULT_CHAR_RECIPE["val_fraction"])))
    shown = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Default recipe for this text. The text is read as 64 streams of 32" in shown
    assert recipe.reasons[1] in shown and "small corpus: dropout 0.2" in recipe.reasons[1]
    state = at.session_state
    assert (state["w_stateful"], state["w_dropout"], state["w_epochs"]) == (True, 0.2, 100)
    assert (state["w_output_dropout"], state["w_lr_schedule"]) == (0.3, "cosine")
    assert state["w_keep_weights"] == "last"  # the settled end of the cosine
    assert at.number_input(key="w_char_seq_len").value == DEFAULT_CHAR_RECIPE["seq_len"]
    assert at.text_input(key="w_char_prompt").value == "DOCTOR:\\n"
    assert len(plotly_charts(at)) == 1  # the character frequencies
    vocabulary = at.dataframe[0].value
    assert vocabulary["count"].sum() == len(chars.train_ids) + len(chars.val_ids)
    split = at.success[0].value
    assert "first 90% trains" in split and "last 10% validates" in split
    # Contiguous blocks: the validation block starts where training ends.
    assert chars.train_text + chars.val_text == chars.vocab.decode(
        [*chars.train_ids, *chars.val_ids]
    )
    at.number_input(key="w_char_seq_len").set_value(40)
    at.number_input(key="w_char_stride").set_value(40).run()
    chars = generation_data(at).chars
    assert (chars.seq_len, chars.stride, chars.x_train.shape[1]) == (40, 40, 40)
    at.selectbox(key="w_char_corpus").set_value("comedies/twelfth-night").run()
    assert not at.exception
    assert generation_data(at).name.startswith("Twelfth Night")
    assert generation_data(at).prompt != "DOCTOR:\n"  # a prompt from the new play
    at.slider(key="w_char_temperature").set_value(0.0).run()
    assert generation_data(at).temperature == 0.0


BAD_TEXTS = [
    ("empty.txt", b"", "empty"),
    ("binary.txt", bytes(range(256)) * 40, "binary"),
    ("short.txt", b"To be or not to be.\n" * 10, f"at least {MIN_CHARS:,}"),
    ("latin1.txt", "caf\xe9 ".encode("latin-1") * 500, "not utf-8"),
    ("spaces.txt", b" \n" * 2000, "white space"),
]


def test_text_upload_good_and_bad():
    at = generation_app()
    at.radio(key="w_char_source").set_value("upload").run()
    assert generation_data(at) is None  # nothing uploaded yet: nothing for Build
    at.get("file_uploader")[0].set_value(("alice.txt", GOOD_TEXT, "text/plain")).run()
    assert not at.exception and not at.error
    data = generation_data(at)
    assert data.name == "alice.txt" and data.corpus_key is None and data.prompt == "ALICE:\n"
    at.text_input(key="w_char_prompt").set_value("Zebra").run()  # 'Z' is not in the text
    assert any("not in the training text" in e.value for e in at.error)
    assert generation_data(at) is None
    for name, content, words in BAD_TEXTS:
        at.get("file_uploader")[0].set_value((name, content, "text/plain")).run()
        assert not at.exception, name
        assert any(words in e.value.lower() for e in at.error), (name, [e.value for e in at.error])
        assert generation_data(at) is None


def test_build_refuses_bidirectional_and_explains_statefulness():
    at = generation_app()
    at = open_page("pages/common/build.py", at)
    assert not at.exception
    assert not [t for t in at.toggle if t.key == "w_bidirectional"]  # not offered ...
    assert any("refused for text generation" in c.value for c in at.caption)  # ... and why
    assert BIDIRECTIONAL_REASON.startswith("Bidirectional layers are refused")
    layers = ["input", "embedding", "rnn_1", "output_dropout", "head"]  # the default's dropout
    assert list(at.dataframe[0].value["layer"]) == layers
    spec = session(at).model_spec
    vocab = len(generation_data(at).chars.vocab)
    assert (spec.topology, spec.head, spec.n_outputs, spec.mask_zero) == (
        "many_to_many",
        "multiclass",
        vocab,
        False,
    )
    assert any("contiguous streams" in i.value for i in at.info)  # the default: streams
    assert session(at).model_spec.stateful
    diagram = str(plotly_charts(at)[0].proto.spec)
    assert "no masking" in diagram and "masks padding" not in diagram  # id 0 is a character
    at.toggle(key="w_stateful").set_value(False).run()
    assert any("Stateless: every window" in c.value for c in at.caption)
    assert not session(at).model_spec.stateful


def test_pages_ask_for_what_is_missing():
    at = generation_app()
    at = open_page("pages/generation/inspect.py", at)
    assert at.info and at.get("page_link")  # no run yet
    at = open_page("pages/common/train.py", at)
    assert "build a model first" in at.info[0].value
    at = open_page("pages/generation/data.py", at)
    at.radio(key="w_char_source").set_value("upload").run()  # no text: nothing to build on
    at = open_page("pages/common/build.py", at)
    assert at.info[0].value == "Choose the data first."


def small_build(at, units: int = 8):
    at.number_input(key="w_char_seq_len").set_value(50)
    at.number_input(key="w_char_stride").set_value(100)
    at.number_input(key="w_char_sample_length").set_value(40).run()
    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(units)
    at.toggle(key="w_stateful").set_value(False)  # windows: a batch size of its own
    at.number_input(key="w_embedding_dim").set_value(8).run()
    return at


def test_generation_train_inspect_reopen_export(store):
    at = small_build(generation_app())
    at = train_on_page(at, 2, w_batch_size=128)
    assert not at.exception and not at.error
    state = session(at).job.run.snapshot()
    train = session(at).job.run.train  # the recipe's schedule, read from the Train controls
    assert (train.lr_schedule, train.keep_weights) == ("cosine", "last")
    assert {"loss", "val_loss", "bpc", "val_bpc"} <= set(state.history)
    assert len(state.samples) == 2 and all(len(s) == 40 for s in state.samples)
    assert any("Samples at each epoch end" in m.value for m in at.markdown)
    shown = [c.value for c in at.code]
    assert shown[:2] == state.samples[::-1]  # newest first, as generated in the worker
    assert plotly_charts(at)[0].proto.spec  # loss and bits per character

    at = open_page("pages/generation/inspect.py", at)
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    assert labels[0] == "RNN validation bits/char" and labels[1].startswith("Best n-gram (")
    rnn_bpc = float(at.metric[0].value)
    record = session(at).job.record
    assert rnn_bpc == pytest.approx(record.metrics["val bpc"], abs=1e-3)  # scored in context
    job = session(at).job
    assert rnn_bpc == pytest.approx(
        in_context_bpc(job.inference_model, job.spec, job.chars.val_ids), abs=1e-3
    )
    assert any("at least 100 characters of it" in c.value for c in at.caption)
    assert float(at.metric[1].value) == pytest.approx(record.metrics["ngram bpc"], abs=1e-3)
    assert rnn_bpc > float(at.metric[1].value)  # two epochs of a tiny model: the n-gram wins
    info = " ".join(i.value for i in at.info).replace("\\", "")
    assert f"gram wins ({at.metric[1].value} against {rnn_bpc:.3f} bits per character)" in info
    assert "trained for only 2 epochs" in info and "memorise" not in info  # fits the run
    codes = [c.value for c in at.code]
    assert sum(code.startswith("DOCTOR:\n") for code in codes) >= 4  # 3 temperatures + n-gram
    next_chars = at.dataframe[0].value
    assert list(next_chars.columns[:4]) == ["position", "character", "actual next", "P(actual)"]
    assert len(next_chars) == 120 and next_chars["P(actual)"][:-1].between(0, 1).all()
    assert next_chars["actual next"].iloc[-1] == ""  # nothing follows the passage's end
    ranking = at.dataframe[1].value
    assert set(ranking["property"]) == {
        "position in line",
        "inside brackets",
        "start of word",
        "speaker name",
    }
    assert ranking["r"].abs().max() <= 1.0
    centred = at.get("html")[-1].proto.body  # the coloured passage
    assert centred.count("<span") == 600  # one per held-out character
    at.toggle(key="w_colour_centred").set_value(False).run()
    assert at.get("html")[-1].proto.body != centred  # raw values, shaded from zero

    at.text_input(key="w_units_regex").set_value("(").run()
    assert not at.exception and any("not a valid regular expression" in e.value for e in at.error)
    at.text_input(key="w_units_regex").set_value("[A-Z]+:").run()
    assert not at.exception and not at.error
    assert "regex [A-Z]+:" in set(at.dataframe[1].value["property"])
    at.text_input(key="w_gen_prompt").set_value("€").run()
    assert any("not in the training text" in e.value for e in at.error)
    at.multiselect(key="w_gen_temperatures").set_value([0.0]).run()
    assert not at.exception

    at = open_page("pages/common/runs.py", at)
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Keras script (.py)" in labels  # a Shakespeare run exports its text
    at.button(key="run_open").click().run()
    assert not at.exception
    assert at.title[0].value == "Inspect: text generation"
    assert session(at).job.run.snapshot().samples == state.samples  # kept in the run store


def test_compare_two_cells_for_generation(store):
    at = small_build(generation_app(), units=4)
    at = open_page("pages/common/compare.py", at)
    at.multiselect(key="w_cmp_cells").set_value(["SimpleRNN", "GRU"])
    at.number_input(key="w_epochs").set_value(1)
    at.number_input(key="w_batch_size").set_value(128).run()
    at.button(key="compare").click().run()
    session(at).comparison.join(300)
    at.run()
    assert not at.exception and not at.error
    assert len(store.list()) == 2
    assert len(plotly_charts(at)) == 2  # the loss curves, and validation bits per character
    assert all(r.task == "generation" and r.metrics["val bpc"] > 0 for r in store.list())


def test_coming_back_to_generation_keeps_the_chosen_corpus_recipe():
    at = generation_app()
    at.selectbox(key="w_char_corpus").set_value("tragedies").run()
    chars = generation_data(at).chars
    recipe = text_defaults(len(chars.train_ids) + len(chars.val_ids)).recipe
    assert recipe["epochs"] != DEFAULT_CHAR_RECIPE["epochs"]  # not Macbeth's recipe
    chosen = (recipe["epochs"], recipe["dropout"], recipe["batch_size"])
    state = at.session_state
    assert (state["w_epochs"], state["w_dropout"], state["w_stateful_batch_size"]) == chosen
    session(at).pending_task = "forecast"  # another task (what the sidebar radio does) ...
    at.run()
    assert session(at).recipe_task == "forecast" and state["w_epochs"] != recipe["epochs"]
    session(at).pending_task = "generation"  # ... and back: the tragedies' recipe, not Macbeth's
    at = open_page("pages/common/build.py", at)
    assert session(at).task == "generation"
    state = at.session_state
    assert (state["w_epochs"], state["w_dropout"], state["w_stateful_batch_size"]) == chosen
