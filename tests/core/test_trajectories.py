"""Trajectories: PCA against scikit-learn's, neighbours against scikit-learn's search."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from rnnviz.model.trajectories import fit_projection, nearest_states, state_bank, trajectory


def _states(seed=0, samples=12, time=9, units=6):
    rng = np.random.default_rng(seed)
    drift = np.cumsum(rng.normal(size=(samples, time, units)), axis=1)  # (samples, time, units)
    return np.tanh(drift * rng.uniform(0.2, 2.0, size=units))


def _aligned(ours, theirs):
    """Flip each of our columns to the sign of sklearn's."""
    signs = np.sign((ours * theirs).sum(axis=0))
    return ours * signs


def test_projection_matches_sklearn_pca():
    states = _states()
    mask = np.ones(states.shape[:2], bool)
    mask[3, 5:] = False  # padding: left out of the fit
    bank = state_bank(states, mask)
    ours = fit_projection(bank, 2)
    reference = PCA(n_components=2).fit(states[mask])
    np.testing.assert_allclose(ours.explained_ratio, reference.explained_variance_ratio_, rtol=1e-6)
    np.testing.assert_allclose(np.abs(ours.components), np.abs(reference.components_), atol=1e-8)
    probe = states[5]
    np.testing.assert_allclose(
        _aligned(ours.transform(probe), reference.transform(probe)),
        reference.transform(probe),
        atol=1e-8,
    )
    assert ours.axis_titles()[0].startswith("PC1 (")


def test_projection_signs_are_deterministic():
    states = _states(1)
    a = fit_projection(state_bank(states))
    b = fit_projection(state_bank(states[::-1].copy()))  # same states, another order
    np.testing.assert_allclose(a.components, b.components, atol=1e-8)


def test_neighbours_match_sklearn_and_say_where_they_come_from():
    states = _states(2)
    tokens = [[f"s{i}t{t}" for t in range(states.shape[1])] for i in range(states.shape[0])]
    bank = state_bank(states, tokens=tokens)
    query = states[4, 6] + 0.01
    found = nearest_states(bank, query, k=5)
    distances, rows = NearestNeighbors(n_neighbors=5).fit(bank.states).kneighbors(query[None])
    np.testing.assert_allclose([n.distance for n in found], distances[0], rtol=1e-9)
    assert [(n.sample, n.step) for n in found] == [(bank.sample[r], bank.step[r]) for r in rows[0]]
    assert (found[0].sample, found[0].step, found[0].token) == (4, 6, "s4t6")


def test_trajectory_follows_the_input_step_by_step():
    states = _states(3)
    bank = state_bank(states)
    projection = fit_projection(bank)
    mask = np.arange(states.shape[1]) < 7  # the last two steps are padding
    path = trajectory(projection, bank, states[2], mask, tokens=list("abcdefghi"))
    assert path.points.shape == (7, 2)
    np.testing.assert_array_equal(path.steps, np.arange(7))
    np.testing.assert_allclose(path.points, projection.transform(states[2, :7]))
    assert path.tokens == tuple("abcdefg")
    # a training input's own state is its nearest neighbour, at distance 0
    assert all(
        n[0].sample == 2 and n[0].step == t and n[0].distance == 0
        for t, n in enumerate(path.neighbours)
    )
    assert all(len(n) == 5 for n in path.neighbours)


def test_large_banks_are_subsampled_reproducibly():
    states = _states(4, samples=50, time=20)
    a, b = (
        state_bank(states, max_rows=300, seed=1),
        state_bank(states, max_rows=300, seed=1),
    )
    assert len(a.states) == 300
    np.testing.assert_array_equal(a.sample, b.sample)
    np.testing.assert_allclose(a.states, states[a.sample, a.step])


def test_bad_shapes_and_empty_masks_are_refused():
    with pytest.raises(ValueError, match="samples, time, units"):
        state_bank(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="no step"):
        state_bank(np.zeros((2, 3, 4)), np.zeros((2, 3), bool))
