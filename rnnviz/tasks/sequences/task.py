"""The sequence-classification task: labelled sequences (images row by row, UCR/UEA series, your
own CSV) read step by step, a softmax head over the classes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.common.safe import plain
from rnnviz.export.codegen import script_filename
from rnnviz.model.spec import ModelSpec, TrainSpec, recipe_to_specs, variant_label
from rnnviz.tasks.base import Export, Note, Ranking, Task, finished_run
from rnnviz.tasks.sequences.data import (
    BUILTIN_SEQUENCES,
    SCALINGS,
    Scaling,
    SequenceData,
    SequenceDataset,
    load_builtin_sequences,
    prepare_sequences,
)
from rnnviz.tasks.sequences.export import sequences_script
from rnnviz.tasks.sequences.recipes import DEFAULT_SEQUENCE_RECIPE
from rnnviz.train.datastore import DataFile, read_stored

if TYPE_CHECKING:
    import keras
    import plotly.graph_objects as go

    from rnnviz.tasks.sequences.classify import SequenceJob
    from rnnviz.train.runs import RunRecord
    from rnnviz.train.training import FitData


@dataclass(frozen=True)
class SplitSettings:
    """How a data set is split and scaled (:func:`rnnviz.tasks.sequences.data.prepare_sequences`)."""

    scaling: Scaling | None = None  # None: the data set's default
    seed: int = 7
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    official_split: bool = True

    def __post_init__(self) -> None:
        if self.scaling is not None and self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {tuple(SCALINGS)}, got {self.scaling!r}")


@dataclass(frozen=True, eq=False)
class SequencesData:
    """What a sequence-classification job is built from: the prepared splits and where they came
    from (``key``: a built-in set, which a saved run can load again; ``None``: an upload)."""

    name: str
    key: str | None
    prepared: SequenceData
    settings: SplitSettings
    feature_names: tuple[str, ...]
    image_shape: tuple[int, int] | None = None  # (rows, columns) of an image read row by row
    source: SequenceDataset | None = field(default=None, repr=False)  # before split and scaling

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.prepared.class_names

    def config(self) -> dict:
        """The data settings a saved run keeps (enough to prepare built-in data again)."""
        prepared = self.prepared
        return {
            "dataset_key": self.key,
            **asdict(self.settings),
            "scaling": prepared.scaling,
            "classes": list(prepared.class_names),
            "steps": prepared.input_shape[0],
            "features": list(self.feature_names),
            "mask_value": prepared.mask_value,
            "split": prepared.split,
        }


def sequences_data(
    dataset: SequenceDataset, settings: SplitSettings, key: str | None = None
) -> SequencesData:
    """Split, scale and pad ``dataset`` as ``settings`` say (``key``: its built-in key)."""
    prepared = prepare_sequences(
        dataset,
        val_fraction=settings.val_fraction,
        test_fraction=settings.test_fraction,
        seed=settings.seed,
        scaling=settings.scaling,
        official_split=settings.official_split,
    )
    return SequencesData(
        dataset.name, key, prepared, settings, dataset.feature_names, dataset.image_shape, dataset
    )


SEQUENCE_ID, STEP, LABEL = "sequence", "step", "label"
SEQUENCES_KIND = "long CSV of labelled sequences (sequence, step, features, label)"


def sequences_file(dataset: SequenceDataset) -> DataFile:
    """Labelled sequences as a long CSV: one row per real step (the sequence's number, the step,
    every feature's value, the class name), values written to round-trip."""
    import pandas as pd

    rows = np.repeat(np.arange(len(dataset)), dataset.lengths)
    steps = np.concatenate([np.arange(n) for n in dataset.lengths]) if len(dataset) else rows
    values = dataset.x[rows, steps].astype(np.float64)  # (real steps, features)
    frame = pd.DataFrame(values, columns=[f"f{i}" for i in range(dataset.n_features)])
    frame.insert(0, STEP, steps)
    frame.insert(0, SEQUENCE_ID, rows)
    frame[LABEL] = np.asarray(dataset.class_names, dtype=object)[dataset.y[rows]]
    frame.columns = [SEQUENCE_ID, STEP, *dataset.feature_names, LABEL]
    config = {
        "classes": list(dataset.class_names),
        "features": list(dataset.feature_names),
        "padded_steps": dataset.n_steps,
        "official_train": dataset.n_official_train,
        "notes": list(dataset.notes),
    }
    content = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return DataFile(content, "csv", SEQUENCES_KIND, config)


def sequences_from_file(content: bytes, ref: dict, name: str) -> SequenceDataset:
    """The labelled sequences :func:`sequences_file` stored (read by position, not by name)."""
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8")
    features, classes = tuple(ref["features"]), tuple(ref["classes"])
    rows = frame.iloc[:, 0].astype(np.int64).to_numpy()
    steps = frame.iloc[:, 1].astype(np.int64).to_numpy()
    values = frame.iloc[:, 2 : 2 + len(features)].astype(np.float64).to_numpy()
    n = int(rows.max()) + 1 if len(rows) else 0
    x = np.zeros((n, int(ref["padded_steps"]), len(features)), np.float32)
    x[rows, steps] = values
    lengths = np.bincount(rows, minlength=n).astype(np.int64)
    index = {c: i for i, c in enumerate(classes)}
    y = np.zeros(n, np.int64)
    y[rows] = [index[c] for c in frame.iloc[:, -1]]
    official = ref.get("official_train")
    return SequenceDataset(
        name, x, lengths, y, classes, features, official, notes=tuple(ref.get("notes", ()))
    )


def default_specs() -> tuple[ModelSpec, TrainSpec]:
    """The default recipe (:data:`rnnviz.tasks.sequences.recipes.DEFAULT_SEQUENCE_RECIPE`) before any data."""
    return recipe_to_specs(DEFAULT_SEQUENCE_RECIPE, TrainSpec.seed, head="multiclass")


class SequencesTask(Task[SequencesData, "SequenceJob"]):
    name = "sequences"
    label = "Classify sequences"
    blurb = "an MNIST digit read row by row, UCR/UEA series or your own labelled sequences; the confusion matrix, the class probabilities after each row, 1-NN and logistic baselines."
    ranking = Ranking(shown="test accuracy")
    job_module = "rnnviz.tasks.sequences.classify"
    topologies = ("many_to_one",)
    topology_note = "**Topology**: many-to-one (one class per sequence)"

    def default_recipe(self) -> tuple[ModelSpec, TrainSpec]:
        return default_specs()

    def catalog(self) -> list[dict[str, str]]:
        return [
            {
                "data": s.title,
                "rows": f"{s.sequences:,} sequences, {s.shape}",
                "description": s.description,
                "ships in": s.source,
            }
            for s in BUILTIN_SEQUENCES.values()
        ]

    def dataset_name(self, data: SequencesData) -> str:
        return data.name

    def model_spec(self, spec: ModelSpec, data: SequencesData) -> ModelSpec:
        prepared = data.prepared
        return spec.with_(
            head="multiclass",
            n_outputs=prepared.n_classes,
            mask_value=prepared.mask_value,
            topology="many_to_one",
            stateful=False,
            vocab_size=None,
        )

    def input_shape(self, data: SequencesData, spec: ModelSpec) -> tuple[int, ...]:
        return data.prepared.input_shape

    def fit_data(self, data: SequencesData, spec: ModelSpec) -> FitData:
        # imports Keras: the task stays light
        from rnnviz.train.training import FitData

        p = data.prepared
        return FitData(p.x_train, p.y_train, p.x_val, p.y_val)

    def build_notes(self, data: SequencesData, spec: ModelSpec) -> list[Note]:
        steps, features = data.prepared.input_shape
        what = (
            f"images read row by row: {steps} rows of {features} pixels"
            if data.image_shape
            else f"sequences of {steps} steps x {features} feature(s)"
        )
        notes = [
            Note(
                "caption",
                f"Input: {what}. Output: a probability for each of the "
                f"{data.prepared.n_classes} classes (softmax), read after the last step.",
            )
        ]
        if spec.mask_value is not None:
            notes.append(
                Note(
                    "info",
                    f"The sequences have different lengths: shorter ones are padded at the end "
                    f"with {spec.mask_value:g}, and a Masking layer makes the RNN skip those "
                    "steps (the state after the last real step is what the head reads).",
                )
            )
        if spec.bidirectional:
            notes.append(
                Note(
                    "caption",
                    "Bidirectional: the backward direction reads each sequence from its end, "
                    "legitimate here (the whole sequence is known before it is classified); "
                    "Inspect then cannot show the prediction after each step.",
                )
            )
        return notes

    def make_job(self, data: SequencesData, spec: ModelSpec, train: TrainSpec) -> SequenceJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.sequences.classify import sequence_job

        return sequence_job(data, spec, train)

    def restore(
        self, record: RunRecord, model: keras.Model, data: SequencesData | None = None
    ) -> SequenceJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.sequences.classify import SequenceJob

        if data is None:
            data = self._stored_data(record)
        run = finished_run(record, model, self.fit_data(data, record.model_spec))
        return SequenceJob(data.name, data, run, record=record)

    def data_file(self, data: SequencesData) -> DataFile | None:
        if data.key in BUILTIN_SEQUENCES or data.source is None:
            return None
        return sequences_file(data.source)

    @staticmethod
    def _stored_data(record: RunRecord) -> SequencesData:
        """The set a saved run was trained on (a built-in one loaded again, or the sequences the
        run keeps), split and scaled again; ValueError when that cannot be done."""
        config = record.data_config
        key = config.get("dataset_key")
        fields = SplitSettings.__dataclass_fields__
        if not set(fields) <= set(config):
            raise ValueError(
                "This run's data settings are incomplete (no split or scaling saved): it cannot "
                "be reopened."
            )
        settings = SplitSettings(**{name: config[name] for name in fields})
        if key in BUILTIN_SEQUENCES:
            return sequences_data(load_builtin_sequences(key), settings, key)
        content, ref = read_stored(record)
        return sequences_data(sequences_from_file(content, ref, record.dataset), settings)

    def comparison_figures(self, records: Sequence[RunRecord]) -> dict[str, go.Figure]:
        """Test accuracy of every saved variant beside the classical baselines."""
        # Plotly stays off the light path
        from rnnviz.tasks.sequences.figures import accuracy_bars

        scores = {variant_label(r.model_spec): r.metrics.get("test accuracy") for r in records}
        scores = {label: value for label, value in scores.items() if value is not None}
        if not scores:
            return {}
        for name in (
            "1-NN accuracy",
            "1-NN DTW accuracy",
            "logistic accuracy",
            "majority accuracy",
        ):
            value = records[0].metrics.get(name)
            if value is not None:
                scores[name.replace(" accuracy", "")] = value
        return {"cmp_accuracy": accuracy_bars(scores)}

    def export(self, record: RunRecord) -> Export | None:
        """The Keras script of a run on a built-in set (uploads are not stored: None)."""

        try:
            data = self._stored_data(record)
        except ValueError:
            return None
        script = sequences_script(data, record.model_spec, record.train_spec)
        return Export(script_filename(data.key or data.name, record.model_spec), script)


def describe_split(data: SequencesData) -> str:
    """One line on the split sizes, for the Data page."""
    p = data.prepared
    return plain(
        f"{len(p.x_train):,} train, {len(p.x_val):,} validation, {len(p.x_test):,} test "
        f"sequences ({p.split}); scaled with statistics of the training steps only."
    )


SEQUENCES = SequencesTask()
TASK = SEQUENCES  # what the registry loads
