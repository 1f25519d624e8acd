"""The Train page when a trained run could not be saved (a full disk): the failure and its cause
in a red box, never inside a green success box, and no link to Inspect."""

from __future__ import annotations

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.service.executor import QueuedExecutor, RunHandle
from rnnviz.service.request import RunResult, TrainRequest
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.task import ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from tests.pages.helpers import new_app, session

CAUSE = "No space left on device: '/runs/.tmp-1-ab'. The best weights so far are kept in /x.npz"


def test_a_run_that_could_not_be_saved_shows_its_cause_as_an_error(tmp_path):
    data = ForecastData(load_builtin("airline"), WindowSpec(window=12, test_size=12, val_size=12))
    request = TrainRequest("forecast", data, ModelSpec(units=(4,)), TrainSpec(), str(tmp_path))
    handle = RunHandle(request, QueuedExecutor())
    handle._apply({"scalars": {"status": "finished", "message": "Finished 2 epochs.", "epoch": 2}})
    handle._end(RunResult(save_error=CAUSE))
    at = new_app()
    at.run()
    session(at).run_handle = handle
    at.switch_page("pages/common/train.py").run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Finished 2 epochs. The run could not be saved. No space left on device" in errors
    assert "best weights so far are kept" in errors
    assert not [s for s in at.success if "could not be saved" in s.value]
    assert not [link for link in at.get("page_link") if "Inspect" in str(link.proto.label)]
