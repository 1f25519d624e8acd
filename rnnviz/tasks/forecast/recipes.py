"""Forecasting's default recipes: the settings a series starts from, and the classic tutorial
(kept light: no TensorFlow import)."""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.series import Series
from rnnviz.tasks.forecast.windows import WindowSpec

DEFAULT_MODEL = ModelSpec(cell="LSTM", units=(32,), topology="many_to_one")
DEFAULT_TRAIN = TrainSpec(
    optimizer="adam", learning_rate=0.005, batch_size=16, epochs=150, patience=25
)


def recommended_window_spec(series: Series) -> WindowSpec:
    """A look-back of two seasons (or 12 rows), a horizon of one season and a test of two.

    Positive trending series (airline passengers, CO2) are modelled as log differences so that
    the network learns the seasonal pattern of the changes rather than an ever-rising level.
    """
    n = len(series.frame)
    season = series.season or 0
    window = min(max(2 * season, 12), max(2, n // 6))
    horizon = max(1, min(season or 12, n // 12))
    test = max(horizon, min(2 * (season or 12), n // 6))
    val = max(horizon, min(season or 12, n // 8))
    target = series.frame[series.target]
    transform = (
        "log_diff" if (target > 0).all() and target.iloc[-1] > 1.5 * target.iloc[0] else "none"
    )
    return WindowSpec(
        window=window, horizon=horizon, test_size=test, val_size=val, transform=transform
    )


@dataclass(frozen=True)
class ForecastRecipe:
    """A complete forecasting set-up: series, windows, model and training, in one click."""

    title: str
    dataset: str  # key of a built-in series
    window_spec: WindowSpec
    model: ModelSpec
    train: TrainSpec
    reported_rmse: float  # what the original reports on its test rows
    explanation: str


# The classic Keras LSTM tutorial on airline passengers (look-back 1, min-max scaling, the first
# 67% of the months for training, 100 epochs of batch 1, the weights of the last epoch).
TUTORIAL = ForecastRecipe(
    title="Airline tutorial (LSTM(4), look-back 1)",
    dataset="airline",
    window_spec=WindowSpec(window=1, horizon=1, test_size=48, val_size=0, scaler="minmax"),
    model=ModelSpec(cell="LSTM", units=(4,), topology="many_to_one"),
    train=TrainSpec(
        optimizer="adam",
        learning_rate=0.001,
        batch_size=1,
        epochs=100,
        seed=7,
        early_stopping=False,
        keep_weights="last",
    ),
    reported_rmse=47.5,
    explanation=(
        "The well-known tutorial trains LSTM(4) on the previous month only, min-max scaled, on the "
        "first 96 months (67%), 100 epochs of batch 1, and reports a test RMSE of about 47.5 on "
        "the last 48 (a plain-Keras rerun gives 51.9). Two differences here: its scaler is fitted "
        "on all 144 months, test included, while this app fits it on the training months only "
        "(the test months then reach above 1, outside anything seen in training); and it forms "
        "test windows from the test months alone, so its first test month is never predicted."
    ),
)
