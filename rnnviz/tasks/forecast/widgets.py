"""The forecast task's widget groups (the Data page's window controls, the one-click recipe):
the task's UI, kept in its folder (ruff allows streamlit here and in rnnviz/ui only)."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from rnnviz.tasks.forecast.recipes import ForecastRecipe
from rnnviz.tasks.forecast.task import FORECAST
from rnnviz.tasks.forecast.windows import SCALER_LABELS, TRANSFORM_LABELS, WindowSpec
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.widgets import recipe_widget_values


def window_spec_ui(n_rows: int) -> WindowSpec:
    """Look-back window, horizon, split sizes and target transform."""
    c1, c2, c3, c4 = st.columns(4)
    top = max(2, n_rows // 2)
    window = c1.number_input("Look-back window (steps)", 1, top, key="w_window")
    horizon = c2.number_input("Forecast horizon (steps)", 1, max(1, n_rows // 4), key="w_horizon")
    test = c3.number_input("Test rows (at the end)", 1, top, key="w_test_size")
    val = c4.number_input("Validation rows (before test; 0: none)", 0, top, key="w_val_size")
    c1, c2 = st.columns(2)
    transform = c1.selectbox(
        "Target transform",
        list(TRANSFORM_LABELS),
        format_func=TRANSFORM_LABELS.get,
        key="w_transform",
    )
    scaler = c2.selectbox(
        "Scaling (fitted on the training rows)",
        list(SCALER_LABELS),
        format_func=SCALER_LABELS.get,
        key="w_scaler",
    )
    return WindowSpec(
        window=int(window),
        horizon=int(horizon),
        test_size=int(test),
        val_size=int(val),
        transform=transform,
        scaler=scaler,
    )


def apply_forecast_recipe(recipe: ForecastRecipe) -> None:
    """Set the Data, Build and Train controls to a recipe (an ``on_click`` callback)."""
    set_widget_defaults(
        {
            "data_source": "Built-in series",
            "builtin": recipe.dataset,
            f"builtin_inputs_{recipe.dataset}": [],
            **asdict(recipe.window_spec),
            **recipe_widget_values(recipe.model, recipe.train),
        },
        overwrite=True,
    )
    current = session()
    current.defaults_for[FORECAST.name] = ("builtin", recipe.dataset)  # keep the recipe's windows
    current.recipe_task = FORECAST.name
