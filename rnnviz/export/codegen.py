"""Export: the settings of a run as a standalone, readable Keras script, for every task.

Every script is rnnviz/export/template.py with three parts replaced: the docstring, the settings
(each value written where the template has its own, the template's comment kept) and the data
(a built-in series' values exactly as :func:`rnnviz.tasks.forecast.series.load_builtin` returns them, or the
encoded texts' splits and vocabulary). The template itself is linted and run by the tests, and
the parts written here are laid out the way ``ruff format`` would lay them out.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.model.cells import export_options
from rnnviz.model.spec import ModelSpec, TrainSpec, lookahead_reason
from rnnviz.tasks.forecast.series import BUILTIN_SERIES, Series, load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec

if TYPE_CHECKING:
    from rnnviz.tasks.generation.task import GenerationData
    from rnnviz.tasks.sentiment.text import TextData
    from rnnviz.tasks.sequences.task import SequencesData

LINE_LENGTH = 100
INDENT = "    "
TEMPLATE = Path(__file__).with_name("template.py")
TOPOLOGY_NOTES = {
    "many_to_one": "many-to-one: the last step's output predicts the next value",
    "many_to_many": "many-to-many: every step predicts the value that follows it",
    "encoder_decoder": "encoder-decoder: the decoder emits HORIZON future steps at once",
}
_SETTING = re.compile(r"^(?P<name>[A-Z_]+) = (?P<value>.*?)(?P<comment>  # .*)?$")


# ---------------------------------------------------------------------------------------------
# The scripts


def forecast_script(
    dataset_key: str,
    window_spec: WindowSpec,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
    inputs: Sequence[str] = (),
) -> str:
    """A standalone Python script that trains ``model_spec`` on a built-in series as rnnviz does.

    ``inputs`` names extra input columns of the series (the target always comes first).
    """
    series = load_builtin(dataset_key).with_inputs(inputs)
    settings = _forecast_settings(dataset_key, series, window_spec, model_spec, train_spec)
    data = _series_literal(dataset_key, series.frame, series.columns, filled=bool(series.notes))
    info = BUILTIN_SERIES[dataset_key]
    what = (
        f"{info.title}, {series.n_rows} {info.frequency} values, embedded at the end of this file"
    )
    docstring = _forecast_docstring(dataset_key, model_spec, what)
    return render("forecast", docstring, settings, data)


def forecast_file_script(
    series: Series,
    data_filename: str,
    window_spec: WindowSpec,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
) -> str:
    """A standalone script that trains ``model_spec`` on an uploaded series as rnnviz does,
    reading the series from the CSV rnnviz kept for the run (``DATA_FILE``, ``data_filename``
    beside the script unless changed)."""
    settings = _forecast_settings(series.name, series, window_spec, model_spec, train_spec)
    settings["DATA_FILE"] = data_filename
    data = "\n".join(
        [
            f"# The series rnnviz kept for the run: {series.n_rows} rows of a time column and "
            "the values,",
            "# read from DATA_FILE (download it from the Runs page, beside this script).",
            "DATA = read_data_file()",
        ]
    )
    what = f"{series.name} ({series.n_rows} rows), read from the file DATA_FILE names"
    docstring = _forecast_docstring(series.name, model_spec, what)
    return render("forecast", docstring, settings, data, tags=("data_file",))


def _forecast_settings(
    dataset: str,
    series: Series,
    window_spec: WindowSpec,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
) -> dict[str, object]:
    _check(window_spec, model_spec)
    return {
        "TASK": "forecast",
        "DATASET": dataset,
        "COLUMNS": list(series.columns),
        "WINDOW": window_spec.window,
        # Only an encoder-decoder trains on the full horizon; the others learn the next value.
        "HORIZON": window_spec.horizon if model_spec.topology == "encoder_decoder" else 1,
        "TEST_SIZE": window_spec.test_size,
        "VAL_SIZE": window_spec.val_size,
        "TRANSFORM": window_spec.transform,
        "SCALER": window_spec.scaler,
        **_model_settings(model_spec),
        **_train_settings(model_spec, train_spec),
    }


def sentiment_script(
    dataset_name: str, data: TextData, model_spec: ModelSpec, train_spec: TrainSpec
) -> str:
    """A standalone script that trains ``model_spec`` on the same encoded text splits."""
    if not model_spec.is_text:
        raise ValueError("sentiment_script exports text classifiers (token ids in).")
    settings = {
        "TASK": "sentiment",
        "DATASET": dataset_name,
        "MAX_LEN": data.max_len,
        "VOCAB_SIZE": model_spec.vocab_size,
        "EMBEDDING_DIM": model_spec.embedding_dim,
        **_model_settings(model_spec),
        **_train_settings(model_spec, train_spec),
    }
    tags: tuple[str, ...] = ()
    if model_spec.architecture == "rcnn":
        from rnnviz.tasks.sentiment.rcnn import ConvSpec

        conv = ConvSpec.of(model_spec)
        settings |= {
            "KERNEL_SIZES": list(conv.kernel_sizes),
            "FILTERS": conv.filters,
            "POOLING": conv.pooling,
            "DROPOUT": model_spec.dropout,
        }
        tags = ("rcnn",)
    literal = _text_literal(dataset_name, data)
    docstring = _sentiment_docstring(dataset_name, model_spec, data)
    return render("sentiment", docstring, settings, literal, tags)


def generation_script(
    data: GenerationData,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
    data_filename: str | None = None,
) -> str:
    """A standalone script that trains ``model_spec`` on the same text, cut the same way: the
    text embedded in it, or read from the file rnnviz kept for the run (``data_filename``,
    beside the script unless ``DATA_FILE`` is changed)."""
    if model_spec.head != "multiclass" or model_spec.bidirectional or not model_spec.is_text:
        raise ValueError("generation_script exports next-character models (unidirectional).")
    chars = data.chars
    settings = {
        "TASK": "generation",
        "DATASET": data.name,
        "SEQ_LEN": chars.seq_len,
        "STRIDE": chars.stride,
        "VAL_FRACTION": data.val_fraction,
        "CHAR_EMBEDDING_DIM": model_spec.embedding_dim,
        "PROMPT": data.prompt,
        "TEMPERATURE": data.temperature,
        "SAMPLE_LENGTH": data.sample_length,
        **_model_settings(model_spec),
        **_train_settings(model_spec, train_spec),
    }
    docstring = _generation_docstring(data, model_spec, in_file=data_filename is not None)
    if data_filename is not None:
        settings["DATA_FILE"] = data_filename
        literal = "\n".join(
            [
                "# The text rnnviz kept for the run (UTF-8), read from DATA_FILE; download it from",
                "# the Runs page, beside this script.",
                'TEXT = (pathlib.Path(__file__).parent / DATA_FILE).read_text(encoding="utf-8")',
            ]
        )
        return render("generation", docstring, settings, literal, tags=("data_file",))
    text = chars.vocab.decode(np.concatenate([chars.train_ids, chars.val_ids]))
    return render("generation", docstring, settings, _corpus_literal(data.name, text))


def sequences_script(data: SequencesData, model_spec: ModelSpec, train_spec: TrainSpec) -> str:
    """A standalone script that trains ``model_spec`` on the same splits of a sequence set (built
    in, or an upload the run keeps): its raw values and split rows embedded, scaled and padded in
    the script as rnnviz does."""
    from rnnviz.tasks.sequences.data import BUILTIN_SEQUENCES, load_builtin_sequences

    if data.key in BUILTIN_SEQUENCES:
        dataset = load_builtin_sequences(data.key)
    elif data.source is not None:
        dataset = data.source
    else:
        raise ValueError("sequences_script needs the sequences (a built-in set or an upload).")
    if model_spec.head != "multiclass" or model_spec.is_text:
        raise ValueError("sequences_script exports sequence classifiers (a softmax head).")
    if model_spec.mask_value != data.prepared.mask_value:
        raise ValueError("The model's mask value differs from the data's padding value.")
    prepared = data.prepared
    steps, features = prepared.input_shape
    settings = {
        "TASK": "sequences",
        "DATASET": data.key or data.name,
        "STEPS": steps,
        "FEATURES": features,
        "SCALE_MEAN": [float(v) for v in prepared.scaler.mean],
        "SCALE_STD": [float(v) for v in prepared.scaler.std],
        "MASK_VALUE": prepared.mask_value,
        "CLASSES": list(prepared.class_names),
        **_model_settings(model_spec),
        **_train_settings(model_spec, train_spec),
    }
    literal = _sequences_literal(data, dataset)
    docstring = _sequences_docstring(data, model_spec)
    return render("sequences", docstring, settings, literal)


def script_filename(dataset_key: str, model_spec: ModelSpec) -> str:
    """A file name for the download, e.g. ``rnnviz_airline_lstm_many_to_one.py``."""
    slug = re.sub(r"[^a-z0-9]+", "_", dataset_key.lower()).strip("_")
    shape = (
        model_spec.topology if model_spec.architecture == "recurrent" else model_spec.architecture
    )
    return f"rnnviz_{slug}_{model_spec.cell.lower()}_{shape}.py"


def render(
    task: str, docstring: str, settings: dict[str, object], data: str, tags: Sequence[str] = ()
) -> str:
    """The template's code for ``task`` (and the blocks of ``tags``, e.g. ``data_file``), with the
    docstring, settings and data replaced."""
    source = _task_code(TEMPLATE.read_text(encoding="utf-8"), {task, *tags})
    body = source[source.index('"""', 3) + 3 :]  # after the template's own docstring
    head, rest = body.split("# <settings>\n", 1)
    block, tail = rest.split("# </settings>\n", 1)
    before_data, rest = tail.split("# <data>\n", 1)
    _, after_data = rest.split("# </data>\n", 1)
    unknown = set(settings) - {m["name"] for m in map(_SETTING.match, block.splitlines()) if m}
    if unknown:
        raise ValueError(f"the template has no setting {sorted(unknown)}")
    lines = [_setting_line(line, settings) for line in block.splitlines()]
    return docstring + head + "\n".join(lines) + "\n" + before_data + data + "\n" + after_data


# A task's block (the settings and data markers are not task blocks: replaced as a whole later).
_TASK_BLOCK = re.compile(
    r"^# <(?P<task>(?!settings>|data>)[a-z_,]+)>\n.*?^# </(?P=task)>\n", re.M | re.S
)


def _task_code(source: str, tags: set[str]) -> str:
    """The template without the blocks of other tasks (or tags) and without the markers of
    those in ``tags``."""

    def keep(block: re.Match) -> str:
        if tags.isdisjoint(block["task"].split(",")):  # a block may serve several tasks: <a,b>
            return ""
        return block[0].split("\n", 1)[1].rsplit(f"# </{block['task']}>\n", 1)[0]

    code = _TASK_BLOCK.sub(keep, source)
    return re.sub(r"\n{4,}", "\n\n\n", code)  # at most two blank lines where a block was


def _check(window_spec: WindowSpec, model_spec: ModelSpec) -> None:
    if model_spec.is_text or model_spec.head != "regression":
        raise ValueError("forecast_script exports forecasting models (a regression head).")
    reason = lookahead_reason(model_spec)
    if reason is not None:
        raise ValueError(reason)
    if model_spec.topology == "encoder_decoder" and model_spec.horizon != window_spec.horizon:
        raise ValueError(
            f"The model's horizon ({model_spec.horizon}) differs from the windows' "
            f"({window_spec.horizon})."
        )


# ---------------------------------------------------------------------------------------------
# Settings


def _model_settings(spec: ModelSpec) -> dict[str, object]:
    return {
        "CELL": spec.cell,
        "UNITS": list(spec.units),
        "BIDIRECTIONAL": spec.bidirectional,
        "MERGE_MODE": spec.merge_mode,
        "TOPOLOGY": spec.topology,
        "STATEFUL": spec.stateful,
        "LAYER_OPTIONS": export_options(spec),
        "HEAD": spec.head,
        "N_OUTPUTS": spec.n_outputs,
    }


def _train_settings(spec: ModelSpec, train: TrainSpec) -> dict[str, object]:
    return {
        "SEED": train.seed,
        "EPOCHS": train.epochs,
        # A stateful model has a fixed batch size.
        "BATCH_SIZE": spec.stateful_batch_size if spec.stateful else train.batch_size,
        "OPTIMIZER": train.optimizer,
        "LEARNING_RATE": train.learning_rate,
        "CLIPNORM": train.clipnorm,
        # Early stopping off: a patience of EPOCHS never stops the run, it only restores the
        # weights of the best epoch at the end (as rnnviz does).
        "PATIENCE": train.patience if train.early_stopping else train.epochs,
        "KEEP_WEIGHTS": train.keep_weights,
    }


def _literal(value: object) -> str:
    """A Python literal as ruff format writes it (strings in double quotes)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _setting_line(line: str, settings: dict[str, object]) -> str:
    """A template settings line with its value replaced (its comment kept)."""
    match = _SETTING.match(line)
    if match is None or match["name"] not in settings:
        return line
    value = settings[match["name"]]
    comment = match["comment"] or ""
    one_line = f"{match['name']} = {_literal(value)}{comment}"
    if len(one_line) <= LINE_LENGTH or not isinstance(value, dict | list):
        return one_line
    # Too long: one item per line, as ruff format splits it (the comment goes above).
    items = value.items() if isinstance(value, dict) else enumerate(value)
    inner = [
        f"{INDENT}{_literal(k)}: {_literal(v)},"
        if isinstance(value, dict)
        else f"{INDENT}{_literal(v)},"
        for k, v in items
    ]
    brackets = "{}" if isinstance(value, dict) else "[]"
    above = [f"#{comment[3:]}"] if comment else []
    return "\n".join([*above, f"{match['name']} = {brackets[0]}", *inner, brackets[1]])


# ---------------------------------------------------------------------------------------------
# Docstrings


def _docstring(title: str, paragraphs: Sequence[str]) -> str:
    body = "\n\n".join(textwrap.fill(p, LINE_LENGTH) for p in paragraphs)
    return f'"""{title}\n\n{body}\n"""'


_GENERATED = (
    "Generated by rnnviz: the same data, {what}, model and training settings you chose in the "
    "app, as plain Keras 3 and NumPy. Run it with ``python <this file>``; it needs keras (with a "
    "backend such as tensorflow) and numpy, nothing else."
)


def _kind(spec: ModelSpec) -> str:
    return ("stateful " if spec.stateful else "") + ("bidirectional " if spec.bidirectional else "")


def _forecast_docstring(dataset: str, spec: ModelSpec, data: str) -> str:
    units = ", ".join(str(u) for u in spec.units)
    return _docstring(
        f'Forecast the "{dataset}" series with a {_kind(spec)}{spec.cell} network.',
        [
            _GENERATED.format(what="windows"),
            f"Data: {data}. Model: {spec.depth} recurrent layer(s) of {units} units; "
            f"{TOPOLOGY_NOTES[spec.topology]}.",
            "It prints the parameter count, the training loss of the first and last epoch, and "
            "the test RMSE in the series' original units (next to naive last-value, training-mean "
            "and drift forecasts for comparison).",
        ],
    )


def _text_model_words(spec: ModelSpec, units: str) -> str:
    """What a text model is, in words: the recurrent stack, or the RCNN's parts."""
    if spec.architecture != "rcnn":
        return f"an embedding, {spec.depth} recurrent layer(s) of {units} units"
    from rnnviz.tasks.sentiment.rcnn import POOLING_LABELS, ConvSpec

    conv = ConvSpec.of(spec)
    widths = ", ".join(str(k) for k in conv.kernel_sizes)
    return (
        f"an RCNN: an embedding, a recurrent context of {units} units, convolutions over "
        f"[word; context] of {widths} words ({conv.filters} filters each), "
        f"{POOLING_LABELS[conv.pooling]} pooling"
    )


def _sentiment_docstring(dataset_name: str, spec: ModelSpec, data: TextData) -> str:
    units = ", ".join(str(u) for u in spec.units)
    sizes = ", ".join(
        f"{len(texts):,} {name}"
        for name, texts in (
            ("train", data.texts_train),
            ("validation", data.texts_val),
            ("test", data.texts_test),
        )
    )
    return _docstring(
        f"Classify the texts of {dataset_name} with a {_kind(spec)}{spec.cell} network.",
        [
            _GENERATED.format(what="vocabulary"),
            f"Data: {sizes} texts and the vocabulary of {len(data.vocab):,} ids rnnviz fitted on "
            f"the training texts, embedded at the end of this file; each text is read as "
            f"{data.max_len} token ids. Model: {_text_model_words(spec, units)} and a "
            f"{spec.head} head over {', '.join(data.class_names)}.",
            "It prints the parameter count, the training loss of the first and last epoch, and "
            "the test accuracy (next to always answering the most frequent class).",
        ],
    )


def _generation_docstring(data: GenerationData, spec: ModelSpec, in_file: bool) -> str:
    units = ", ".join(str(u) for u in spec.units)
    chars = data.chars
    where = "read from the file DATA_FILE names" if in_file else "embedded at the end of this file"
    return _docstring(
        f"Generate text like {data.name} with a {_kind(spec)}{spec.cell} network, character by "
        "character.",
        [
            _GENERATED.format(what="text"),
            f"Data: {len(chars.train_ids) + len(chars.val_ids):,} characters {where}; the last "
            f"{data.val_fraction:.0%} validates. Model: a character "
            f"embedding, {spec.depth} recurrent layer(s) of {units} units and a softmax over the "
            f"{len(chars.vocab)} characters after every step.",
            "It prints the parameter count, the training loss of the first and last epoch, the "
            "validation bits per character and a sample generated after the prompt.",
        ],
    )


def _sequences_docstring(data: SequencesData, spec: ModelSpec) -> str:
    units = ", ".join(str(u) for u in spec.units)
    p = data.prepared
    steps, features = p.input_shape
    masking = (
        f" Shorter sequences are padded with {p.mask_value:g}, which a Masking layer skips."
        if p.mask_value is not None
        else ""
    )
    return _docstring(
        f'Classify the sequences of "{data.name}" with a {_kind(spec)}{spec.cell} network.',
        [
            _GENERATED.format(what="split, scaling"),
            f"Data: {len(p.x_train):,} train, {len(p.x_val):,} validation and {len(p.x_test):,} "
            f"test sequences of {steps} steps x {features} value(s) ({p.split}), embedded at the "
            f"end of this file as compressed NumPy arrays.{masking} Model: {spec.depth} recurrent "
            f"layer(s) of {units} units and a softmax head over {p.n_classes} classes.",
            "It prints the parameter count, the training loss of the first and last epoch, and "
            "the test accuracy (next to always answering the most frequent class).",
        ],
    )


# ---------------------------------------------------------------------------------------------
# The data literals


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _wrapped(items: Sequence[str], indent: str) -> list[str]:
    """Comma-terminated items filled into lines of at most LINE_LENGTH characters."""
    width = LINE_LENGTH - len(indent)
    lines = textwrap.wrap(" ".join(f"{i}," for i in items), width=width, break_on_hyphens=False)
    return [indent + line for line in lines]


def _series_literal(dataset_key: str, frame, columns: Sequence[str], filled: bool) -> str:
    info = BUILTIN_SERIES[dataset_key]
    index = frame.index
    span = f", {index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}" if hasattr(index[0], "year") else ""
    lines = [
        f"# {info.title}: {len(frame)} {info.frequency} values{span},",
        f"# as rnnviz loads them from the data files of {info.source}"
        + (" (gaps already filled)." if filled else "."),
        "# fmt: off",
        "DATA = {",
    ]
    for column in columns:
        values = [_number(v) for v in np.asarray(frame[column], dtype=np.float64)]
        lines.append(f"    {json.dumps(column)}: [")
        lines += _wrapped(values, INDENT * 2)
        lines.append("    ],")
    lines += ["}", "# fmt: on"]
    return "\n".join(lines)


def _string_pieces(text: str, width: int) -> list[str]:
    """A text as string literals of at most ``width`` characters (adjacent literals join)."""
    pieces, current = [], ""
    for word in re.findall(r"\S+\s*|\s+", text):
        if current and len(json.dumps(current + word)) > width:
            pieces.append(current)
            current = ""
        while len(json.dumps(word)) > width:  # one very long word: cut it
            cut = width // 2
            pieces.append(word[:cut])
            word = word[cut:]
        current += word
    return [json.dumps(p) for p in [*pieces, current]]


def _text_literal(dataset_name: str, data: TextData) -> str:
    indent = INDENT * 2
    width = LINE_LENGTH - len(indent) - 1  # room for the comma
    splits = {"train": data.texts_train, "val": data.texts_val, "test": data.texts_test}
    labels = {"train": data.y_train, "val": data.y_val, "test": data.y_test}
    lines = [
        f"# {dataset_name}: the texts of each split, their labels (indices into "
        f"{', '.join(data.class_names)}),",
        "# and the vocabulary rnnviz fitted on the training texts (its position is the id).",
        "# fmt: off",
        "VOCABULARY = [",
        *_wrapped([json.dumps(t) for t in data.vocab.tokens], INDENT),
        "]",
        "TEXTS = {",
    ]
    for name, texts in splits.items():
        lines.append(f"    {json.dumps(name)}: [")
        for text in texts:
            pieces = _string_pieces(text, width)
            lines += [indent + p for p in pieces[:-1]]
            lines.append(f"{indent}{pieces[-1]},")
        lines.append("    ],")
    lines += ["}", "LABELS = {"]
    for name, values in labels.items():
        lines.append(f"    {json.dumps(name)}: [")
        lines += _wrapped([str(int(v)) for v in values], indent)
        lines.append("    ],")
    lines += ["}", "# fmt: on"]
    return "\n".join(lines)


def _corpus_literal(name: str, text: str) -> str:
    """The whole text as adjacent string literals, one source line of the text per line or more."""
    width = LINE_LENGTH - len(INDENT)
    lines = [
        f"# {' '.join(name.split())}: the text rnnviz trained on (its last share validates).",
        "# fmt: off",
        "TEXT = (",
    ]
    for line in text.splitlines(keepends=True):
        lines += [INDENT + piece for piece in _string_pieces(line, width)]
    lines += [")", "# fmt: on"]
    return "\n".join(lines)


def _sequences_literal(data: SequencesData, dataset) -> str:
    """The raw padded sequences, lengths, labels and split rows as base64 of
    ``np.savez_compressed`` (grey levels 0-255 stored as bytes), in lines of LINE_LENGTH."""
    import base64
    import io
    import zlib

    x = np.asarray(dataset.x)
    if np.array_equal(x, np.clip(np.round(x), 0, 255)):
        x = x.astype(np.uint8)  # whole grey levels: the same values, a quarter of the bytes
    p = data.prepared
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x=x,
        lengths=dataset.lengths,
        y=dataset.y,
        rows_train=p.rows_train,
        rows_val=p.rows_val,
        rows_test=p.rows_test,
    )
    packed = base64.b64encode(zlib.compress(buffer.getvalue(), 9)).decode("ascii")
    width = LINE_LENGTH - len(INDENT) - 2  # room for the quotes
    about = (
        f"{data.name}: {len(x):,} sequences as rnnviz loads them (unscaled), their labels and "
        "the rows of each split, as np.savez arrays, zlib-compressed, in base64."
    )
    lines = [
        *(f"# {line}" for line in textwrap.wrap(about, LINE_LENGTH - 2)),
        "# fmt: off",
        "SEQUENCES = (",
        *(f'{INDENT}"{packed[i : i + width]}"' for i in range(0, len(packed), width)),
        ")",
        "# fmt: on",
    ]
    return "\n".join(lines)
