"""Train page (AppTest): the baseline band on the live metric chart with its crossing note, and
the probe sample's hidden-state path, epoch by epoch."""

import json

from tests.pages.helpers import open_page, plotly_charts, train_on_page


def test_baseline_band_and_live_trajectory(store, data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at.number_input(key="w_units_1").set_value(4).run()
    at = train_on_page(at, 2)
    assert not at.exception and not at.error
    history = json.loads(plotly_charts(at)[0].proto.spec)
    band = [t for t in history["data"] if t["name"].startswith("Seasonal naive")]
    assert len(band) == 1 and band[0]["xaxis"] == "x2"  # on the MAE chart, not the loss
    assert "validation windows" in band[0]["hovertemplate"]
    assert any(s["type"] == "rect" and s["yref"] == "y2" for s in history["layout"]["shapes"])
    note = next(c.value for c in at.caption if "Seasonal naive" in c.value)
    assert note.startswith(("Crossed Seasonal naive", "Not yet past Seasonal naive"))

    charts = len(plotly_charts(at))
    at.toggle(key="w_live_trajectory").set_value(True).run()
    assert not at.exception and len(plotly_charts(at)) == charts + 1
    path = json.loads(plotly_charts(at)[-1].proto.spec)["data"][-1]
    assert path["name"] == "sample 0" and "nearest" in path["hovertemplate"]
    assert any("probe samples' hidden states" in c.value for c in at.caption)
