"""run_batch's own decisions, on tiny batches: where results go, how many workers, the report's
figures, the failures it lists, SIGTERM as an interrupt, and what an interrupted batch records."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
import traceback
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from platsim.experiment import runner as runner_module
from platsim.experiment import store as store_module
from platsim.experiment.executors import default_workers
from platsim.experiment.executors.local import LocalExecutor
from platsim.experiment.runner import (
    REPORTED_FAILURES,
    BatchReport,
    BatchTerminated,
    default_directory,
    lost_run,
    run_batch,
    sigterm_as_interrupt,
)
from platsim.experiment.spec import load_experiment
from platsim.experiment.tasks import RunSummary, RunTask
from platsim.experiment.worker import FAIL_RUNS_VARIABLE

TINY = (
    "name: tiny\nscenarios: [baseline]\nreplications: {replications}\nsteps: 2\nseed: 4\n"
    "overrides: {{territory.n_municipalities: 12}}\noutputs: {{panel_every: 0}}\n"
)


def _tiny(folder: Path, replications: int = 3) -> Path:
    path = folder / "tiny.yaml"
    path.write_text(TINY.format(replications=replications))
    return path


class Recorder:
    """A progress that records what the batch tells it."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.stop_after = stop_after

    def start(self, title: str, total: int, done: int, failed: int) -> None:
        self.calls.append(("start", title, total, done, failed))

    def advance(self, summary: RunSummary) -> None:
        self.calls.append(("advance", summary.run_id, summary.status))
        if self.stop_after is not None and len(self.calls) - 1 >= self.stop_after:
            raise KeyboardInterrupt

    def stop(self) -> None:
        self.calls.append(("stop",))


def test_the_report_counts_a_batch_and_its_resume(tmp_path: Path) -> None:
    experiment = _tiny(tmp_path)
    progress = Recorder()
    report = run_batch(experiment, tmp_path / "r", executor="local", progress=progress)
    assert (report.name, report.directory, report.total) == ("tiny", tmp_path / "r", 3)
    assert report.executor == LocalExecutor(1).describe()
    assert (report.skipped, report.made, report.ok, report.failed, report.pending) == (
        0,
        3,
        3,
        0,
        0,
    )
    assert report.damaged == [] and report.failures == [] and report.exit_code == 0
    assert 0 < report.wall_seconds < 120
    run_ids = ["baseline_p0_r0", "baseline_p0_r1", "baseline_p0_r2"]
    assert progress.calls == [
        ("start", "tiny", 3, 0, 0),
        *(("advance", run_id, "ok") for run_id in run_ids),
        ("stop",),
    ]
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    session = manifest["sessions"][0]
    assert session["executor"] == report.executor and session["resumed"] is False
    assert session["made"] == 3 and session["wall_seconds"] == round(report.wall_seconds, 3)
    assert manifest["status"] == "complete"

    (tmp_path / "r" / "metrics" / "baseline_p0_r1.parquet").unlink()  # one run damaged
    progress = Recorder()
    again = run_batch(experiment, tmp_path / "r", resume=True, executor="local", progress=progress)
    assert (again.skipped, again.made, again.ok, again.failed, again.pending) == (2, 1, 3, 0, 0)
    assert again.damaged == [("baseline_p0_r1", "metrics: missing")]
    assert progress.calls == [
        ("start", "tiny", 3, 2, 0),
        ("advance", "baseline_p0_r1", "ok"),
        ("stop",),
    ]
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["sessions"][1]["resumed"] is True and manifest["sessions"][1]["made"] == 1


def test_failures_are_reported_up_to_the_first_twenty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment = _tiny(tmp_path, replications=REPORTED_FAILURES + 2)
    monkeypatch.setenv(FAIL_RUNS_VARIABLE, "*")
    report = run_batch(experiment, tmp_path / "r", executor="local")
    assert (report.made, report.ok, report.failed, report.pending) == (22, 0, 22, 0)
    assert report.exit_code == 1
    assert [run_id for run_id, _ in report.failures] == [
        f"baseline_p0_r{i:02d}" for i in range(REPORTED_FAILURES)
    ]
    for run_id, error in report.failures:
        assert error.startswith(f"InjectedFailure: run {run_id} made to fail")


def test_an_interrupted_batch_records_what_it_made_and_raises(tmp_path: Path) -> None:
    progress = Recorder(stop_after=2)
    with pytest.raises(KeyboardInterrupt):
        run_batch(_tiny(tmp_path), tmp_path / "r", executor="local", progress=progress)
    assert progress.calls[-1] == ("stop",)
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["finished"] is None
    assert manifest["counts"] == {"ok": 2, "failed": 0, "pending": 1}
    runs = pd.read_parquet(tmp_path / "r" / "runs.parquet")
    assert runs["status"].tolist() == ["ok", "ok", "pending"]
    report = run_batch(_tiny(tmp_path), tmp_path / "r", executor="local", resume=True)
    assert (report.skipped, report.made, report.exit_code) == (2, 1, 0)


def test_a_batch_with_pending_runs_exits_1() -> None:
    assert BatchReport("e", Path("r"), "local", total=3, ok=3).exit_code == 0
    assert BatchReport("e", Path("r"), "local", total=3, ok=2, pending=1).exit_code == 1
    assert BatchReport("e", Path("r"), "local", total=3, ok=2, failed=1).exit_code == 1


def test_results_go_to_results_slash_the_experiment_name_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment = load_experiment(_tiny(tmp_path, replications=1))
    assert default_directory(experiment) == Path("results") / "tiny"
    monkeypatch.chdir(tmp_path)
    report = run_batch(experiment, executor="local")
    assert report.directory == Path("results") / "tiny"
    assert (tmp_path / "results" / "tiny" / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("replications", "executor", "workers", "scheduler", "expected"),
    [
        (3, "process", 8, None, 3),  # no more workers than runs
        (1, "process", 4, None, 1),
        (3, "process", 2, None, 2),
        (3, "process", None, None, min(default_workers(), 3)),  # all cores, capped
        (3, "local", None, None, None),  # the local executor needs no workers
        (3, "dask", None, "tcp://127.0.0.1:1", None),  # the scheduler's workers
    ],
)
def test_the_executor_gets_the_workers_capped_at_the_number_of_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    replications: int,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    expected: int | None,
) -> None:
    made: list[tuple[str, int | None, str | None]] = []

    def make_executor(name: str, *, workers: int | None, scheduler: str | None) -> LocalExecutor:
        made.append((name, workers, scheduler))
        return LocalExecutor(1)

    monkeypatch.setattr(runner_module, "make_executor", make_executor)
    experiment = _tiny(tmp_path, replications=replications)
    run_batch(experiment, tmp_path / "r", executor=executor, workers=workers, scheduler=scheduler)
    assert made == [(executor, expected, scheduler)]


def test_a_lost_run_is_a_failure_the_driver_records() -> None:
    task = RunTask("e_baseline_r0", "/r", scenario=None, seed=1, steps=2)  # type: ignore[arg-type]
    error = RuntimeError("worker died")
    try:
        raise error
    except RuntimeError:
        summary = lost_run(task, error)
    assert (summary.run_id, summary.status, summary.recorded) == ("e_baseline_r0", "failed", False)
    assert summary.error == "RuntimeError: worker died"
    assert summary.traceback is not None
    assert summary.traceback.startswith("Traceback (most recent call last):")
    assert summary.traceback.rstrip().endswith("RuntimeError: worker died")
    assert "raise error" in summary.traceback  # where it was raised
    assert summary.traceback == "".join(traceback.format_exception(error))  # as Python prints it


def test_sigterm_raises_batch_terminated_once_then_the_old_handler_returns() -> None:
    seen: list[int] = []

    def previous(number: int, frame: object) -> None:
        seen.append(number)

    original = signal.signal(signal.SIGTERM, previous)
    try:
        with pytest.raises(BatchTerminated, match="terminated by signal 15") as caught:
            with sigterm_as_interrupt():
                try:
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(5)  # the handler's exception ends the sleep
                finally:
                    os.kill(os.getpid(), signal.SIGTERM)  # a second one during the clean-up
                    time.sleep(0.05)
        assert isinstance(caught.value, KeyboardInterrupt)
        assert caught.value.signal_number == signal.SIGTERM
        assert seen == []  # neither reached the old handler
        assert signal.getsignal(signal.SIGTERM) is previous
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, original)


def test_outside_the_main_thread_sigterm_is_left_alone() -> None:
    handler = signal.getsignal(signal.SIGTERM)
    inside: list[object] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with sigterm_as_interrupt():
                inside.append(signal.getsignal(signal.SIGTERM))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == [] and inside == [handler]
    assert signal.getsignal(signal.SIGTERM) is handler


def test_batches_run_in_a_process_pool_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []

    def make_executor(name: str, *, workers: int | None, scheduler: str | None) -> LocalExecutor:
        made.append(name)
        return LocalExecutor(1)

    monkeypatch.setattr(runner_module, "make_executor", make_executor)
    run_batch(_tiny(tmp_path, replications=1), tmp_path / "r")
    assert made == ["process"]


def test_a_run_whose_worker_is_lost_is_recorded_failed_by_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directories: list[str] = []
    execute_run = runner_module.execute_run

    def flaky_worker(task: RunTask) -> RunSummary:
        directories.append(task.directory)
        if task.run_id == "baseline_p0_r1":
            raise ConnectionError("worker lost")  # the executor yields it as the outcome
        return execute_run(task)

    monkeypatch.setattr(runner_module, "execute_run", flaky_worker)
    monkeypatch.chdir(tmp_path)
    report = run_batch(_tiny(tmp_path), "r", executor="local")  # a relative --out
    assert (report.ok, report.failed, report.exit_code) == (2, 1, 1)
    assert report.failures == [("baseline_p0_r1", "ConnectionError: worker lost")]
    status = json.loads((tmp_path / "r" / "status" / "baseline_p0_r1.json").read_text())
    assert status["status"] == "failed" and status["error"] == "ConnectionError: worker lost"
    # workers get the full path (a Dask worker runs elsewhere)
    assert directories == [str(tmp_path / "r")] * 3


def test_run_batch_honours_flush_seconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """runs.parquet is rewritten during the batch only once flush_seconds have passed."""
    clock = [0.0]
    monkeypatch.setattr(store_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    folder = tmp_path / "r"

    class Peek(Recorder):
        def __init__(self) -> None:
            super().__init__()
            self.ok: list[int] = []

        def advance(self, summary: RunSummary) -> None:
            self.ok.append(pd.read_parquet(folder / "runs.parquet")["status"].eq("ok").sum())
            clock[0] += 100.0  # each run takes 100 s on this clock

    hourly = Peek()
    run_batch(_tiny(tmp_path), folder, executor="local", progress=hourly, flush_seconds=3600)
    assert hourly.ok == [0, 0, 0]  # not rewritten during the batch
    assert pd.read_parquet(folder / "runs.parquet")["status"].eq("ok").sum() == 3  # at the end
    shutil.rmtree(folder)
    often = Peek()
    run_batch(_tiny(tmp_path), folder, executor="local", progress=often, flush_seconds=50)
    assert often.ok == [0, 2, 3]  # 0 s, then 100 s and 200 s after the first rewrite


class KilledWriter(Recorder):
    """A progress that, at the second run, leaves a temporary file where a worker killed
    between its write and its rename would (``.NAME.XXXX.tmp``), then interrupts."""

    def __init__(self, folder: Path) -> None:
        super().__init__(stop_after=2)
        self.folder = folder

    def advance(self, summary: RunSummary) -> None:
        (self.folder / "metrics" / f".{summary.run_id}.parquet.abcd.tmp").write_bytes(b"x")
        super().advance(summary)


def test_an_interrupted_batch_leaves_no_temporary_file(tmp_path: Path) -> None:
    """Writes cut short by the interruption (a worker killed before its rename) leave no
    temporary file once the batch has stopped; a user's own file is kept."""
    out = tmp_path / "r"
    progress = KilledWriter(out)
    with pytest.raises(KeyboardInterrupt):
        run_batch(_tiny(tmp_path), out, executor="local", progress=progress)
    assert not list(out.rglob("*.tmp"))
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"


def test_a_refused_directory_keeps_its_temporary_looking_files(tmp_path: Path) -> None:
    """A folder that is not a results directory is refused before anything is touched."""
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (foreign / ".draft.tmp").write_text("mine too")
    with pytest.raises(Exception):  # noqa: B017 - the refusal's type is tested elsewhere
        run_batch(_tiny(tmp_path), foreign, executor="local")
    assert (foreign / ".draft.tmp").read_text() == "mine too"
