"""Crash safety: a batch subprocess killed with SIGKILL, then resumed, ends with exactly the
results of an uninterrupted batch; its orphaned pool workers exit with it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from platsim.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "experiments"


def experiment_file(tmp_path: Path, replications: int) -> Path:
    content = yaml.safe_load((DATA / "small.yaml").read_text())
    content["scenarios"] = [str(DATA / name) for name in content["scenarios"]]
    content["replications"] = replications
    path = tmp_path / "killable.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def digests(directory: Path) -> dict[str, str]:
    """Every data and status file's name and content digest, design and runs table aside."""
    found = {}
    for kind in ("metrics", "panel", "platforms", "lorenz"):
        for path in sorted((directory / kind).iterdir()):
            found[f"{kind}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    found["design.parquet"] = hashlib.sha256(
        (directory / "design.parquet").read_bytes()
    ).hexdigest()
    return found


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stream:
                state = stream.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.append(pid)
    return living


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find pool workers")
def test_sigkilled_batch_resumes_to_exactly_the_uninterrupted_results(tmp_path: Path) -> None:
    experiment = experiment_file(tmp_path, replications=6)  # 24 runs
    total = 24
    killed = tmp_path / "killed"
    environment = {key: value for key, value in os.environ.items() if key != "PLATSIM_FAIL_RUNS"}
    command = [sys.executable, "-m", "platsim.cli", "batch", str(experiment), "--out", str(killed)]
    process = subprocess.Popen(
        [*command, "--executor", "process", "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment,
    )
    status = killed / "status"
    deadline = time.monotonic() + 120
    while not (status.is_dir() and len(list(status.glob("*.json"))) >= 3):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the batch made no run in 120 s"
        time.sleep(0.01)
    workers = children_of(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    made = len(list(status.glob("*.json")))
    assert 3 <= made < total, "the batch should be killed half-way"
    runs = pd.read_parquet(killed / "runs.parquet")  # readable: written atomically
    assert len(runs) == total and (runs["status"] == "pending").any()
    # the pool's workers notice their driver died and exit instead of lingering
    deadline = time.monotonic() + 20
    while alive(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(workers), f"orphaned workers still running: {alive(workers)}"

    resume = ["--resume", "--executor", "local", "--quiet"]
    assert main(["batch", str(experiment), "--out", str(killed), *resume]) == 0
    reference = tmp_path / "reference"
    assert main(["batch", str(experiment), "--out", str(reference), "--executor", "local"]) == 0

    assert digests(killed) == digests(reference)
    assert len([name for name in digests(killed) if name.startswith("metrics/")]) == total
    resumed_runs = pd.read_parquet(killed / "runs.parquet").drop(columns="wall_seconds")
    reference_runs = pd.read_parquet(reference / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(resumed_runs, reference_runs)
    assert (resumed_runs["status"] == "ok").all()
    assert sorted(p.name for p in (killed / "status").iterdir()) == sorted(
        p.name for p in (reference / "status").iterdir()
    )
    assert not list(killed.rglob("*.tmp"))


@pytest.mark.parametrize(
    ("number", "target"),
    [(signal.SIGTERM, "driver"), (signal.SIGTERM, "group"), (signal.SIGINT, "driver")],
    ids=["sigterm", "sigterm-to-group", "sigint"],
)
def test_a_terminated_batch_records_interrupted_and_says_how_to_resume(
    tmp_path: Path, number: signal.Signals, target: str
) -> None:
    experiment = experiment_file(tmp_path, replications=6)  # 24 runs
    out = tmp_path / "stopped"
    environment = {key: value for key, value in os.environ.items() if key != "PLATSIM_FAIL_RUNS"}
    command = [sys.executable, "-m", "platsim.cli", "batch", str(experiment), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--executor", "process", "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment,
        start_new_session=True,  # its own process group, so the group can be signalled
    )
    status = out / "status"
    deadline = time.monotonic() + 120
    while not (status.is_dir() and len(list(status.glob("*.json"))) >= 3):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the batch made no run in 120 s"
        time.sleep(0.01)
    workers = children_of(process.pid)
    if target == "group":
        os.killpg(process.pid, number)
    else:
        os.kill(process.pid, number)
    _, stderr = process.communicate(timeout=120)
    message = stderr.decode()

    assert process.returncode == 128 + number, message
    assert f"interrupted ({number.name})" in message and "--resume" in message
    assert "Traceback" not in message and "leaked" not in message, message
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["counts"]["pending"] > 0
    assert not list(out.rglob("*.tmp")), list(out.rglob("*.tmp"))
    deadline = time.monotonic() + 20
    while alive(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(workers)

    resume = ["--resume", "--executor", "local", "--quiet"]
    assert main(["batch", str(experiment), "--out", str(out), *resume]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 24 and (runs["status"] == "ok").all()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
