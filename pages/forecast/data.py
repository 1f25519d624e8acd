"""Data: pick a series, choose window, horizon and a chronological split, preview it."""

import streamlit as st

from rnnviz.common.columns import DATE_ORDER_LABELS
from rnnviz.common.csvread import DataError, content_key
from rnnviz.common.safe import plain
from rnnviz.common.timeindex import describe_gaps
from rnnviz.tasks.forecast.evaluation import COVARIATE_NOTE
from rnnviz.tasks.forecast.figures import series_preview
from rnnviz.tasks.forecast.recipes import TUTORIAL, recommended_window_spec
from rnnviz.tasks.forecast.series import (
    AGGREGATIONS,
    BUILTIN_SERIES,
    DateOrderQuestion,
    frequency_label,
    guess_season,
    load_builtin,
    parse_series_csv,
    series_from_csv,
    split_warnings,
)
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.tasks.forecast.widgets import apply_forecast_recipe, window_spec_ui
from rnnviz.tasks.forecast.windows import split_bounds
from rnnviz.ui import nav
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.widgets import builtin_choice, forget_data, kept_upload, same_data_note

st.title("Data")
current = session()
with st.expander("One click: reproduce the classic airline LSTM tutorial"):
    st.write(TUTORIAL.explanation)
    st.button(
        "Use the tutorial recipe",
        on_click=apply_forecast_recipe,
        args=(TUTORIAL,),
        key="recipe_tutorial",
        help="Sets Data, Build and Train; then build and train as usual.",
    )
source = st.radio(
    "Source", ["Built-in series", "Upload a CSV"], horizontal=True, key="w_data_source"
)


def covariates_ui(columns: list[str], target: str, key: str) -> list[str]:
    """The extra input columns, with how their future values are obtained."""
    inputs = st.multiselect(
        "Extra input columns (optional)", [c for c in columns if c != target], key=key
    )
    if inputs:
        st.caption(COVARIATE_NOTE)
    return inputs


series = None
if source == "Built-in series":
    key = builtin_choice("Series", BUILTIN_SERIES, "w_builtin")
    series, series_key = load_builtin(key), ("builtin", key)
    if len(series.frame.columns) > 1:
        inputs = covariates_ui(list(series.frame.columns), series.target, f"w_builtin_inputs_{key}")
        series = series.with_inputs(inputs)
else:
    upload, note = kept_upload(
        "CSV with a date/time column and numeric columns", ["csv", "txt"], "series_upload"
    )
    if upload is not None:
        raw = upload.getvalue()
        file_key = (upload.name, content_key(raw))  # a new file, or new bytes under the same name
        try:
            chosen_order = st.session_state.get("w_csv_date_order", "auto")
            order = None if chosen_order == "auto" else chosen_order
            parsed = current.memo(
                "series_csv",
                (*file_key, order),
                lambda: parse_series_csv(raw, upload.name, order),
            )
            note.rows(len(parsed.frame))
            if parsed.date_order is not None:
                st.radio(
                    f"Date order ({parsed.ambiguous_dates} dates read either way)",
                    ["auto", *DATE_ORDER_LABELS],
                    format_func=lambda o: DATE_ORDER_LABELS.get(o, "Infer from the dates"),
                    horizontal=True,
                    key="w_csv_date_order",
                )
            if parsed.order_question:  # both orders give evenly spaced dates: ask
                raise DateOrderQuestion(parsed.order_question)
            combine = None
            if parsed.duplicated:
                combine = st.selectbox(
                    "Rows that share a time",
                    [None, *AGGREGATIONS],
                    format_func=lambda a: "Refuse them" if a is None else f"Combine: {a}",
                    key="w_csv_combine",
                )
            fill = bool(parsed.spacing and parsed.spacing.gaps) and st.checkbox(
                f"Fill the gaps ({describe_gaps(parsed.spacing)}) by interpolation",
                key="w_csv_fill_gaps",
            )
            columns = list(parsed.numeric_columns)
            target = st.selectbox("Target column (what to forecast)", columns, key="w_csv_target")
            inputs = covariates_ui(columns, target, "w_csv_inputs")
            guess = guess_season(parsed.frame.index) or 0
            label = frequency_label(parsed.frame.index)
            season_key = f"w_csv_season_{upload.name}"
            guess_key = f"season_guess_{upload.name}"  # new data or date order: the new guess
            if st.session_state.get(guess_key) != guess:
                st.session_state[season_key] = st.session_state[guess_key] = guess
            season = st.number_input(
                "Seasonal period in rows (0: none)"
                + (f"; {guess} suits {label} data" if guess else ""),
                0,
                1000,
                key=season_key,
            )
            series_key = (*file_key, order, target, tuple(inputs), int(season), combine, fill)
            series = current.memo(
                "series",
                series_key,
                lambda: series_from_csv(
                    parsed, target, inputs, int(season), upload.name, combine, fill
                ),
            )
        except DataError as error:  # a question about the dates is a warning, not an error
            (st.warning if isinstance(error, DateOrderQuestion) else st.error)(plain(error))

if series is None:  # no file yet, or a refused one: Build and Train wait for data
    forget_data(FORECAST)
else:
    for note in series.notes:
        st.info(plain(note))
    if current.defaults_for.get(FORECAST.name) != series_key[:2]:  # a new series: its settings
        set_widget_defaults(recommended_window_spec(series).__dict__, overwrite=True)
        current.defaults_for[FORECAST.name] = series_key[:2]
    spec = window_spec_ui(len(series.frame))
    try:  # the checks of make_windows (length, transform, split sizes), no windows built yet
        train_end, val_end = split_bounds(series, spec)
    except DataError as error:
        st.error(plain(error))
        forget_data(FORECAST)
    else:
        st.plotly_chart(
            series_preview(series.frame, series.target, train_end, val_end, series.name)
        )
        st.caption(
            f"{len(series.frame)} rows: train {train_end}, validation {val_end - train_end}, "
            f"test {len(series.frame) - val_end}. "
            + (
                "No scaling: the network sees the raw values."
                if spec.scaler == "none"
                else f"Scaling is fitted on the {train_end} training rows only."
            )
        )
        for warning in split_warnings(series, train_end, val_end):
            st.warning(plain(warning))
        current.data[FORECAST.name] = ForecastData(series, spec)
        same_data_note(FORECAST, current.data[FORECAST.name], series_key[:-1])  # not the season
        st.success("Data ready. Next: build a model.")
        st.page_link(nav.pages().build, label="Build a model", icon=":material/construction:")
