"""A page test opens any page with the state it needs by seeding the typed session object."""

from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.task import ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from tests.pages.helpers import new_app, open_page, session


def test_build_page_opens_on_seeded_data_without_the_data_page():
    data = ForecastData(load_builtin("co2"), WindowSpec(window=10, horizon=4, test_size=20))
    at = open_page("pages/common/build.py", new_app(data={"forecast": data}))
    assert not at.info, [i.value for i in at.info]  # the data came with the session
    assert list(at.dataframe[0].value["layer"]) == ["input", "rnn_1", "head"]
    captions = " ".join(c.value for c in at.caption)
    assert "windows of 10 steps x 1 feature(s)" in captions
    built = session(at)
    assert built.model_task == "forecast" and built.model_spec.horizon == 4


def test_a_spec_built_for_another_task_is_not_trained():
    # A sentiment session holding a forecasting spec: Train asks for a model built for this task.
    seeded = new_app(task="sentiment", model_spec=ModelSpec(), model_task="forecast")
    at = open_page("pages/common/train.py", seeded)
    assert at.info and "build a model first" in at.info[0].value
    assert not at.get("button") or not any(b.key == "train" for b in at.button)
