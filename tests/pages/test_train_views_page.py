"""Train page (AppTest): the baseline band on the live metric chart with its crossing note, and
the probe sample's hidden-state path, epoch by epoch."""

import json
import threading

from rnnviz.common.figures import history_figure
from rnnviz.common.references import ReferenceMark
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.service.request import TrainRequest
from rnnviz.ui import references
from rnnviz.ui.state import Session
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


def test_a_live_redraw_does_not_wait_for_the_baseline_of_its_band(monkeypatch):
    """The band's baseline (a TF-IDF fit, say) is fitted in the background: a live redraw draws
    the chart at once without the band and says it is coming; once fitted, the band is drawn."""
    fitted = threading.Event()
    mark = ReferenceMark("Slow baseline", "mae", 1.0, 0.9, 1.1, "fitted slowly")
    monkeypatch.setattr(references, "_marks", lambda request: fitted.wait(30) and [mark])
    one_session = Session()
    monkeypatch.setattr(references, "session", lambda: one_session)
    data = ReferenceMark("data", "mae", 0.0, 0.0, 0.0, "")  # any weak-referable data object
    request = TrainRequest("forecast", data, ModelSpec(), TrainSpec(), "unused")

    live = history_figure({}, "mae")
    assert references.draw_reference_bands(live, request, {}, "mae", wait=False) == [
        references.FITTING_NOTE
    ]
    assert not [t for t in live.data if t.name == "Slow baseline"]
    fitted.set()
    final = history_figure({}, "mae")
    notes = references.draw_reference_bands(final, request, {}, "mae", wait=True)
    assert [t.name for t in final.data if t.name == "Slow baseline"] == ["Slow baseline"]
    assert notes and "Slow baseline" in notes[0]
