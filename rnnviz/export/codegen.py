"""Export machinery shared by every task: a saved run as a standalone, readable Keras script.

Every script is rnnviz/export/template.py with three parts replaced: the docstring, the settings
(each value written where the template has its own, the template's comment kept) and the data.
Each task writes its own parts in ``rnnviz/tasks/<task>/export.py`` with the helpers here. The
template itself is linted and run by the tests, and the parts written are laid out the way
``ruff format`` would lay them out.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rnnviz.model.cells import export_options
from rnnviz.model.spec import ModelSpec, TrainSpec

if TYPE_CHECKING:
    pass

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


# ---------------------------------------------------------------------------------------------
# Settings


def model_settings(spec: ModelSpec) -> dict[str, object]:
    return {
        "CELL": spec.cell,
        "UNITS": list(spec.units),
        "BIDIRECTIONAL": spec.bidirectional,
        "MERGE_MODE": spec.merge_mode,
        "TOPOLOGY": spec.topology,
        "STATEFUL": spec.stateful,
        "LAYER_OPTIONS": export_options(spec),
        "OUTPUT_DROPOUT": spec.output_dropout,
        "READ_OUT": spec.read_out,
        "HEAD": spec.head,
        "N_OUTPUTS": spec.n_outputs,
    }


def train_settings(spec: ModelSpec, train: TrainSpec) -> dict[str, object]:
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
        "LR_SCHEDULE": train.lr_schedule,
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


def docstring(title: str, paragraphs: Sequence[str]) -> str:
    body = "\n\n".join(textwrap.fill(p, LINE_LENGTH) for p in paragraphs)
    return f'"""{title}\n\n{body}\n"""'


GENERATED = (
    "Generated by rnnviz: the same data, {what}, model and training settings you chose in the "
    "app, as plain Keras 3 and NumPy. Run it with ``python <this file>``; it needs keras (with a "
    "backend such as tensorflow) and numpy, nothing else."
)


def model_kind(spec: ModelSpec) -> str:
    return ("stateful " if spec.stateful else "") + ("bidirectional " if spec.bidirectional else "")


# ---------------------------------------------------------------------------------------------
# The data literals


def number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def wrapped(items: Sequence[str], indent: str) -> list[str]:
    """Comma-terminated items filled into lines of at most LINE_LENGTH characters."""
    width = LINE_LENGTH - len(indent)
    lines = textwrap.wrap(" ".join(f"{i}," for i in items), width=width, break_on_hyphens=False)
    return [indent + line for line in lines]


def string_pieces(text: str, width: int) -> list[str]:
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
