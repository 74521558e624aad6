"""Batches end to end: the files and rows they write, failure isolation, resume rules, and
bit-identical metrics whatever the executor (local, process pool, Dask LocalCluster)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import pytest
import yaml
from rich.console import Console

from platsim import __version__
from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.executors.process import ProcessExecutor
from platsim.experiment.plan import RunPlan
from platsim.experiment.progress import BarProgress, LineProgress, make_progress
from platsim.experiment.runner import run_batch
from platsim.experiment.seeds import replication_seeds
from platsim.experiment.spec import load_experiment
from platsim.experiment.worker import FAIL_RUNS_VARIABLE

DATA = Path(__file__).resolve().parents[1] / "data" / "experiments"
SMALL = DATA / "small.yaml"  # 2 scenarios x 2 design points x 3 replications, 6 steps
RUNS = 12


def file_digests(directory: Path, kind: str) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((directory / kind).glob("*.parquet"))
    }


def runs_table(directory: Path) -> pd.DataFrame:
    return pd.read_parquet(directory / "runs.parquet").drop(columns="wall_seconds")


def batch(out: Path, *extra: str, experiment: Path = SMALL) -> int:
    return main(["batch", str(experiment), "--out", str(out), "--quiet", *extra])


@pytest.fixture(scope="module")
def local_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small experiment, run once with the local executor."""
    out = tmp_path_factory.mktemp("local") / "results"
    assert batch(out, "--executor", "local") == 0
    return out


def test_a_batch_writes_manifest_runs_and_one_file_per_run_and_kind(local_results: Path):
    out = local_results
    assert sorted(p.name for p in out.iterdir()) == [
        ".lock",  # the batch's lock file (unlocked once it ends)
        "design.parquet",
        "lorenz",
        "manifest.json",
        "metrics",
        "panel",
        "platforms",
        "runs.parquet",
        "status",
    ]
    plan = RunPlan(load_experiment(SMALL))
    ids = [planned.run_id for planned in plan]
    for kind in ("metrics", "panel", "platforms", "lorenz"):
        assert sorted(p.stem for p in (out / kind).glob("*.parquet")) == sorted(ids), kind
    assert not list(out.rglob("*.tmp"))

    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["run_id"]) == ids
    assert list(runs.columns) == [
        "run_id",
        "scenario",
        "design_point",
        "replication",
        "seed",
        "data.share",
        "status",
        "error",
        "traceback",
        "wall_seconds",
    ]
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    assert (runs["wall_seconds"] > 0).all()
    assert sorted(set(runs["data.share"])) == [0.25, 0.75]
    assert list(runs["seed"][:3]) == replication_seeds(7, 3)

    manifest = json.loads((out / "manifest.json").read_text())
    experiment = load_experiment(SMALL)
    assert manifest["experiment"] == yaml.safe_load(SMALL.read_text())
    assert manifest["experiment_hash"] == experiment.hash
    assert manifest["platsim_version"] == __version__
    assert manifest["status"] == "complete" and manifest["counts"]["ok"] == RUNS
    assert manifest["started"] <= manifest["finished"]
    assert {"hostname", "python", "cpus"} <= set(manifest["machine"])
    assert [s["name"] for s in manifest["scenarios"]] == ["small_baseline", "small_open_data"]
    assert manifest["design"]["method"] == "grid" and manifest["runs"] == RUNS


def test_each_run_holds_exactly_what_run_returns_for_its_scenario_seed_and_point(
    local_results: Path,
) -> None:
    plan = RunPlan(load_experiment(SMALL))
    planned = plan.run(len(plan) - 2)  # small_open_data_p1_r1
    task = plan.task(planned, local_results)
    from platsim.simulation import run

    assert task.overrides == {"data.share": 0.75}
    expected = run(task.scenario, planned.seed, 6, overrides=task.overrides)
    stored = pd.read_parquet(local_results / "metrics" / f"{planned.run_id}.parquet")
    assert (stored.pop("run_id") == planned.run_id).all()
    pd.testing.assert_frame_equal(stored, expected.metrics, check_exact=True)
    panel = pd.read_parquet(local_results / "panel" / f"{planned.run_id}.parquet")
    assert sorted(set(panel["step"])) == [0, 3, 6]
    lorenz = pd.read_parquet(local_results / "lorenz" / f"{planned.run_id}.parquet")
    assert (lorenz.pop("run_id") == planned.run_id).all()
    pd.testing.assert_frame_equal(lorenz, expected.lorenz, check_exact=True)
    status = json.loads((local_results / "status" / f"{planned.run_id}.json").read_text())
    assert status["files"] == ["metrics", "panel", "platforms", "lorenz"]


def test_a_failing_run_is_isolated_recorded_and_made_again_by_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    monkeypatch.setenv(FAIL_RUNS_VARIABLE, "small_open_data_p1_r1")
    assert batch(out, "--executor", "local") == 1
    printed = capsys.readouterr().out
    assert "small_open_data_p1_r1" in printed and "InjectedFailure" in printed
    assert "11 ok, 1 failed of 12 runs" in printed

    runs = pd.read_parquet(out / "runs.parquet").set_index("run_id")
    failed = runs.loc["small_open_data_p1_r1"]
    assert failed["status"] == "failed"
    assert failed["error"].startswith("InjectedFailure: run small_open_data_p1_r1")
    assert "Traceback (most recent call last)" in failed["traceback"]
    assert (runs.drop(index="small_open_data_p1_r1")["status"] == "ok").all()
    assert not (out / "metrics" / "small_open_data_p1_r1.parquet").exists()
    assert not (out / "lorenz" / "small_open_data_p1_r1.parquet").exists()
    assert len(list((out / "lorenz").glob("*.parquet"))) == RUNS - 1
    assert len(list((out / "metrics").glob("*.parquet"))) == RUNS - 1
    assert json.loads((out / "manifest.json").read_text())["counts"]["failed"] == 1

    monkeypatch.delenv(FAIL_RUNS_VARIABLE)
    assert batch(out, "--executor", "local", "--resume") == 0
    printed = capsys.readouterr().out
    assert "1 runs to make (11 already done)" in printed
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all()
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 2


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_process_pool_and_dask_give_the_local_bit_identical_results_and_isolate_failures(
    executor: str, local_results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if executor == "dask":
        pytest.importorskip("distributed")  # the process pool is checked without it
    failing = "small_baseline_p1_r0"
    kinds = ("metrics", "panel", "lorenz")
    expected = {kind: file_digests(local_results, kind) for kind in kinds}
    for digests in expected.values():
        del digests[f"{failing}.parquet"]
    reference = runs_table(local_results).set_index("run_id").drop(index=failing)
    monkeypatch.setenv(FAIL_RUNS_VARIABLE, failing)  # workers inherit the driver's environment
    out = tmp_path / executor
    assert batch(out, "--executor", executor, "--workers", "2") == 1
    for kind in kinds:
        assert file_digests(out, kind) == expected[kind], (executor, kind)
    runs = runs_table(out).set_index("run_id")
    assert runs.loc[failing, "status"] == "failed", executor
    assert "InjectedFailure" in runs.loc[failing, "error"]
    pd.testing.assert_frame_equal(runs.drop(index=failing), reference)


def test_resume_skips_done_runs_and_remakes_missing_or_partial_ones(
    local_results: Path, tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    for path in local_results.rglob("*"):
        if path.is_file():
            target = out / path.relative_to(local_results)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    # a run killed before its status file, one whose data file vanished, a leftover temp file
    (out / "status" / "small_baseline_p0_r2.json").unlink()
    (out / "metrics" / "small_open_data_p0_r0.parquet").unlink()
    (out / "lorenz" / "small_baseline_p1_r1.parquet").unlink()
    (out / "metrics" / ".small_baseline_p1_r0.parquet.x1y2.tmp").write_bytes(b"partial")
    before = (out / "metrics" / "small_open_data_p1_r2.parquet").stat().st_mtime_ns

    report = run_batch(SMALL, out, executor="local", resume=True)
    assert (report.skipped, report.made, report.ok, report.failed) == (9, 3, RUNS, 0)
    assert (out / "metrics" / "small_open_data_p1_r2.parquet").stat().st_mtime_ns == before
    assert not list(out.rglob("*.tmp"))
    assert file_digests(out, "metrics") == file_digests(local_results, "metrics")
    assert file_digests(out, "lorenz") == file_digests(local_results, "lorenz")
    pd.testing.assert_frame_equal(runs_table(out), runs_table(local_results))


def test_results_without_lorenz_files_stay_complete_on_resume(
    local_results: Path, tmp_path: Path
) -> None:
    """A directory written before the lorenz files existed: its ok runs do not list them."""
    out = tmp_path / "old"
    shutil.copytree(local_results, out)
    shutil.rmtree(out / "lorenz")
    for path in (out / "status").glob("*.json"):
        record = json.loads(path.read_text())
        record["files"] = [kind for kind in record["files"] if kind != "lorenz"]
        path.write_text(json.dumps(record))
    report = run_batch(SMALL, out, executor="local", resume=True)
    assert (report.skipped, report.made, report.ok) == (RUNS, 0, RUNS)
    assert (out / "lorenz").is_dir() and not list((out / "lorenz").iterdir())


def test_existing_results_are_never_overwritten_without_resume(
    local_results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = file_digests(local_results, "metrics")
    manifest = (local_results / "manifest.json").read_text()
    assert batch(local_results, "--executor", "local") == 2
    assert "--resume" in capsys.readouterr().err
    assert file_digests(local_results, "metrics") == before
    assert (local_results / "manifest.json").read_text() == manifest


def test_resuming_with_another_experiment_file_is_refused(
    local_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.yaml"
    content = yaml.safe_load(SMALL.read_text())
    content["seed"] = 8
    content["scenarios"] = [str(DATA / name) for name in content["scenarios"]]
    other.write_text(yaml.safe_dump(content))
    before = file_digests(local_results, "metrics")
    assert batch(local_results, "--executor", "local", "--resume", experiment=other) == 2
    message = capsys.readouterr().err
    assert "different experiment" in message and "--resume" in message
    assert str(local_results) in message
    assert file_digests(local_results, "metrics") == before


def test_resuming_after_a_scenario_file_changed_is_refused(tmp_path: Path) -> None:
    for name in ("small.yaml", "small_baseline.yaml", "small_open_data.yaml"):
        (tmp_path / name).write_text((DATA / name).read_text())
    experiment = tmp_path / "small.yaml"
    content = yaml.safe_load(experiment.read_text())
    content["replications"] = 1
    experiment.write_text(yaml.safe_dump(content))
    out = tmp_path / "results"
    assert run_batch(experiment, out, executor="local").ok == 4
    with (tmp_path / "small_baseline.yaml").open("a") as stream:
        stream.write("economy:\n  local_share: 0.6\n")
    with pytest.raises(InputError, match="different experiment"):
        run_batch(experiment, out, executor="local", resume=True)


def test_resume_into_an_empty_directory_starts_the_batch(tmp_path: Path) -> None:
    report = run_batch(tiny_experiment(tmp_path), tmp_path / "fresh", executor="local", resume=True)
    assert report.ok == 4 and report.skipped == 0


KILLER = [signal.SIGWINCH] * 3 + [signal.SIGKILL] + [signal.SIGWINCH] * 4


def check_a_dead_worker_fails_only_its_tasks(pairs: list[tuple[int, object]]) -> None:
    """What the pool of one worker guarantees when task 3 kills its worker.

    ``map_unordered`` yields outcomes as tasks end, and tasks ending together (the killed task
    and one queued behind it or the one before it) come in any order: only what holds
    whatever the timing is checked. SIGWINCH is ignored by default (those tasks return None);
    raising SIGKILL kills the worker as the out-of-memory killer would.
    """
    assert sorted(task for task, _ in pairs) == sorted(KILLER)  # every task once
    outcomes = [outcome for _, outcome in pairs]
    # the killer is submitted only once two tasks have ended (2 tasks in flight per worker)
    assert outcomes[:2] == [None, None]
    killed = [outcome for task, outcome in pairs if task == signal.SIGKILL]
    assert isinstance(killed[0], BrokenProcessPool)
    lost = [outcome for outcome in outcomes if outcome is not None]
    assert 1 <= len(lost) <= 2  # the killed task, and at most the one queued behind it
    assert all(isinstance(e, BrokenProcessPool) for e in lost)
    assert all("terminated abruptly" in str(error) for error in lost)
    assert outcomes[-3:] == [None] * 3  # after the restart


def test_a_dead_worker_process_fails_only_its_tasks_and_the_pool_restarts() -> None:
    with ProcessExecutor(1) as executor:
        pairs = list(executor.map_unordered(signal.raise_signal, KILLER))
    check_a_dead_worker_fails_only_its_tasks(pairs)


def test_a_worker_dying_while_the_driver_is_busy_does_not_end_the_batch() -> None:
    """The driver writes a run's files between outcomes: the worker dies meanwhile, and the
    next submission meets a broken pool; that task goes to the restarted pool."""
    pairs = []
    with ProcessExecutor(1) as executor:
        for pair in executor.map_unordered(signal.raise_signal, KILLER):
            pairs.append(pair)
            time.sleep(0.2)
    check_a_dead_worker_fails_only_its_tasks(pairs)


def tiny_experiment(tmp_path: Path) -> Path:
    """The small experiment with one replication: 4 runs."""
    content = yaml.safe_load(SMALL.read_text())
    content["scenarios"] = [str(DATA / name) for name in content["scenarios"]]
    content["replications"] = 1
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise(tmp_path: Path) -> None:
    terminal = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(make_progress(terminal), BarProgress)
    assert isinstance(make_progress(terminal, quiet=True), LineProgress)
    plain = Console(file=io.StringIO(), force_terminal=False)
    assert isinstance(make_progress(plain), LineProgress)

    experiment = tiny_experiment(tmp_path)
    bar = make_progress(terminal)
    run_batch(experiment, tmp_path / "bar", executor="local", progress=bar)
    shown = terminal.file.getvalue()
    assert "4/4" in shown and "0 failed" in shown and "runs/s" in shown and "ETA" in shown

    lines = LineProgress(plain, interval=0.0)
    run_batch(experiment, tmp_path / "lines", executor="local", progress=lines)
    text = plain.file.getvalue().splitlines()
    assert text[0] == "small: 4 runs to make"
    assert len(text) == 1 + 4 + 1
    assert text[-1].startswith("4/4 runs (100%), 0 failed,") and "ETA 0:00:00" in text[-1]
