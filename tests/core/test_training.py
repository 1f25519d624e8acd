"""TrainingRun: live records, stop within a batch, NaN handling, stateful runs, isolated sessions."""

import time

import keras
import numpy as np
import pytest

from rnnviz.model.builder import build_model
from rnnviz.model.spec import COSINE_FLOOR, ModelSpec, TrainSpec, scheduled_learning_rate
from rnnviz.train.training import (
    FitData,
    TrainingRun,
    build_training_state,
    fit_arguments,
    new_model,
    starting_loss,
    trim_to_batches,
)


def sine_data(n: int = 64, window: int = 8, seed: int = 0) -> FitData:
    rng = np.random.default_rng(seed)
    t = np.arange(n + window + 1) * 0.3
    series = np.sin(t) + 0.05 * rng.normal(size=t.size)
    x = np.stack([series[i : i + window] for i in range(n)])[..., None].astype(
        "float32"
    )  # (n, window, 1)
    y = series[window : window + n, None].astype("float32")  # (n, 1)
    return FitData(x[:48], y[:48], x[48:], y[48:])


def make_run(spec=None, train=None, data=None, **kw):
    spec = spec or ModelSpec(cell="GRU", units=(4,))
    train = train or TrainSpec(epochs=3, batch_size=8)
    data = data or sine_data()
    return TrainingRun(new_model(spec, train, data.x_train.shape[1:]), spec, train, data, **kw)


def test_run_records_history_batches_and_keeps_best_weights():
    run = make_run(
        train=TrainSpec(epochs=4, batch_size=8, learning_rate=0.02, early_stopping=False)
    )
    state = run.run()
    assert state.status == "finished" and state.epoch == 4
    assert set(state.history) >= {"loss", "val_loss", "mae", "val_mae"}
    assert all(len(v) == 4 for v in state.history.values())
    assert len(state.batch_loss) == 4 * 6  # 48 windows / batch 8
    assert 0 < state.first_step_seconds < state.epoch_seconds[0]  # for the time left
    assert state.history["loss"][-1] < state.history["loss"][0]
    # The model ends on the weights of the best validation epoch: its val loss reproduces it.
    best = min(state.history["val_loss"])
    assert state.best_val_loss == pytest.approx(best)
    val = run.model.evaluate(run.data.x_val, run.data.y_val, verbose=0)[0]
    assert val == pytest.approx(best, rel=1e-4)


def test_background_run_stops_within_one_batch():
    data = sine_data(n=600)
    run = make_run(train=TrainSpec(epochs=50, batch_size=4, early_stopping=False), data=data)
    run.start()
    deadline = time.time() + 60
    while len(run.snapshot().batch_loss) < 5 and time.time() < deadline:
        time.sleep(0.01)
    seen = len(run.snapshot().batch_loss)
    run.stop()
    run.join(30)
    state = run.snapshot()
    assert state.status == "stopped" and "Stopped" in state.message
    assert len(state.batch_loss) <= seen + 2  # the batch in flight, and no more
    assert state.epoch <= 1


def test_stop_during_a_long_validation_pass_ends_it_within_a_batch(monkeypatch):
    from rnnviz.train import training

    small = sine_data()  # 16 validation windows
    x_val = np.repeat(small.x_val, 2000, axis=0)  # 32,000 validation windows: 4,000 batches of 8
    data = FitData(small.x_train[:8], small.y_train[:8], x_val, np.repeat(small.y_val, 2000, 0))
    validated_after_stop = []
    original = training._Recorder.on_test_batch_end

    def counting(self, batch, logs=None):
        if self.run.stop_requested:
            validated_after_stop.append(batch)
        original(self, batch, logs)

    monkeypatch.setattr(training._Recorder, "on_test_batch_end", counting)
    run = make_run(train=TrainSpec(epochs=3, batch_size=8, early_stopping=False), data=data)
    original_batch_end = training._Recorder.on_train_batch_end

    def stop_after_training_part(self, batch, logs=None):
        original_batch_end(self, batch, logs)
        self.run.stop()  # the epoch's only batch is done: Stop arrives during validation

    monkeypatch.setattr(training._Recorder, "on_train_batch_end", stop_after_training_part)
    state = run.run()
    assert state.status == "stopped"
    assert len(validated_after_stop) <= 1  # of 4,000 validation batches
    assert state.epoch == 0 and not state.history  # the cut-short validation is not recorded
    assert "cut short during its validation pass" in state.message


def test_nan_loss_ends_the_run_and_keeps_finite_weights():
    data = sine_data()
    huge = FitData(data.x_train * 1e4, data.y_train * 1e6, data.x_val, data.y_val)
    run = make_run(
        spec=ModelSpec(cell="SimpleRNN", units=(4,), activation="relu"),
        train=TrainSpec(
            optimizer="sgd", learning_rate=10.0, clipnorm=None, epochs=20, batch_size=8
        ),
        data=huge,
    )
    state = run.run()
    assert state.status == "nan" and "NaN" in state.message
    assert all(np.isfinite(w).all() for w in run.model.get_weights())
    assert not np.isfinite(state.batch_loss[-1])


def test_early_stopping_ends_when_validation_stalls():
    run = make_run(train=TrainSpec(epochs=200, batch_size=8, learning_rate=0.05, patience=2))
    state = run.run()
    assert state.status == "early_stopped"
    assert state.epoch < 200 and state.epoch - state.best_epoch == 2


def test_stateful_run_trims_to_whole_batches_and_resets_states():
    spec = ModelSpec(cell="LSTM", units=(4,), stateful=True, stateful_batch_size=5)
    data = sine_data()  # 48 training windows -> 45, 16 validation -> 15
    run = make_run(spec=spec, train=TrainSpec(epochs=2, batch_size=999), data=data)
    state = run.run()
    assert state.status == "finished"
    assert state.trimmed_rows == 3 and len(state.batch_loss) == 2 * 9
    assert len(state.history["val_loss"]) == 2  # validated by hand, states reset around it
    for layer in run.model.layers:
        for s in getattr(layer, "states", None) or []:
            assert not np.asarray(s).any()  # reset after the run


def test_stateful_run_logs_validation_mae_like_keras_loss_and_metric():
    spec = ModelSpec(cell="GRU", units=(4,), stateful=True, stateful_batch_size=5)
    data = sine_data()
    run = make_run(spec=spec, train=TrainSpec(epochs=1, keep_weights="last"), data=data)
    history = run.run().history
    assert set(history) == {"loss", "mae", "val_loss", "val_mae"}
    for layer in run.model.layers:  # the run ended with reset states
        for s in getattr(layer, "states", None) or []:
            assert not np.asarray(s).any()
    # By hand: the 15 most recent validation windows, read in order from reset states.
    x_val, y_val = data.x_val[1:], data.y_val[1:]
    predicted = run.model.predict(x_val, batch_size=5, verbose=0)
    assert history["val_mae"][0] == pytest.approx(np.abs(predicted - y_val).mean(), rel=1e-5)
    assert history["val_loss"][0] == pytest.approx(((predicted - y_val) ** 2).mean(), rel=1e-5)


def test_trim_keeps_the_most_recent_rows():
    x, y = np.arange(10), np.arange(10) * 2
    tx, ty = trim_to_batches(x, y, 4)
    assert tx.tolist() == [2, 3, 4, 5, 6, 7, 8, 9] and ty.tolist() == [4, 6, 8, 10, 12, 14, 16, 18]


def test_two_runs_at_once_do_not_share_state():
    a = make_run(train=TrainSpec(epochs=3, batch_size=8, seed=1))
    b = make_run(
        spec=ModelSpec(cell="LSTM", units=(6,)), train=TrainSpec(epochs=2, batch_size=16, seed=2)
    )
    a.start()
    b.start()
    a.join(60)
    b.join(60)
    sa, sb = a.snapshot(), b.snapshot()
    assert (sa.epoch, sb.epoch) == (3, 2)
    assert len(sa.batch_loss) == 18 and len(sb.batch_loss) == 6
    assert a.model is not b.model and a.model.count_params() != b.model.count_params()


def test_same_seed_same_initial_weights():
    spec, train = ModelSpec(cell="LSTM", units=(4,)), TrainSpec(seed=3)
    w1 = new_model(spec, train, (5, 1)).get_weights()
    w2 = new_model(spec, train, (5, 1)).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2, strict=True))
    assert build_model(spec, (5, 1)).count_params() == new_model(spec, train, (5, 1)).count_params()


def test_gates_are_traced_at_the_first_and_last_epoch_and_at_most_once_a_second(monkeypatch):
    import rnnviz.train.training as training
    from rnnviz.common.figures import gate_stats_figure

    train = TrainSpec(epochs=4, batch_size=8, early_stopping=False)
    monkeypatch.setattr(training, "PROBE_SECONDS", 3600.0)  # short epochs: only first and last
    state = make_run(train=train, probe_x=sine_data().x_val[:2]).run()
    assert state.gate_epochs == [1, 4] and len(state.gate_history) == 2
    layer = next(iter(state.gate_history[0]))[0]
    figure = gate_stats_figure(state.gate_history, layer, "forward", state.gate_epochs)
    assert list(figure.data[0].x) == [1, 4]  # drawn at the epochs traced
    monkeypatch.setattr(training, "PROBE_SECONDS", 0.0)  # long epochs: every one
    state = make_run(train=train, probe_x=sine_data().x_val[:2]).run()
    assert state.gate_epochs == [1, 2, 3, 4] and len(state.gate_history) == 4


def test_a_run_concludes_at_on_train_end_before_fit_frees_its_data_pipeline():
    """Status, message and the kept weights are final when Keras calls ``on_train_end``, so the
    page can show the outcome while TensorFlow frees the tf.data iterator as ``fit`` returns
    (a 1-1.6 s block in about half the runs on 2 cores)."""
    seen = {}

    class AtTrainEnd(keras.callbacks.Callback):  # runs after the recorder's on_train_end
        def on_train_end(self, logs=None):
            seen["ended"] = run.ended.is_set()
            seen["state"] = run.snapshot()
            seen["weights"] = [w.copy() for w in self.model.get_weights()]

    run = make_run(
        train=TrainSpec(epochs=3, batch_size=8, learning_rate=0.05, early_stopping=False),
        callbacks=[AtTrainEnd()],
    )
    final = run.run()
    assert seen["ended"] and seen["state"].status == "finished" == final.status
    assert seen["state"].message == final.message
    kept = run.best_weights  # the best epoch's weights, restored before fit returned
    assert all(np.array_equal(a, b) for a, b in zip(seen["weights"], kept, strict=True))


def count_train_step_traces(model: keras.Model) -> list[int]:
    """Counts how often Keras calls ``model.train_step``: once per trace of the compiled train
    function (it is called only while tracing, never when the traced graph runs)."""
    traces, step = [0], model.train_step

    def counted(data):
        traces[0] += 1
        return step(data)

    model.train_step = counted
    return traces


@pytest.mark.parametrize(
    "spec",
    [
        ModelSpec(cell="GRU", units=(4,)),
        ModelSpec(cell="LSTM", units=(4,), stateful=True, stateful_batch_size=8),
    ],
)
def test_training_state_built_first_traces_the_train_step_once_and_trains_the_same(spec):
    """Keras on TensorFlow creates the optimizer's and metrics' variables in the first trace of
    the train step, and then traces it again; built before ``fit`` it traces once (half the
    wait for the first batch), and the trained weights are those of a plain ``fit``."""
    data, train = sine_data(), TrainSpec(epochs=2, batch_size=8)
    weights = {}
    for prebuilt in (False, True):
        model = new_model(spec, train, data.x_train.shape[1:])
        traces = count_train_step_traces(model)
        if prebuilt:
            build_training_state(model, data.x_train[:8], data.y_train[:8])
        model.fit(**fit_arguments(data.x_train, data.y_train, 8, False, 7), epochs=2, verbose=0)
        weights[prebuilt] = model.get_weights()
        if keras.backend.backend() == "tensorflow":
            assert traces[0] == (1 if prebuilt else 2)
    for plain, built in zip(weights[False], weights[True], strict=True):
        np.testing.assert_allclose(built, plain, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "spec, x, y",
    [
        (ModelSpec(cell="GRU", units=(4,)), sine_data().x_train[:8], sine_data().y_train[:8]),
        (
            ModelSpec(cell="LSTM", units=(4,), bidirectional=True, head="binary", vocab_size=20),
            np.array([[3, 5, 7, 0, 0], [2, 9, 4, 11, 6], [8, 0, 0, 0, 0]], "int32"),
            np.array([1, 0, 1], "int32"),  # labels as the text data holds them: (rows,)
        ),
        (
            ModelSpec(
                cell="SimpleRNN",
                units=(4,),
                head="multiclass",
                n_outputs=6,
                topology="many_to_many",
                vocab_size=6,
                stateful=True,
                stateful_batch_size=2,
            ),
            np.array([[1, 2, 3, 4], [5, 4, 3, 2]], "int32"),
            np.array([[2, 3, 4, 5], [4, 3, 2, 1]], "int32"),
        ),
    ],
    ids=["regression", "binary-text", "stateful-chars"],
)
def test_starting_loss_is_what_keras_evaluates_before_training(spec, x, y):
    model = new_model(spec, TrainSpec(), x.shape[1:])
    batch = len(x)
    expected = model.evaluate(x, y, batch_size=batch, verbose=0, return_dict=True)["loss"]
    assert starting_loss(model, x, y) == pytest.approx(expected, rel=1e-4)


def test_a_run_records_its_starting_loss_before_its_first_batch():
    run = make_run(train=TrainSpec(epochs=1, batch_size=8, early_stopping=False))
    untrained = run.model.evaluate(run.data.x_train[:8], run.data.y_train[:8], verbose=0)[0]
    state = run.run()
    assert state.initial_loss == pytest.approx(untrained, rel=1e-4)


def test_cosine_schedule_follows_keras_cosine_decay_epoch_by_epoch():
    train = TrainSpec(epochs=5, learning_rate=0.01, lr_schedule="cosine")
    keras_decay = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=4, alpha=COSINE_FLOOR)
    for epoch in range(5):
        expected = float(keras.ops.convert_to_numpy(keras_decay(epoch)))
        assert scheduled_learning_rate(train, epoch) == pytest.approx(expected, rel=1e-5)
    assert scheduled_learning_rate(train, 4) == pytest.approx(0.01 * COSINE_FLOOR)
    constant = TrainSpec(epochs=5, learning_rate=0.01)
    assert {scheduled_learning_rate(constant, e) for e in range(5)} == {0.01}
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainSpec(lr_schedule="step")


def test_a_run_trains_each_epoch_at_its_scheduled_rate():
    train = TrainSpec(
        epochs=3, batch_size=8, learning_rate=0.02, early_stopping=False, lr_schedule="cosine"
    )
    seen: list[float] = []

    class RateSeen(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    make_run(train=train, callbacks=[RateSeen()]).run()
    assert seen == pytest.approx([scheduled_learning_rate(train, e) for e in range(3)], rel=1e-5)
    assert seen[0] == pytest.approx(0.02) and seen[-1] == pytest.approx(0.02 * COSINE_FLOOR)
