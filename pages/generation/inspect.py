"""Inspect (text generation): write from a prompt at several temperatures, the next characters the
model expected, a held-out passage coloured by one unit, and the units that track the text."""

import math

import streamlit as st

from rnnviz.common.csvread import DataError
from rnnviz.common.safe import plain
from rnnviz.tasks.generation.chars import prompt_from_field, prompt_to_field
from rnnviz.tasks.generation.job import GenerationJob
from rnnviz.tasks.generation.model import MAX_GENERATED, next_chars_table, sample_text, top_k_next
from rnnviz.tasks.generation.task import GENERATION
from rnnviz.tasks.generation.units import (
    colouring_html,
    find_units,
    ranking_table,
    unit_activations,
    unit_colouring,
)
from rnnviz.ui.runner import finished_job
from rnnviz.ui.state import session, set_widget_defaults

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
st.caption(
    "Bits per character on the validation block (lower is better): the RNN reads each "
    f"{chars.seq_len}-character window from a zero state; the n-gram model (interpolated "
    "Kneser-Ney, order chosen on the same block) reads the characters before each one."
)

new_job = current.defaults_for.get(INSPECTED) != key  # another corpus or model: its own start
current.defaults_for[INSPECTED] = key
longest = min(MAX_PASSAGE, len(chars.val_text))
set_widget_defaults(
    {
        "gen_prompt": prompt_to_field(data.prompt),
        "next_passage": chars.val_text[:120],
        "units_passage": min(600, longest),
    },
    overwrite=new_job,
)

st.subheader("Generate")
set_widget_defaults({"gen_length": 300, "gen_temperatures": [0.2, 0.8, 1.2], "gen_seed": 0})
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
            lambda: sample_text(
                model, spec, chars.vocab, prompt, int(length), temperatures, int(seed)
            ),
        )
    except DataError as error:
        st.error(plain(error))
    else:
        columns = st.columns(len(texts) + 1)
        for column, temperature, text in zip(columns, temperatures, texts, strict=False):
            column.caption(f"RNN, temperature {temperature:g}" + (" (greedy)" * (not temperature)))
            column.code(prompt + text, language=None, wrap_lines=True)
        columns[-1].caption(f"{baseline.best_order}-gram, temperature 1 (the training prompt)")
        columns[-1].code(data.prompt + baseline.sample, language=None, wrap_lines=True)
samples = job.run.snapshot().samples
if samples:
    with st.expander(f"The sample after each epoch (temperature {data.temperature:g})"):
        for epoch, text in enumerate(samples, start=1):
            st.caption(f"Epoch {epoch}")
            st.code(data.prompt + text, language=None, wrap_lines=True)

st.subheader("What the model expected next")
passage = st.text_area("A passage (up to 500 characters)", key="w_next_passage")[:500]
try:
    rows = current.memo(
        "char_next", (key, passage), lambda: top_k_next(model, spec, chars.vocab, passage, 5)
    )
except DataError as error:
    st.error(plain(error))
else:
    table = next_chars_table(rows)
    st.dataframe(table.style.format({"P(actual)": "{:.3f}"}), hide_index=True, width="stretch")

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
        "char_units", (key, held, pattern), lambda: find_units(model, chars.vocab, held, pattern)
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
