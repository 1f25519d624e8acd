"""Inference and analysis for text classifiers built by :mod:`rnnviz.model.builder` (no streamlit).

The model takes post-padded token ids (see :mod:`rnnviz.tasks.sentiment.text`) and ends in a layer named
``head``: one sigmoid unit (binary) or a softmax over the classes (multiclass).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd

from rnnviz.common.metrics import evaluate_classifier
from rnnviz.model.builder import build_model, is_bidirectional, twin
from rnnviz.model.gates import Trace
from rnnviz.model.inference import predict_few
from rnnviz.model.probes import outputs, trace
from rnnviz.model.spec import FIXED_FEATURES_LAYER, PAIR_FEATURES_LAYER, ModelSpec, TrainSpec
from rnnviz.tasks.base import Job
from rnnviz.tasks.sentiment.rcnn import build_rcnn, is_rcnn, rcnn_spec
from rnnviz.tasks.sentiment.text import TextData, Vocabulary, encode, tokenize
from rnnviz.tasks.sentiment.wordfeatures import (
    pair_feature_table,
    with_text_options,
    word_feature_table,
    word_features_of,
)
from rnnviz.train.training import PROBE_SAMPLES, FitData, TrainingRun, new_model

OOV_ID = 1


def _as_classes(out: np.ndarray) -> np.ndarray:
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.shape[-1] == 1:  # sigmoid head: P(class 1)
        return np.concatenate([1.0 - out, out], axis=-1)
    return out


def predict_proba(model: keras.Model, x_ids: np.ndarray) -> np.ndarray:
    """Class probabilities, shape ``(n, n_classes)``; a sigmoid head gives ``[1 - p, p]``."""
    x_ids = np.asarray(x_ids, dtype=np.int32)
    if len(x_ids) == 0:
        n_out = int(model.output_shape[-1])
        return np.zeros((0, 2 if n_out == 1 else n_out))
    return _as_classes(predict_few(model, x_ids))  # NumPy for a few rows, else Keras


def _ids(vocab: Vocabulary, tokens: Sequence[str]) -> list[int]:
    return [vocab.id_of(t) for t in tokens]


def _pad(rows: Sequence[Sequence[int]], max_len: int) -> np.ndarray:
    out = np.zeros((len(rows), max_len), dtype=np.int32)
    for r, ids in enumerate(rows):
        ids = list(ids)[:max_len]
        out[r, : len(ids)] = ids
    return out


def _model_max_len(model: keras.Model, max_len: int) -> int:
    fixed = model.input_shape[1] if len(model.input_shape) > 1 else None
    return int(fixed) if fixed else int(max_len)


def classify(
    model: keras.Model, vocab: Vocabulary, text: str, max_len: int
) -> tuple[int, np.ndarray]:
    """(predicted class index, probability vector) for one text."""
    proba = predict_proba(
        model, _pad([_ids(vocab, tokenize(text))], _model_max_len(model, max_len))
    )[0]
    return int(np.argmax(proba)), proba


def reading_trace(
    model: keras.Model,
    vocab: Vocabulary,
    text: str,
    max_len: int,
    spec: ModelSpec | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, str]:
    """The prediction after each word: a frame (word, step, known, p_<class>...) and a note.

    * Unidirectional model with its ``spec``: one pass of a many-to-many twin (same weights), the
      head read off the hidden state after each word.
    * Otherwise (bidirectional, or no spec): the prediction on each prefix (words 1..t). For a
      unidirectional model this equals the per-step reading; for a bidirectional one it is the
      honest "so far" view, since its backward direction reads the whole sentence at every step.
    """
    max_len = _model_max_len(model, max_len)
    tokens = tokenize(text)
    notes = []
    if len(tokens) > max_len:
        notes.append(
            f"Only the first {max_len} of {len(tokens)} tokens are read (the model's length)."
        )
        tokens = tokens[:max_len]
    ids = _ids(vocab, tokens)
    n_out = int(model.output_shape[-1])
    n_classes = 2 if n_out == 1 else n_out
    names = list(class_names) if class_names is not None else [str(i) for i in range(n_classes)]
    columns = ["word", "step", "known", *(f"p_{c}" for c in names)]
    if not tokens:
        return pd.DataFrame(columns=columns), "The text has no words to read."
    bidirectional = is_bidirectional(model)
    # The head after each word is the model's own reading only when it reads the last state (a
    # mean read-out averages every word: its prefixes say what it thinks so far).
    plain_stack = spec is not None and spec.architecture == "recurrent" and spec.read_out == "last"
    if plain_stack and not bidirectional and not spec.bidirectional:
        padded = _pad([ids], max_len)  # (1, max_len)
        out = outputs(model, padded, every_step=True)  # in NumPy: no function traced
        if out is None:  # a layer the replay does not know: the many-to-many twin in Keras
            stepwise = twin(model, spec, (max_len,), topology="many_to_many", stateful=False)
            out = stepwise.predict(padded, verbose=0)
        proba = _as_classes(out[0, : len(ids)])  # (steps, head units)
        notes.insert(
            0, "Prediction after each word: the head applied to the hidden state at that step."
        )
    else:
        proba = predict_proba(model, _pad([ids[: t + 1] for t in range(len(ids))], max_len))
        why = (
            "Bidirectional model: its backward direction has read the whole sentence at every step, "
            "so each row is the prediction on the words up to that one (a prefix)."
            if bidirectional
            else "Each row is the prediction on the words up to that one (a prefix)."
        )
        notes.insert(0, why)
    frame = pd.DataFrame(
        {
            "word": tokens,
            "step": np.arange(1, len(tokens) + 1),
            "known": [i != OOV_ID for i in ids],
        }
    )
    for k, name in enumerate(names):
        frame[f"p_{name}"] = proba[:, k]
    return frame, " ".join(notes)


def word_importance(model: keras.Model, vocab: Vocabulary, text: str, max_len: int) -> pd.DataFrame:
    """Leave-one-out importance of each word for the predicted class.

    ``importance = p(class | full text) - p(class | text without that word)``: positive means the
    word supported the prediction. All variants go through the model in one batch.
    """
    max_len = _model_max_len(model, max_len)
    tokens = tokenize(text)[:max_len]
    ids = _ids(vocab, tokens)
    if not tokens:
        return pd.DataFrame({"word": [], "position": [], "importance": []})
    variants = [ids] + [ids[:i] + ids[i + 1 :] for i in range(len(ids))]
    proba = predict_proba(model, _pad(variants, max_len))
    predicted = int(np.argmax(proba[0]))
    return pd.DataFrame(
        {
            "word": tokens,
            "position": np.arange(1, len(tokens) + 1),
            "importance": proba[0, predicted] - proba[1:, predicted],
        }
    )


def importance_html(frame: pd.DataFrame, scale: float | None = None) -> str:
    """The words as HTML spans shaded green (supported the prediction) or red (against it).

    Words are HTML-escaped; opacity is ``|importance| / scale`` (default: the largest magnitude).
    """
    if frame is None or len(frame) == 0:
        return ""
    values = np.asarray(frame["importance"], dtype=np.float64)
    scale = float(scale) if scale else float(np.max(np.abs(values))) or 1.0
    spans = []
    for word, value in zip(frame["word"], values, strict=True):
        alpha = min(1.0, abs(value) / scale) * 0.85
        rgb = "46, 160, 67" if value >= 0 else "214, 39, 40"
        spans.append(
            f'<span title="{value:+.3f}" style="background-color: rgba({rgb}, {alpha:.2f}); '
            f'padding: 1px 3px; border-radius: 3px; margin: 1px;">{html.escape(str(word))}</span>'
        )
    return " ".join(spans)


def tfidf_baseline(
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    test_texts: Sequence[str],
    test_labels: Sequence[int],
    seed: int = 7,
) -> dict:
    """TF-IDF of word 1-2 grams + logistic regression, fitted on the same training split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=1, tokenizer=tokenize, token_pattern=None
    )
    x_train = vectorizer.fit_transform(list(train_texts))
    x_test = vectorizer.transform(list(test_texts))
    classifier = LogisticRegression(C=4.0, max_iter=2000, random_state=seed)
    classifier.fit(x_train, np.asarray(train_labels))
    proba = np.zeros(
        (len(test_texts), int(max(max(train_labels), max(test_labels, default=0))) + 1)
    )
    proba[:, classifier.classes_] = classifier.predict_proba(x_test)
    pred = proba.argmax(axis=1)
    return {
        "accuracy": float(np.mean(pred == np.asarray(test_labels))),
        "proba": proba,
        "pred": pred,
        "n_features": len(vectorizer.vocabulary_),
    }


PROBA_PREFIX = "p_"  # the saved predictions' columns of the RNN's class probabilities
TFIDF_PREFIX = "tfidf p_"  # and of the TF-IDF baseline's


def saved_proba(record, prefix: str, names: Sequence[str]) -> np.ndarray | None:
    """Class probabilities saved in a run's predictions (the columns ``prefix`` + class name),
    (n_test, n_classes); None when the run saved none (runs saved before the
    baseline was) or its file cannot be read."""
    if record is None:
        return None
    try:
        frame = record.predictions()
    except ValueError:  # a damaged predictions file: computed again
        return None
    if frame is None:
        return None
    columns = [f"{prefix}{name}" for name in names]
    if not set(columns) <= set(frame.columns):
        return None
    return frame[columns].to_numpy(dtype=np.float64)


@dataclass(eq=False)
class SentimentJob(Job):
    """A text-classification run with the data it was trained on, for Inspect."""

    dataset_name: str
    data: TextData
    run: TrainingRun
    task = "sentiment"
    _test_proba: np.ndarray | None = field(default=None, init=False, repr=False)
    _tfidf_proba: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def inference_model(self) -> keras.Model:
        return self.run.model

    def test_proba(self) -> np.ndarray:
        """The RNN's test-set probabilities, (n_test, n_classes): saved with the run, else
        predicted now (once per job)."""
        if self._test_proba is None:
            saved = saved_proba(self.record, PROBA_PREFIX, self.data.class_names)
            self._test_proba = (
                saved
                if saved is not None
                else predict_proba(self.inference_model, self.data.x_test)
            )
        return self._test_proba

    def tfidf_proba(self) -> np.ndarray:
        """The TF-IDF baseline's test-set probabilities, (n_test, n_classes): saved with the run
        (fitted in the worker at save time), else fitted now (once per job)."""
        if self._tfidf_proba is None:
            saved = saved_proba(self.record, TFIDF_PREFIX, self.data.class_names)
            data = self.data
            self._tfidf_proba = (
                saved
                if saved is not None
                else tfidf_baseline(data.texts_train, data.y_train, data.texts_test, data.y_test)[
                    "proba"
                ]
            )
        return self._tfidf_proba

    def summary(self) -> tuple[dict, dict, pd.DataFrame]:
        """What a saved run keeps: data settings, test metrics and the test predictions (the
        RNN's probabilities and the TF-IDF baseline's, so Inspect need not compute them)."""
        proba, tfidf = self.test_proba(), self.tfidf_proba()
        result = evaluate_classifier(self.data.y_test, proba, self.data.class_names)
        metrics = {
            "test accuracy": result["accuracy"],
            "majority accuracy": result["majority_accuracy"],
        }
        if "auc" in result:
            metrics["test AUC"] = result["auc"]
        names = self.data.class_names
        predictions = pd.DataFrame(
            {
                "text": self.data.texts_test,
                "true": [names[i] for i in self.data.y_test],
                "predicted": [names[i] for i in proba.argmax(axis=1)],
                **{f"{PROBA_PREFIX}{name}": proba[:, i] for i, name in enumerate(names)},
                **{f"{TFIDF_PREFIX}{name}": tfidf[:, i] for i, name in enumerate(names)},
            }
        )
        data_config = {
            "vocab_size": len(self.data.vocab),
            "max_len": self.data.max_len,
            "classes": list(names),
        }
        return data_config, metrics, predictions

    def encode(self, text: str) -> np.ndarray:
        """One text as the model reads it: (1, max_len) token ids, post-padded."""
        return encode(self.data.vocab, [text], self.data.max_len)


@dataclass(frozen=True)
class SentenceReading:
    """Everything Inspect shows about one typed sentence (computed once per sentence)."""

    label: int  # the predicted class
    probabilities: np.ndarray  # (n_classes,)
    frame: pd.DataFrame  # the prediction after each word (see reading_trace)
    note: str
    importance: pd.DataFrame  # leave-one-out word importance
    traces: list  # probes.Trace per layer direction, cut to the sentence's words


def read_sentence(job: SentimentJob, text: str) -> SentenceReading:
    """Classify ``text`` with ``job``'s model, read it word by word, weigh each word and trace
    the gates over its words."""
    model, data = job.inference_model, job.data
    label, probabilities = classify(model, data.vocab, text, data.max_len)
    frame, note = reading_trace(
        model, data.vocab, text, data.max_len, spec=job.run.spec, class_names=data.class_names
    )
    importance = word_importance(model, data.vocab, text, data.max_len)
    words = len(frame)
    traces = [
        Trace(t.layer, t.direction, t.cell, {k: v[:, :words] for k, v in t.gates.items()})
        for t in trace(model, job.encode(text))  # (1, max_len) ids in
    ]
    return SentenceReading(label, probabilities, frame, note, importance, traces)


def model_builder(spec: ModelSpec):
    """What builds ``spec``: the RCNN for its architecture, else the shared recurrent builder."""

    return build_rcnn if is_rcnn(spec) else build_model


def sentiment_job(
    dataset_name: str, data: TextData, spec: ModelSpec, train: TrainSpec
) -> SentimentJob:
    """Build and compile a seeded text model for ``data`` and wrap it in a training run."""
    spec = spec.with_(
        vocab_size=len(data.vocab),
        head=data.head,
        n_outputs=data.n_classes,
        topology="many_to_one",
        stateful=False,
    )
    if spec.architecture == "rcnn":  # one context layer, whatever depth a variant asked for
        spec = rcnn_spec(spec)
    spec = with_text_options(spec, data.n_classes)
    model = new_model(spec, train, (data.max_len,), build=model_builder(spec))
    kind = word_features_of(spec)
    if spec.fixed_features:  # the tables are the data's: set once, never trained
        table = word_feature_table(
            kind, data.vocab.tokens, data.x_train, data.y_train, data.n_classes
        )
        model.get_layer(FIXED_FEATURES_LAYER).set_weights([table])  # (vocab, fixed_features)
    if spec.pair_features:
        pairs = pair_feature_table(kind, data.x_train, data.y_train, data.n_classes)
        model.get_layer(PAIR_FEATURES_LAYER).set_weights([pairs])  # (PAIR_BUCKETS, columns)
    fit = FitData(data.x_train, data.y_train, data.x_val, data.y_val)
    run = TrainingRun(model, spec, train, fit, probe_x=data.x_val[:PROBE_SAMPLES])
    return SentimentJob(dataset_name, data, run)
