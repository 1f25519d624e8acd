"""The anomaly-detection task: a recurrent sequence autoencoder trained on normal windows of a
series; a point is as anomalous as the windows covering it are badly rebuilt. PCA of the same
windows is the baseline, under the same threshold rule."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from rnnviz.common.csvread import DataError
from rnnviz.model.spec import ModelSpec, TrainSpec, variant_label
from rnnviz.tasks.anomaly.data import (
    BUILTIN,
    AnomalySeries,
    downsample,
    load_bundled,
    load_ucr_one_class,
    series_from_table,
)
from rnnviz.tasks.anomaly.options import ARCHITECTURE, DEFAULT_OPTIONS, option
from rnnviz.tasks.anomaly.recipes import DEFAULT_MODEL, DEFAULT_TRAIN
from rnnviz.tasks.anomaly.windows import Windows, WindowSpec, make_windows, window_shape
from rnnviz.tasks.base import Export, Note, Ranking, Task, finished_run
from rnnviz.train.datastore import DataFile, data_filename, read_stored, stored_reference

if TYPE_CHECKING:
    import keras
    import pandas as pd
    import plotly.graph_objects as go

    from rnnviz.tasks.anomaly.job import AnomalyJob
    from rnnviz.train.runs import RunRecord
    from rnnviz.train.training import FitData

SERIES_KIND = "series CSV (value columns, label)"


@dataclass(frozen=True)
class AnomalySettings:
    """Everything the Data page chose (enough to rebuild the data of a saved run)."""

    key: str | None  # a built-in series; None for an upload
    every: int = 1  # samples averaged per step
    size: int = 32
    stride: int = 1
    center: bool = True
    val_fraction: float = 0.15
    test_fraction: float = 0.3
    normal_class: str | None = None  # a UCR set's normal class
    label_column: str | None = None  # an upload's label column


@dataclass(frozen=True, eq=False)
class AnomalyData:
    """What an anomaly job is built from: the series (averaged), its windows, the settings and,
    for an upload, the table read (kept with its runs)."""

    series: AnomalySeries
    windows: Windows
    settings: AnomalySettings
    table: pd.DataFrame | None = field(default=None, repr=False)
    options: tuple[tuple[str, object], ...] = ()  # autoencoder settings chosen with the data

    @property
    def name(self) -> str:
        return self.series.name

    def config(self) -> dict:
        """The data settings a saved run keeps."""
        return {**asdict(self.settings), "features": list(self.series.features)}


def raw_series(settings: AnomalySettings, table: pd.DataFrame | None = None) -> AnomalySeries:
    """The series the settings name (built in, or ``table`` for an upload), as read."""
    if settings.key is not None and settings.key in BUILTIN:
        ucr = BUILTIN[settings.key].ucr
        if ucr is not None:
            series = load_ucr_one_class(ucr, str(settings.normal_class))
        else:
            series = load_bundled(settings.key, settings.val_fraction, settings.test_fraction)
    elif table is not None:
        series = series_from_table(
            table, "upload", settings.label_column, settings.val_fraction, settings.test_fraction
        )
    else:
        raise DataError("This data set is not built in, and its file was not given.")
    return series


def load_series(settings: AnomalySettings, table: pd.DataFrame | None = None) -> AnomalySeries:
    """The series the settings name, averaged as they say."""
    return downsample(raw_series(settings, table), settings.every)


def anomaly_data(
    settings: AnomalySettings,
    table: pd.DataFrame | None = None,
    name: str | None = None,
    options: tuple[tuple[str, object], ...] = (),
) -> AnomalyData:
    """Load and cut the data as ``settings`` say; DataError with the reason when it cannot."""
    series = load_series(settings, table)
    if name is not None:
        series = AnomalySeries(
            name,
            series.values,
            series.labels,
            series.train_end,
            series.val_end,
            series.features,
            series.segment,
            series.notes,
        )
    windows = make_windows(series, WindowSpec(settings.size, settings.stride, settings.center))
    return AnomalyData(series, windows, settings, table, options)


def series_file(data: AnomalyData) -> DataFile:
    """An uploaded series as a plain CSV: its value columns and, when given, its label."""
    import pandas as pd

    table = data.table if data.table is not None else pd.DataFrame()
    content = table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return DataFile(content, "csv", SERIES_KIND, {"label_column": data.settings.label_column})


def stored_data(record: RunRecord) -> AnomalyData:
    """The data a saved run was trained on, rebuilt; ValueError when that cannot be done."""
    import pandas as pd

    config = record.data_config
    fields = AnomalySettings.__dataclass_fields__
    if not set(fields) <= set(config):
        raise ValueError("This run's data settings are incomplete: it cannot be reopened.")
    settings = AnomalySettings(**{name: config[name] for name in fields})
    if settings.key in BUILTIN:
        return anomaly_data(settings)
    content, _ = read_stored(record)
    table = pd.read_csv(io.BytesIO(content), encoding="utf-8")
    return anomaly_data(settings, table, record.dataset)


class AnomalyTask(Task[AnomalyData, "AnomalyJob"]):
    name = "anomaly"
    label = "Find anomalies"
    blurb = "a recurrent autoencoder trained on normal windows of an ECG, a traffic series, a UCR set or your own series; the reconstruction error over time, precision, recall and ROC beside PCA."
    ranking = Ranking(shown="test ROC AUC")
    job_module = "rnnviz.tasks.anomaly.job"
    topologies = ("encoder_decoder",)
    topology_note = "**Topology**: autoencoder (encoder -> code -> decoder rebuilds the window)"

    def default_recipe(self) -> tuple[ModelSpec, TrainSpec]:
        return DEFAULT_MODEL, DEFAULT_TRAIN

    def catalog(self) -> list[dict[str, str]]:
        return [
            {"data": b.title, "rows": b.rows, "description": b.description, "ships in": b.source}
            for b in BUILTIN.values()
        ]

    def dataset_name(self, data: AnomalyData) -> str:
        return data.name

    def model_spec(self, spec: ModelSpec, data: AnomalyData) -> ModelSpec:
        """An autoencoder rebuilding the data's windows (its settings kept, else the defaults)."""
        options = spec.options if spec.architecture == ARCHITECTURE else ()
        chosen = {**DEFAULT_OPTIONS, **dict(options), **dict(data_options(data))}
        return spec.with_(
            architecture=ARCHITECTURE,
            options=tuple(chosen.items()),
            topology="encoder_decoder",
            head="regression",
            horizon=data.windows.size,
            n_outputs=data.windows.x.shape[2],
            stateful=False,
            vocab_size=None,
            mask_value=None,
        )

    def input_shape(self, data: AnomalyData, spec: ModelSpec) -> tuple[int, ...]:
        return data.windows.x.shape[1:]

    def build_model(self, spec: ModelSpec, input_shape: tuple[int, ...]) -> keras.Model:
        # imports Keras: the task stays light
        from rnnviz.tasks.anomaly.model import build_autoencoder

        return build_autoencoder(spec, input_shape)

    def diagram(self, spec: ModelSpec, input_shape: tuple[int, ...]) -> go.Figure:
        """The encoder-decoder drawing, with the code and the decoder's input named above it."""
        # Plotly stays off the light path
        from rnnviz.common.figures import topology_diagram

        figure = topology_diagram(spec.with_(horizon=input_shape[0]), input_shape)
        how = (
            "repeated at every step as the decoder's input"
            if option(spec, "decoder") == "repeat"
            else "the decoder's initial state"
        )
        order = ", rebuilt back to front" if option(spec, "reverse") else ""
        figure.add_annotation(
            x=0,
            y=1.3,
            xref="paper",
            yref="paper",
            showarrow=False,
            xanchor="left",
            text=f"code: Dense({option(spec, 'code_size')}) after the encoder, {how}{order}",
        )
        return figure

    def fit_data(self, data: AnomalyData, spec: ModelSpec) -> FitData:
        # imports Keras: the task stays light
        from rnnviz.tasks.anomaly.job import anomaly_fit_data

        return anomaly_fit_data(data.windows, self.model_spec(spec, data))

    def build_notes(self, data: AnomalyData, spec: ModelSpec) -> list[Note]:
        windows = data.windows
        size, features = windows.x.shape[1:]
        n_train = int(windows.mask(0, normal_only=True).sum())
        notes = [
            Note(
                "caption",
                f"Input: a window of {size} steps x {features} feature(s); output: the same "
                f"window rebuilt through a code of {option(spec, 'code_size')} values. It trains "
                f"on the {n_train:,} normal training windows only; a point's anomaly score is the "
                "mean reconstruction error of the windows covering it.",
            )
        ]
        if spec.bidirectional:
            notes.append(
                Note(
                    "caption",
                    "Bidirectional encoder: the code is read from both ends of the window "
                    "(legitimate: the whole window is known). The decoder reads one way.",
                )
            )
        return notes

    def make_job(self, data: AnomalyData, spec: ModelSpec, train: TrainSpec) -> AnomalyJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.anomaly.job import anomaly_job

        return anomaly_job(data, spec, train)

    def restore(
        self, record: RunRecord, model: keras.Model, data: AnomalyData | None = None
    ) -> AnomalyJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.anomaly.job import AnomalyJob

        data = stored_data(record) if data is None else data
        run = finished_run(record, model, self.fit_data(data, record.model_spec))
        return AnomalyJob(data.name, data, run, record=record)

    def data_file(self, data: AnomalyData) -> DataFile | None:
        return None if data.settings.key in BUILTIN else series_file(data)

    def comparison_figures(self, records: Sequence[RunRecord]) -> dict[str, go.Figure]:
        """Test ROC AUC of every saved variant beside PCA's."""
        # Plotly stays off the light path
        from rnnviz.tasks.anomaly.figures import auc_bars

        scores = {variant_label(r.model_spec): r.metrics.get("test ROC AUC") for r in records}
        scores = {label: value for label, value in scores.items() if value is not None}
        pca = next(
            (r.metrics["PCA test ROC AUC"] for r in records if "PCA test ROC AUC" in r.metrics),
            None,
        )
        if not scores:
            return {}
        if pca is not None:
            scores["PCA"] = pca
        return {"cmp_auc": auc_bars(scores)}

    def export(self, record: RunRecord) -> Export | None:
        """A standalone Keras script that trains the run's autoencoder again and prints its test
        ROC AUC beside PCA's; None when the run's data cannot be had."""
        # the export module imports this one
        from rnnviz.tasks.anomaly.export import anomaly_script, export_filename

        try:
            data = stored_data(record)
        except ValueError:
            return None
        ref = stored_reference(record)
        filename = data_filename(ref) if ref is not None else None
        script = anomaly_script(data, record.model_spec, record.train_spec, filename)
        return Export(export_filename(data, record.model_spec), script)


def data_options(data: AnomalyData) -> tuple:
    """The autoencoder settings chosen on the Data page (the shared Build page has no place for
    a task's own settings yet); they override the spec's."""
    return data.options


def describe_split(data: AnomalyData) -> str:
    """One line on the parts and windows, for the Data page."""
    series, windows = data.series, data.windows
    n = len(series.values)
    size, stride = window_shape(series, WindowSpec(data.settings.size, data.settings.stride))
    counts = [int(windows.mask(p).sum()) for p in (0, 1, 2)]
    normal = int(windows.mask(0, normal_only=True).sum())
    return (
        f"{series.train_end:,} training, {series.val_end - series.train_end:,} validation and "
        f"{n - series.val_end:,} test steps; windows of {size} steps every {stride}: "
        f"{counts[0]:,} training ({normal:,} normal, the only ones it learns from), "
        f"{counts[1]:,} validation, {counts[2]:,} test. Scaled with statistics of the normal "
        "training steps only."
    )


def label_share(series: AnomalySeries) -> str:
    labels = series.labels_or_zeros
    return f"{int(labels.sum()):,} ({labels.mean():.1%})"


ANOMALY = AnomalyTask()
TASK = ANOMALY  # what the registry loads
