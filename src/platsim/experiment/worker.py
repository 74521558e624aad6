"""The function every executor runs: one model run, its files written by the worker itself.

:func:`execute_run` is a top-level function of a module that imports neither Mesa nor the
model at import time, so process pools started with ``spawn`` and Dask workers can unpickle
it cheaply; :func:`platsim.simulation.run` is imported on first use.

Files, each written atomically (temporary name, then rename), in this order:
``metrics/<run_id>.parquet``, ``panel/<run_id>.parquet`` (when the run has a panel),
``platforms/<run_id>.parquet`` (when it has platforms and they are recorded),
``lorenz/<run_id>.parquet`` (the Lorenz curve of household income; every run has one), and
last ``status/<run_id>.json``, which records each data file's rows, size and SHA-256. A run
counts as done only once its status file exists, so a worker killed at any moment leaves at
worst data files that the resumed batch rewrites.

Forcing failures (tests, drills): when the environment variable ``PLATSIM_FAIL_RUNS`` holds
comma-separated shell patterns (``fnmatch``), every run whose id matches raises
:class:`InjectedFailure` instead of running. Workers read it from their own environment,
which process pools and local Dask clusters inherit from the driver.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from platsim.experiment.files import DATA_KINDS, MANIFEST, data_path, file_check, status_path
from platsim.experiment.tasks import RunSummary, RunTask
from platsim.output import write_json, write_parquet

if TYPE_CHECKING:
    from platsim.simulation import RunOutputs

#: Environment variable naming the run ids (shell patterns, comma-separated) made to fail.
FAIL_RUNS_VARIABLE = "PLATSIM_FAIL_RUNS"


class InjectedFailure(RuntimeError):
    """Raised for runs selected by ``PLATSIM_FAIL_RUNS``."""


class WorkerTerminated(SystemExit):
    """Raised in a pool worker by SIGTERM (see :func:`exit_on_sigterm`)."""


def exit_on_sigterm() -> None:
    """Make SIGTERM end this worker process cleanly (pool initializer).

    The signal raises :class:`WorkerTerminated`: a file being written is removed as the
    exception unwinds (the atomic writes clean up their temporary file), then the process
    exits with code 143 instead of taking its next task; an idle worker just exits.
    """

    def terminate(number: int, frame: object) -> None:
        raise WorkerTerminated(128 + number)

    signal.signal(signal.SIGTERM, terminate)


def execute_run(task: RunTask) -> RunSummary:
    """Make one run, write its files, and return a small summary; never raises for the run.

    An exception raised by the model (or by writing its files) is caught: the run's data
    files are removed, and the summary and status file record the failure with its traceback.
    A worker terminated by SIGTERM meanwhile (see :func:`exit_on_sigterm`) exits at once,
    leaving no temporary file.

    Args:
        task: The run to make.

    Returns:
        The run's summary (``recorded`` is False only if the status file could not be
        written, e.g. the results directory is not visible from this worker).
    """
    try:
        return _execute(task)
    except WorkerTerminated as stop:
        os._exit(int(stop.code or 1))


def _execute(task: RunTask) -> RunSummary:
    from platsim.simulation import run  # the model (and Mesa) load in the worker, on first use

    started = time.perf_counter()  # a run's wall time leaves that import out
    host = f"{socket.gethostname()}:{os.getpid()}"
    directory = Path(task.directory)
    if not (directory / MANIFEST).is_file():
        return RunSummary(
            run_id=task.run_id,
            status="failed",
            error=(
                f"ResultsDirectoryMissing: {directory} has no {MANIFEST} on {host}; workers "
                "need the results directory on a shared filesystem"
            ),
            wall_seconds=round(time.perf_counter() - started, 6),
            host=host,
            recorded=False,
        )
    try:
        checks = _run_and_write(run, task, directory)
    except Exception as error:
        remove_data_files(directory, task.run_id)
        summary = RunSummary(
            run_id=task.run_id,
            status="failed",
            error=f"{type(error).__name__}: {error}",
            traceback=traceback.format_exc(),
            wall_seconds=round(time.perf_counter() - started, 6),
            host=host,
        )
    else:
        summary = RunSummary(
            run_id=task.run_id,
            status="ok",
            wall_seconds=round(time.perf_counter() - started, 6),
            files=tuple(checks),
            host=host,
            checks=checks,
        )
    try:
        write_json(summary.to_record(), status_path(directory, task.run_id))
    except OSError:
        return replace(summary, recorded=False)
    return summary


def _run_and_write(
    run: Callable[..., RunOutputs], task: RunTask, directory: Path
) -> dict[str, dict[str, int | str]]:
    """Make the run and write its data files; return each file's check, by kind."""
    _inject_failure(task.run_id)
    outputs = run(task.scenario, task.seed, task.steps, overrides=task.overrides or None)
    frames = {
        "metrics": outputs.metrics,
        "panel": outputs.panel,
        "platforms": outputs.platforms if task.record_platforms else None,
        "lorenz": outputs.lorenz,
    }
    checks = {}
    for kind, frame in frames.items():
        if frame is None or len(frame) == 0:
            continue
        if "run_id" in frame.columns:
            frame = frame.drop(columns="run_id")
        frame.insert(0, "run_id", task.run_id)
        path = data_path(directory, kind, task.run_id)
        write_parquet(frame, path)
        checks[kind] = file_check(path, len(frame))
    return checks


def _inject_failure(run_id: str) -> None:
    patterns = os.environ.get(FAIL_RUNS_VARIABLE, "")
    for pattern in filter(None, (part.strip() for part in patterns.split(","))):
        if fnmatch.fnmatchcase(run_id, pattern):
            raise InjectedFailure(f"run {run_id} made to fail ({FAIL_RUNS_VARIABLE}={patterns})")


def remove_data_files(directory: str | Path, run_id: str) -> None:
    """Remove a run's data files (those of a failed run, which may be partly written)."""
    for kind in DATA_KINDS:
        data_path(directory, kind, run_id).unlink(missing_ok=True)
