"""The executors' base class: the context manager is written once, here.

An executor starts its resources (a pool, a cluster connection) in :meth:`Executor.start`,
registering how to stop each on an :class:`~contextlib.ExitStack`; leaving the ``with`` block,
or a failure part-way through starting, stops them in reverse order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from types import TracebackType
from typing import Any, ClassVar, Self


class Executor(ABC):
    """Runs one function over many tasks, yielding each outcome as it finishes.

    Args:
        workers: How many tasks may run at once (worker processes, cluster workers).
    """

    #: The name ``--executor`` takes (``local``, ``process``, ``dask``).
    name: ClassVar[str]

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._resources: ExitStack | None = None

    def __enter__(self) -> Self:
        resources = ExitStack()
        with resources:  # stops what started if start() fails part-way
            self.start(resources)
            self._resources = resources.pop_all()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        resources, self._resources = self._resources, None
        if resources is not None:
            resources.close()

    @abstractmethod
    def start(self, resources: ExitStack) -> None:
        """Start the executor's resources; register how to stop each on ``resources``."""

    @abstractmethod
    def map_unordered(
        self, function: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """Apply ``function`` to every task; yield ``(task, result or exception)`` as each ends.

        Tasks are drawn from ``tasks`` lazily, a few more than there are workers at a time;
        leaving the loop early cancels the tasks not started.
        """

    def workers_text(self) -> str:
        """``1 worker``, ``2 workers``."""
        return f"{self.workers} worker{'s' if self.workers != 1 else ''}"

    @abstractmethod
    def describe(self) -> str:
        """One line: where the tasks run (e.g. ``process pool, 2 workers``)."""
