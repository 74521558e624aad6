"""The process-pool executor: worker processes on this machine, started with ``spawn``.

``spawn`` is what Mesa imposes anyway (importing it sets the start method) and it is safe
with threads. Workers run with one BLAS/OpenMP thread each (``OMP_NUM_THREADS=1`` and
friends, set while the pool starts them): parallelism comes from the processes, and a run's
floating-point results then do not depend on the number of threads. A worker whose driver
dies (even by SIGKILL) exits at once instead of finishing its task. A worker that dies (out
of memory, signal) fails the tasks it held; the pool is started again and the batch goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from typing import Any

from platsim.experiment.executors.base import Executor

#: Thread-count variables of BLAS and OpenMP libraries, set to 1 in worker processes.
THREAD_VARIABLES: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Set :data:`THREAD_VARIABLES` to 1 in ``os.environ`` (so processes started meanwhile
    inherit them) and restore the previous values afterwards."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def exit_with_parent() -> None:
    """Pool initializer: end this worker as soon as the process that started it dies, and
    cleanly on SIGTERM (:func:`~platsim.experiment.worker.exit_on_sigterm`)."""
    from platsim.experiment.worker import exit_on_sigterm

    exit_on_sigterm()
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent's sentinel closes, i.e. the parent is gone
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class ProcessExecutor(Executor):
    """A pool of ``workers`` spawned processes on this machine."""

    name = "process"

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self._pool: ProcessPoolExecutor | None = None

    def _start_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=exit_with_parent,
        )

    def start(self, resources: ExitStack) -> None:
        """Start the pool, its workers single-threaded; stop it, cancelling tasks not started."""
        resources.enter_context(single_threaded_children())
        self._pool = self._start_pool()
        resources.callback(self._stop_pool)

    def _stop_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _restart_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start_pool()

    def map_unordered(
        self, function: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """Run tasks on the pool, at most ``2 * workers`` submitted at a time."""
        if self._pool is None:
            raise RuntimeError("use the executor in a with-block")
        window = 2 * self.workers
        waiting = iter(tasks)
        pending: dict[Future[Any], Any] = {}
        exhausted = False
        held: Any = _END  # a task refused by a pool that broke since the last wait
        try:
            while True:
                while not exhausted and len(pending) < window:
                    if held is _END:
                        task = next(waiting, _END)
                    else:
                        task, held = held, _END
                    if task is _END:
                        exhausted = True
                        break
                    try:
                        pending[self._pool.submit(function, task)] = task
                    except BrokenProcessPool:
                        # a worker died while the caller handled the last outcome: the task
                        # never ran; it goes to the restarted pool
                        held = task
                        break
                if not pending:
                    if held is _END:
                        return
                    self._restart_pool()
                    continue
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool as error:
                        broken = True
                        outcome = error
                    except Exception as error:
                        outcome = error
                    yield task, outcome
                if broken:
                    # every task still pending on the dead pool fails the same way
                    for future, task in list(pending.items()):
                        try:
                            outcome = future.result()
                        except Exception as error:
                            outcome = error
                        yield task, outcome
                    pending.clear()
                    self._restart_pool()
        finally:
            for future in pending:
                future.cancel()

    def describe(self) -> str:
        return f"process pool, {self.workers_text()}"


_END = object()
