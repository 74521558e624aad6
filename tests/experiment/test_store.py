"""The results store without running a model: the lock, the folder checks, the manifest it
writes, how it records runs and rewrites runs.parquet, and what a reopened directory keeps."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from platsim import __version__
from platsim.errors import InputError
from platsim.experiment import store as store_module
from platsim.experiment.files import file_check
from platsim.experiment.plan import RunPlan, parquet_safe
from platsim.experiment.spec import Experiment, load_experiment
from platsim.experiment.store import (
    FORMAT,
    ResultsStore,
    check_directory,
    lock_directory,
    machine_summary,
    now,
    package_versions,
    refuse_foreign,
)
from platsim.experiment.tasks import RunSummary

DATA = Path(__file__).resolve().parents[1] / "data" / "experiments"
SMALL = DATA / "small.yaml"  # 2 scenarios x 2 design points x 3 replications, 6 steps
KINDS = ("metrics", "panel", "platforms", "lorenz")


@pytest.fixture(scope="module")
def experiment() -> Experiment:
    return load_experiment(SMALL)


@pytest.fixture
def plan(experiment: Experiment) -> RunPlan:
    return RunPlan(experiment)


def _open(directory: Path, plan: RunPlan, *, resume: bool = False, **session: Any) -> ResultsStore:
    return ResultsStore.open(
        directory, plan, resume=resume, session={"executor": "test", **session}
    )


def _write_run(directory: Path, run_id: str, *, status: str = "ok") -> RunSummary:
    """A run as a worker leaves it: its metrics file, then its status file."""
    checks = {}
    files: tuple[str, ...] = ()
    if status == "ok":
        path = directory / "metrics" / f"{run_id}.parquet"
        pd.DataFrame({"run_id": [run_id], "step": [1], "x": [1.0]}).to_parquet(path)
        checks = {"metrics": file_check(path, 1)}
        files = ("metrics",)
    summary = RunSummary(
        run_id,
        status,  # type: ignore[arg-type]
        error=None if status == "ok" else "ValueError: boom",
        wall_seconds=1.5,
        files=files,
        host="h:1",
        checks=checks,
    )
    (directory / "status" / f"{run_id}.json").write_text(json.dumps(summary.to_record()))
    return summary


# --- small helpers -------------------------------------------------------------------------


def test_now_is_utc_to_the_second() -> None:
    stamp = datetime.fromisoformat(now())
    assert stamp.utcoffset() == timedelta(0) and stamp.microsecond == 0
    assert abs(datetime.now(UTC) - stamp) < timedelta(seconds=5)


def test_the_machine_summary_describes_this_machine() -> None:
    summary = machine_summary()
    assert summary["hostname"] == platform.node()
    assert summary["system"] == platform.platform()
    assert summary["machine"] == platform.machine()
    assert summary["python"] == platform.python_version()
    assert summary["cpus"] == os.cpu_count()
    assert summary["cpus_usable"] == len(os.sched_getaffinity(0))
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    assert summary["memory_gib"] == round(memory, 1) and summary["memory_gib"] > 0


def test_the_memory_is_left_out_where_the_system_cannot_tell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_sysconf(name: str) -> int:
        raise ValueError(name)

    monkeypatch.setattr(os, "sysconf", no_sysconf)
    summary = machine_summary()
    assert "memory_gib" not in summary and summary["cpus"] == os.cpu_count()


def test_package_versions_are_read_from_metadata_and_missing_ones_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    versions = package_versions()
    for name in ("mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib", "duckdb"):
        assert versions[name] == metadata.version(name)
    version = metadata.version

    def without_numpy(name: str) -> str:
        if name == "numpy":
            raise metadata.PackageNotFoundError(name)
        return version(name)

    monkeypatch.setattr(metadata, "version", without_numpy)
    fewer = package_versions()
    assert "numpy" not in fewer
    assert fewer == {name: value for name, value in versions.items() if name != "numpy"}


# --- folders that are not results directories ----------------------------------------------


def test_a_foreign_folder_is_refused_naming_its_first_three_entries(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("e.txt", "a.txt", "d.txt", "c.txt"):
        (folder / name).write_text("x")
    with pytest.raises(InputError) as caught:
        refuse_foreign(folder)
    error = caught.value
    assert (error.field, error.value) == ("--out", str(folder))
    assert error.problem == (
        "is not empty and not a batch results directory "
        "(no manifest.json; holds a.txt, c.txt, d.txt ...)"
    )
    assert error.allowed == (
        "a new or empty folder, or a results directory written by `platsim batch`"
    )
    (folder / "e.txt").unlink()  # three entries: all named, no ellipsis
    assert _refused(folder).endswith("holds a.txt, c.txt, d.txt)")


def _refused(folder: Path) -> str:
    with pytest.raises(InputError) as caught:
        refuse_foreign(folder)
    return caught.value.problem


def test_what_a_batch_writes_before_its_manifest_is_not_foreign(tmp_path: Path) -> None:
    folder = tmp_path / "early"
    for kind in (*KINDS, "status"):
        (folder / kind).mkdir(parents=True)
    (folder / ".lock").write_text("123\n")
    (folder / ".write-test-abc").write_text("")
    refuse_foreign(folder)  # the lock, a write test and empty folders
    refuse_foreign(tmp_path / "missing")  # a folder that does not exist yet
    (folder / "status" / "x.json").write_text("{}")  # a status folder with a file is foreign
    assert _refused(folder).endswith("holds status)")
    (folder / "status" / "x.json").unlink()
    (folder / "other").mkdir()  # an empty folder of another name is foreign
    assert _refused(folder).endswith("holds other)")
    (folder / "other").rmdir()
    (folder / "status").rmdir()
    (folder / "status").write_text("")  # a file where the status folder goes is foreign
    assert _refused(folder).endswith("holds status)")
    (folder / "manifest.json").write_text("{}")  # a results directory: anything goes
    refuse_foreign(folder)


# --- the lock ------------------------------------------------------------------------------


def test_the_lock_holds_the_process_id_and_refuses_a_second_holder(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / ".lock").write_text("123456789012345\n")  # left by a dead process
    with lock_directory(folder):
        assert (folder / ".lock").read_text() == f"{os.getpid()}\n"
        # flock locks an open file: a second open in this same process is refused too
        with pytest.raises(InputError) as caught, lock_directory(folder):
            pass
        error = caught.value
        assert error.problem == (
            f"is being written by another platsim batch (process {os.getpid()}, "
            f"holding {folder / '.lock'})"
        )
        assert (error.field, error.value) == ("--out", str(folder))
        assert "another --out" in error.allowed
    with lock_directory(folder):  # released at the end of the block
        pass


def test_a_lock_holder_that_wrote_no_process_id_is_another_process(tmp_path: Path) -> None:
    import fcntl

    folder = tmp_path / "r"
    folder.mkdir()
    descriptor = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, b"busy\n")
        with (
            pytest.raises(InputError, match=r"\(another process, holding "),
            lock_directory(folder),
        ):
            pass
    finally:
        os.close(descriptor)


def test_a_lock_file_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    (folder / ".lock").mkdir(parents=True)  # a folder where the lock file goes
    with pytest.raises(InputError) as caught, lock_directory(folder):
        pass
    error = caught.value
    assert error.problem == "cannot create the lock file (Is a directory)"
    assert (error.file, error.field) == (str(folder / ".lock"), "--out")


def test_the_lock_creates_the_folder_and_refuses_a_foreign_one(tmp_path: Path) -> None:
    with lock_directory(tmp_path / "new" / "r"):
        assert (tmp_path / "new" / "r" / ".lock").is_file()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with (
        pytest.raises(InputError, match="not a batch results directory"),
        lock_directory(tmp_path / "mine"),
    ):
        pass
    assert not (tmp_path / "mine" / ".lock").exists()


# --- check_directory -----------------------------------------------------------------------


def _manifest(directory: Path, experiment: Experiment, **changes: Any) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {
        "name": "small",
        "experiment_file": "/x/small.yaml",
        "experiment_hash": experiment.hash,
        "platsim_version": __version__,
        **changes,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))


def test_check_directory_creates_a_new_folder_and_returns_no_manifest(
    tmp_path: Path, experiment: Experiment
) -> None:
    assert check_directory(tmp_path / "a" / "b", experiment, resume=False) is None
    assert (tmp_path / "a" / "b").is_dir()
    assert check_directory(tmp_path / "c", experiment, resume=True) is None


def test_existing_results_need_resume_and_the_same_experiment_and_version(
    tmp_path: Path, experiment: Experiment
) -> None:
    folder = tmp_path / "r"
    _manifest(folder, experiment)
    with pytest.raises(InputError) as caught:
        check_directory(folder, experiment, resume=False)
    error = caught.value
    assert error.problem == "already holds the results of experiment 'small' from /x/small.yaml"
    assert (error.file, error.field) == (str(folder), "--out")
    assert error.allowed == "--resume to complete them, or another --out"
    manifest = check_directory(folder, experiment, resume=True)
    assert manifest is not None and manifest["experiment_file"] == "/x/small.yaml"

    _manifest(folder, experiment, experiment_hash="0123456789abcdefXXXX")
    with pytest.raises(InputError) as caught:
        check_directory(folder, experiment, resume=True)
    error = caught.value
    assert (error.file, error.field) == (str(folder), "--resume")
    assert error.problem == (
        "cannot resume: these results were made by a different experiment ('small' from "
        f"/x/small.yaml, hash 0123456789ab); this is 'small' from {experiment.file} (hash "
        f"{experiment.hash[:12]}): the experiment file, one of its scenario files or the "
        "scenario schema differs"
    )
    assert error.allowed == "the experiment that made them, unchanged; or another --out"

    _manifest(folder, experiment, platsim_version="0.0.1")
    with pytest.raises(InputError) as caught:
        check_directory(folder, experiment, resume=True)
    error = caught.value
    assert (error.file, error.field) == (str(folder), "--resume")
    assert error.problem == (
        f"cannot resume: these results were made by platsim 0.0.1, this is platsim "
        f"{__version__}; the results would mix model versions"
    )
    assert error.allowed == "platsim 0.0.1, or another --out"


# --- a new results directory ---------------------------------------------------------------


def test_a_new_directory_gets_its_folders_manifest_design_and_pending_runs(
    tmp_path: Path, experiment: Experiment, plan: RunPlan
) -> None:
    folder = tmp_path / "r"
    store = _open(folder, plan, workers=3)
    for kind in (*KINDS, "status"):
        assert (folder / kind).is_dir() and not any((folder / kind).iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == store.manifest
    session = manifest["sessions"][0]
    assert session == {
        "started": manifest["started"],
        "finished": None,
        "executor": "test",
        "workers": 3,
    }
    assert datetime.fromisoformat(manifest["started"]).utcoffset() == timedelta(0)
    expected = {
        "format": FORMAT,
        "name": "small",
        "description": experiment.spec.description,
        "experiment_file": str(SMALL.resolve()),
        "experiment": experiment.raw,
        "experiment_hash": experiment.hash,
        "platsim_version": __version__,
        "status": "running",
        "finished": None,
        "runs": 12,
        "replications": 3,
        "steps": 6,
        "seed": 7,
        "seeds": list(experiment.seeds),
        "design": {
            "method": "grid",
            "points": 2,
            "parameters": [{"name": "data.share", "values": [0.25, 0.75], "integer": False}],
        },
        "packages": package_versions(),
        "sessions": [session],
    }
    assert {key: manifest[key] for key in expected} == expected
    assert manifest["machine"].keys() == machine_summary().keys()
    assert [s["name"] for s in manifest["scenarios"]] == ["small_baseline", "small_open_data"]
    for entry, scenario in zip(manifest["scenarios"], experiment.scenarios, strict=True):
        assert entry["file"] == str(scenario.file.resolve())
        assert entry["hash"] == scenario.hash
        assert entry["parameters"] == json.loads(json.dumps(scenario.scenario.to_dict()))
    design = pd.read_parquet(folder / "design.parquet")
    pd.testing.assert_frame_equal(design, parquet_safe(experiment.design).reset_index())
    assert list(design.columns) == ["design_point", "data.share"]
    runs = pd.read_parquet(folder / "runs.parquet")
    pd.testing.assert_frame_equal(runs, plan.table({}))
    assert (store.done, store.statuses, store.damaged, store.failed) == (set(), {}, [], 0)


def test_bounds_and_integer_parameters_are_recorded_without_empty_keys(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text(
        f"name: e\nscenarios: [{DATA / 'small_baseline.yaml'}]\nreplications: 1\nsteps: 2\n"
        "seed: 1\ndesign:\n  method: lhs\n  samples: 2\n  parameters:\n"
        "    data.share: {low: 0.1, high: 0.9}\n"
        "    territory.n_municipalities: {low: 10, high: 20}  # an integer field\n"
    )
    experiment = load_experiment(tmp_path / "e.yaml")
    store = _open(tmp_path / "r", RunPlan(experiment))
    assert store.manifest["design"] == {
        "method": "lhs",
        "points": 2,
        "parameters": [
            {"name": "data.share", "low": 0.1, "high": 0.9, "integer": False},
            {"name": "territory.n_municipalities", "low": 10, "high": 20, "integer": True},
        ],
    }


# --- recording runs ------------------------------------------------------------------------


def test_recorded_runs_update_done_failed_and_the_runs_table(tmp_path: Path, plan: RunPlan) -> None:
    folder = tmp_path / "r"
    store = _open(folder, plan)
    store.flush_seconds = store._interval = 0.0  # rewrite runs.parquet at every record
    first, second = (run.run_id for run in list(plan)[:2])
    store.record(RunSummary(first, "ok", wall_seconds=2.0, host="h:1", files=("metrics",)))
    assert store.done == {first} and store.failed == 0
    assert store.statuses[first] == RunSummary(first, "ok", wall_seconds=2.0)  # slim
    assert not (folder / "status" / f"{first}.json").exists()  # the worker writes it
    runs = pd.read_parquet(folder / "runs.parquet").set_index("run_id")
    assert runs.loc[first, "status"] == "ok" and runs.loc[second, "status"] == "pending"
    store.record(RunSummary(first, "failed", error="E: x"))  # the same run, failed later
    store.flush()
    assert store.done == set() and store.failed == 1
    assert pd.read_parquet(folder / "runs.parquet").set_index("run_id").loc[first, "status"] == (
        "failed"
    )


def test_the_driver_records_a_run_its_worker_could_not(tmp_path: Path, plan: RunPlan) -> None:
    folder = tmp_path / "r"
    store = _open(folder, plan)
    lost, ok = (run.run_id for run in list(plan)[:2])
    for kind in KINDS:  # a partial file left by the dead worker
        (folder / kind / f"{lost}.parquet").write_bytes(b"PAR1")
        (folder / kind / f"{ok}.parquet").write_bytes(b"PAR1")
    summary = RunSummary(lost, "failed", error="BrokenProcessPool: died", recorded=False)
    store.record(summary)
    assert json.loads((folder / "status" / f"{lost}.json").read_text()) == summary.to_record()
    assert not any((folder / kind / f"{lost}.parquet").exists() for kind in KINDS)
    store.record(RunSummary(ok, "ok", files=tuple(KINDS), recorded=False))
    assert json.loads((folder / "status" / f"{ok}.json").read_text())["status"] == "ok"
    assert all((folder / kind / f"{ok}.parquet").exists() for kind in KINDS)  # kept


def test_runs_parquet_is_rewritten_at_most_every_flush_seconds(
    tmp_path: Path, plan: RunPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(store_module.time, "monotonic", lambda: clock[0])
    writes: list[float] = []
    write_parquet = store_module.write_parquet

    def timed(frame: pd.DataFrame, path: Path) -> None:
        if path.name == "runs.parquet":
            writes.append(clock[0])
        write_parquet(frame, path)

    monkeypatch.setattr(store_module, "write_parquet", timed)
    store = ResultsStore.open(tmp_path / "r", plan, resume=False, session={}, flush_seconds=5.0)
    assert writes == [1000.0]  # the pending table, at once
    runs = iter(plan)
    store.record(RunSummary(next(runs).run_id, "ok"))
    clock[0] = 1004.9
    store.record(RunSummary(next(runs).run_id, "ok"))
    assert writes == [1000.0]  # not 5 seconds yet
    clock[0] = 1005.0
    store.record(RunSummary(next(runs).run_id, "ok"))
    assert writes == [1000.0, 1005.0]
    table = pd.read_parquet(tmp_path / "r" / "runs.parquet")
    assert (table["status"] == "ok").sum() == 3


def test_a_slow_rewrite_of_runs_parquet_is_spaced_to_5_percent_of_the_time(
    tmp_path: Path, plan: RunPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [0.0]
    monkeypatch.setattr(store_module.time, "monotonic", lambda: clock[0])
    write_parquet = store_module.write_parquet

    def slow(frame: pd.DataFrame, path: Path) -> None:
        clock[0] += 2.0  # a rewrite that takes 2 seconds
        write_parquet(frame, path)

    monkeypatch.setattr(store_module, "write_parquet", slow)
    store = ResultsStore.open(tmp_path / "r", plan, resume=False, session={}, flush_seconds=5.0)
    assert store._interval == 40.0  # 2 s of writing per 40 s: 5%
    store.flush_seconds = 60.0
    store.flush()
    assert store._interval == 60.0  # never below flush_seconds


def test_closing_records_the_counts_and_the_end_of_the_session(
    tmp_path: Path, plan: RunPlan
) -> None:
    folder = tmp_path / "r"
    store = _open(folder, plan)
    runs = [run.run_id for run in plan]
    store.record(RunSummary(runs[0], "ok", recorded=False))  # status files by the driver
    store.record(RunSummary(runs[1], "ok", recorded=False))
    store.record(RunSummary(runs[2], "failed", error="E: x", recorded=False))
    store.close("interrupted", {"made": 3, "wall_seconds": 1.25})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["finished"] is None
    assert manifest["counts"] == {"ok": 2, "failed": 1, "pending": 9}
    session = manifest["sessions"][-1]
    assert (session["made"], session["wall_seconds"]) == (3, 1.25)
    assert datetime.fromisoformat(session["finished"]).utcoffset() == timedelta(0)
    table = pd.read_parquet(folder / "runs.parquet")  # the final table, whatever the interval
    assert table["status"].value_counts().to_dict() == {"pending": 9, "ok": 2, "failed": 1}

    reopened = _open(folder, plan, resume=True)
    for run_id in runs[3:]:
        reopened.record(RunSummary(run_id, "ok"))
    reopened.close("complete", {"made": 9})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["finished"] == manifest["sessions"][-1]["finished"] is not None
    assert manifest["counts"] == {"ok": 11, "failed": 1, "pending": 0}
    assert len(manifest["sessions"]) == 2 and manifest["sessions"][0]["made"] == 3


# --- reopening to resume -------------------------------------------------------------------


def test_reopening_keeps_done_and_failed_runs_and_remakes_damaged_and_unreadable_ones(
    tmp_path: Path, plan: RunPlan
) -> None:
    folder = tmp_path / "r"
    _open(folder, plan).close("interrupted", {"made": 0})
    runs = [run.run_id for run in plan]
    kept = _write_run(folder, runs[0])
    failed = _write_run(folder, runs[1], status="failed")
    damaged = _write_run(folder, runs[2])
    (folder / "metrics" / f"{runs[2]}.parquet").write_bytes(b"PAR1 not parquet PAR1")
    (folder / "panel" / f"{runs[2]}.parquet").write_bytes(b"")  # another file of the run
    missing = _write_run(folder, runs[3])
    (folder / "metrics" / f"{runs[3]}.parquet").unlink()
    (folder / "status" / f"{runs[4]}.json").write_text("{not json")
    (folder / "status" / f"{runs[5]}.json").write_text('{"run_id": "x", "status": "odd"}')
    later = _write_run(folder, runs[6])  # read after the unreadable ones

    store = _open(folder, plan, resume=True)
    assert store.done == {runs[0], runs[6]} and store.failed == 1
    assert store.statuses == {
        runs[0]: kept.slim(),
        runs[1]: failed.slim(),
        runs[6]: later.slim(),
    }
    size = len(b"PAR1 not parquet PAR1")
    assert store.damaged == [
        (runs[2], f"metrics: size {size} bytes, recorded {damaged.checks['metrics']['bytes']:,}"),
        (runs[3], "metrics: missing"),
    ]
    assert missing.run_id == runs[3]
    for run_id in (runs[2], runs[3]):  # pending again: no status, no data file
        assert not (folder / "status" / f"{run_id}.json").exists()
        assert not any((folder / kind / f"{run_id}.parquet").exists() for kind in KINDS)
    assert (folder / "metrics" / f"{runs[0]}.parquet").exists()
    table = pd.read_parquet(folder / "runs.parquet").set_index("run_id")["status"]
    assert table[runs[0]] == "ok" and table[runs[1]] == "failed"
    assert (table[runs[2:6]] == "pending").all() and table[runs[6]] == "ok"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "running" and manifest["finished"] is None
    assert [s["executor"] for s in manifest["sessions"]] == ["test", "test"]
    assert manifest["sessions"][-1]["finished"] is None


def test_a_file_changed_in_place_is_damaged_by_its_checksum(tmp_path: Path, plan: RunPlan) -> None:
    folder = tmp_path / "r"
    _open(folder, plan)
    run_id = next(iter(plan)).run_id
    _write_run(folder, run_id)
    path = folder / "metrics" / f"{run_id}.parquet"
    content = bytearray(path.read_bytes())
    content[10] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(content))
    store = _open(folder, plan, resume=True)
    assert store.damaged == [(run_id, "metrics: content differs from its recorded SHA-256")]


def test_reopening_removes_temporary_files_left_by_killed_writers(
    tmp_path: Path, plan: RunPlan
) -> None:
    folder = tmp_path / "r"
    _open(folder, plan)
    leftovers = [
        folder / ".manifest.json.abc.tmp",
        *(folder / kind / ".x.parquet.abc.tmp" for kind in (*KINDS, "status")),
    ]
    for path in leftovers:
        path.write_text("partial")
    kept = [folder / "notes.tmp", folder / "metrics" / ".hidden"]
    for path in kept:
        path.write_text("mine")
    _open(folder, plan, resume=True)
    assert not any(path.exists() for path in leftovers)
    assert all(path.exists() for path in kept)


def test_a_design_that_differs_from_the_stored_one_is_refused_and_a_missing_one_rewritten(
    tmp_path: Path, experiment: Experiment, plan: RunPlan
) -> None:
    folder = tmp_path / "r"
    _open(folder, plan)
    design = folder / "design.parquet"
    stored = pd.read_parquet(design)
    design.unlink()
    _open(folder, plan, resume=True)
    pd.testing.assert_frame_equal(pd.read_parquet(design), stored)
    for changed in (
        stored.assign(**{"data.share": [0.25, 0.5]}),  # another value
        stored.rename(columns={"data.share": "data.other"}),  # another parameter
        stored.assign(extra=1.0),  # one more column
    ):
        changed.to_parquet(design, index=False)
        with pytest.raises(InputError) as caught:
            _open(folder, plan, resume=True)
        error = caught.value
        assert error.problem == (
            "cannot resume: the design generated now differs from the stored one "
            "(did the sampling libraries change?)"
        )
        assert (error.file, error.field) == (str(design), "--resume")
        assert error.allowed == "the library versions listed in manifest.json, or another --out"


def test_a_store_built_from_its_parts_records_and_flushes(tmp_path: Path, plan: RunPlan) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    first, second = (run.run_id for run in list(plan)[:2])
    store = ResultsStore(
        folder,
        plan,
        {"sessions": [{}]},
        {first: RunSummary(first, "ok"), second: RunSummary(second, "failed")},
        flush_seconds=0.0,
    )
    assert (store.done, store.failed, store.damaged) == ({first}, 1, [])
    store.record(RunSummary(second, "ok"))  # flush_seconds 0: runs.parquet at once
    assert store.done == {first, second} and store.failed == 0
    statuses = pd.read_parquet(folder / "runs.parquet").set_index("run_id")["status"]
    assert statuses[[first, second]].tolist() == ["ok", "ok"]


def test_a_runs_table_that_cannot_be_built_leaves_nothing_written(
    tmp_path: Path, plan: RunPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_big(statuses: object) -> pd.DataFrame:
        raise MemoryError("runs table")

    monkeypatch.setattr(plan, "table", too_big)
    with pytest.raises(MemoryError):
        _open(tmp_path / "r", plan)
    assert not (tmp_path / "r" / "manifest.json").exists()
    assert not (tmp_path / "r" / "design.parquet").exists()


def test_reopening_a_complete_directory_marks_it_running_again(
    tmp_path: Path, plan: RunPlan
) -> None:
    folder = tmp_path / "r"
    _open(folder, plan).close("complete", {"made": 0})
    assert json.loads((folder / "manifest.json").read_text())["finished"] is not None
    manifest = _open(folder, plan, resume=True).manifest
    assert (manifest["status"], manifest["finished"]) == ("running", None)
    assert json.loads((folder / "manifest.json").read_text()) == manifest


def test_a_manifest_without_sessions_gets_the_new_one(tmp_path: Path, plan: RunPlan) -> None:
    folder = tmp_path / "r"
    _open(folder, plan)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["sessions"]  # as a manifest written before sessions were recorded
    (folder / "manifest.json").write_text(json.dumps(manifest))
    sessions = _open(folder, plan, resume=True, workers=2).manifest["sessions"]
    assert len(sessions) == 1 and sessions[0]["workers"] == 2
