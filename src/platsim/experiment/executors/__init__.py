"""Executors: run one function over many tasks and yield each outcome as it finishes.

All executors share one base class (:class:`~platsim.experiment.executors.base.Executor`):
a context manager that starts and stops its resources, and :meth:`Executor.map_unordered`,
which yields ``(task, outcome)`` pairs in completion order, the outcome being the function's
result or the exception the infrastructure raised (a dead worker process, a lost Dask
worker). They know nothing of runs, scenarios or Mesa, and hold at most a small window of
tasks in flight, so the driver's memory does not grow with the number of tasks.

- ``local``: in the calling process, one task at a time (debugging, profiling);
- ``process``: a ``spawn`` process pool on this machine (the default);
- ``dask``: a Dask distributed cluster, given by its scheduler address or started locally.
"""

from __future__ import annotations

import os
from importlib import import_module

from platsim.errors import InputError
from platsim.experiment.executors.base import Executor

#: Executor names accepted by ``--executor``, and the module and class of each (imported only
#: when made: the Dask one needs the ``distributed`` extra).
EXECUTORS: dict[str, tuple[str, str]] = {
    "local": ("platsim.experiment.executors.local", "LocalExecutor"),
    "process": ("platsim.experiment.executors.process", "ProcessExecutor"),
    "dask": ("platsim.experiment.executors.dask", "DaskExecutor"),
}


def default_workers() -> int:
    """The number of CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def make_executor(
    name: str, *, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """Build (without starting) the executor called ``name``.

    Args:
        name: ``local``, ``process`` or ``dask``.
        workers: Worker processes (process pool, local Dask cluster); default: all cores.
        scheduler: Address of a running Dask scheduler (``tcp://host:8786``); dask only.

    Raises:
        InputError: Unknown name, workers below 1, or a scheduler with another executor.
    """
    if name not in EXECUTORS:
        raise InputError(
            "unknown executor", field="--executor", value=name, allowed=", ".join(EXECUTORS)
        )
    if workers is not None and workers < 1:
        raise InputError("must be at least 1", field="--workers", value=workers)
    if scheduler is not None and name != "dask":
        raise InputError(
            f"a scheduler address needs the dask executor, not {name}",
            field="--scheduler",
            value=scheduler,
            allowed="--executor dask --scheduler tcp://HOST:PORT",
        )
    module, class_name = EXECUTORS[name]
    executor: type[Executor] = getattr(import_module(module), class_name)
    if name == "dask":
        return executor(workers or default_workers(), scheduler=scheduler)
    return executor(workers or default_workers())
