"""Hidden-state trajectories: a PCA of a layer's training states, the path of one input through
it step by step, and the nearest training states of a step (Seq2Seq-Vis's neighbour view).

States come as the probes give them (:func:`rnnviz.model.probes.trace`, key ``"hidden"``): an array
``(samples, time, units)`` with an optional ``(samples, time)`` mask of the steps read (padding
is left out of the fit and of the neighbours). Pure NumPy: no Keras, no streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rnnviz.model.probes import single_threaded_blas

Array = np.ndarray

MAX_FIT_STATES = 20_000  # a longer training set is subsampled (seeded) before the fit
NEIGHBOURS = 5


@dataclass(frozen=True)
class Projection:
    """A PCA fitted on training states: ``(state - mean) @ components.T`` gives the coordinates."""

    mean: Array  # (units,)
    components: Array  # (n_components, units), unit rows, largest variance first
    explained_ratio: Array  # (n_components,) share of the states' variance each axis holds

    def transform(self, states: Array) -> Array:
        """``(..., units)`` states -> ``(..., n_components)`` coordinates."""
        return (np.asarray(states, dtype=np.float64) - self.mean) @ self.components.T

    def axis_titles(self) -> list[str]:
        return [f"PC{i + 1} ({r:.0%} of variance)" for i, r in enumerate(self.explained_ratio)]


@dataclass(frozen=True)
class StateBank:
    """Training states flattened to rows, each with where it comes from."""

    states: Array  # (rows, units)
    sample: Array  # (rows,) index of the training input
    step: Array  # (rows,) time step within it
    tokens: tuple[str, ...] | None = None  # (rows,) what was read at that step, when known


def state_bank(
    states: Array,
    mask: Array | None = None,
    tokens: Sequence[Sequence[str]] | None = None,
    max_rows: int = MAX_FIT_STATES,
    seed: int = 0,
) -> StateBank:
    """Flatten ``states`` (samples, time, units) to the steps read, at most ``max_rows`` of them
    (a seeded subsample, kept in order). ``tokens[i][t]`` names what sample ``i`` read at ``t``."""
    states = np.asarray(states)
    if states.ndim != 3:
        raise ValueError(f"states must be (samples, time, units), got shape {states.shape}")
    read = np.ones(states.shape[:2], bool) if mask is None else np.asarray(mask, bool)
    sample, step = np.nonzero(read)  # (rows,) each, sample-major order
    if len(sample) == 0:
        raise ValueError("no step was read: nothing to fit")
    if len(sample) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(sample), max_rows, replace=False))
        sample, step = sample[keep], step[keep]
    names = None
    if tokens is not None:
        names = tuple(str(tokens[i][t]) for i, t in zip(sample, step, strict=True))
    return StateBank(states[sample, step].astype(np.float64), sample, step, names)


def fit_projection(bank: StateBank, n_components: int = 2) -> Projection:
    """PCA of the bank's states from their (units, units) covariance: the axes of
    scikit-learn's PCA, at a fraction of an SVD's cost on many states; signs made deterministic
    (each component's largest-magnitude loading is positive)."""
    x = bank.states
    mean = x.mean(axis=0)  # (units,)
    n_components = min(n_components, *x.shape)
    with single_threaded_blas():
        centred = x - mean
        scatter = centred.T @ centred  # (units, units)
    variance, vectors = np.linalg.eigh(scatter)  # ascending
    order = np.argsort(variance)[::-1][:n_components]
    components = vectors[:, order].T  # (k, units)
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    total = np.clip(variance, 0, None).sum()
    ratio = np.clip(variance[order], 0, None) / total if total > 0 else np.zeros(n_components)
    return Projection(mean, components, ratio)


@dataclass(frozen=True)
class Neighbour:
    """One training state near a probed step, and where it comes from."""

    sample: int
    step: int
    token: str | None
    distance: float


def nearest_states(bank: StateBank, state: Array, k: int = NEIGHBOURS) -> list[Neighbour]:
    """The ``k`` training states closest to ``state`` (units,) in the full hidden space
    (Euclidean), nearest first."""
    distances = np.sqrt(((bank.states - np.asarray(state, np.float64)) ** 2).sum(axis=1))
    k = min(k, len(distances))
    order = np.argpartition(distances, k - 1)[:k]
    order = order[np.argsort(distances[order], kind="stable")]
    return [
        Neighbour(
            int(bank.sample[i]),
            int(bank.step[i]),
            bank.tokens[i] if bank.tokens is not None else None,
            float(distances[i]),
        )
        for i in order
    ]


@dataclass(frozen=True)
class Trajectory:
    """The path of one input through the projection: a point per step read."""

    steps: Array  # (n,) the time steps read
    points: Array  # (n, n_components)
    neighbours: tuple[tuple[Neighbour, ...], ...]  # (n,) the nearest training states of each step
    tokens: tuple[str, ...] | None = None


def trajectory(
    projection: Projection,
    bank: StateBank,
    states: Array,
    mask: Array | None = None,
    tokens: Sequence[str] | None = None,
    k: int = NEIGHBOURS,
) -> Trajectory:
    """Project one input's states (time, units), the steps of ``mask`` (time,) only, and list
    each step's ``k`` nearest training states."""
    states = np.asarray(states)
    steps = np.arange(len(states)) if mask is None else np.flatnonzero(mask)
    read = states[steps]  # (n, units)
    return Trajectory(
        steps,
        projection.transform(read),
        tuple(tuple(nearest_states(bank, s, k)) for s in read),
        tuple(str(tokens[t]) for t in steps) if tokens is not None else None,
    )


def neighbour_text(neighbours: Sequence[Neighbour]) -> str:
    """The neighbours as hover lines: 'sample 12, step 3 ("e"), distance 0.41'."""
    lines = []
    for n in neighbours:
        token = f" ({n.token!r})" if n.token is not None else ""
        lines.append(f"sample {n.sample}, step {n.step}{token}, distance {n.distance:.2f}")
    return "<br>".join(lines)


MAX_TRAJECTORY_INPUTS = 200  # training inputs traced for the projection and the neighbours


def step_mask(lengths: Array, steps: int) -> Array:
    """``(samples, steps)``: True at the steps each sample really has (its length)."""
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]


@dataclass(frozen=True)
class TrajectoryScene:
    """Everything the trajectory view draws for one layer direction."""

    projection: Projection
    bank: StateBank
    path: Trajectory


def trajectory_scene(
    train_states: Array,
    probe_states: Array,
    train_mask: Array | None = None,
    probe_mask: Array | None = None,
    train_tokens: Sequence[Sequence[str]] | None = None,
    probe_tokens: Sequence[str] | None = None,
) -> TrajectoryScene:
    """PCA of ``train_states`` (samples, time, units) and the path of ``probe_states``
    (time, units) through it, with each step's nearest training states."""
    bank = state_bank(train_states, train_mask, train_tokens)
    projection = fit_projection(bank)
    return TrajectoryScene(
        projection, bank, trajectory(projection, bank, probe_states, probe_mask, probe_tokens)
    )


def spread_rows(total: int, limit: int = MAX_TRAJECTORY_INPUTS) -> Array:
    """At most ``limit`` row indices spread evenly over ``total`` rows (all of them if fewer)."""
    return np.unique(np.linspace(0, total - 1, min(total, limit)).round().astype(int))


def steps_read(gates: Mapping[str, Array], states: Sequence[str]) -> Array:
    """``(samples, time)``: the steps a trace really read. A masked (padding) step carries the
    states and leaves every other value NaN (see :mod:`rnnviz.model.probes`)."""
    others = [v for k, v in gates.items() if k not in states]
    if not others:
        return np.ones(next(iter(gates.values())).shape[:2], bool)
    return ~np.isnan(others[0]).any(axis=-1)
