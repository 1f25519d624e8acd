"""The tasks: one package per task (its task class, data, model, job, recipes, figures), the
shared :mod:`rnnviz.tasks.base` protocol and the :mod:`rnnviz.tasks.registry`.

Kept empty, so that importing one task's module never imports every task."""
