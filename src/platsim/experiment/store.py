"""The results directory of a batch, and what ``--resume`` may skip.

Layout::

    DIR/manifest.json              the experiment as given, its hash, platsim version,
                                   start/end times, machine summary, one entry per session
    DIR/design.parquet             design_point and one column per varied parameter
    DIR/runs.parquet               one row per planned run (see RunPlan.table)
    DIR/metrics/<run_id>.parquet   run_id, step and every outcome
    DIR/panel/<run_id>.parquet     the municipal panel (when the run records one)
    DIR/platforms/<run_id>.parquet the platform table (when the run has platforms)
    DIR/lorenz/<run_id>.parquet    the Lorenz curve of household income (panel and last steps)
    DIR/status/<run_id>.json       how the run ended, each data file's rows, size and SHA-256;
                                   written last, by the worker
    DIR/.lock                      locked (flock) by the batch writing the directory

Every file is written atomically (temporary name, then rename). One batch at a time writes a
directory: it holds an exclusive ``flock`` on ``DIR/.lock`` (which holds its process id) from
before the first check to the end; the kernel releases it when the process ends, however it
ends. The per-run status files are the record of what is done: a run is done when its status
says ok and the data files it lists exist with the size and SHA-256 it records (a directory
from a platsim that recorded neither is checked for the files' presence; one without Lorenz
files lists none, and stays complete); ``--resume`` makes the other runs again.
``runs.parquet`` is rebuilt from them (every few seconds while the batch runs, and at the
end), so a batch killed at any moment and resumed ends with the same files an uninterrupted
batch writes.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from platsim import __version__
from platsim.errors import InputError
from platsim.experiment.files import (
    DATA_KINDS,
    DESIGN_FILE,
    LOCK_FILE,
    MANIFEST,
    RUNS_FILE,
    STATUS_DIR,
    check_problem,
    data_path,
    read_manifest,
    status_path,
)
from platsim.experiment.plan import RunPlan, parquet_safe
from platsim.experiment.spec import Experiment
from platsim.experiment.tasks import RunSummary
from platsim.experiment.worker import remove_data_files
from platsim.output import FILE_MODE, prepare_directory, write_json, write_parquet

FORMAT = "platsim-batch/1"
_PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib", "duckdb", "distributed")


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def machine_summary() -> dict[str, Any]:
    """Where the driver runs: host, system, Python, CPUs and memory."""
    summary: dict[str, Any] = {
        "hostname": platform.node(),
        "system": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    if hasattr(os, "sched_getaffinity"):
        summary["cpus_usable"] = len(os.sched_getaffinity(0))
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        summary["memory_gib"] = round(memory / 2**30, 1)
    except (AttributeError, ValueError, OSError):
        pass
    return summary


def package_versions() -> dict[str, str]:
    """Versions of the libraries results depend on (read from metadata, nothing imported)."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def refuse_foreign(directory: str | Path) -> None:
    """Refuse an existing folder that holds files but is not a results directory.

    A folder holding only what a batch writes before its manifest (the lock file, empty data
    and status folders) counts as empty.

    Raises:
        InputError: ``directory`` exists, has no manifest and holds anything else.
    """
    directory = Path(directory)
    if not directory.is_dir() or (directory / MANIFEST).is_file():
        return
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return  # prepare_directory says why it cannot be used
    foreign = [entry.name for entry in entries if not _fresh_entry(entry)]
    if foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise InputError(
            f"is not empty and not a batch results directory (no {MANIFEST}; holds {shown})",
            field="--out",
            value=str(directory),
            allowed="a new or empty folder, or a results directory written by `platsim batch`",
        )


def _fresh_entry(entry: Path) -> bool:
    if entry.name == LOCK_FILE or entry.name.startswith(".write-test-"):
        return True
    try:
        return entry.name in (*DATA_KINDS, STATUS_DIR) and not any(entry.iterdir())
    except OSError:
        return False


@contextmanager
def lock_directory(directory: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on a results directory (created if need be) for the block.

    The lock is an ``flock`` on ``DIR/.lock``, which holds the holder's process id; the kernel
    releases it when the holder ends, however it ends, so a lock file left by a dead process is
    no obstacle. On systems without ``fcntl`` (Windows) nothing is locked.

    Raises:
        InputError: Another process holds the lock (naming its process id); the folder is
            not empty and not a results directory; or it cannot be created or written.
    """
    directory = Path(directory)
    refuse_foreign(directory)
    prepare_directory(directory)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = directory / LOCK_FILE
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as error:
        raise InputError(
            f"cannot create the lock file ({error.strerror or error})",
            file=path,
            field="--out",
            allowed="a directory you can write to",
        ) from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(descriptor, 64, 0).decode("ascii", "replace").strip()
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise InputError(
                f"is being written by another platsim batch ({who}, holding {path})",
                field="--out",
                value=str(directory),
                allowed="another --out, or the same once that batch has ended",
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def check_directory(
    directory: str | Path, experiment: Experiment, *, resume: bool
) -> dict[str, Any] | None:
    """Check that ``directory`` can take this experiment's results (creating it, if need be).

    Returns:
        The existing manifest when resuming, None when starting afresh.

    Raises:
        InputError: The directory cannot be written; it holds results and ``resume`` is
            False; it holds the results of another experiment or platsim version; or it is
            not empty and not a results directory.
    """
    directory = Path(directory)
    refuse_foreign(directory)
    if (directory / MANIFEST).is_file():
        manifest = read_manifest(directory)
        earlier = f"{manifest.get('name')!r} from {manifest.get('experiment_file')}"
        if not resume:
            raise InputError(
                f"already holds the results of experiment {earlier}",
                file=directory,
                field="--out",
                allowed="--resume to complete them, or another --out",
            )
        if manifest.get("experiment_hash") != experiment.hash:
            raise InputError(
                f"cannot resume: these results were made by a different experiment ({earlier}, "
                f"hash {str(manifest.get('experiment_hash'))[:12]}); this is {experiment.name!r} "
                f"from {experiment.file} (hash {experiment.hash[:12]}): the experiment file, one "
                "of its scenario files or the scenario schema differs",
                file=directory,
                field="--resume",
                allowed="the experiment that made them, unchanged; or another --out",
            )
        if manifest.get("platsim_version") != __version__:
            raise InputError(
                f"cannot resume: these results were made by platsim "
                f"{manifest.get('platsim_version')}, this is platsim {__version__}; the results "
                "would mix model versions",
                file=directory,
                field="--resume",
                allowed=f"platsim {manifest.get('platsim_version')}, or another --out",
            )
        prepare_directory(directory)
        return manifest
    prepare_directory(directory)
    return None


class ResultsStore:
    """The driver's side of a results directory: creates it or reopens it, records runs.

    It keeps one small summary per finished run (no data) and rewrites ``runs.parquet`` at
    most every ``flush_seconds`` (and never so often that rewriting takes more than ~5% of
    the time).

    Attributes:
        directory: The results directory.
        done: Ids of the runs finished ok (with their files); ``--resume`` skips them.
        statuses: Summary of every finished run (ok or failed), by run id.
        damaged: ``(run_id, problem)`` of the runs recorded as done whose data files were
            missing or damaged when the directory was reopened; their status and data files
            are removed and they are made again.
    """

    def __init__(
        self,
        directory: Path,
        plan: RunPlan,
        manifest: dict[str, Any],
        statuses: dict[str, RunSummary],
        *,
        flush_seconds: float,
    ) -> None:
        self.directory = directory
        self.plan = plan
        self.manifest = manifest
        self.statuses = statuses
        self.done = {run_id for run_id, summary in statuses.items() if summary.status == "ok"}
        self.damaged: list[tuple[str, str]] = []
        self.flush_seconds = flush_seconds
        self._interval = flush_seconds
        self._last_flush = time.monotonic()

    @classmethod
    def open(
        cls,
        directory: str | Path,
        plan: RunPlan,
        *,
        resume: bool,
        session: Mapping[str, Any],
        flush_seconds: float = 5.0,
    ) -> ResultsStore:
        """Create the results directory, or reopen it to resume.

        Args:
            directory: The results directory.
            plan: The experiment's runs.
            resume: Complete existing results (they must come from the same experiment).
            session: What this session runs on (executor, workers), stored in the manifest.
            flush_seconds: Shortest interval between two rewrites of ``runs.parquet``.

        Raises:
            InputError: See :func:`check_directory`; or the design generated now differs
                from the stored one (library versions changed).
        """
        directory = Path(directory)
        experiment = plan.experiment
        manifest = check_directory(directory, experiment, resume=resume)
        session_record = {"started": now(), "finished": None, **session}
        damaged: list[tuple[str, str]] = []
        runs = None
        if manifest is None:
            manifest = _new_manifest(experiment, plan, session_record)
            runs = plan.table({})  # built before anything is written: it may not fit
            for kind in (*DATA_KINDS, STATUS_DIR):
                (directory / kind).mkdir(parents=True, exist_ok=True)
            write_json(manifest, directory / MANIFEST)  # first: it marks the directory
            write_parquet(_design_table(experiment), directory / DESIGN_FILE)
            statuses: dict[str, RunSummary] = {}
        else:
            remove_temporary_files(directory)
            for kind in (*DATA_KINDS, STATUS_DIR):
                (directory / kind).mkdir(parents=True, exist_ok=True)
            _check_design(directory, experiment)
            statuses, damaged = _load_statuses(directory)
            manifest.setdefault("sessions", []).append(session_record)
            manifest.update(status="running", finished=None)
            write_json(manifest, directory / MANIFEST)
        store = cls(directory, plan, manifest, statuses, flush_seconds=flush_seconds)
        store.damaged = damaged
        store.flush(runs)
        return store

    @property
    def failed(self) -> int:
        """Number of runs whose last attempt failed."""
        return len(self.statuses) - len(self.done)

    def record(self, summary: RunSummary) -> None:
        """Record a finished run (writing its status file if the worker could not)."""
        if not summary.recorded:  # the worker died or could not write: the driver records it
            if summary.status == "failed":
                remove_data_files(self.directory, summary.run_id)
            write_json(summary.to_record(), status_path(self.directory, summary.run_id))
        self.statuses[summary.run_id] = summary.slim()
        if summary.status == "ok":
            self.done.add(summary.run_id)
        else:
            self.done.discard(summary.run_id)
        if time.monotonic() - self._last_flush >= self._interval:
            self.flush()

    def flush(self, table: pd.DataFrame | None = None) -> None:
        """Rewrite ``runs.parquet`` from the plan and the finished runs (or from ``table``)."""
        started = time.monotonic()
        if table is None:
            table = self.plan.table(self.statuses)
        write_parquet(table, self.directory / RUNS_FILE)
        self._last_flush = time.monotonic()
        self._interval = max(self.flush_seconds, 20 * (self._last_flush - started))

    def close(self, state: str, session: Mapping[str, Any]) -> None:
        """Write the final ``runs.parquet`` and the manifest's end of session.

        Args:
            state: ``"complete"`` (no run left to make) or ``"interrupted"``.
            session: Figures of this session (runs made, ok, failed), added to its record.
        """
        self.flush()
        finished = now()
        total = len(self.plan)
        self.manifest["sessions"][-1].update(finished=finished, **session)
        self.manifest["status"] = state
        self.manifest["finished"] = finished if state == "complete" else None
        self.manifest["counts"] = {
            "ok": len(self.done),
            "failed": self.failed,
            "pending": total - len(self.statuses),
        }
        write_json(self.manifest, self.directory / MANIFEST)


def _new_manifest(experiment: Experiment, plan: RunPlan, session: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "name": experiment.name,
        "description": experiment.spec.description,
        "experiment_file": str(experiment.file.resolve()),
        "experiment": experiment.raw,
        "experiment_hash": experiment.hash,
        "platsim_version": __version__,
        "status": "running",
        "started": session["started"],
        "finished": None,
        "runs": len(plan),
        "replications": experiment.replications,
        "steps": experiment.steps,
        "seed": experiment.spec.seed,
        "seeds": list(experiment.seeds),
        "design": {
            "method": experiment.method,
            "points": experiment.design_points,
            "parameters": [
                {
                    key: value
                    for key, value in (
                        ("name", parameter.name),
                        ("low", parameter.low),
                        ("high", parameter.high),
                        ("values", list(parameter.values) if parameter.values else None),
                        ("integer", parameter.integer),
                    )
                    if value is not None
                }
                for parameter in experiment.parameters
            ],
        },
        "scenarios": [
            {
                "name": entry.name,
                "file": str(entry.file.resolve()),
                "hash": entry.hash,
                "parameters": entry.scenario.to_dict(),
            }
            for entry in experiment.scenarios
        ],
        "machine": machine_summary(),
        "packages": package_versions(),
        "sessions": [session],
    }


def _design_table(experiment: Experiment) -> pd.DataFrame:
    return parquet_safe(experiment.design).reset_index()


def _check_design(directory: Path, experiment: Experiment) -> None:
    path = directory / DESIGN_FILE
    expected = _design_table(experiment)
    if path.is_file():
        stored = pd.read_parquet(path)
        same = list(stored.columns) == list(expected.columns) and all(
            stored[name].tolist() == expected[name].tolist() for name in expected.columns
        )
        if not same:
            raise InputError(
                "cannot resume: the design generated now differs from the stored one "
                "(did the sampling libraries change?)",
                file=path,
                field="--resume",
                allowed="the library versions listed in manifest.json, or another --out",
            )
    else:
        write_parquet(expected, path)


def remove_temporary_files(directory: Path) -> None:
    """Remove temporary files left by writers killed before their rename."""
    for folder in (directory, *(directory / kind for kind in (*DATA_KINDS, STATUS_DIR))):
        if folder.is_dir():
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)


def _load_statuses(directory: Path) -> tuple[dict[str, RunSummary], list[tuple[str, str]]]:
    """Read every status file and check the data files of each ok run.

    Returns:
        The summaries of the runs to keep, and ``(run_id, problem)`` of the ok runs whose data
        files are missing or differ from what their status file records (size, SHA-256):
        their status and data files are removed, so they are pending and made again.
        Unreadable status files are skipped (their runs are made again).
    """
    statuses = {}
    damaged = []
    for path in sorted((directory / STATUS_DIR).glob("*.json")):
        try:
            summary = RunSummary.from_record(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # unreadable: the run is made again
        if summary.status == "ok":
            problem = next(
                (
                    f"{kind}: {found}"
                    for kind in summary.files
                    if (
                        found := check_problem(
                            data_path(directory, kind, summary.run_id),
                            summary.checks.get(kind),
                            digest=True,
                        )
                    )
                ),
                None,
            )
            if problem:
                damaged.append((summary.run_id, problem))
                path.unlink(missing_ok=True)
                remove_data_files(directory, summary.run_id)
                continue
        statuses[summary.run_id] = summary.slim()
    return statuses, damaged
