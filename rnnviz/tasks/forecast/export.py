"""The forecast task's export: a saved run as a standalone Keras script (rnnviz/export/template.py
with this task's code, settings and data)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from rnnviz.export.codegen import (
    GENERATED,
    INDENT,
    TOPOLOGY_NOTES,
    docstring,
    model_kind,
    model_settings,
    number,
    render,
    train_settings,
    wrapped,
)
from rnnviz.model.spec import ModelSpec, TrainSpec, lookahead_reason
from rnnviz.tasks.forecast.series import BUILTIN_SERIES, Series, load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec, profile_harmonics


def forecast_script(
    dataset_key: str,
    window_spec: WindowSpec,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
    inputs: Sequence[str] = (),
    sarima: dict | None = None,
) -> str:
    """A standalone Python script that trains ``model_spec`` on a built-in series as rnnviz does.

    ``inputs`` names extra input columns of the series (the target always comes first);
    ``sarima`` (``SarimaOrder.as_config()``, saved with the run) adds that SARIMA baseline.
    """
    series = load_builtin(dataset_key).with_inputs(inputs)
    settings = _forecast_settings(dataset_key, series, window_spec, model_spec, train_spec)
    settings.update(sarima_settings(sarima))
    data = _series_literal(dataset_key, series.frame, series.columns, filled=bool(series.notes))
    info = BUILTIN_SERIES[dataset_key]
    what = (
        f"{info.title}, {series.n_rows} {info.frequency} values, embedded at the end of this file"
    )
    docstring = _forecast_docstring(dataset_key, model_spec, what)
    return render("forecast", docstring, settings, data, tags=sarima_tags(sarima))


def sarima_settings(sarima: dict | None) -> dict[str, object]:
    """The template's SARIMA settings for a saved order (none without one)."""
    if not sarima:
        return {}
    return {
        "SARIMA_ORDER": tuple(sarima["order"]),
        "SARIMA_SEASONAL_ORDER": tuple(sarima["seasonal_order"]),
        "SARIMA_TREND": sarima["trend"],
        "SARIMA_LOG": bool(sarima["log"]),
    }


def sarima_tags(sarima: dict | None) -> tuple[str, ...]:
    return ("sarima",) if sarima else ()


def forecast_file_script(
    series: Series,
    data_filename: str,
    window_spec: WindowSpec,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
    sarima: dict | None = None,
) -> str:
    """A standalone script that trains ``model_spec`` on an uploaded series as rnnviz does,
    reading the series from the CSV rnnviz kept for the run (``DATA_FILE``, ``data_filename``
    beside the script unless changed)."""
    settings = _forecast_settings(series.name, series, window_spec, model_spec, train_spec)
    settings["DATA_FILE"] = data_filename
    settings.update(sarima_settings(sarima))
    data = "\n".join(
        [
            f"# The series rnnviz kept for the run: {series.n_rows} rows of a time column and "
            "the values,",
            "# read from DATA_FILE (download it from the Runs page, beside this script).",
            "DATA = read_data_file()",
        ]
    )
    what = f"{series.name} ({series.n_rows} rows), read from the file DATA_FILE names"
    docstring = _forecast_docstring(series.name, model_spec, what)
    return render("forecast", docstring, settings, data, tags=("data_file", *sarima_tags(sarima)))


def _forecast_settings(
    dataset: str,
    series: Series,
    window_spec: WindowSpec,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
) -> dict[str, object]:
    _check(window_spec, model_spec)
    return {
        "TASK": "forecast",
        "DATASET": dataset,
        "COLUMNS": list(series.columns),
        "WINDOW": window_spec.window,
        # Only an encoder-decoder trains on the full horizon; the others learn the next value.
        "HORIZON": window_spec.horizon if model_spec.topology == "encoder_decoder" else 1,
        "TEST_SIZE": window_spec.test_size,
        "VAL_SIZE": window_spec.val_size,
        "TRANSFORM": window_spec.transform,
        "LAG": window_spec.lag,
        "SEASON": window_spec.season if window_spec.is_profile else 0,
        "HARMONICS": profile_harmonics(window_spec.season) if window_spec.is_profile else 0,
        "SCALER": window_spec.scaler,
        **model_settings(model_spec),
        **train_settings(model_spec, train_spec),
    }


def _check(window_spec: WindowSpec, model_spec: ModelSpec) -> None:
    if model_spec.is_text or model_spec.head != "regression":
        raise ValueError("forecast_script exports forecasting models (a regression head).")
    reason = lookahead_reason(model_spec)
    if reason is not None:
        raise ValueError(reason)
    if model_spec.topology == "encoder_decoder" and model_spec.horizon != window_spec.horizon:
        raise ValueError(
            f"The model's horizon ({model_spec.horizon}) differs from the windows' "
            f"({window_spec.horizon})."
        )


def _forecast_docstring(dataset: str, spec: ModelSpec, data: str) -> str:
    units = ", ".join(str(u) for u in spec.units)
    return docstring(
        f'Forecast the "{dataset}" series with a {model_kind(spec)}{spec.cell} network.',
        [
            GENERATED.format(what="windows"),
            f"Data: {data}. Model: {spec.depth} recurrent layer(s) of {units} units; "
            f"{TOPOLOGY_NOTES[spec.topology]}.",
            "It prints the parameter count, the training loss of the first and last epoch, and "
            "the test RMSE in the series' original units (next to naive last-value, training-mean "
            "and drift forecasts, and the run's SARIMA baseline where it had one, for "
            "comparison).",
        ],
    )


def _series_literal(dataset_key: str, frame, columns: Sequence[str], filled: bool) -> str:
    info = BUILTIN_SERIES[dataset_key]
    index = frame.index
    span = f", {index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}" if hasattr(index[0], "year") else ""
    lines = [
        f"# {info.title}: {len(frame)} {info.frequency} values{span},",
        f"# as rnnviz loads them from the data files of {info.source}"
        + (" (gaps already filled)." if filled else "."),
        "# fmt: off",
        "DATA = {",
    ]
    for column in columns:
        values = [number(v) for v in np.asarray(frame[column], dtype=np.float64)]
        lines.append(f"    {json.dumps(column)}: [")
        lines += wrapped(values, INDENT * 2)
        lines.append("    ],")
    lines += ["}", "# fmt: on"]
    return "\n".join(lines)
