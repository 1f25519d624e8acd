"""The benches' bare training: Keras ``fit`` with early stopping on a monitored value, timed."""

from __future__ import annotations

import time

import keras

from rnnviz.model.spec import TrainSpec


def timed_fit(
    model: keras.Model, data, train: TrainSpec, monitor: str = "val_loss", verbose: int = 0
) -> tuple[dict[str, list[float]], float]:
    """Fit on ``data`` (x/y train and val arrays) for at most ``train.epochs``, stopping after
    ``train.patience`` epochs without gain in ``monitor`` (best weights restored); returns the
    history and the seconds the fit took."""
    stop = keras.callbacks.EarlyStopping(
        monitor=monitor,
        patience=train.patience,
        restore_best_weights=True,
        mode="max" if "accuracy" in monitor else "min",
    )
    start = time.perf_counter()
    history = model.fit(
        data.x_train,
        data.y_train,
        validation_data=(data.x_val, data.y_val),
        epochs=train.epochs,
        batch_size=train.batch_size,
        callbacks=[stop],
        verbose=verbose,
    )
    return history.history, time.perf_counter() - start
