"""Set-up every task of a job would repeat in its own process, done once before the tasks start.

The local executor forks its workers from the process that runs the job, so what that process
has imported (spaCy: ~0.6 s, pandas, an extraction engine) each worker has too, instead of
importing it again. A step opts in with a `preload()` method; nothing in it may depend on the
task (rank, data). Slurm tasks start their own processes: there preloading does not apply.
"""

from __future__ import annotations

import importlib
import inspect
from contextlib import suppress


def import_if_installed(*modules: str) -> None:
    """Import `modules`; a missing one is left to the task, which reports it where it is needed."""
    for name in modules:
        with suppress(ImportError):
            importlib.import_module(name)


def preload(pipeline: list, tasks: int | None = None, docs_per_task: float | None = None) -> None:
    """Run the `preload()` of every step of `pipeline` that has one. A hook gets those of these it
    has parameters for: `tasks`, how many tasks will fork from this process, and `docs_per_task`, the
    documents each reads (estimated from the input's size; None: unknown). Loading what a task may
    not need only pays when several tasks share it (the filters' word tokenizers)."""
    given = {"tasks": tasks, "docs_per_task": docs_per_task}
    for step in pipeline:
        hook = getattr(step, "preload", None)
        if callable(hook):
            parameters = inspect.signature(hook).parameters
            hook(**{name: value for name, value in given.items() if name in parameters})
