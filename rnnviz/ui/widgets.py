"""Reusable widget groups that return plain values (specs). Keys start with ``w_``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from typing import Any

import streamlit as st

from rnnviz.common.safe import plain
from rnnviz.model.spec import (
    CELLS,
    KEEP_WEIGHTS,
    LR_SCHEDULES,
    MERGE_MODES,
    TOPOLOGY_LABELS,
    ModelSpec,
    TrainSpec,
    lookahead_reason,
)
from rnnviz.tasks.base import Control, Task
from rnnviz.tasks.registry import TASK_NAMES, get_task
from rnnviz.train.owners import may_view
from rnnviz.ui.identity import current_viewer
from rnnviz.ui.persist import run_store
from rnnviz.ui.state import KeptUpload, session, set_widget_defaults


def builtin_choice(label: str, catalog: Mapping[str, Any], key: str) -> str:
    """A select box over a catalogue of built-in data sets (entries with ``title`` and
    ``description``), the chosen one's description under it; returns the chosen key."""
    chosen = st.selectbox(label, list(catalog), format_func=lambda k: catalog[k].title, key=key)
    st.caption(catalog[chosen].description)
    return chosen


def recipe_widget_values(model: ModelSpec, train: TrainSpec) -> dict:
    """Widget values (keys without the prefix) that describe a model and training recipe."""
    return dict(
        cell=model.cell,
        bidirectional=model.bidirectional,
        merge_mode=model.merge_mode,
        depth=model.depth,
        stateful=model.stateful,
        stateful_batch_size=model.stateful_batch_size,
        dropout=model.dropout,
        recurrent_dropout=model.recurrent_dropout,
        output_dropout=model.output_dropout,
        topology=model.topology,
        architecture=model.architecture,
        embedding_dim=model.embedding_dim,
        **{f"units_{i}": model.units[min(i, model.depth) - 1] for i in range(1, 5)},
        optimizer=train.optimizer,
        learning_rate=train.learning_rate,
        batch_size=train.batch_size,
        epochs=train.epochs,
        seed=train.seed,
        early_stopping=train.early_stopping,
        patience=train.patience,
        keep_weights=train.keep_weights,
        lr_schedule=train.lr_schedule,
    )


def apply_task_recipe(task: str) -> None:
    """Reset the Build and Train controls to a task's recipe when the task changes: the one for
    the data its Data page holds (coming back to a task keeps its data's recipe)."""
    current = session()
    if current.recipe_task == task:
        return
    model, train = get_task(task).recipe_for(current.data.get(task))
    set_widget_defaults(
        recipe_widget_values(model, train), overwrite=current.recipe_task is not None
    )
    current.recipe_task = task


def model_spec_ui(task: Task) -> ModelSpec:
    """Every Build page control the task offers; returns the spec they describe.

    A task with one topology shows its note instead of a choice; a task that reads token ids asks
    for an Embedding size; statefulness is offered only where the task allows it. A task with its
    own architectures offers them first, with their settings.
    """
    architecture = architecture_ui(task)
    c1, c2, c3 = st.columns(3)
    c1.radio("Cell", CELLS, horizontal=True, key="w_cell")
    if len(task.topologies) == 1:
        c2.markdown(task.topology_note)
    else:
        c2.radio("Topology", task.topologies, format_func=TOPOLOGY_LABELS.get, key="w_topology")
    if task.embedding:
        c2.number_input("Embedding size", 2, 512, key="w_embedding_dim")
    if task.bidirectional_refusal:  # refused for this task: say why instead of offering it
        c3.caption(plain(task.bidirectional_refusal))
    else:
        bidirectional = c3.toggle("Bidirectional", key="w_bidirectional")
        c3.selectbox("Merge mode", MERGE_MODES, key="w_merge_mode", disabled=not bidirectional)
    depth = task.fixed_depth(architecture) or st.slider(
        "Depth (stacked layers)", 1, 4, key="w_depth"
    )
    unit_columns = st.columns(4)
    for i in range(depth):
        unit_columns[i].number_input(f"Units, layer {i + 1}", 1, 512, key=f"w_units_{i + 1}")
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.slider("Dropout", 0.0, 0.8, step=0.05, key="w_dropout", help="Of each layer's inputs.")
    c2.slider("Recurrent dropout", 0.0, 0.8, step=0.05, key="w_recurrent_dropout")
    c3.slider(
        "Output dropout",
        0.0,
        0.8,
        step=0.05,
        key="w_output_dropout",
        help="Of the last recurrent layer's outputs, before the head.",
    )
    if task.stateful:  # the stateful batch size is hidden where it does not apply
        stateful = c4.toggle("Stateful", key="w_stateful")
        c5.number_input(
            "Stateful batch size", 1, 256, key="w_stateful_batch_size", disabled=not stateful
        )
    return spec_from_widgets(task)


def architecture_ui(task: Task) -> str:
    """The architecture radio and the chosen one's settings (nothing for a task without its own
    architectures); returns the architecture's name."""
    if not task.architectures:
        return "recurrent"
    names = ("recurrent", *task.architectures)
    labels = {"recurrent": "Plain recurrent", **task.architectures}
    st.session_state.setdefault("w_architecture", "recurrent")
    if st.session_state["w_architecture"] not in names:  # a value another task left
        st.session_state["w_architecture"] = "recurrent"
    architecture = st.radio(
        "Architecture",
        names,
        format_func=labels.get,
        horizontal=True,
        key="w_architecture",
        on_change=_apply_architecture_settings,
        args=(task,),
    )
    if settings := task.architecture_settings(architecture):
        listed = ", ".join(
            f"{name.replace('_', ' ')} {value:g}" for name, value in settings.items()
        )
        st.caption(f"Picking it sets its own defaults: {listed} (change them below and on Train).")
    controls = task.architecture_controls(architecture)
    for column, control in zip(st.columns(max(1, len(controls))), controls, strict=False):
        _control_widget(column, control, _control_key(architecture, control))
    return architecture


def _apply_architecture_settings(task: Task) -> None:
    """Set the controls an architecture picks for itself (an ``on_change`` callback: it runs
    before the controls are drawn again)."""
    chosen = st.session_state.get("w_architecture", "recurrent")
    set_widget_defaults(task.architecture_settings(chosen), overwrite=True)


def _control_key(architecture: str, control: Control) -> str:
    return f"w_opt_{architecture}_{control.name}"


def _control_widget(where: Any, control: Control, key: str) -> None:
    """One architecture setting's widget, seeded with its default."""
    st.session_state.setdefault(key, control.default)
    label = dict(zip(control.choices, control.choice_labels, strict=False)).get
    shown = (lambda v: label(v) or str(v)) if control.choice_labels else str
    if control.kind == "number":
        where.number_input(control.label, control.low, control.high, key=key, help=control.help)
    elif control.kind == "choice":
        where.selectbox(control.label, control.choices, format_func=shown, key=key)
    else:
        where.multiselect(control.label, control.choices, format_func=shown, key=key)


def architecture_from_widgets(task: Task) -> tuple[str, tuple[tuple[str, object], ...]]:
    """The architecture the Build controls chose and its settings as ``ModelSpec.options``."""
    architecture = st.session_state.get("w_architecture", "recurrent")
    if architecture not in task.architectures:  # the plain stack, with the task's settings of it
        architecture = "recurrent"
    options = []
    for control in task.architecture_controls(architecture):
        value = st.session_state.get(_control_key(architecture, control), control.default)
        options.append((control.name, tuple(value) if isinstance(value, list) else value))
    return architecture, tuple(options)


def spec_from_widgets(task: Task) -> ModelSpec:
    """The spec the Build controls describe, read from their values: what :func:`model_spec_ui`
    returns, also on a page that does not draw them (a value typed just before leaving Build
    reaches the next page's run, while the Build run that would have stored its spec was cut
    short by the page change)."""
    value = st.session_state.__getitem__
    refused = bool(task.bidirectional_refusal)
    architecture, options = architecture_from_widgets(task)
    depth = task.fixed_depth(architecture) or int(value("w_depth"))
    return ModelSpec(
        cell=value("w_cell"),
        units=tuple(int(value(f"w_units_{i}")) for i in range(1, depth + 1)),
        bidirectional=not refused and bool(value("w_bidirectional")),
        merge_mode=ModelSpec.merge_mode if refused else value("w_merge_mode"),
        stateful=task.stateful and bool(value("w_stateful")),
        stateful_batch_size=(
            int(value("w_stateful_batch_size")) if task.stateful else ModelSpec.stateful_batch_size
        ),
        dropout=float(value("w_dropout")),
        recurrent_dropout=float(value("w_recurrent_dropout")),
        output_dropout=float(st.session_state.get("w_output_dropout", 0.0)),
        topology=task.topologies[0] if len(task.topologies) == 1 else value("w_topology"),
        embedding_dim=int(value("w_embedding_dim")) if task.embedding else ModelSpec.embedding_dim,
        architecture=architecture,
        options=options,
    )


def current_spec(task: Task, data: Any) -> ModelSpec | None:
    """The model built on Build as its controls describe it now, completed from the current data
    (its horizon, classes, vocabulary): a value typed there just before leaving the page reaches
    the next page's run (the Build run that would have built it was cut short by the page
    change), and data chosen since Build ran changes the model with it. None until Build ran, or
    when the controls now describe a model that cannot be built."""
    current = session()
    built = current.built_spec()
    if built is None or data is None:
        return built
    controls = built if current.built_controls is None else spec_from_widgets(task)  # None: seeded
    try:
        described = task.model_spec(controls, data)
    except ValueError:  # settings the task refuses for this data (Build says why)
        described = None
    valid = described is not None and lookahead_reason(described) is None
    current.model_spec = described if valid else None
    current.model_task = task.name if valid else None
    return current.built_spec()


LEARNING_RATES = tuple(m * 10.0**e for e in range(-5, 0) for m in (1, 2, 5))  # 1e-5 .. 0.5


def learning_rate_choices() -> list[float]:
    """Log-spaced learning rates (1, 2, 5 per decade) and every task recipe's own rate.

    Fixed for the process: a select slider sends its choice as a position in this list.
    """
    rates = {round(rate, 12) for rate in LEARNING_RATES}
    rates |= {get_task(name).default_recipe()[1].learning_rate for name in TASK_NAMES}
    return sorted(rates)


def nearest_rate(rate: float, choices: list[float]) -> float:
    """The choice closest to ``rate`` on a log scale (a rate set before the choices existed)."""
    return min(choices, key=lambda choice: abs(math.log(choice) - math.log(rate)))


def train_spec_ui(fixed_batch_size: int | None = None) -> TrainSpec:
    """Optimizer, learning rate, batch size, epochs, seed and early stopping.

    ``fixed_batch_size``: the model trains in batches of this size whatever is chosen here (a
    stateful model's); the Batch size field is then disabled and says so.
    """
    c1, c2, c3 = st.columns(3)
    c1.selectbox("Optimizer", ["adam", "rmsprop", "sgd"], key="w_optimizer")
    rates, chosen = learning_rate_choices(), st.session_state.get("w_learning_rate")
    if chosen is not None and chosen not in rates:
        set_widget_defaults({"learning_rate": nearest_rate(float(chosen), rates)}, overwrite=True)
    c1.select_slider("Learning rate", rates, format_func="{:g}".format, key="w_learning_rate")
    st.session_state.setdefault("w_lr_schedule", TrainSpec.lr_schedule)
    c1.selectbox(
        "Learning-rate schedule",
        list(LR_SCHEDULES),
        format_func=LR_SCHEDULES.get,
        key="w_lr_schedule",
    )
    c2.number_input(
        "Batch size", 1, 1024, key="w_batch_size", disabled=fixed_batch_size is not None
    )
    if fixed_batch_size is not None:
        c2.caption(
            f"Not used: a stateful model trains in batches of its stateful batch size, "
            f"{fixed_batch_size} (set on Build)."
        )
    c2.number_input("Epochs", 1, 2000, key="w_epochs")
    c3.number_input("Seed", 0, 2**31 - 1, key="w_seed")
    early = c3.toggle("Early stopping (on validation loss)", key="w_early_stopping")
    c3.number_input("Patience (epochs)", 1, 500, key="w_patience", disabled=not early)
    st.radio(
        "Weights to keep when training ends",
        list(KEEP_WEIGHTS),
        format_func=KEEP_WEIGHTS.get,
        horizontal=True,
        key="w_keep_weights",
    )
    return train_spec_from_widgets()


def train_spec_from_widgets() -> TrainSpec:
    """The training settings the Train controls describe, read from their values: what
    :func:`train_spec_ui` returns, also on a page that does not draw them (Build, to prepare
    the run a Train click would start)."""
    value = st.session_state.__getitem__
    return TrainSpec(
        optimizer=value("w_optimizer"),
        learning_rate=float(value("w_learning_rate")),
        batch_size=int(value("w_batch_size")),
        epochs=int(value("w_epochs")),
        seed=int(value("w_seed")),
        early_stopping=bool(value("w_early_stopping")),
        patience=int(value("w_patience")),
        keep_weights=value("w_keep_weights"),
        lr_schedule=st.session_state.get("w_lr_schedule", TrainSpec.lr_schedule),
    )


def forget_data(task: Task) -> None:
    """Drop the task's data from the session: after a refused file or setting, Build and Train
    ask for data again instead of going on with the previous data set."""
    session().data.pop(task.name, None)


def data_or_stop(dataset: Any, task: Task) -> None:
    """Stop the Data page, with no data kept for ``task``, while no data set is chosen or loaded
    (a bad file's error is already on it); otherwise show the loader's notes on the data set."""
    if dataset is None:
        forget_data(task)
        st.stop()
    for note in dataset.notes:
        st.info(plain(note))


class UploadNote:
    """The line under an uploader that says which kept file the page uses (see
    :func:`kept_upload`); :meth:`rows` adds how many rows the page read from it."""

    def __init__(self, upload: KeptUpload | None, fresh: bool) -> None:
        self.upload = upload
        self.slot = st.empty() if upload is not None and not fresh else None
        self.rows()

    def rows(self, count: int | None = None, unit: str = "rows") -> None:
        if self.slot is None or self.upload is None:
            return
        size = f"{count:,} {unit}" if count is not None else f"{len(self.upload.raw) / 1e3:,.1f} kB"
        self.slot.caption(
            plain(f"Using {self.upload.name} (uploaded, {size}) — upload another to replace it.")
        )


def kept_upload(label: str, types: list[str], key: str) -> tuple[KeptUpload | None, UploadNote]:
    """A file uploader whose file stays in the session: back on the page (where Streamlit's
    uploader is empty again) the last file is used, with a line saying so, until another is
    uploaded or the file is removed from the uploader. Returns the file (None before any) and
    the note under the uploader. ``key`` must not start with ``w_`` (an upload is no setting)."""
    current = session()

    def forget_if_removed() -> None:
        if st.session_state.get(key) is None:
            current.uploads.pop(key, None)

    upload = st.file_uploader(label, type=types, key=key, on_change=forget_if_removed)
    if upload is not None:
        kept = current.uploads.get(key)
        if kept is None or kept.name != upload.name or kept.raw != upload.getvalue():
            current.uploads[key] = KeptUpload(upload.name, upload.getvalue())
    kept = current.uploads.get(key)
    return kept, UploadNote(kept, fresh=upload is not None)


def same_data_note(task: Task, data: Any, key: Any) -> None:
    """Say which saved runs were trained on this very data (the same normalised content, whatever
    the file was called); ``key``: the page's content key of ``data``. Built-in data: nothing."""
    current = session()

    def content_address() -> str | None:
        stored = task.data_file(data)
        return stored.sha if stored is not None else None

    sha = current.memo(f"data_sha_{task.name}", key, content_address)
    viewer = current_viewer()  # with a login on, the signed-in user's runs only
    runs = run_store().runs_with_data(sha, partial(may_view, viewer)) if sha else []
    if runs:
        more = f" and {len(runs) - 1} more" if len(runs) > 1 else ""
        st.caption(plain(f"Same data as run {runs[0]}{more} (saved runs trained on these values)."))
