"""The hidden-state trajectory on every task's Inspect page (AppTest): behind a toggle, one
point per step read (padding left out), each step's nearest training states on hover."""

import base64
import json

import numpy as np
import pytest

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.registry import get_task
from tests.pages.helpers import new_app, open_page, plotly_charts, session

TINY = TrainSpec(epochs=1, batch_size=32, seed=3)


def inspect_with(task: str, data, spec: ModelSpec):
    """A finished tiny job of ``task`` on ``data``, its Inspect page opened, the view on."""
    the_task = get_task(task)
    job = the_task.make_job(data, the_task.model_spec(spec, data), TINY)
    job.run.run()
    at = new_app(task=task, data={task: data}, job=job)
    at.run()
    at = open_page(f"pages/{task}/inspect.py", at)
    assert not any("Hidden-state trajectory" in s.value for s in at.subheader) or not any(
        "nearest training states" in c.proto.spec for c in plotly_charts(at)
    )  # nothing traced before the toggle
    at.toggle(key="w_trajectory_on").set_value(True).run()
    assert not at.exception and not at.error
    return at


def path_of(at) -> dict:
    chart = next(c for c in plotly_charts(at) if "nearest training states" in c.proto.spec)
    return json.loads(chart.proto.spec)["data"][-1]


def points(values) -> np.ndarray:
    """A Plotly array from the chart's JSON (plain list, or base64 'bdata' with its dtype)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def fitted_states(at) -> int:
    caption = next(c.value for c in at.caption if c.value.startswith("PCA fitted on"))
    return int(caption.split()[3].replace(",", ""))


def test_sequences_path_skips_padding_of_a_ragged_sequence():
    from rnnviz.tasks.sequences.data import load_builtin_sequences
    from rnnviz.tasks.sequences.task import SplitSettings, sequences_data

    data = sequences_data(
        load_builtin_sequences("JapaneseVowels"), SplitSettings(), "JapaneseVowels"
    )
    at = inspect_with("sequences", data, ModelSpec(cell="GRU", units=(4,)))
    position = at.selectbox(key="w_seq_example").value
    length = int(data.prepared.lengths_test[position])
    path = path_of(at)
    assert len(points(path["x"])) == length < data.prepared.x_test.shape[1]
    assert path["name"].startswith("test row")
    # the training states: every real step of 200 inputs spread over the training split
    n = min(200, len(data.prepared.x_train))
    assert fitted_states(at) <= n * data.prepared.x_test.shape[1]
    assert "sample" in path["customdata"][0][1] and "distance" in path["customdata"][0][1]
    # another sequence: only its own path is computed, the training states are kept
    spaces = session(at).cache["trajectory_spaces"][1]
    other = (position + 1) % len(data.prepared.x_test)
    at.selectbox(key="w_seq_example").set_value(other).run()
    assert session(at).cache["trajectory_spaces"][1] is spaces
    assert len(points(path_of(at)["x"])) == int(data.prepared.lengths_test[other])


def test_forecast_path_has_a_point_per_window_step():
    from rnnviz.tasks.forecast.series import load_builtin
    from rnnviz.tasks.forecast.task import ForecastData
    from rnnviz.tasks.forecast.windows import WindowSpec

    data = ForecastData(load_builtin("airline"), WindowSpec(window=12, horizon=1))
    at = inspect_with("forecast", data, ModelSpec(cell="LSTM", units=(4,)))
    assert len(points(path_of(at)["x"])) == 12
    at.radio(key="w_explore_split").set_value("train").run()
    assert not at.exception and path_of(at)["name"].startswith("train window")


def test_sentiment_path_reads_the_typed_words():
    from rnnviz.tasks.sentiment.task import SentimentData
    from rnnviz.tasks.sentiment.text import prepare_text_data
    from tests.core.synthetic_text import synthetic

    text = prepare_text_data(synthetic(), vocab_size=50, max_len=8, seed=0)
    at = inspect_with("sentiment", SentimentData("synthetic", text), ModelSpec(units=(4,)))
    at.text_input(key="w_sentence").set_value("the movie was good").run()
    path = path_of(at)
    assert path["text"] == ["the", "movie", "was", "good"]
    assert "predicted" in path["name"]
    assert {
        t["name"]
        for t in json.loads(
            next(
                c for c in plotly_charts(at) if "nearest training states" in c.proto.spec
            ).proto.spec
        )["data"][:-1]
    } == {"neg", "pos"}  # training states coloured by their label


def test_generation_path_reads_the_passage_character_by_character():
    from tests.core.test_generation_task import tiny_data, tiny_spec

    data = tiny_data()
    at = inspect_with("generation", data, tiny_spec(data))
    at.text_area(key="w_next_passage").set_value("So foul").run()
    path = path_of(at)
    assert path["text"] == list("So foul")
    assert "'" in path["customdata"][0][1]  # neighbours name the character they read


@pytest.mark.parametrize("layer", ["rnn_1 (forward, LSTM)"])
def test_layer_choice_lists_each_direction(layer):
    from rnnviz.tasks.forecast.series import load_builtin
    from rnnviz.tasks.forecast.task import ForecastData
    from rnnviz.tasks.forecast.windows import WindowSpec

    data = ForecastData(load_builtin("airline"), WindowSpec(window=6, horizon=1))
    at = inspect_with("forecast", data, ModelSpec(cell="LSTM", units=(4, 4)))
    options = at.selectbox(key="w_trajectory_layer").options
    assert layer in options and len(options) == 2
    at.selectbox(key="w_trajectory_layer").set_value(options[1]).run()
    assert not at.exception and len(points(path_of(at)["x"])) == 6
