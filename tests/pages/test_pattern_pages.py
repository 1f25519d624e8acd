"""Pattern search on the generation (passage) Inspect page (AppTest): the span starts on the
first bracket of the passage, and the page shows what the core's select-and-match finds."""

import pytest

from rnnviz.model.patterns import search
from rnnviz.tasks.generation.units import char_properties, unit_activations
from tests.pages.helpers import new_app, open_page, session


@pytest.fixture(scope="module")
def job():
    from rnnviz.tasks.generation.task import GENERATION
    from tests.core.test_generation_task import TINY, tiny_data, tiny_spec

    data = tiny_data()
    job = GENERATION.make_job(data, tiny_spec(data), TINY)
    job.run.run()
    return job


def test_generation_pattern_search_matches_the_core(job):
    at = new_app(task="generation", data={"generation": job.data}, job=job)
    at.run()
    at = open_page("pages/generation/inspect.py", at)
    assert not at.exception and not at.error
    assert "char_pattern_rest" not in session(at).cache  # nothing traced before the toggle
    at.toggle(key="w_pattern_on").set_value(True).run()
    chars = job.chars
    held = chars.val_text[: at.number_input(key="w_units_passage").value]
    start, end = at.slider(key="w_pattern_span").value
    assert held[start] == "[" and "]" not in held[start:end] and held[end] == "]"
    assert any(f"Selected: **\\[{held[start + 1 : end].split()[0]}" in m.value for m in at.markdown)
    layer = at.selectbox(key="w_pattern_layer").value
    model = job.inference_model
    rest = chars.val_text[len(held) : len(held) + 3000]
    acts = {f"{a} / {b}": v for (a, b), v in unit_activations(model, chars.vocab, held).items()}
    rest_acts = {
        f"{a} / {b}": v for (a, b), v in unit_activations(model, chars.vocab, rest).items()
    }
    for threshold in (0.0, 0.3):
        at.number_input(key="w_pattern_threshold").set_value(threshold).run()
        assert not at.exception
        expected = search(
            acts[layer], (start, end), threshold, rest_acts[layer], char_properties(rest)
        )
        shown = " ".join(m.value for m in at.markdown) + " ".join(
            x.value for x in [*at.success, *at.info]
        )
        if expected.units.size:
            assert f"**{len(expected.units)} units**" in shown
            assert f"**{expected.count} times**" in shown and expected.summary in shown
        else:
            assert "No unit stays on" in shown
    at.slider(key="w_pattern_span").set_value((0, 0)).run()
    assert any("at least one step" in w.value for w in at.warning)


def test_forecast_pattern_search_over_the_series_matches_the_core():
    import numpy as np

    from rnnviz.model.patterns import series_properties
    from rnnviz.model.probes import trace
    from rnnviz.model.spec import ModelSpec, TrainSpec
    from rnnviz.tasks.forecast.series import load_builtin
    from rnnviz.tasks.forecast.task import FORECAST, ForecastData
    from rnnviz.tasks.forecast.windows import WindowSpec

    data = ForecastData(load_builtin("airline"), WindowSpec(window=12, horizon=1))
    spec = FORECAST.model_spec(ModelSpec(cell="SimpleRNN", units=(4,)), data)
    job = FORECAST.make_job(data, spec, TrainSpec(epochs=1, batch_size=32, seed=3))
    job.run.run()
    at = new_app(task="forecast", data={"forecast": data}, job=job)
    at.run()
    at = open_page("pages/forecast/inspect.py", at)
    assert not at.exception and not at.error
    assert "series_activations" not in session(at).cache  # nothing traced before the toggle
    at.toggle(key="w_pattern_on").set_value(True).run()
    windowed = job.data
    start, end = at.slider(key="w_pattern_span").value
    target = windowed.target
    assert np.all(np.diff(target[start : end + 1]) != 0)  # default: the first rising run
    assert target[start + 1] > target[start]
    (tr,) = trace(job.inference_model, windowed.scaled[None].astype(np.float32))
    hidden = tr.gates["hidden"][0]  # (rows, units)
    split = windowed.train_end
    at.selectbox(key="w_pattern_layer").set_value("rnn_1 / hidden").run()
    for threshold in (-0.2, 0.0, 0.2):
        at.number_input(key="w_pattern_threshold").set_value(threshold).run()
        assert not at.exception
        expected = search(
            hidden[:split],
            (start, end),
            threshold,
            hidden[split:],
            series_properties(target[split:], float(target[:split].mean())),
        )
        if expected.count:
            table = at.dataframe[-1].value
            assert len(table) == min(expected.count, 20)
            assert table["from"].iloc[0] == str(windowed.index[split + expected.spans[0][0]])
        shown = " ".join(x.value for x in [*at.success, *at.info])
        assert expected.summary in shown or "No unit stays on" in shown
