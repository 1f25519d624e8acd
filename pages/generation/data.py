"""Data (text generation): a Shakespeare corpus or your own .txt; its characters, split and
sequences, and the prompt each epoch's sample starts from."""

import pandas as pd
import streamlit as st

from rnnviz.common.csvread import DataError, content_key
from rnnviz.common.safe import plain
from rnnviz.tasks.generation.chars import (
    DEFAULT_PLAY,
    MAX_UPLOAD_BYTES,
    build_char_vocab,
    check_window_budget,
    corpus_choices,
    load_shakespeare,
    parse_text_upload,
    prepare_char_data,
    prompt_from_field,
    prompt_to_field,
    suggested_prompt,
)
from rnnviz.tasks.generation.figures import char_frequency_figure
from rnnviz.tasks.generation.recipes import DEFAULT_CHAR_RECIPE, char_recipe, text_defaults
from rnnviz.tasks.generation.task import GENERATION, GenerationData
from rnnviz.ui import nav
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.widgets import forget_data, kept_upload, recipe_widget_values, same_data_note

SOURCES = {"shakespeare": "Shakespeare (built in)", "upload": "Upload a .txt file"}


def refuse(error: Exception) -> None:
    """Say what is wrong with the data and keep no data for Build (it would be stale)."""
    st.error(plain(error))
    forget_data(GENERATION)
    st.stop()


st.title("Data: text generation")
current = session()
set_widget_defaults(
    {
        "char_source": "shakespeare",
        "char_corpus": DEFAULT_PLAY,
        "char_seq_len": DEFAULT_CHAR_RECIPE["seq_len"],
        "char_stride": DEFAULT_CHAR_RECIPE["stride"],
        "char_val": DEFAULT_CHAR_RECIPE["val_fraction"],
        "char_temperature": 0.8,
        "char_sample_length": 200,
    }
)
source = st.radio(
    "Source", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="w_char_source"
)
corpus, corpus_key, data_key = None, None, None
try:
    if source == "shakespeare":
        choices = corpus_choices()
        corpus_key = st.selectbox(
            "Plays (one play, a genre or everything)",
            list(choices),
            format_func=choices.get,
            key="w_char_corpus",
        )
        data_key = ("shakespeare", corpus_key)
        corpus = current.memo("char_corpus", data_key, lambda: load_shakespeare(corpus_key))
    else:
        upload, note = kept_upload(
            f"A plain-text file (UTF-8, at most {MAX_UPLOAD_BYTES / 1e6:g} MB)",
            ["txt"],
            "char_upload",
        )
        if upload is not None:
            raw = upload.getvalue()
            data_key = ("upload", upload.name, content_key(raw))
            corpus = current.memo(
                "char_corpus", data_key, lambda: parse_text_upload(raw, upload.name)
            )
            note.rows(len(corpus), "characters")
except DataError as error:
    refuse(error)
if corpus is None:  # nothing uploaded yet: Build waits for it
    forget_data(GENERATION)
    st.stop()

for note in corpus.notes:
    st.caption(plain(note))
defaults = text_defaults(len(corpus))
if current.defaults_for.get("generation_recipe") != data_key:  # a new text: its own recipe
    model, train = char_recipe(defaults.recipe)
    set_widget_defaults(
        {
            "char_seq_len": defaults.recipe["seq_len"],
            "char_stride": defaults.recipe["stride"],
            **recipe_widget_values(model, train),
        },
        overwrite=True,
    )
    current.defaults_for["generation_recipe"] = data_key
    current.recipe_task = GENERATION.name  # Build and Train keep this recipe
st.info(plain("Default recipe for this text. " + defaults.explanation))
vocab = current.memo("char_vocab", data_key, lambda: build_char_vocab(corpus.text))
c1, c2, c3 = st.columns(3)
c1.metric("Characters", f"{len(corpus):,}")
c2.metric("Distinct characters", f"{len(vocab):,}")
c3.metric("Lines", f"{corpus.text.count(chr(10)) + 1:,}")
table = vocab.frequency_table()
st.plotly_chart(char_frequency_figure(table), key="char_frequencies")
with st.expander(f"The vocabulary: all {len(vocab)} characters with their frequencies"):
    frame = pd.DataFrame(table)[["label", "count", "share"]]
    st.dataframe(
        frame.rename(columns={"label": "character"}).style.format({"share": "{:.2%}"}),
        hide_index=True,
        width="stretch",
    )

st.subheader("Split and sequences")
c1, c2, c3 = st.columns(3)
seq_len = c1.number_input("Sequence length (characters)", 2, 1000, key="w_char_seq_len")
stride = c2.number_input(
    "Stride (characters between sequence starts)", 1, 1000, key="w_char_stride"
)
val_fraction = c3.slider(
    "Validation share (the end of the text)", 0.05, 0.5, step=0.05, key="w_char_val"
)
try:
    chars = current.memo(
        "char_data",
        (data_key, int(seq_len), int(stride), float(val_fraction)),
        lambda: prepare_char_data(corpus, int(seq_len), int(stride), float(val_fraction)),
    )
    check_window_budget(chars)
except DataError as error:
    refuse(error)
summary = chars.summary()
st.success(
    f"Contiguous blocks, characters never shuffled: the first {1 - val_fraction:.0%} trains "
    f"({summary['train characters']:,} characters, {summary['train sequences']:,} sequences of "
    f"{seq_len} every {stride}), the last {val_fraction:.0%} validates "
    f"({summary['validation characters']:,} characters, {summary['validation sequences']:,} "
    f"sequences that do not overlap). Each sequence's target is the same text one character on. "
    f"One epoch reads {summary['train sequences'] * seq_len:,} characters."
)
c1, c2 = st.columns(2)
c1.caption("End of the training block")
c1.code(chars.vocab.decode(chars.train_ids[-160:]), language=None, wrap_lines=True)
c2.caption("Start of the validation block")
c2.code(chars.vocab.decode(chars.val_ids[:160]), language=None, wrap_lines=True)

st.subheader("Samples while training")
if current.defaults_for.get(GENERATION.name) != data_key:  # new text: a prompt from it
    prompt = suggested_prompt(corpus.text, float(val_fraction))
    set_widget_defaults({"char_prompt": prompt_to_field(prompt)}, overwrite=True)
    current.defaults_for[GENERATION.name] = data_key
c1, c2, c3 = st.columns(3)
field = c1.text_input("Prompt (\\n for a new line)", key="w_char_prompt")
temperature = c2.slider("Temperature", 0.0, 2.0, step=0.1, key="w_char_temperature")
length = c3.number_input("Characters per sample", 10, 1000, key="w_char_sample_length")
st.caption(
    "At the end of every epoch the model writes this many characters after the prompt (seeded), "
    "shown under the Train chart. Temperature 0 always takes the likeliest character."
)
prompt = prompt_from_field(field)
try:
    if not prompt:
        raise DataError("Type a prompt of at least one character.")
    vocab.encode(prompt)
except DataError as error:
    refuse(error)
current.data[GENERATION.name] = GenerationData(
    chars,
    corpus_key if source == "shakespeare" else None,
    float(val_fraction),
    prompt,
    float(temperature),
    int(length),
)
same_data_note(GENERATION, current.data[GENERATION.name], data_key)
st.page_link(nav.pages().build, label="Build a model", icon=":material/construction:")
