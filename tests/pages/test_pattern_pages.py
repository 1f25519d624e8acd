"""Pattern search on the generation (passage) Inspect page (AppTest): the span starts on the
first bracket of the passage, and the page shows what the core's select-and-match finds."""

import pytest

from rnnviz.model.patterns import search
from rnnviz.tasks.generation.units import char_properties, unit_activations
from tests.pages.helpers import new_app, open_page


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
