"""The local executor: every task in the calling process, one after the other."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from typing import Any

from platsim.experiment.executors.base import Executor


class LocalExecutor(Executor):
    """Runs tasks in the calling process, in order (debugging, profiling, small batches)."""

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        super().__init__(1)  # one task at a time, whatever is asked

    def start(self, resources: ExitStack) -> None:
        """Nothing to start."""

    def map_unordered(
        self, function: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """Apply ``function`` to each task in turn; an exception is yielded, not raised."""
        for task in tasks:
            try:
                outcome = function(task)
            except Exception as error:
                outcome = error
            yield task, outcome

    def describe(self) -> str:
        return "local executor (in this process)"
