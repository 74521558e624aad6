"""Orchestration of a batch: experiment -> plan -> executor -> results store.

:func:`run_batch` is what ``platsim batch`` calls. The driver holds the plan (computed by
index), one small summary per finished run and a window of tasks in flight; the workers make
the runs and write their files. Everything is validated before anything runs.

In a script, call it under ``if __name__ == "__main__":``: process-pool workers are started
with ``spawn`` and import the main module.

    >>> from platsim.experiment.runner import run_batch
    >>> report = run_batch("experiments/governance_comparison.yaml")  # doctest: +SKIP
    >>> report.ok, report.failed, report.directory                    # doctest: +SKIP
    (330, 0, PosixPath('results/governance_comparison'))
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from platsim.experiment.executors import Executor, default_workers, make_executor
from platsim.experiment.plan import RunPlan
from platsim.experiment.progress import BatchProgress, SilentProgress
from platsim.experiment.spec import Experiment, load_experiment
from platsim.experiment.store import (
    ResultsStore,
    check_directory,
    lock_directory,
    remove_temporary_files,
)
from platsim.experiment.tasks import RunSummary, RunTask
from platsim.experiment.worker import execute_run

#: Failed runs listed in a report (the rest are in runs.parquet).
REPORTED_FAILURES = 20


class BatchTerminated(KeyboardInterrupt):
    """Raised in the driver when it receives SIGTERM during a batch: handled like Ctrl-C
    (the results so far are recorded, the manifest says "interrupted")."""

    #: The signal, for the exit code (128 + 15 = 143).
    signal_number = signal.SIGTERM


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`BatchTerminated` (once: a second SIGTERM
    during the clean-up is ignored). Outside the main thread nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def terminate(number: int, frame: object) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise BatchTerminated(f"terminated by signal {number}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class BatchReport:
    """What a batch did.

    Attributes:
        name: Experiment name.
        directory: Results directory.
        executor: Where the runs ran.
        total: Runs in the experiment.
        skipped: Runs already done before this session (``--resume``).
        damaged: ``(run_id, problem)`` of the runs recorded as done whose data files were
            missing or damaged (``--resume``): made again in this session.
        made: Runs made in this session.
        ok: Runs done ok, all sessions together.
        failed: Runs whose last attempt failed.
        pending: Runs not made (an interrupted batch).
        wall_seconds: Duration of this session.
        failures: ``(run_id, error)`` of the first failed runs of this session.
    """

    name: str
    directory: Path
    executor: str
    total: int
    skipped: int = 0
    damaged: list[tuple[str, str]] = field(default_factory=list)
    made: int = 0
    ok: int = 0
    failed: int = 0
    pending: int = 0
    wall_seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every run is done ok, 1 otherwise."""
        return 0 if self.failed == 0 and self.pending == 0 else 1


def default_directory(experiment: Experiment) -> Path:
    """Where results go without ``--out``: ``results/<experiment name>``."""
    return Path("results") / experiment.name


def run_batch(
    experiment: Experiment | str | Path,
    out: str | Path | None = None,
    *,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: BatchProgress | None = None,
    flush_seconds: float = 5.0,
) -> BatchReport:
    """Run every run of an experiment not done yet and write its results into ``out``.

    Args:
        experiment: An experiment, or the path of an experiment file.
        out: Results directory (default ``results/<name>``).
        executor: ``local``, ``process`` or ``dask``.
        workers: Worker processes (default: all cores; capped at the number of runs).
        scheduler: Dask scheduler address (``--executor dask`` only).
        resume: Complete the results already in ``out`` (same experiment only): runs done ok
            are skipped, missing and failed ones are made.
        progress: Where to report progress (default: nowhere).
        flush_seconds: Shortest interval between two rewrites of ``runs.parquet``.

    Returns:
        The batch's report; ``report.exit_code`` is 1 when a run failed.

    Raises:
        InputError: Bad experiment, options or results directory (also: another batch is
            writing it, or the plan is too big); nothing has run then.
        KeyboardInterrupt: Interrupted (SIGINT, or SIGTERM as :class:`BatchTerminated`); the
            results written so far are consistent, no temporary file of a write cut short is
            left once the workers have stopped, and ``resume=True`` completes them.
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    directory = Path(out) if out is not None else default_directory(experiment)
    plan = RunPlan(experiment)  # refuses a plan too big to hold, before anything is written
    if workers is None and executor != "local" and scheduler is None:
        workers = default_workers()
    if workers is not None:
        workers = min(workers, max(1, len(plan)))
    runner = make_executor(executor, workers=workers, scheduler=scheduler)
    with lock_directory(directory), sigterm_as_interrupt():
        return _run_locked(experiment, plan, directory, runner, resume, progress, flush_seconds)


def _run_locked(
    experiment: Experiment,
    plan: RunPlan,
    directory: Path,
    runner: Executor,
    resume: bool,
    progress: BatchProgress | None,
    flush_seconds: float,
) -> BatchReport:
    """The batch, once the directory is locked (see :func:`run_batch`)."""
    check_directory(directory, experiment, resume=resume)  # before starting any worker
    progress = progress or SilentProgress()
    report = BatchReport(
        name=experiment.name, directory=directory, executor=runner.describe(), total=len(plan)
    )
    started = time.monotonic()
    state, store = "interrupted", None
    try:
        with runner:
            store = ResultsStore.open(
                directory,
                plan,
                resume=resume,
                session={"executor": runner.describe(), "resumed": resume},
                flush_seconds=flush_seconds,
            )
            report.skipped = len(store.done)
            report.damaged = store.damaged
            shared = directory.resolve()  # workers elsewhere (Dask) need the full path
            tasks = (plan.task(run, shared) for run in plan if run.run_id not in store.done)
            progress.start(experiment.name, len(plan), len(store.done), 0)  # failed ones rerun
            try:
                for task, outcome in runner.map_unordered(execute_run, tasks):
                    summary = (
                        outcome if isinstance(outcome, RunSummary) else lost_run(task, outcome)
                    )
                    store.record(summary)
                    progress.advance(summary)
                    report.made += 1
                    if summary.status == "failed" and len(report.failures) < REPORTED_FAILURES:
                        report.failures.append((summary.run_id, summary.error or ""))
                state = "complete"
            finally:
                progress.stop()
                report.ok = len(store.done)
                report.failed = store.failed
                report.pending = len(plan) - len(store.statuses)
                report.wall_seconds = time.monotonic() - started
                session = {"made": report.made, "wall_seconds": round(report.wall_seconds, 3)}
                store.close(state, session)
    finally:
        if state != "complete" and store is not None:
            # the workers have stopped: remove the temporary files of writes they were killed in
            remove_temporary_files(directory)
    return report


def lost_run(task: RunTask, error: BaseException) -> RunSummary:
    """The summary of a run whose worker failed outside the run (died, lost, unreachable)."""
    return RunSummary(
        run_id=task.run_id,
        status="failed",
        error=f"{type(error).__name__}: {error}",
        traceback="".join(traceback.format_exception(error)),
        recorded=False,
    )
