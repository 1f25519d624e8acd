"""What the server asks a worker for and what it gets back: picklable, plain values."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.base import Job, data_key, digest
from rnnviz.tasks.registry import get_task
from rnnviz.train.owners import LOCAL_OWNER
from rnnviz.train.runstate import RunState


@dataclass(frozen=True)
class TrainRequest:
    """Everything a worker needs to train one run; picklable (specs, data, paths)."""

    task: str  # a registered task (rnnviz.tasks)
    data: Any  # the task's data object: ForecastData, SentimentData, ...
    model_spec: ModelSpec
    train_spec: TrainSpec
    runs_root: str
    checkpoint_path: str | None = None  # best weights, written by the worker as they improve
    return_files: bool = False  # send the saved run back as bytes (worker on another machine)
    finalize_from: str | None = None  # save a run from this checkpoint instead of training
    final_state: RunState | None = None  # the run's state when finalizing
    analysis: str = (
        ""  # a task's analysis to run instead of training (Task.analyse), e.g. a backtest
    )
    analysis_steps: int = 0  # its size (e.g. folds); progress counts these steps
    owner: str = LOCAL_OWNER  # who asked for it (rnnviz.train.owners): its saved run is theirs

    @property
    def dataset_name(self) -> str:
        return get_task(self.task).dataset_name(self.data)

    def build_job(self) -> Job:
        """A fresh, seeded job (the same initial weights wherever it is built)."""
        return get_task(self.task).make_job(self.data, self.model_spec, self.train_spec)


def prepare_key(request: TrainRequest) -> str:
    """What a job prepared ahead of the Train click depends on: the task, the data's content,
    the model spec and every training setting but the epoch count (a prepared job takes a new
    one when it starts, see ``TrainingRun.set_epochs``)."""
    train = replace(request.train_spec, epochs=0)
    return digest(request.task, data_key(request.data), request.model_spec, train)


@dataclass(frozen=True)
class RunResult:
    """How a run ended on the worker: the saved run's id, or why there is none."""

    run_id: str | None = None
    parameters: int | None = None
    error: str = ""  # the job could not be built or run
    save_error: str = ""  # trained, but the run could not be saved
    files: dict[str, bytes] | None = field(default=None, repr=False)
    analysis: Any = None  # what an analysis request found (e.g. a forecast backtest's folds)
