"""The task protocol and the Job contract (light: no Keras, no streamlit at import).

A task (forecast a series, classify a text, ...) tells the app everything that differs between
tasks: its label and default recipe, its Data and Inspect pages (paths, resolved to page objects by
the router), what the Build controls offer, how a spec meets the data (input shape, fit arrays),
how to make a job, how to reopen a saved run, the figures a comparison shows and the script an
export writes. The rest of the app asks the registry (:mod:`rnnviz.tasks`) instead of branching.

A job is rebuilt from plain parts, ``task.make_job(data, model_spec, train_spec)``, where ``data``
is the task's own data object (a frozen dataclass of picklable values), so a worker process can
build the same job from what the session holds.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

import numpy as np

from rnnviz.model.spec import ModelSpec, Topology, TrainSpec, describe_model

if TYPE_CHECKING:
    import keras
    import pandas as pd
    import plotly.graph_objects as go

    from rnnviz.common.references import ReferenceMark
    from rnnviz.train.datastore import DataFile
    from rnnviz.train.runs import RunRecord
    from rnnviz.train.training import FitData, TrainingRun


def digest(*parts: Any) -> str:
    """A short content hash of arrays and plain values (a cache key that cannot go stale)."""
    h = hashlib.sha1()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(f"{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()[:16]


_DATA_KEYS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_DATA_KEYS_LOCK = threading.Lock()


def data_key(data: Any) -> str:
    """A content hash of a task's data object (what a run is trained on), computed once per
    object: two objects with the same content (the same data set chosen again) share it."""
    with _DATA_KEYS_LOCK:
        key = _DATA_KEYS.get(data)
    if key is None:
        key = hashlib.sha1(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()[:16]
        with _DATA_KEYS_LOCK:
            _DATA_KEYS[data] = key
    return key


@dataclass(eq=False)
class Job(ABC):
    """One model of a task with the data it was trained on: what Train, Inspect and the store read.

    Every job has ``run`` (the :class:`rnnviz.train.training.TrainingRun`) and ``dataset_name``, declared
    by each subclass. ``record`` is set once the run is in the store; ``save_error`` when saving
    failed (a run the worker saved is restored with ``record`` set).
    """

    record: RunRecord | None = field(default=None, kw_only=True)
    save_error: str = field(default="", kw_only=True)
    _inspect_values: dict[str, Any] | None = field(default=None, init=False, repr=False)
    task: ClassVar[str]
    if TYPE_CHECKING:  # fields of every subclass, declared there in its own order
        run: TrainingRun
        dataset_name: str

    @property
    @abstractmethod
    def inference_model(self) -> keras.Model:
        """The trained model ready for prediction (no fixed batch size)."""

    @abstractmethod
    def summary(self) -> tuple[dict, dict, pd.DataFrame]:
        """What a saved run keeps: data settings, test metrics and predictions."""

    def inspect_values(self) -> dict[str, Any]:
        """What Inspect reads that does not change once the run has ended, computed once at
        save time (in the worker) and stored with the run (tables and JSON values, by name)."""
        return {}

    def saved_inspect_values(self) -> dict[str, Any]:
        """What :meth:`inspect_values` saved with this job's run (read once); empty for a run
        saved before it did, an uploaded model or a job not saved yet."""
        if self.record is None:
            return {}
        if self._inspect_values is None:
            self._inspect_values = self.record.inspect_values()
        return self._inspect_values

    @property
    def saved(self) -> bool:
        """Already in the run store, or saving it failed: nothing more to save."""
        return self.record is not None or bool(self.save_error)

    def content_key(self) -> str:
        """A hash of what the job's results depend on: task, data, specs and the weights."""
        return digest(
            self.task,
            self.dataset_name,
            self.run.spec,
            self.run.train,
            *self.inference_model.get_weights(),
        )


D = TypeVar("D")  # the task's data object
J = TypeVar("J", bound=Job)


@dataclass(frozen=True)
class Note:
    """A line the Build page shows about how the model meets the data."""

    kind: Literal["caption", "warning", "info"]
    text: str


@dataclass(frozen=True)
class Ranking:
    """How Compare orders a task's variants: on validation only (``metric``, a column of the
    table or a saved metric, or the first whose name starts so), never on test. ``shown`` is the
    test figure shown beside it ("test RMSE 1-" matches "test RMSE 1-12 steps"): it plays no
    part in the order."""

    shown: str
    metric: str = "best val loss"
    higher_is_better: bool = False


@dataclass(frozen=True)
class Control:
    """One Build-page setting of a task's own architecture, kept in ``ModelSpec.options`` under
    ``name``: ``kind`` "choice" (one of ``choices``), "choices" (one or more of them) or "number"
    (an integer from ``low`` to ``high``)."""

    name: str
    label: str
    kind: Literal["choice", "choices", "number"]
    default: Any
    choices: tuple = ()
    choice_labels: tuple[str, ...] = ()  # shown for ``choices`` ("": the values themselves)
    low: int = 1
    high: int = 512
    help: str = ""


@dataclass(frozen=True)
class Analysis:
    """A task's analysis that trains several models instead of one run (e.g. a forecast's
    rolling-origin backtest): its name, the data and specs, and its size in steps."""

    name: str
    data: Any
    spec: ModelSpec
    train: TrainSpec
    steps: int


class AnalysisResult(Protocol):
    """What an analysis returns: whether Stop ended it early and a one-line summary."""

    stopped: bool

    @property
    def summary(self) -> str: ...


@dataclass(frozen=True)
class Export:
    """A standalone script and the file name to download it as."""

    filename: str
    script: str


class Task(ABC, Generic[D, J]):
    """What the app needs from one task. Subclasses are singletons in the registry."""

    name: ClassVar[str]  # stored in saved runs: never rename
    label: ClassVar[str]  # the sidebar's choice
    blurb: ClassVar[str]  # what the task shows a learner (the Home page lists it)
    ranking: ClassVar[Ranking | None] = None  # how Compare orders this task's variants
    job_module: ClassVar[str]  # the module make_job imports (a worker imports it while it waits)
    topologies: ClassVar[tuple[Topology, ...]]  # what Build offers
    topology_note: ClassVar[str] = ""  # shown instead of a choice when there is one topology
    embedding: ClassVar[bool] = False  # token ids in: Build asks for an embedding size
    stateful: ClassVar[bool] = False  # Build offers a stateful model
    bidirectional_refusal: ClassVar[str] = (
        ""  # why Build offers no bidirectional layer ("": it does)
    )
    chart_metric: ClassVar[str] = ""  # the epoch log Train charts beside the loss ("": the head's)
    inspects_uploads: ClassVar[bool] = (
        False  # an uploaded .keras model can be inspected on its data
    )
    # The task's own architectures Build offers beside the plain recurrent stack ("recurrent"):
    # name -> label. Each one's settings are architecture_controls; build_model builds it.
    architectures: ClassVar[dict[str, str]] = {}

    @property
    def data_page(self) -> str:
        """The Data page script (relative to the app's root): its folder is the task's name."""
        return f"pages/{self.name}/data.py"

    @property
    def inspect_page(self) -> str:
        return f"pages/{self.name}/inspect.py"

    # -- recipe and data ----------------------------------------------------------------------
    @abstractmethod
    def default_recipe(self) -> tuple[ModelSpec, TrainSpec]:
        """The settings the Build and Train controls start from."""

    def recipe_for(self, data: D | None) -> tuple[ModelSpec, TrainSpec]:
        """The recipe the Build and Train controls get for ``data`` (the data the session holds,
        None before any): :meth:`default_recipe` unless the task derives one from its data."""
        return self.default_recipe()

    @abstractmethod
    def catalog(self) -> list[dict[str, str]]:
        """The built-in data sets (for the Home page): data, rows, description, ships in."""

    @abstractmethod
    def dataset_name(self, data: D) -> str: ...

    # -- model --------------------------------------------------------------------------------
    @abstractmethod
    def model_spec(self, spec: ModelSpec, data: D) -> ModelSpec:
        """The Build page's spec completed for the data (head, outputs, vocabulary, horizon)."""

    @abstractmethod
    def input_shape(self, data: D, spec: ModelSpec) -> tuple[int, ...]:
        """The model's input shape without the batch axis."""

    @abstractmethod
    def fit_data(self, data: D, spec: ModelSpec) -> FitData:
        """Training and validation arrays shaped for the model."""

    def build_model(self, spec: ModelSpec, input_shape: tuple[int, ...]) -> keras.Model:
        """The (uncompiled) model of ``spec``: the shared recurrent builder, unless the task
        supplies its own architecture for ``spec.architecture`` (override this, and pass it to
        :func:`rnnviz.train.training.new_model` as ``build``)."""
        from rnnviz.model.builder import build_model  # keeps TensorFlow off the light import path

        return build_model(spec, input_shape)

    def architecture_controls(self, architecture: str) -> tuple[Control, ...]:
        """The Build settings of one of :attr:`architectures` (kept in ``ModelSpec.options``)."""
        return ()

    def describe(self, spec: ModelSpec) -> str:
        """:func:`~rnnviz.model.spec.describe_model` with the words of the task's Build controls
        for its option values (e.g. "word features (Naive-Bayes word ratios)", not "nb")."""
        words = {
            control.name: dict(zip(control.choices, control.choice_labels, strict=True))
            for control in self.architecture_controls(spec.architecture)
            if control.choice_labels and control.kind == "choice"
        }
        return describe_model(spec, words)

    def architecture_settings(self, architecture: str) -> dict[str, object]:
        """Build and Train control values (keys without the widget prefix) that picking an
        architecture sets: its own measured defaults (empty: the controls stay as they are)."""
        return {}

    def fixed_depth(self, architecture: str) -> int | None:
        """The number of recurrent layers an architecture always has (Build then asks only for
        their units), or None when the user chooses the depth."""
        return None

    def diagram(self, spec: ModelSpec, input_shape: tuple[int, ...]) -> go.Figure:
        """The Build page's picture of the model (a task with its own architecture draws it)."""
        # Plotly stays off the light path
        from rnnviz.common.figures import topology_diagram

        return topology_diagram(spec, input_shape)

    def reference_marks(self, data: D, spec: ModelSpec) -> list[ReferenceMark]:
        """The bands Train draws on its live metric chart (:attr:`chart_metric`, validation
        units): the data's baseline figure and, for a built-in preset, a published reference
        (:mod:`rnnviz.common.references`). Computed once per data and spec; none by default."""
        return []

    def build_notes(self, data: D, spec: ModelSpec) -> list[Note]:
        """What the Build page says about the input, the output and task-specific choices."""
        return []

    # -- jobs ---------------------------------------------------------------------------------
    @abstractmethod
    def make_job(self, data: D, spec: ModelSpec, train: TrainSpec) -> J:
        """A seeded, compiled model on ``data`` wrapped in a training run (not started)."""

    @abstractmethod
    def restore(self, record: RunRecord, model: keras.Model, data: D | None = None) -> J:
        """The job of a saved run (``record`` set) on ``data`` (what it was trained on, e.g. the
        session's) or, without it, on its stored data loaded again; ValueError when that data is
        not available."""

    def data_file(self, data: D) -> DataFile | None:
        """The data in a normalised, plain form (no pickle) that a saved run keeps, so it can be
        reopened and exported; None for built-in data, which a run references by its key."""
        return None

    def job_from_model(self, model: keras.Model, data: D) -> J:
        """Inspect an uploaded model on ``data``; ValueError when the task cannot."""
        raise ValueError(f"Uploaded models cannot be inspected for the {self.label} task.")

    def owns(self, job: Job | None) -> bool:
        return job is not None and job.task == self.name

    def analyse(
        self,
        analysis: Analysis,
        fit: Callable[[J], None],
        progress: Callable[[int, int], None],
        should_stop: Callable[[], bool],
    ) -> AnalysisResult:
        """Run ``analysis`` in a worker: ``fit(job)`` trains a job to its end (honouring Stop),
        ``progress(done, total)`` reports steps. ValueError when the task has no such analysis
        or the data does not allow it."""
        raise ValueError(f"the {self.label} task has no analysis {analysis.name!r}")

    # -- comparison and export ----------------------------------------------------------------
    def comparison_figures(self, records: Sequence[RunRecord]) -> dict[str, go.Figure]:
        """Figures of finished, saved variants side by side (from their saved predictions), by
        chart key."""
        return {}

    def export(self, record: RunRecord) -> Export | None:
        """A standalone script that trains the saved run's model again; None when not possible."""
        return None


def finished_run(record: RunRecord, model: keras.Model, data: FitData) -> TrainingRun:
    """The training run of a saved record, rebuilt finished (nothing to train)."""
    # imports Keras: the task stays light
    from rnnviz.train.training import TrainingRun

    return TrainingRun.restored(
        model,
        record.model_spec,
        record.train_spec,
        data,
        record.history,
        record.status,
        record.message,
    )
