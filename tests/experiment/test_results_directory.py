"""Results directories that cannot lose or corrupt results: one batch at a time (a lock),
resume that checks every file it trusts, readers that name damaged runs, a plan too big
refused before anything is written, and no batch into a folder that holds other files."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from platsim.cli import main
from platsim.experiment.plan import MAX_RUNS

DATA = Path(__file__).resolve().parents[1] / "data" / "experiments"
SMALL = DATA / "small.yaml"  # 2 scenarios x 2 design points x 3 replications, 6 steps
RUNS = 12
DAMAGED = "small_open_data_p1_r2"


def batch(out: Path, *extra: str, experiment: Path = SMALL) -> int:
    return main(
        ["batch", str(experiment), "--out", str(out), "--quiet", "--executor", "local", *extra]
    )


def file_digests(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for kind in ("metrics", "panel", "platforms", "lorenz")
        for path in sorted((directory / kind).glob("*.parquet"))
    }


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("complete") / "small"
    assert batch(out) == 0
    return out


@pytest.fixture
def copy(complete: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(complete, target)
    return target


def truncate(path: Path) -> None:
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


def one_line_error(text: str) -> str:
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, text
    return lines[0]


# --- 1. one batch at a time ----------------------------------------------------------------

HOLD_LOCK = """
import sys
from platsim.experiment.store import lock_directory
with lock_directory(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_a_second_batch_into_a_locked_folder_exits_2_naming_the_holder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shared"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert batch(out) == 2
        line = one_line_error(capsys.readouterr().err)
        assert f"process {holder.pid}" in line and "--out" in line and str(out) in line
        assert not (out / "manifest.json").exists()  # nothing written
        assert batch(out, "--resume") == 2  # resuming is refused too
        assert f"process {holder.pid}" in capsys.readouterr().err
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # the lock file left by the finished holder (its PID inside) is no obstacle
    assert (out / ".lock").read_text().strip() == str(holder.pid)
    assert batch(out) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == RUNS


def test_a_batch_into_results_being_written_keeps_the_first_batch_s_results(
    complete: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "busy"
    shutil.copytree(complete, out)
    manifest = (out / "manifest.json").read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert batch(out, "--resume") == 2
        assert f"process {holder.pid}" in one_line_error(capsys.readouterr().err)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert (out / "manifest.json").read_bytes() == manifest


# --- 2. resume checks every file it trusts; readers name damaged runs ------------------------


def test_status_files_record_rows_size_and_checksum(complete: Path) -> None:
    record = json.loads((complete / "status" / f"{DAMAGED}.json").read_text())
    assert (
        set(record["checks"]) == set(record["files"]) == {"metrics", "panel", "platforms", "lorenz"}
    )
    for kind, check in record["checks"].items():
        path = complete / kind / f"{DAMAGED}.parquet"
        assert check["bytes"] == path.stat().st_size
        assert check["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert check["rows"] == len(pd.read_parquet(path))
    assert record["checks"]["metrics"]["rows"] == 7  # steps 0..6


@pytest.mark.parametrize("kind", ["metrics", "panel"])
@pytest.mark.parametrize("damage", ["truncated", "deleted"])
def test_readers_name_a_damaged_run_and_resume_remakes_it(
    complete: Path, copy: Path, kind: str, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy / kind / f"{DAMAGED}.parquet"
    truncate(path) if damage == "truncated" else path.unlink()
    for command in (
        ["query", str(copy), "SELECT count(*) FROM metrics"],
        ["compare", str(copy)],
        ["report", str(copy), "-o", str(copy.parent / "report.html")],
    ):
        assert main(command) == 2, command
        line = one_line_error(capsys.readouterr().err)
        assert DAMAGED in line and kind in line and "--resume" in line, line
    assert not (copy.parent / "report.html").exists()

    assert batch(copy, "--resume") == 0
    captured = capsys.readouterr()
    assert "1 run(s) recorded as done had missing or damaged data files" in captured.err
    assert DAMAGED in captured.err
    assert "1 runs to make (11 already done)" in captured.out
    assert file_digests(copy) == file_digests(complete)
    assert main(["query", str(copy), "SELECT count(*) AS n FROM runs WHERE status = 'ok'"]) == 0
    assert "12" in capsys.readouterr().out


def test_a_file_changed_in_place_is_caught_by_its_checksum_on_resume(
    complete: Path, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy / "lorenz" / f"{DAMAGED}.parquet"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(content))
    assert batch(copy, "--resume") == 0
    assert "content differs from its recorded SHA-256" in capsys.readouterr().err
    assert file_digests(copy) == file_digests(complete)


def drop_checks(directory: Path) -> None:
    """Make the status files those of a platsim that recorded no checks."""
    for path in (directory / "status").glob("*.json"):
        record = json.loads(path.read_text())
        del record["checks"]
        path.write_text(json.dumps(record))


def test_old_results_without_checks_stay_readable_and_complete(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop_checks(copy)
    assert main(["query", str(copy), "SELECT count(*) AS n FROM metrics"]) == 0
    assert "84" in capsys.readouterr().out
    assert batch(copy, "--resume") == 0
    assert "0 runs to make (12 already done)" in capsys.readouterr().out


def test_old_results_with_a_truncated_file_give_one_line_and_resume_remakes_it(
    complete: Path, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop_checks(copy)
    truncate(copy / "metrics" / f"{DAMAGED}.parquet")
    assert main(["query", str(copy), "SELECT count(*) FROM metrics"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "cannot read the results" in line and DAMAGED in line
    assert batch(copy, "--resume") == 0
    assert "not a readable Parquet file" in capsys.readouterr().err
    assert file_digests(copy) == file_digests(complete)


# --- 9. a plan too big is refused before anything is written ---------------------------------


def test_a_plan_too_big_to_hold_exits_2_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = yaml.safe_load(SMALL.read_text())
    content["scenarios"] = [str(DATA / name) for name in content["scenarios"]]
    content["replications"] = 100_000
    content["design"]["parameters"] = {
        "data.share": {"values": [round(0.01 * i, 2) for i in range(1, 101)]}
    }
    experiment = tmp_path / "huge.yaml"
    experiment.write_text(yaml.safe_dump(content))
    out = tmp_path / "out"
    assert batch(out, experiment=experiment) == 2  # 2 x 100 x 100,000 = 20,000,000 runs
    line = one_line_error(capsys.readouterr().err)
    assert "20,000,000 runs" in line and "replications" in line and f"{MAX_RUNS:,}" in line
    assert not out.exists()


def test_a_directory_stopped_before_its_runs_table_says_so_and_resumes(
    copy: Path, complete: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("metrics", "panel", "platforms", "lorenz", "status"):
        shutil.rmtree(copy / folder)
    (copy / "runs.parquet").unlink()  # as left by a batch killed right after its manifest
    assert main(["query", str(copy), "SELECT 1"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "runs.parquet" in line and "--resume" in line
    assert batch(copy, "--resume") == 0
    assert file_digests(copy) == file_digests(complete)


# --- 10. a folder that holds other files is not a results directory ---------------------------


def test_an_out_folder_holding_other_files_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    (out / "metrics").mkdir(parents=True)
    pd.DataFrame({"x": [1]}).to_parquet(out / "metrics" / "x.parquet")
    assert batch(out) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "--out" in line and "not a batch results directory" in line and "metrics" in line
    assert sorted(p.name for p in out.rglob("*")) == ["metrics", "x.parquet"]  # untouched
    for command in (["query", str(out), "SELECT 1"], ["compare", str(out)]):
        assert main(command) == 2
        assert "manifest.json" in one_line_error(capsys.readouterr().err)


def test_an_empty_folder_or_one_left_before_the_manifest_is_used(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert batch(empty) == 0
    early = tmp_path / "early"  # a batch stopped after its lock and folders, before its manifest
    for folder in ("metrics", "status"):
        (early / folder).mkdir(parents=True)
    (early / ".lock").write_text("999999\n")
    assert batch(early) == 0
    assert len(pd.read_parquet(early / "runs.parquet")) == RUNS
