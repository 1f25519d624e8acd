"""The task registry: every task the app offers, by name (light: no Keras at import).

Adding a task = its folder ``rnnviz/tasks/<name>/`` (and ``pages/<name>/``) and one line here.
"""

from __future__ import annotations

import importlib

from rnnviz.tasks.base import Task

TASK_FOLDERS: tuple[str, ...] = (
    "forecast",
    "sentiment",
    "sequences",
    "generation",
    "anomaly",
)  # one per task


def _load(folder: str) -> Task:
    """The task singleton ``TASK`` of ``rnnviz/tasks/<folder>/task.py``; its name is its folder's."""
    task = importlib.import_module(f"rnnviz.tasks.{folder}.task").TASK
    if task.name != folder:
        raise RuntimeError(f"the task in rnnviz/tasks/{folder}/ is named {task.name!r}")
    return task


TASKS: dict[str, Task] = {folder: _load(folder) for folder in TASK_FOLDERS}
TASK_NAMES: tuple[str, ...] = TASK_FOLDERS


def get_task(name: str) -> Task:
    """The registered task called ``name``; ValueError for an unknown one."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"task must be one of {TASK_NAMES}, got {name!r}") from None
