"""The time-left estimate: trustworthy from the first epoch, never off by more than 2x after it
(issue 19: it said "about 205 s left" for a run that took 11 s)."""

from __future__ import annotations

import pytest

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.evaluation import forecast_job
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.train.runstate import RunState, WarmupClock

EPOCHS, STEPS, VAL_STEPS = 10, 50, 4
TRAIN_TRACE, BATCH = 3.0, 0.02  # the first training batch traces: 3 s, then 0.02 s a batch
VAL_TRACE, VAL_BATCH = 1.5, 0.025  # the first validation batch traces too


def simulated_run() -> list[tuple[RunState, float]]:
    """(state, true seconds left) after every batch and epoch of a crafted run, fed to the
    estimate as the training callback feeds it (see rnnviz.train.training)."""
    state = RunState(status="running", epochs=EPOCHS, steps_per_epoch=STEPS)
    train, test = WarmupClock(), WarmupClock()
    now, points, ends = 0.0, [], []

    def add(seconds: float | None) -> None:
        if seconds is not None:
            state.warmup_seconds += seconds

    for epoch in range(EPOCHS):
        epoch_start = now
        train.begin(now)
        for batch in range(STEPS):
            now += TRAIN_TRACE if epoch == 0 and batch == 0 else BATCH
            state.step, state.elapsed = batch + 1, now
            if state.first_step_seconds is None:
                state.first_step_seconds = now
            add(train.batch_end(batch, now))
            points.append((state.copy(), now))
        test.begin(now)
        for batch in range(VAL_STEPS):
            now += VAL_TRACE if epoch == 0 and batch == 0 else VAL_BATCH
            add(test.batch_end(batch, now))
        add(test.end())
        add(train.end())
        state.epoch, state.step, state.elapsed = epoch + 1, 0, now
        state.epoch_seconds.append(now - epoch_start)
        points.append((state.copy(), now))
        ends.append(now)
    return [(s, ends[-1] - at) for s, at in points]


def test_time_left_is_within_2x_of_the_truth_from_the_first_epoch_on():
    points = simulated_run()
    first_epoch_done = next(i for i, (s, _) in enumerate(points) if s.epoch == 1)
    for state, truth in points[first_epoch_done:-1]:
        estimate = state.seconds_left
        shown_alike = abs(estimate - truth) < 0.5  # the page rounds to whole seconds
        assert truth / 2 <= estimate <= truth * 2 or shown_alike, (state.epoch, state.step, truth)
    # At the first epoch's end: 9 epochs of 1.1 s left, not 9 x the traced 5.6 s epoch.
    state, truth = points[first_epoch_done]
    assert state.seconds_left == pytest.approx(truth, rel=0.05)
    assert state.warmup_seconds == pytest.approx(TRAIN_TRACE - BATCH + VAL_TRACE - VAL_BATCH)


def test_within_the_first_epoch_the_epochs_still_to_come_count():
    points = simulated_run()
    state, truth = points[9]  # the 10th batch of the first epoch
    assert state.epoch == 0 and state.seconds_left == pytest.approx(490 * BATCH)
    assert truth / 2 <= state.seconds_left <= truth * 2


def test_a_one_batch_pass_counts_as_warm_up():
    clock = WarmupClock()
    clock.begin(10.0)
    assert clock.batch_end(0, 12.5) is None
    assert clock.end() == pytest.approx(2.5)
    clock.begin(20.0)  # measured once per run
    assert clock.batch_end(0, 21.0) is None and clock.end() is None


def test_training_measures_the_warm_up_of_its_first_batches():
    """A real fit: the traced first batches are counted once, less than the first epoch."""
    series = load_builtin("airline")
    window_spec = WindowSpec(window=6, horizon=1, test_size=12, val_size=12)
    spec = ModelSpec(cell="GRU", units=(4,))
    job = forecast_job(series, window_spec, spec, TrainSpec(epochs=2, batch_size=16, seed=1))
    state = job.run.run()
    assert len(state.epoch_seconds) == 2
    assert 0 < state.warmup_seconds < state.epoch_seconds[0]
