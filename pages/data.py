"""Data: pick a series, choose window, horizon and a chronological split, preview it."""

import streamlit as st

from rnnviz.datasets import (
    BUILTIN_SERIES,
    DataError,
    load_builtin,
    parse_series_csv,
    series_from_csv,
)
from rnnviz.figures import series_preview
from rnnviz.recipes import recommended_window_spec
from rnnviz.tasks import FORECAST, ForecastData
from rnnviz.ui import nav
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.widgets import window_spec_ui
from rnnviz.windows import make_windows

st.title("Data")
source = st.radio(
    "Source", ["Built-in series", "Upload a CSV"], horizontal=True, key="w_data_source"
)

series = None
if source == "Built-in series":
    key = st.selectbox(
        "Series",
        list(BUILTIN_SERIES),
        format_func=lambda k: BUILTIN_SERIES[k].title,
        key="w_builtin",
    )
    st.caption(BUILTIN_SERIES[key].description)
    series = load_builtin(key)
else:
    upload = st.file_uploader(
        "CSV with a date/time column and numeric columns", type=["csv", "txt"]
    )
    if upload is not None:
        try:
            parsed = parse_series_csv(upload.getvalue(), upload.name)
            columns = list(parsed.numeric_columns)
            target = st.selectbox("Target column (what to forecast)", columns, key="w_csv_target")
            inputs = st.multiselect(
                "Extra input columns (optional)",
                [c for c in columns if c != target],
                key="w_csv_inputs",
            )
            season = st.number_input(
                "Seasonal period in rows (0: none)", 0, 1000, 0, key="w_csv_season"
            )
            series = series_from_csv(parsed, target, inputs, season or None, name=upload.name)
        except DataError as error:
            st.error(str(error))

if series is not None:
    for note in series.notes:
        st.info(note)
    current = session()
    if (
        current.defaults_for.get(FORECAST.name) != series.name
    ):  # a new series: its recommended settings
        set_widget_defaults(recommended_window_spec(series).__dict__, overwrite=True)
        current.defaults_for[FORECAST.name] = series.name
    spec = window_spec_ui(len(series.frame))
    try:
        windows = make_windows(series, spec)  # validates length, transform and split sizes
        train_end, val_end = windows.train_end, windows.val_end
    except DataError as error:
        st.error(str(error))
    else:
        st.plotly_chart(
            series_preview(series.frame, series.target, train_end, val_end, series.name)
        )
        st.caption(
            f"{len(series.frame)} rows: train {train_end}, validation {val_end - train_end}, "
            f"test {len(series.frame) - val_end}. Scaling is fitted on the {train_end} training rows only."
        )
        current.data[FORECAST.name] = ForecastData(series, spec)
        st.success("Data ready. Next: build a model.")
        st.page_link(nav.pages().build, label="Build a model", icon=":material/construction:")
