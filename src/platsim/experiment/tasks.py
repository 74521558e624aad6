"""What travels between the driver and the workers: a :class:`RunTask` out, a
:class:`RunSummary` back. Both are small and picklable; a run's data never travels (the worker
writes its own files).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from platsim.schema import Scenario

RunStatus = Literal["ok", "failed"]


@dataclass(frozen=True)
class RunTask:
    """One run to make.

    Attributes:
        run_id: Identifier, also the stem of the run's files.
        directory: Results directory (a path every worker can write to).
        scenario: The scenario, with the experiment's fixed overrides already applied.
        seed: The replication's seed.
        steps: Steps to run (None: the scenario's ``simulation.steps``).
        overrides: The design point's parameter values (dotted path -> value).
        record_platforms: Write the platform table.
    """

    run_id: str
    directory: str
    scenario: Scenario
    seed: int
    steps: int | None
    overrides: dict[str, Any] = field(default_factory=dict)
    record_platforms: bool = True


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How a run ended; also the content of its ``status/<run_id>.json`` file.

    Attributes:
        run_id: The run.
        status: ``"ok"`` or ``"failed"``.
        error: One line, ``ExceptionType: message``, for a failed run.
        traceback: The full traceback text of a failed run.
        wall_seconds: Time the run took, files included.
        files: Which data files the run wrote (``"metrics"``, ``"panel"``, ``"platforms"``,
            ``"lorenz"``); ``--resume`` redoes an ok run when one of them is missing.
        host: Where it ran (``hostname:pid``).
        checks: Per data file kind, its rows, size in bytes and SHA-256 (``{"rows",
            "bytes", "sha256"}``); ``--resume`` redoes an ok run whose file differs, and
            opening the results refuses one whose size differs. Empty in status files written
            by a platsim that recorded none (only the files' presence is checked then).
        recorded: The worker wrote the status file itself (False when the driver must, e.g.
            when the worker process died).
    """

    run_id: str
    status: RunStatus
    error: str | None = None
    traceback: str | None = None
    wall_seconds: float = 0.0
    files: tuple[str, ...] = ()
    host: str = ""
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    recorded: bool = True

    def to_record(self) -> dict[str, Any]:
        """The JSON record stored in the status file (``recorded`` left out)."""
        record = asdict(self)
        record.pop("recorded")
        record["files"] = list(self.files)
        return record

    def slim(self) -> RunSummary:
        """The summary without what the ``runs`` table does not need (host, files, checks)."""
        return replace(self, files=(), host="", checks={})

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> RunSummary:
        """Rebuild a summary from a status file's record.

        Raises:
            KeyError, TypeError, ValueError: The record is not a run status.
        """
        status = record["status"]
        if status not in ("ok", "failed"):
            raise ValueError(f"unknown status {status!r}")
        return cls(
            run_id=str(record["run_id"]),
            status=status,
            error=record.get("error"),
            traceback=record.get("traceback"),
            wall_seconds=float(record.get("wall_seconds") or 0.0),
            files=tuple(record.get("files") or ()),
            host=str(record.get("host") or ""),
            checks=dict(record.get("checks") or {}),
        )
