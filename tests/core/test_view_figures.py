"""The views' figures show what the cores computed."""

import numpy as np
import pandas as pd
from plotly.subplots import make_subplots

from rnnviz.common.references import baseline_mark, published_mark
from rnnviz.common.view_figures import add_reference_bands, spread_figure, trajectory_figure
from rnnviz.model.trajectories import fit_projection, state_bank, trajectory


def test_trajectory_figure_draws_background_by_label_and_the_path_with_neighbours():
    rng = np.random.default_rng(0)
    states = rng.normal(size=(6, 5, 4))
    bank = state_bank(states, tokens=[list("hello")] * 6)
    projection = fit_projection(bank)
    path = trajectory(projection, bank, states[1], tokens=list("hello"))
    fig = trajectory_figure(projection, bank, path, ["neg", "pos"] * 3, "sample 1 (pos)")
    names = [t.name for t in fig.data]
    assert names == ["neg", "pos", "sample 1 (pos)"]
    assert len(fig.data[0].x) + len(fig.data[1].x) == 30
    line = fig.data[-1]
    np.testing.assert_allclose(np.c_[line.x, line.y], path.points)
    assert list(line.text) == list("hello")
    assert "sample 1, step 0 ('h'), distance 0.00" in line.customdata[0][1]
    assert fig.layout.xaxis.title.text.startswith("PC1 (")


def test_spread_figure_has_sd_bars():
    summary = pd.DataFrame(
        {
            "variant": ["a", "b"],
            "mean": [0.8, 0.7],
            "sd": [0.02, np.nan],
            "seeds": [3, 1],
        }
    )
    fig = spread_figure(summary, "val accuracy")
    assert list(fig.data[0].error_y.array) == [0.02, 0.0]


def test_reference_bands_on_a_subplot_carry_their_source():
    fig = make_subplots(rows=1, cols=2)
    marks = [
        baseline_mark("1-NN", "accuracy", np.array([1, 0, 1, 1.0]), "test rows"),
        published_mark("CNN", "accuracy", 0.81, 0.815, "Kim (2014), Table 2"),
    ]
    add_reference_bands(fig, marks, epochs=5, row=1, col=2)
    lines = [t for t in fig.data if t.name in ("1-NN", "CNN")]
    assert [t.xaxis for t in lines] == ["x2", "x2"]
    assert "Kim (2014), Table 2" in lines[1].hovertemplate
    assert set(lines[0].y) == {0.75}
    assert len(fig.layout.shapes) == 2 and fig.layout.shapes[0].y0 < 0.75 < fig.layout.shapes[0].y1
