"""Progress of a batch: a live bar on a terminal, plain lines otherwise.

:func:`make_progress` picks :class:`BarProgress` (rich: done/total, failed, rate, elapsed,
ETA) when the console is a terminal and ``quiet`` is False, and :class:`LineProgress`
(one line at the start, then one every ``interval`` seconds and one at the end) otherwise:
logs, pipes, SLURM output files, ``--quiet``. Failed runs are reported as they happen.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from platsim.experiment.tasks import RunSummary


class BatchProgress(Protocol):
    """What the runner reports to."""

    def start(self, title: str, total: int, done: int, failed: int) -> None:
        """The batch starts: ``done`` of ``total`` runs already finished, ``failed`` failed."""
        ...

    def advance(self, summary: RunSummary) -> None:
        """One more run finished."""
        ...

    def stop(self) -> None:
        """The batch ended (or was interrupted)."""
        ...


class _Counter:
    """Counts of a batch and its rate over this session."""

    def __init__(self) -> None:
        self.total = self.done = self.failed = self.session = 0
        self.started = time.monotonic()

    def reset(self, total: int, done: int, failed: int) -> None:
        self.total, self.done, self.failed, self.session = total, done, failed, 0
        self.started = time.monotonic()

    def add(self, summary: RunSummary) -> None:
        self.done += 1
        self.session += 1
        if summary.status == "failed":
            self.failed += 1

    @property
    def rate(self) -> float:
        """Runs per second in this session."""
        elapsed = time.monotonic() - self.started
        return self.session / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate
        remaining = self.total - self.done
        eta = str(timedelta(seconds=round(remaining / rate))) if rate > 0 else "?"
        share = self.done / self.total if self.total else 1.0
        elapsed = timedelta(seconds=round(time.monotonic() - self.started))
        return (
            f"{self.done:,}/{self.total:,} runs ({share:.0%}), {self.failed:,} failed, "
            f"{rate:.2f} runs/s, elapsed {elapsed}, ETA {eta}"
        )


def _failure_line(summary: RunSummary) -> str:
    return f"failed: {summary.run_id}: {summary.error}"


class SilentProgress:
    """Reports nothing (library use, tests)."""

    def start(self, title: str, total: int, done: int, failed: int) -> None:
        return None

    def advance(self, summary: RunSummary) -> None:
        return None

    def stop(self) -> None:
        return None


class LineProgress:
    """Plain lines: at the start, every ``interval`` seconds, on each failure, at the end."""

    def __init__(self, console: Console, interval: float = 10.0) -> None:
        self.console = console
        self.interval = interval
        self.counter = _Counter()
        self._last = 0.0

    def _print(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def start(self, title: str, total: int, done: int, failed: int) -> None:
        self.counter.reset(total, done, failed)
        self._last = time.monotonic()
        already = f" ({done:,} already done)" if done else ""
        self._print(f"{title}: {total - done:,} runs to make{already}")

    def advance(self, summary: RunSummary) -> None:
        self.counter.add(summary)
        if summary.status == "failed":
            self._print(_failure_line(summary))
        if time.monotonic() - self._last >= self.interval:
            self._last = time.monotonic()
            self._print(self.counter.line())

    def stop(self) -> None:
        self._print(self.counter.line())


class BarProgress:
    """A live rich progress bar: done/total, failed, rate, elapsed time and ETA."""

    def __init__(self, console: Console) -> None:
        self.counter = _Counter()
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed[/]"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def start(self, title: str, total: int, done: int, failed: int) -> None:
        self.counter.reset(total, done, failed)
        self.progress.start()
        self._task = self.progress.add_task(
            title, total=total, completed=done, failed=failed, rate="-- runs/s"
        )

    def advance(self, summary: RunSummary) -> None:
        self.counter.add(summary)
        if summary.status == "failed":
            self.progress.console.print(_failure_line(summary), highlight=False, markup=False)
        if self._task is not None:
            self.progress.update(
                self._task,
                advance=1,
                failed=self.counter.failed,
                rate=f"{self.counter.rate:.2f} runs/s",
            )

    def stop(self) -> None:
        self.progress.stop()


def make_progress(console: Console, *, quiet: bool = False) -> BatchProgress:
    """A bar on a terminal unless ``quiet``; plain lines otherwise."""
    if console.is_terminal and not quiet:
        return BarProgress(console)
    return LineProgress(console)
