"""The session's side of training: submit to the executor, reattach after a reload, collect.

A session keeps only a handle on its run (and the run's id in the URL, ``?run=<id>``), so a
reload or a second tab finds the run again; with a login configured, only its owner's
(:mod:`rnnviz.train.owners`): another user's ``?run=`` is refused. When the run ends, the
worker has saved it in the run store; :func:`collect_finished_run` loads it once as the
session's job for Inspect.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import streamlit as st

from rnnviz.common.messages import user_message
from rnnviz.common.safe import plain
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.service.executor import RunHandle, default_executor, new_run_id
from rnnviz.service.request import TrainRequest, prepare_key
from rnnviz.tasks.base import Job, Task, data_key
from rnnviz.tasks.registry import get_task
from rnnviz.train.owners import REFUSAL, may_view
from rnnviz.ui import nav
from rnnviz.ui.identity import current_viewer
from rnnviz.ui.persist import run_store
from rnnviz.ui.state import require, session
from rnnviz.ui.url import RUN_KEY, drop_from_url, keep_in_url, run_in_url
from rnnviz.ui.widgets import spec_from_widgets, train_spec_from_widgets

PREPARE_ENV = "RNNVIZ_PREPARE_AHEAD"  # "0": no run is prepared ahead of the Train click
SAVE_WAIT_SECONDS = 120.0  # the longest Inspect waits for a trained run to be saved
_WARMING = False  # the server process has started creating its executor


def warm_up_executor() -> None:
    """Create the executor (and so its warm spare worker) in the background, before the first
    Train click, so the first run does not wait for TensorFlow to import."""
    global _WARMING
    if not _WARMING:
        _WARMING = True
        threading.Thread(target=default_executor, name="rnnviz-warm-up", daemon=True).start()


def train_request(task: str, data, spec: ModelSpec, train: TrainSpec) -> TrainRequest:
    """The request that trains ``spec`` on ``data`` for this session's viewer. The spec is
    completed from ``data`` here (its horizon, classes, vocabulary): a spec built on other data
    never trains."""
    model_spec = get_task(task).model_spec(spec, data)
    root, owner = str(run_store().root), current_viewer().owner
    return TrainRequest(task, data, model_spec, train, root, owner=owner)


def prepare_run(task: str, data, spec: ModelSpec, train: TrainSpec) -> None:
    """Tell the executor the run a Train click would submit now, so a worker builds its model
    and traces its train step before the click (returns at once; see
    ``LocalExecutor.prepare_ahead``). Settings Keras refuses are left for the click to report.
    Not the run this session has just trained (the same request): the worker that would prepare
    it again would take CPU from the pages that show that run. ``RNNVIZ_PREPARE_AHEAD=0`` turns
    this off (the page tests: their many data sets would each be prepared for nothing)."""
    if os.environ.get(PREPARE_ENV, "1") == "0":
        return
    try:
        request = train_request(task, data, spec, train)
    except ValueError:
        return
    last = session().run_handle
    if last is not None and same_run(last.request, request):
        return
    default_executor().prepare_ahead(request)


def prepare_described_run(task: str) -> None:
    """Prepare the run the Build and Train controls describe now on the session's data of
    ``task`` (see :func:`prepare_run`): from the Data page on, a worker gets ready for a Train
    click that keeps the recipe's model."""
    data = session().data.get(task)
    if data is None:
        return
    try:
        spec, train = spec_from_widgets(get_task(task)), train_spec_from_widgets()
    except (KeyError, ValueError):  # controls not seeded yet, or values a spec refuses
        return
    prepare_run(task, data, spec, train)


def same_run(a: TrainRequest, b: TrainRequest) -> bool:
    """Whether two requests train the same run (task, data, specs; paths and owner aside)."""
    return a.train_spec == b.train_spec and prepare_key(a) == prepare_key(b)


def submit_run(task: str, data, spec: ModelSpec, train: TrainSpec) -> RunHandle:
    """Queue a run of ``task`` on its ``data`` object for this session; it trains in a worker,
    never in the server. The run's id reaches the URL first, before anything that may take a
    while (the executor may still be starting its first worker), so a reload or a second tab
    opened at once finds this run, not the previous one."""
    run_id = new_run_id()
    keep_in_url(task=task, run=run_id)
    handle = default_executor().submit(train_request(task, data, spec, train), run_id)
    current = session()
    current.run_handle, current.collected, current.collect_error = handle, None, ""
    return handle


def submit_analysis(
    task: str, name: str, data: Any, spec: ModelSpec, train: TrainSpec, steps: int
) -> RunHandle:
    """Queue a task's analysis (e.g. a forecast's backtest of ``steps`` folds) in a worker."""
    root = str(run_store().root)
    owner = current_viewer().owner
    request = TrainRequest(
        task, data, spec, train, root, analysis=name, analysis_steps=steps, owner=owner
    )
    return default_executor().submit(request)


def current_handle() -> RunHandle | None:
    """This session's run, or the run named in the URL (after a reload, or in a second tab),
    when its owner is the viewer; another user's is refused, with a note, and leaves the URL."""
    current = session()
    handle = current.run_handle
    run_id = run_in_url()
    if handle is None and run_id:
        handle = default_executor().get(run_id)
        if handle is not None and not may_view(current_viewer(), handle.request.owner):
            st.warning(REFUSAL)
            drop_from_url(RUN_KEY)
            return None
        if handle is not None:
            reattach(handle)
    if handle is not None:
        keep_in_url(run=handle.id)  # kept in the URL on every page, for a reload
    return handle


def reattach(handle: RunHandle) -> None:
    """Make a run found through the URL this session's: its task is chosen (it wins over the
    task in the URL) and, when the session has no data for that task yet (a fresh session), the
    data the run was trained on becomes the session's, so Train shows the run."""
    current = session()
    task = handle.request.task
    current.run_handle = handle
    current.data.setdefault(task, handle.request.data)
    if current.task != task:
        current.pending_task = task


def trained_on(handle: RunHandle, data: Any) -> bool:
    """Whether ``handle``'s run was trained on ``data`` (the same object or the same content;
    True when there is no data to compare with)."""
    trained = handle.request.data
    return data is None or trained is data or data_key(trained) == data_key(data)


def collect_finished_run() -> None:
    """Once this session's run has ended, load its saved model as the job Inspect reads (on the
    data it was trained on, through its task's restore); says so when it cannot be loaded."""
    handle = current_handle()
    current = session()
    if handle is None or not handle.done:
        return
    saved_as = None
    with current.collecting:  # a stopped run of this session may still be loading it
        if current.collected is not handle:
            saved_as = _load_saved_run(handle)
            current.collected = handle  # only once loaded, or once it failed to load
    if saved_as:
        st.toast(f"Run saved: {saved_as}")
    if current.collect_error:
        st.error(plain(current.collect_error))


def finished_job(task: Task, message: str) -> Job:
    """The session's trained (or reopened) job of ``task``, a run that ended meanwhile collected
    first (one whose training has ended while its worker saves it is waited for); without one the
    page stops with ``message`` and a link to Train."""
    handle = current_handle()
    if handle is not None and handle.request.task == task.name:
        if handle.snapshot().status == "saving":
            with st.spinner("Saving the run..."):
                handle.result(SAVE_WAIT_SECONDS)
    collect_finished_run()
    job = session().job
    require(
        task.owns(job) and job.run.snapshot().has_result,
        message,
        nav.pages().train,
        "Go to Train",
        ":material/model_training:",
    )
    return job


def _load_saved_run(handle: RunHandle) -> str | None:
    """Load ``handle``'s saved run as the session's job; its run id, or None when it has none
    (``collect_error`` says why when it could not be loaded). No Streamlit call in here: a
    page change stops a run at its next one, and this must finish or fail on its own."""
    current = session()
    result = handle.result(0)
    if result is None or result.run_id is None:
        return None
    store = run_store()
    try:
        record = store.get(result.run_id)
        task = get_task(handle.request.task)
        job = task.restore(record, store.load_model(result.run_id), handle.request.data)
    except (OSError, ValueError, KeyError) as error:
        current.collect_error = "The trained model could not be loaded: " + user_message(
            error, "its saved files in the run store cannot be read (see the Runs page)."
        )
        return None
    job.run.set_state(handle.snapshot())
    current.job, current.job_from = job, handle
    return record.run_id
