"""The task registry: every task the app offers, by name (light: no Keras at import).

Adding a task = one module here (a :class:`Task` subclass and its singleton), its Data and
Inspect page scripts, and its entry in :data:`TASKS`.
"""

from __future__ import annotations

from rnnviz.tasks.base import Export, Job, Note, Ranking, Task, data_key
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.tasks.generation.task import GENERATION, GenerationData
from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData
from rnnviz.tasks.sequences.task import SEQUENCES, SequencesData

TASKS: dict[str, Task] = {task.name: task for task in (FORECAST, SENTIMENT, SEQUENCES, GENERATION)}
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def get_task(name: str) -> Task:
    """The registered task called ``name``; ValueError for an unknown one."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"task must be one of {TASK_NAMES}, got {name!r}") from None


def task_of(job: Job) -> Task:
    return get_task(job.task)


__all__ = [
    "FORECAST",
    "GENERATION",
    "SENTIMENT",
    "SEQUENCES",
    "TASKS",
    "TASK_NAMES",
    "Export",
    "ForecastData",
    "GenerationData",
    "Job",
    "Note",
    "Ranking",
    "SentimentData",
    "SequencesData",
    "Task",
    "data_key",
    "get_task",
    "task_of",
]
