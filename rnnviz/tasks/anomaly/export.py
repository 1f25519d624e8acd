"""The anomaly task's export: a standalone Keras script (``script_template.py`` with the run's
settings written in) that reads the same series, trains the same autoencoder and prints its test
ROC AUC beside PCA's; given the run's ``model.keras`` it prints the app's own figures."""

from __future__ import annotations

import pprint
import re
from pathlib import Path

from rnnviz.model.cells import layer_options
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.anomaly.data import BUILTIN
from rnnviz.tasks.anomaly.options import option
from rnnviz.tasks.anomaly.scoring import DEFAULT_QUANTILE
from rnnviz.tasks.anomaly.task import AnomalyData, raw_series

TEMPLATE = Path(__file__).with_name("script_template.py")
SETTINGS_LINE = re.compile(r"^SETTINGS: dict = \{\}.*$", re.M)


def source_settings(data: AnomalyData, filename: str | None) -> dict:
    """Where the script reads the series from: sktime's files, or the upload beside it."""
    settings = data.settings
    if settings.key in BUILTIN:
        ucr = BUILTIN[settings.key].ucr
        if ucr is not None:
            return {"kind": "ucr", "name": ucr, "normal": settings.normal_class}
        return {"kind": "sktime_csv", "key": settings.key}
    if filename is None:
        raise ValueError("An uploaded series is exported with the file the run keeps.")
    return {
        "kind": "file",
        "file": filename,
        "label_column": settings.label_column,
        "value_columns": list(data.series.features),
    }


def anomaly_script(
    data: AnomalyData, spec: ModelSpec, train: TrainSpec, filename: str | None = None
) -> str:
    """The script for a run on ``data`` (``filename``: the kept upload beside the script)."""
    raw = raw_series(data.settings, data.table)
    options = {k: v for k, v in layer_options(spec).items()}
    settings = {
        "source": source_settings(data, filename),
        "train_end": raw.train_end,
        "val_end": raw.val_end,
        "every": data.settings.every,
        "size": data.windows.size,
        "stride": data.windows.size if raw.segment else data.settings.stride,
        "center": data.settings.center,
        "quantile": DEFAULT_QUANTILE,
        "model": {
            "cell": spec.cell,
            "units": list(spec.units),
            "bidirectional": spec.bidirectional,
            "merge_mode": spec.merge_mode,
            "options": options,
            "code_size": int(option(spec, "code_size")),
            "decoder": option(spec, "decoder"),
            "reverse": bool(option(spec, "reverse")),
        },
        "train": {
            "learning_rate": train.learning_rate,
            "clipnorm": train.clipnorm,
            "batch_size": train.batch_size,
            "epochs": train.epochs,
            "seed": train.seed,
            "patience": train.patience,
            "early_stopping": train.early_stopping,
        },
    }
    if train.optimizer != "adam":
        raise ValueError("The anomaly export writes an Adam optimiser.")
    literal = "SETTINGS: dict = " + pprint.pformat(settings, width=96, sort_dicts=False)
    return SETTINGS_LINE.sub(lambda _: literal, TEMPLATE.read_text(encoding="utf-8"), count=1)


def export_filename(data: AnomalyData, spec: ModelSpec) -> str:
    """E.g. ``rnnviz_anomaly_mitdb_gru.py``."""
    slug = re.sub(r"[^a-z0-9]+", "_", (data.settings.key or data.name).lower()).strip("_")
    return f"rnnviz_anomaly_{slug}_{spec.cell.lower()}.py"
