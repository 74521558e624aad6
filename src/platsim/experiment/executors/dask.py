"""The Dask executor: tasks on a Dask distributed cluster.

With a scheduler address (``tcp://host:8786``) it connects to a running cluster (started with
``dask scheduler`` / ``dask worker``, or dask-jobqueue); without one it starts a
``LocalCluster`` of ``workers`` single-threaded worker processes bound to 127.0.0.1 (no
dashboard). Workers must have platsim installed and see the results directory (a shared
filesystem on a cluster): they write their runs' files themselves.

Dask's nanny starts workers with one BLAS/OpenMP thread (``distributed.nanny.pre-spawn-environ``),
as the process pool does, so results do not depend on the executor.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from typing import Any

from platsim.errors import InputError
from platsim.experiment.executors.base import Executor


class DaskExecutor(Executor):
    """Runs tasks on a Dask cluster (given, or local)."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        super().__init__(workers)
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None
        self._threads = 0
        self._threads_checked = 0.0

    def start(self, resources: ExitStack) -> None:
        """Connect to the scheduler, or start a local cluster; close them on exit."""
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise InputError(
                "the dask executor needs dask.distributed",
                field="--executor",
                value="dask",
                allowed="pip install 'platsim[distributed]', or --executor process",
            ) from None
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as error:
                raise InputError(
                    f"cannot connect to the Dask scheduler ({error})",
                    field="--scheduler",
                    value=self.scheduler,
                    allowed="the address `dask scheduler` prints, e.g. tcp://10.0.0.5:8786",
                ) from None
            resources.callback(self._close, "_client")
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # no dashboard; the scheduler's small HTTP server (health, metrics) on a free
                # local port rather than 8787 on every interface
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            )
            resources.callback(self._close, "_cluster")
            self._client = Client(self._cluster)
            resources.callback(self._close, "_client")

    def _close(self, attribute: str) -> None:
        resource = getattr(self, attribute)
        if resource is not None:
            resource.close()
            setattr(self, attribute, None)

    def _window(self) -> int:
        """Tasks to keep in flight: twice the cluster's threads (re-read every 5 s)."""
        if time.monotonic() - self._threads_checked > 5.0:
            self._threads = sum(self._client.nthreads().values())
            self._threads_checked = time.monotonic()
        return max(4, 2 * self._threads)

    def map_unordered(
        self, function: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """Submit tasks to the cluster, a window at a time; yield outcomes as they finish."""
        from dask.distributed import as_completed

        if self._client is None:
            raise RuntimeError("use the executor in a with-block")
        waiting = iter(tasks)
        owners: dict[str, tuple[Any, Any]] = {}  # future key -> (future, task)
        running = as_completed()
        exhausted = False

        def top_up() -> None:
            nonlocal exhausted
            while not exhausted and len(owners) < self._window():
                task = next(waiting, _END)
                if task is _END:
                    exhausted = True
                    return
                future = self._client.submit(function, task, pure=False)
                owners[future.key] = (future, task)
                running.add(future)

        top_up()
        try:
            while owners:
                future = next(running)
                _, task = owners.pop(future.key)
                try:
                    outcome = future.result()
                except Exception as error:
                    outcome = error
                future.release()
                yield task, outcome
                top_up()
        finally:
            if owners:
                running.clear()
                self._client.cancel([future for future, _ in owners.values()])

    def describe(self) -> str:
        if self.scheduler:
            return f"dask cluster at {self.scheduler}"
        return f"dask LocalCluster, {self.workers_text()}"


_END = object()
