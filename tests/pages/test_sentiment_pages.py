"""The sentiment task as a user meets it: text data, build, train, inspect (AppTest)."""

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from rnnviz.model.wordpairs import PAIR_BUCKETS
from tests.pages.helpers import (
    new_app,
    open_page,
    plotly_charts,
    session,
    train_on_page,
)


def sentiment_app() -> AppTest:
    # AppTest cannot drive a sidebar widget of an st.navigation entry script; the stored task seeds
    # that radio (the browser test clicks it for real).
    at = new_app(task="sentiment")
    at.run()
    return open_page("pages/sentiment/data.py", at)


def test_text_data_page_explores_rotten_tomatoes():
    at = sentiment_app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Texts"] == "12,808"
    assert len(plotly_charts(at)) == 2  # length histogram, class balance
    data = session(at).data["sentiment"].text_data
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 12_808
    assert data.x_train.shape[1] == at.number_input(key="w_max_len").value
    at.number_input(key="w_vocab_size").set_value(500).run()
    assert len(session(at).data["sentiment"].text_data.vocab) == 500
    assert "covers" in " ".join(c.value for c in at.caption)


BAD_TEXT_CSVS = [
    (
        "one_class.csv",
        b"text,label\n" + b"".join(f"review number {i} was fine,pos\n".encode() for i in range(30)),
        "class",
    ),
    ("empty.csv", b"", "empty"),
    ("binary.csv", bytes(range(256)) * 4, "text"),
]


def test_text_upload_good_and_bad():
    at = sentiment_app()
    at.radio(key="w_text_source").set_value("upload").run()
    rows = b"".join(
        f"{'great fun lovely' if i % 2 else 'dull boring awful'} film {i},{'pos' if i % 2 else 'neg'}\n".encode()
        for i in range(40)
    )
    at.get("file_uploader")[0].set_value(
        ("reviews.csv", b"review,sentiment\n" + rows + b",pos\n", "text/csv")
    )
    at.run()
    assert not at.exception and not at.error
    assert any("dropped" in i.value.lower() for i in at.info)
    for name, content, word in BAD_TEXT_CSVS:
        at.get("file_uploader")[0].set_value((name, content, "text/csv"))
        at.run()
        assert not at.exception
        assert any(word in e.value.lower() for e in at.error), (name, [e.value for e in at.error])


DEFAULT_LAYERS = [
    "input",
    "word_pairs",
    "embedding",
    "word_features",
    "pair_features",
    "with_features",
    "rnn_1",
    "mean_over_steps",
    "output_dropout",
    "head",
]


def test_sentiment_build_train_inspect():
    at = sentiment_app()
    at.number_input(key="w_vocab_size").set_value(300).run()
    at = open_page("pages/common/build.py", at)
    table = at.dataframe[0].value.set_index("layer")
    assert list(table.index) == DEFAULT_LAYERS  # fixed word features, the mean read-out
    assert table.loc["word_features"].tolist()[-1] == 300 * 5  # NB ratio + 4 lexicons per id
    assert "fixed" in table.loc["word_features", "type"]
    assert "fixed" not in table.loc["embedding", "type"]
    # the metric counts what training updates; the table's 1,500 fixed weights are named apart
    trainable = next(m for m in at.metric if m.label == "Trainable parameters").value
    fixed = 300 * 5 + PAIR_BUCKETS  # and one NB ratio per word pair
    assert table.loc["pair_features"].tolist()[-1] == PAIR_BUCKETS
    assert int(trainable.replace(",", "")) == table["parameters"].sum() - fixed
    assert any(f"{fixed:,} fixed parameters" in c.value for c in at.caption)
    diagram = at.get("plotly_chart")[0].proto.spec  # the diagram draws both choices
    assert "Word features" in diagram and "1 per word pair" in diagram
    assert "Mean over steps" in diagram
    assert at.selectbox(key="w_opt_recurrent_word_features").value == "all"
    assert any("word with the one before it" in c.value for c in at.caption)
    at.selectbox(key="w_opt_recurrent_word_features").set_value("none")
    at.selectbox(key="w_opt_recurrent_read_out").set_value("last").run()
    assert list(at.dataframe[0].value["layer"]) == [
        "input",
        "embedding",
        "rnn_1",
        "output_dropout",
        "head",
    ]
    diagram = at.get("plotly_chart")[0].proto.spec
    assert "Word features" not in diagram and "Mean over steps" not in diagram
    assert "last step" in diagram
    assert not any("fixed parameters" in c.value for c in at.caption)
    at.selectbox(key="w_opt_recurrent_word_features").set_value("both").run()
    at.toggle(key="w_bidirectional").set_value(False)
    at.number_input(key="w_units_1").set_value(4)
    at.number_input(key="w_embedding_dim").set_value(8).run()
    spec = session(at).model_spec
    assert spec.vocab_size == 300 and spec.head == "binary" and spec.embedding_dim == 8
    assert spec.fixed_features == 5 and spec.read_out == "last"
    at = train_on_page(at, 1)
    assert not at.exception and not at.error
    model = session(at).job.run.model
    features = model.get_layer("word_features").get_weights()[0]  # (300, 5), from the data
    assert features.shape == (300, 5) and np.abs(features).sum() > 0
    history = session(at).job.run.snapshot().history
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    at = open_page("pages/sentiment/inspect.py", at)
    line = "word features (Naive-Bayes ratios and lexicons), read out (the final state)"
    assert any(line in c.value.replace("\\", "") for c in at.caption)  # Markdown-escaped
    labels = [m.label for m in at.metric]
    assert labels == ["RNN test accuracy", "TF-IDF + logistic regression", "Majority class"]
    tfidf = float(at.metric[1].value)
    assert 0.70 < tfidf < 0.85  # the baseline on the same split
    # One epoch of 4 units loses to TF-IDF: the page says so, not in green.
    assert not at.success
    assert "does not beat TF-IDF + logistic regression" in at.warning[0].value
    assert any("Prediction:" in m.value for m in at.markdown)
    # Reading trace, gate explorer heatmap, confusion matrix, ROC; the unit lines on demand.
    assert len(plotly_charts(at)) == 4
    at.toggle(key="w_unit_lines").set_value(True).run()
    assert len(plotly_charts(at)) == 5
    lines = json.loads(plotly_charts(at)[2].proto.spec)["data"]
    assert len(lines) == 4 and lines[0]["name"] == "unit 0"  # one per unit of LSTM(4)
    assert at.dataframe[0].value.columns.tolist() == ["text", "true", "predicted", "confidence"]
    at.text_input(key="w_sentence").set_value("dull and boring").run()
    assert not at.exception
