"""Executors: run one function over many tasks and yield each outcome as it finishes.

All executors share one small interface (:class:`Executor`): a context manager that starts
and stops its resources, and :meth:`Executor.map_unordered`, which yields ``(task, outcome)``
pairs in completion order, the outcome being the function's result or the exception the
infrastructure raised (a dead worker process, a lost Dask worker). They know nothing of
runs, scenarios or Mesa, and hold at most a small window of tasks in flight, so the driver's
memory does not grow with the number of tasks.

- ``local``: in the calling process, one task at a time (debugging, profiling);
- ``process``: a ``spawn`` process pool on this machine (the default);
- ``dask``: a Dask distributed cluster, given by its scheduler address or started locally.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Protocol

from platsim.errors import InputError

#: Executor names accepted by ``--executor``.
EXECUTORS: tuple[str, ...] = ("local", "process", "dask")


class Executor(Protocol):
    """What the runner needs from an executor."""

    #: Short name (``local``, ``process``, ``dask``).
    name: str

    def __enter__(self) -> Executor:
        """Start the executor's resources (pool, cluster connection)."""
        ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Stop them, cancelling tasks not started."""
        ...

    def map_unordered(
        self, function: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """Apply ``function`` to every task; yield ``(task, result or exception)`` as each ends.

        Tasks are drawn from ``tasks`` lazily, a few more than there are workers at a time.
        """
        ...

    def describe(self) -> str:
        """One line: where the tasks run (e.g. ``process pool, 2 workers``)."""
        ...


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
    if name == "local":
        from platsim.experiment.executors.local import LocalExecutor

        return LocalExecutor()
    if name == "process":
        from platsim.experiment.executors.process import ProcessExecutor

        return ProcessExecutor(workers or default_workers())
    from platsim.experiment.executors.dask import DaskExecutor

    return DaskExecutor(workers=workers or default_workers(), scheduler=scheduler)
