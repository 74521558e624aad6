"""The local executor: every task in the calling process, one after the other."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any


class LocalExecutor:
    """Runs tasks in the calling process, in order (debugging, profiling, small batches)."""

    name = "local"

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None

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
