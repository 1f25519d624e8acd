"""Compare over seeds (AppTest): the fairness note, the diff-only settings, mean +/- sd per
variant with the spread drawn, a ranking that counts only differences beyond the spread."""

import json

import numpy as np
import pytest

from tests.pages.helpers import open_page, plotly_charts, session


def compare_page(cells):
    at = open_page("pages/forecast/data.py")
    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(4).run()
    at = open_page("pages/common/compare.py", at)
    at.multiselect(key="w_cmp_cells").set_value(cells)
    at.number_input(key="w_epochs").set_value(1).run()
    return at


def test_page_says_the_comparison_is_fair_and_shows_only_differing_settings(store):
    at = compare_page(["SimpleRNN", "GRU"])
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if "Fair comparison" in i.value)
    assert "same shuffled data order" in note and "Seed: 7" in note
    diff = at.table[0].value  # a static table: the results' dataframes keep their places
    assert diff.index.tolist() == ["cell"]
    assert diff.columns.tolist() == ["SimpleRNN uni x1", "GRU uni x1"]


def test_two_seeds_per_variant_give_mean_sd_and_a_spread_ranking(store):
    at = compare_page(["SimpleRNN", "GRU"])
    at.toggle(key="w_cmp_repeat").set_value(True).run()
    at.number_input(key="w_cmp_seeds").set_value(2).run()
    assert any("each over seeds 7, 8" in c.value for c in at.caption)
    at.button(key="compare").click().run()
    comparison = session(at).comparison
    comparison.join(300)
    at.run()
    assert not at.exception and not at.error
    handles = comparison.handles
    assert [(h.request.model_spec.cell, h.request.train_spec.seed) for h in handles] == [
        ("SimpleRNN", 7),
        ("GRU", 7),
        ("SimpleRNN", 8),
        ("GRU", 8),
    ]
    table, runs = at.dataframe[0].value, at.dataframe[1].value
    assert len(runs) == 4 and sorted(runs["seed"]) == [7, 7, 8, 8]
    for _, row in table.iterrows():
        losses = runs.loc[runs["variant"] == row["variant"], "best val loss"]
        assert row["best val loss mean"] == pytest.approx(losses.mean())
        assert row["best val loss sd"] == pytest.approx(np.std(losses, ddof=1))
        assert row["seeds"] == 2
    assert any("share a rank" in c.value for c in at.caption)
    spread = json.loads(plotly_charts(at)[0].proto.spec)["data"]
    assert [t.get("fill") for t in spread[:2]] == ["toself", None]  # band, then mean line
    assert len(store.list()) == 4
