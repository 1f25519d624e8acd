"""Inspect (text generation): write from a prompt at several temperatures, the next characters the
model expected, a held-out passage coloured by one unit, and the units that track the text."""

import math

import pandas as pd
import streamlit as st

from rnnviz.common.csvread import DataError
from rnnviz.common.safe import plain
from rnnviz.model.patterns import one_line, snippets
from rnnviz.model.trajectories import spread_rows
from rnnviz.tasks.generation.chars import prompt_from_field, prompt_to_field
from rnnviz.tasks.generation.job import (
    SAMPLE_LENGTH,
    SAMPLE_SEED,
    SAMPLE_TEMPERATURES,
    GenerationJob,
)
from rnnviz.tasks.generation.model import MAX_GENERATED
from rnnviz.tasks.generation.ngram import why_ngram_wins
from rnnviz.tasks.generation.task import GENERATION
from rnnviz.tasks.generation.units import (
    char_properties,
    colouring_html,
    find_units,
    inside_brackets,
    ranking_table,
    unit_activations,
    unit_colouring,
)
from rnnviz.ui.patterns import first_run_span, pattern_search_view
from rnnviz.ui.runner import finished_job
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.trajectory import TrajectoryInputs, trajectory_view

PATTERN_CHARS = 3_000  # held-out characters searched for a pattern's matches
TEMPERATURES = (0.0, 0.2, 0.5, 0.8, 1.0, 1.2, 1.5)
MAX_PASSAGE = 3_000
MAX_PROMPT = 500
INSPECTED = "inspect_chars"  # in Session.defaults_for: the job whose defaults the widgets hold

st.title("Inspect: text generation")
current = session()
job: GenerationJob = finished_job(
    GENERATION, "Train a character model first; its results show here when training ends."
)

chars, data, spec, model = job.chars, job.data, job.spec, job.inference_model
key = job.content_key()
val_bpc = current.memo("char_val_bpc", key, job.val_bpc)
baseline = current.memo("char_ngram", key, job.ngram)
st.caption(
    plain(f"{job.dataset_name}: {spec.cell} {list(spec.units)}, {job.run.snapshot().message}")
)
c1, c2, c3, c4 = st.columns(4)
c1.metric("RNN validation bits/char", f"{val_bpc:.3f}")
c2.metric(f"Best n-gram ({baseline.best_order}-gram)", f"{baseline.best_bpc:.3f}")
c3.metric("Character 3-gram", f"{baseline.bpc_by_order.get(3, math.nan):.3f}")
c4.metric("Uniform guess", f"{math.log2(len(chars.vocab)):.3f}")
context = job.val_context()
rnn_reads = (
    f"each character after the text before it (at least {context} characters of it, past the "
    "block's start)"
    if context
    else f"each {chars.seq_len}-character window from a zero state (a run saved before "
    "in-context scoring)"
)
st.caption(
    f"Bits per character on the validation block (lower is better): the RNN reads {rnn_reads}; "
    "the n-gram model (interpolated Kneser-Ney, order chosen on the same block) reads the "
    "characters before each one."
)
val_by_epoch = job.run.snapshot().history.get("val_loss", [])
if why := why_ngram_wins(val_bpc, baseline, len(chars.train_ids), val_by_epoch):
    st.info(plain(why))

new_job = current.defaults_for.get(INSPECTED) != key  # another corpus or model: its own start
current.defaults_for[INSPECTED] = key
longest = min(MAX_PASSAGE, len(chars.val_text))
set_widget_defaults(
    {
        "gen_prompt": prompt_to_field(data.prompt),
        "next_passage": job.first_passage(),
        "units_passage": min(600, longest),
    },
    overwrite=new_job,
)


@st.fragment  # a prompt, length, temperature or seed redraws this part only
def generate() -> None:
    st.subheader("Generate")
    set_widget_defaults(
        {
            "gen_length": SAMPLE_LENGTH,
            "gen_temperatures": list(SAMPLE_TEMPERATURES),
            "gen_seed": SAMPLE_SEED,
        }
    )
    c1, c2, c3, c4 = st.columns([3, 1, 3, 1])
    prompt = prompt_from_field(
        c1.text_input("Prompt (\\n for a new line)", max_chars=MAX_PROMPT, key="w_gen_prompt")
    )
    length = c2.number_input("Characters", 1, MAX_GENERATED, key="w_gen_length")
    temperatures = c3.multiselect("Temperatures", TEMPERATURES, key="w_gen_temperatures")
    seed = c4.number_input("Seed", 0, 2**31 - 1, key="w_gen_seed")
    if not temperatures:
        st.warning("Choose at least one temperature.")
    else:
        try:
            texts = current.memo(
                "char_samples",
                (key, prompt, int(length), tuple(temperatures), int(seed)),
                lambda: job.samples(prompt, int(length), temperatures, int(seed)),
            )
        except DataError as error:
            st.error(plain(error))
        else:
            columns = st.columns(len(texts) + 1)
            for column, temperature, text in zip(columns, temperatures, texts, strict=False):
                column.caption(
                    f"RNN, temperature {temperature:g}" + (" (greedy)" * (not temperature))
                )
                column.code(prompt + text, language=None, wrap_lines=True)
            columns[-1].caption(f"{baseline.best_order}-gram, temperature 1 (the training prompt)")
            columns[-1].code(data.prompt + baseline.sample, language=None, wrap_lines=True)
    samples = job.run.snapshot().samples
    if samples:
        with st.expander(f"The sample after each epoch (temperature {data.temperature:g})"):
            for epoch, text in enumerate(samples, start=1):
                st.caption(f"Epoch {epoch}")
                st.code(data.prompt + text, language=None, wrap_lines=True)


generate()


@st.fragment  # a passage redraws this part only
def expected_next() -> None:
    st.subheader("What the model expected next")
    passage = st.text_area("A passage (up to 500 characters)", key="w_next_passage")[:500]
    try:
        table = current.memo("char_next", (key, passage), lambda: job.next_table(passage))
    except DataError as error:
        st.error(plain(error))
    else:
        st.dataframe(table.style.format({"P(actual)": "{:.3f}"}), hide_index=True, width="stretch")

    def trajectory_inputs() -> TrajectoryInputs:
        train_x = chars.x_train[spread_rows(len(chars.x_train))]  # (windows, seq_len) ids
        probe = chars.vocab.encode(passage)[None]  # (1, time)
        return TrajectoryInputs(
            train_x=train_x,
            probe_x=probe,
            train_tokens=[[chars.vocab.chars[i] for i in row] for row in train_x],
            probe_tokens=list(passage),
            path_label="the passage above",
        )

    if passage:
        trajectory_view(model, key, passage, trajectory_inputs, "passage")


expected_next()


@st.fragment  # a passage length, property or unit redraws this part only
def units_that_track() -> None:
    st.subheader("Units that track the text")
    c1, c2 = st.columns([1, 3])
    held_out = c1.number_input(
        "Held-out characters read", min(100, longest), longest, step=100, key="w_units_passage"
    )
    pattern = c2.text_input(
        "Your own property: a regular expression (every character inside a match counts)",
        key="w_units_regex",
    )
    held = chars.val_text[: int(held_out)]
    activations = current.memo(
        "char_activations", (key, held), lambda: unit_activations(model, chars.vocab, held)
    )
    try:
        found = current.memo(
            "char_units",
            (key, held, pattern),
            lambda: find_units(model, chars.vocab, held, pattern),
        )
    except DataError as error:
        st.error(plain(error))
        found = current.memo(
            "char_units", (key, held, ""), lambda: find_units(model, chars.vocab, held)
        )
    ranking = ranking_table(found)
    st.caption(
        "Pearson correlation of every unit (hidden and cell states, gates) with each property over "
        "the held-out characters (Karpathy, Johnson and Fei-Fei 2015); the best five per property."
    )
    st.dataframe(ranking.style.format({"r": "{:+.3f}"}), hide_index=True, width="stretch")

    st.markdown(
        "**A held-out passage coloured by one unit** after each character (blue: positive, red: "
        "negative; the value shows on hover). It starts on the best unit for the position in the line."
    )
    labels = {f"{layer} / {k}": (layer, k) for layer, k in sorted(activations)}
    best = found["position in line"][0]
    best_label = f"{best.layer} / {best.key}"
    if new_job or st.session_state.get("w_colour_unit") not in labels:
        set_widget_defaults({"colour_unit": best_label, "colour_index": best.unit}, overwrite=True)
    c1, c2, c3 = st.columns([3, 1, 2])
    chosen = c1.selectbox("Layer / state or gate", list(labels), key="w_colour_unit")
    layer, gate = labels[chosen]
    units = activations[(layer, gate)].shape[1]
    if st.session_state["w_colour_index"] >= units:
        set_widget_defaults({"colour_index": units - 1}, overwrite=True)
    unit = c2.number_input("Unit", 0, units - 1, key="w_colour_index")
    set_widget_defaults({"colour_centred": True})
    centred = c3.toggle("Centre on the unit's mean over the passage", key="w_colour_centred")
    colouring = unit_colouring(held, activations, layer, gate, int(unit), centred)
    st.html(colouring_html(colouring))

    st.subheader("Pattern search: where else do these units fire?")
    st.caption(
        "Select a span of the passage above and a threshold: the units at or above it over the "
        "whole span and below it just before and after form a pattern (LSTMVis's select-and-match, "
        f"Strobelt et al. 2018); the app then finds where those units fire together in the next "
        f"{PATTERN_CHARS:,} validation characters and what those places share."
    )
    rest = chars.val_text[len(held) : len(held) + PATTERN_CHARS]
    if len(rest) < 20:
        st.info("The validation text has no characters left after the passage: shorten it above.")
    else:

        def pattern_activations():
            rest_activations = current.memo(
                "char_pattern_rest", (key, rest), lambda: unit_activations(model, chars.vocab, rest)
            )
            return (
                {f"{lay} / {k}": v for (lay, k), v in sorted(activations.items())},
                {f"{lay} / {k}": v for (lay, k), v in sorted(rest_activations.items())},
            )

        def match_rows(spans):
            return pd.DataFrame(
                [
                    {"before": before, "match": match, "after": after}
                    for before, match, after in snippets(rest, spans)
                ]
            )

        pattern_search_view(
            pattern_activations,
            char_properties(rest),
            lambda span: one_line(held[span[0] : span[1]]),
            match_rows,
            first_run_span(inside_brackets(held), (0, min(10, len(held)))),
            "passage",
        )


units_that_track()
