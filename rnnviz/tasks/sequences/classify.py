"""Sequence classification: recipes, inference, evaluation and classical baselines (no streamlit).

The model reads prepared sequences (:class:`rnnviz.tasks.sequences.data.SequenceData`, ``(n, time,
features)``, padding masked by a ``Masking`` layer when lengths differ) and ends in a softmax
``head`` over the classes (``spec.head == "multiclass"``, two units also for two classes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keras
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from rnnviz.common.labels import most_confident_errors
from rnnviz.common.metrics import evaluate_classifier
from rnnviz.model.builder import is_bidirectional, twin
from rnnviz.model.inference import PREDICT_BATCH, REPLAY_ROWS, predict
from rnnviz.model.probes import outputs
from rnnviz.model.spec import ModelSpec, TrainSpec, recipe_to_specs
from rnnviz.tasks.base import Job
from rnnviz.tasks.sequences.data import SequenceData, flat_features
from rnnviz.tasks.sequences.dtw import CELL_BUDGET, band, dtw_distances, dtw_skip_reason
from rnnviz.tasks.sequences.recipes import recipe_budget
from rnnviz.train.runs import RunError
from rnnviz.train.training import PROBE_SAMPLES, FitData, TrainingRun, new_model

if TYPE_CHECKING:
    from rnnviz.tasks.sequences.task import SequencesData

# The baselines run with one BLAS thread: on a busy machine (or beside a training run) a
# multi-threaded BLAS fighting for the cores made logistic regression on digits 40x slower.


def sequence_specs(recipe: dict, data: SequenceData, seed: int = 7) -> tuple[ModelSpec, TrainSpec]:
    """The (ModelSpec, TrainSpec) a recipe describes for ``data``: softmax head, masking if
    ragged, epochs and patience raised for small training sets."""
    epochs, patience = recipe_budget(recipe, len(data.x_train))
    return recipe_to_specs(
        recipe,
        seed,
        train={"epochs": epochs, "patience": patience, "early_stopping": True},
        topology="many_to_one",
        head="multiclass",
        n_outputs=data.n_classes,
        mask_value=data.mask_value,
    )


# ----------------------------------------------------------------------------- inference


def predict_proba(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` of prepared sequences ``(n, time, features)``."""
    x = np.asarray(x, dtype=np.float32)
    if len(x) == 0:
        return np.zeros((0, int(model.output_shape[-1])))
    return np.asarray(predict(model, x, PREDICT_BATCH), dtype=np.float64)


def stepwise_twin(model: keras.Model, spec: ModelSpec) -> keras.Model:
    """The many-to-many twin of a unidirectional classifier (same weights): its head read off
    the hidden state after every step. Build it once per model: each new one traces anew."""
    if spec.bidirectional or is_bidirectional(model):
        raise ValueError(
            "A bidirectional model has read the whole sequence at every step: it has no "
            "prediction after each step."
        )
    return twin(model, spec, topology="many_to_many", stateful=False)


def probabilities_by_step(
    model: keras.Model, spec: ModelSpec, x: np.ndarray, stepwise: keras.Model | None = None
) -> np.ndarray:
    """Class probabilities after each step, ``(n, time, n_classes)``, unidirectional models only.

    A few rows are replayed in NumPy (no TensorFlow function traced for a new selection);
    otherwise one pass of a many-to-many twin (``stepwise``, else built now, see
    :func:`stepwise_twin`). Past a sequence's end (masked padding) the state is carried, so
    those steps repeat the probabilities after its last real step.
    """
    x = np.asarray(x, dtype=np.float32)
    replayed = outputs(model, x, every_step=True) if len(x) <= REPLAY_ROWS else None
    if replayed is not None and not spec.bidirectional:
        return np.asarray(replayed, dtype=np.float64)
    stepwise = stepwise if stepwise is not None else stepwise_twin(model, spec)
    return np.asarray(predict(stepwise, x, PREDICT_BATCH), dtype=np.float64)


def step_probability_frame(
    proba_steps: np.ndarray, length: int, class_names: Sequence[str]
) -> pd.DataFrame:
    """One sequence's ``(time, n_classes)`` probabilities as a frame: step, p_<class>..."""
    frame = pd.DataFrame({"step": np.arange(1, length + 1)})
    for k, name in enumerate(class_names):
        frame[f"p_{name}"] = proba_steps[:length, k]
    return frame


# ----------------------------------------------------------------------------- evaluation


def evaluate_sequences(model: keras.Model, data: SequenceData) -> dict:
    """The classifier report on the test set (:func:`evaluate_classifier`) plus its ``proba``."""
    proba = predict_proba(model, data.x_test)
    return {**evaluate_classifier(data.y_test, proba, data.class_names), "proba": proba}


def most_confused(
    rows: Sequence[int],
    y_true: Sequence[int],
    proba: np.ndarray,
    class_names: Sequence[str],
    k: int = 10,
) -> pd.DataFrame:
    """The ``k`` wrong predictions the model was surest of: data set row, true, predicted,
    confidence (the probability of the wrong class it chose)."""
    frame = most_confident_errors(list(rows), y_true, proba, class_names, k)
    return frame.rename(columns={"text": "row"})


def confused_pairs(confusion: np.ndarray, class_names: Sequence[str], k: int = 5) -> pd.DataFrame:
    """The ``k`` most frequent mistakes (true class, predicted class, count), largest first."""
    confusion = np.asarray(confusion)
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None, kind="stable")[:k]
    true, pred = np.unravel_index(flat, off.shape)
    keep = off[true, pred] > 0
    return pd.DataFrame(
        {
            "true": [class_names[i] for i in true[keep]],
            "predicted": [class_names[j] for j in pred[keep]],
            "count": off[true, pred][keep].astype(int),
        }
    )


# ----------------------------------------------------------------------------- baselines
DTW_NAME = "1-NN DTW (10% band)"


def _baseline_split(data: SequenceData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flattened (training + validation) features and labels, and the flattened test set: the
    baselines may use every sequence the network trained or stopped on."""
    x_fit = np.concatenate(
        [
            flat_features(data.x_train, data.lengths_train),
            flat_features(data.x_val, data.lengths_val),
        ]
    )
    y_fit = np.concatenate([data.y_train, data.y_val])
    return x_fit, y_fit, flat_features(data.x_test, data.lengths_test)


def _baseline_result(classifier, x_test: np.ndarray, y_test: np.ndarray, n_classes: int) -> dict:
    proba = np.zeros((len(x_test), n_classes))
    proba[:, classifier.classes_] = classifier.predict_proba(x_test)
    pred = proba.argmax(axis=1)
    return {"accuracy": float(np.mean(pred == y_test)), "proba": proba, "pred": pred}


def nearest_neighbour_baseline(data: SequenceData) -> dict:
    """1-nearest neighbour, Euclidean distance between whole (scaled, flattened) sequences.

    For one-channel series the scaling is one affine map, so the neighbours are those of the raw
    series (the UCR archive's "1-NN Euclidean" reference).
    """
    from sklearn.neighbors import KNeighborsClassifier

    x_fit, y_fit, x_test = _baseline_split(data)
    with threadpool_limits(limits=1, user_api="blas"):  # one BLAS thread: see the note at the top
        classifier = KNeighborsClassifier(n_neighbors=1, metric="euclidean").fit(x_fit, y_fit)
        return _baseline_result(classifier, x_test, data.y_test, data.n_classes)


def logistic_baseline(data: SequenceData, seed: int = 7) -> dict:
    """Logistic regression on the flattened (scaled) sequence, L2-regularised."""
    from sklearn.linear_model import LogisticRegression

    x_fit, y_fit, x_test = _baseline_split(data)
    with threadpool_limits(limits=1, user_api="blas"):  # one BLAS thread: see the note at the top
        classifier = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(x_fit, y_fit)
        return _baseline_result(classifier, x_test, data.y_test, data.n_classes)


def dtw_reason(data: SequenceData, budget: float = CELL_BUDGET) -> str:
    """Why the 1-NN DTW baseline is left out for ``data`` ('' when it runs within ``budget``
    cell updates)."""
    n_fit = len(data.x_train) + len(data.x_val)
    length, channels = data.input_shape
    ragged = data.mask_value is not None
    return dtw_skip_reason(n_fit, len(data.x_test), length, channels, ragged, budget)


def dtw_baseline(data: SequenceData) -> dict:
    """1-nearest neighbour under DTW with a Sakoe-Chiba band of 10% of the length, on the same
    scaled sequences as the Euclidean 1-NN (equal lengths only)."""
    x_fit = np.concatenate([data.x_train, data.x_val]).astype(np.float64)
    y_fit = np.concatenate([data.y_train, data.y_val])
    distances = dtw_distances(data.x_test.astype(np.float64), x_fit, band(data.input_shape[0]))
    pred = y_fit[distances.argmin(axis=1)]
    proba = np.eye(data.n_classes)[pred]
    return {"accuracy": float(np.mean(pred == data.y_test)), "proba": proba, "pred": pred}


def baselines(data: SequenceData, seed: int = 7) -> dict[str, dict]:
    """Every classical baseline on the same split, by display name (DTW only where cheap)."""
    found = {
        "1-nearest neighbour (Euclidean)": nearest_neighbour_baseline(data),
        "logistic regression (flattened)": logistic_baseline(data, seed),
    }
    if not dtw_reason(data):
        found[DTW_NAME] = dtw_baseline(data)
    return found


# ----------------------------------------------------------------------------- the job

BASELINE_COLUMNS = {  # column of the saved predictions -> display name
    "pred_1nn": "1-nearest neighbour (Euclidean)",
    "pred_logistic": "logistic regression (flattened)",
    "pred_dtw": DTW_NAME,  # only where DTW is cheap
}
REQUIRED_COLUMNS = ("true", "predicted", "pred_1nn", "pred_logistic")
SHORT_NAMES = {  # display name -> the short one of table columns
    "1-nearest neighbour (Euclidean)": "1-NN",
    "logistic regression (flattened)": "logistic",
    DTW_NAME: "1-NN DTW",
}


@dataclass(eq=False)
class SequenceJob(Job):
    """A sequence-classification run with the data it was trained on, for Inspect."""

    dataset_name: str
    data: SequencesData
    run: TrainingRun
    task = "sequences"

    @property
    def inference_model(self) -> keras.Model:
        return self.run.model

    def test_proba(self) -> np.ndarray:
        return predict_proba(self.inference_model, self.data.prepared.x_test)

    def predictions(self) -> pd.DataFrame:
        """The saved test predictions, or computed now with the baselines when there are none
        (not saved yet) or they cannot be used (a damaged file, a label the CSV read back as
        another value, e.g. "NA")."""

        try:
            frame = self.record.predictions() if self.record is not None else None
        except RunError:
            frame = None
        names = set(self.data.class_names)
        present = [c for c in BASELINE_COLUMNS if frame is not None and c in frame]
        columns = {*REQUIRED_COLUMNS, *present}
        if frame is None or any(
            column not in frame or not set(frame[column].astype(str)) <= names for column in columns
        ):
            frame = self.summary()[2]
        return frame

    def summary(self) -> tuple[dict, dict, pd.DataFrame]:
        """What a saved run keeps: data settings, test metrics (with the classical baselines on
        the same split) and one row per test sequence (true, predicted, probabilities)."""
        prepared = self.data.prepared
        proba = self.test_proba()
        result = evaluate_classifier(prepared.y_test, proba, prepared.class_names)
        classical = baselines(prepared, self.run.train.seed)
        metrics = {
            "test accuracy": result["accuracy"],
            "majority accuracy": result["majority_accuracy"],
            "1-NN accuracy": classical[BASELINE_COLUMNS["pred_1nn"]]["accuracy"],
            "logistic accuracy": classical[BASELINE_COLUMNS["pred_logistic"]]["accuracy"],
        }
        if DTW_NAME in classical:
            metrics["1-NN DTW accuracy"] = classical[DTW_NAME]["accuracy"]
        names = prepared.class_names
        frame = pd.DataFrame(
            {
                "row": prepared.rows_test,
                "length": prepared.lengths_test,
                "true": [names[i] for i in prepared.y_test],
                "predicted": [names[i] for i in proba.argmax(axis=1)],
                **{
                    column: [names[i] for i in classical[name]["pred"]]
                    for column, name in BASELINE_COLUMNS.items()
                    if name in classical
                },
                **{f"p_{name}": proba[:, i] for i, name in enumerate(names)},
            }
        )
        return self.data.config(), metrics, frame


def report_from_predictions(frame: pd.DataFrame, class_names: Sequence[str]) -> dict[str, dict]:
    """The classifier report of the RNN and of each baseline from saved test predictions, by
    display name (the RNN first; its ``proba`` from the ``p_<class>`` columns)."""
    index = {name: i for i, name in enumerate(class_names)}
    y_true = frame["true"].astype(str).map(index).to_numpy()
    proba = frame[[f"p_{name}" for name in class_names]].to_numpy(dtype=np.float64)
    reports = {"RNN": {**evaluate_classifier(y_true, proba, class_names), "proba": proba}}
    for column, name in BASELINE_COLUMNS.items():
        if column in frame:
            predicted = frame[column].astype(str).map(index).to_numpy()
            one_hot = np.eye(len(class_names))[predicted]  # (n, classes): the predicted class
            reports[name] = evaluate_classifier(y_true, one_hot, class_names)
    return reports


def per_class_table(reports: dict[str, dict]) -> pd.DataFrame:
    """Per class: the RNN's precision and recall, and the recall of every baseline."""
    rnn = reports["RNN"]["per_class"]
    table = rnn[["class", "precision", "recall", "support"]].copy()
    for name, report in reports.items():
        if name != "RNN":
            table[f"recall {SHORT_NAMES.get(name, name)}"] = report["per_class"][
                "recall"
            ].to_numpy()
    return table


def sequence_job(data: SequencesData, spec: ModelSpec, train: TrainSpec) -> SequenceJob:
    """Build and compile a seeded classifier for ``data`` (softmax head, masking when ragged)
    and wrap it in a training run."""
    # the task imports this job module lazily
    from rnnviz.tasks.sequences.task import SEQUENCES

    prepared = data.prepared
    spec = SEQUENCES.model_spec(spec, data)
    model = new_model(spec, train, prepared.input_shape)
    fit = FitData(prepared.x_train, prepared.y_train, prepared.x_val, prepared.y_val)
    run = TrainingRun(model, spec, train, fit, probe_x=prepared.x_val[:PROBE_SAMPLES])
    return SequenceJob(data.name, data, run)


def unscaled(data: SequenceData, x: np.ndarray, length: int) -> np.ndarray:
    """The real steps of one prepared sequence ``(time, features)`` back in the data's units
    (for an image: its grey levels), ``(length, features)``."""
    return np.asarray(x[:length], dtype=np.float64) * data.scaler.std + data.scaler.mean
