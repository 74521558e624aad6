"""Tests for the command line, through ``platsim.cli.main([...])`` (returns the exit code)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from platsim.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "scenarios"
FAST = ["--steps", "3", "--set", "territory.n_municipalities=20"]


def test_run_writes_three_files_and_prints_a_table(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["run", "baseline", "--seed", "4", "--out", str(out), *FAST])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    written = {p.name for p in out.iterdir()}
    assert {"metrics.parquet", "municipalities.parquet", "lorenz.parquet", "run.json"} <= written
    assert not any(name.endswith(".tmp") for name in written)
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert list(metrics["step"]) == [0, 1, 2, 3]
    lorenz = pd.read_parquet(out / "lorenz.parquet")
    assert sorted(lorenz["step"].unique()) == [0, 3]  # the panel's step 0, and the last step
    assert "lorenz.parquet" in captured.out.replace("\n", "")  # rich wraps long paths
    info = json.loads((out / "run.json").read_text())
    assert info["seed"] == 4
    assert info["parameters"]["territory"]["n_municipalities"] == 20
    # the table of key outcomes, at step 0 and the last step
    assert "unemployment_rate" in captured.out
    assert "step 0" in captured.out and "step 3" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_run_quiet_prints_no_table(tmp_path, capsys) -> None:
    code = main(["run", "baseline", "--quiet", "--out", str(tmp_path), *FAST])
    captured = capsys.readouterr()
    assert code == 0
    assert "unemployment_rate" not in captured.out
    assert (tmp_path / "metrics.parquet").is_file()


def test_run_with_missing_scenario_file(tmp_path, capsys) -> None:
    missing = tmp_path / "nope.yaml"
    code = main(["run", str(missing), "--out", str(tmp_path / "out"), *FAST])
    captured = capsys.readouterr()
    assert code == 2
    assert "nope.yaml" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "out" / "metrics.parquet").exists()


def test_run_with_out_of_range_set(tmp_path, capsys) -> None:
    code = main(["run", "baseline", "--out", str(tmp_path), "--set", "economy.consumption_share=2"])
    captured = capsys.readouterr()
    assert code == 2
    assert "economy.consumption_share" in captured.err
    assert "[0, 1]" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "metrics.parquet").exists()


def test_run_with_unknown_set_path(tmp_path, capsys) -> None:
    code = main(["run", "baseline", "--out", str(tmp_path), "--set", "economy.nope=1"])
    captured = capsys.readouterr()
    assert code == 2
    assert "economy.nope" in captured.err


def test_run_with_out_under_a_regular_file(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["run", "baseline", "--out", str(blocker / "sub"), *FAST])
    captured = capsys.readouterr()
    assert code == 2
    assert "--out" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert blocker.read_text() == "not a folder"


def test_validate_good_file(capsys) -> None:
    assert main(["validate", "baseline"]) == 0
    assert "ok" in capsys.readouterr().out


def test_validate_bad_file(capsys) -> None:
    code = main(["validate", str(DATA / "bad_out_of_range.yaml")])
    captured = capsys.readouterr()
    assert code == 2
    assert "bad_out_of_range.yaml" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_validate_reports_every_file(capsys) -> None:
    code = main(["validate", "baseline", str(DATA / "bad_unknown_key.yaml")])
    captured = capsys.readouterr()
    assert code == 2
    assert "ok" in captured.out
    assert "bad_unknown_key.yaml" in captured.err


def test_scenarios_lists_baseline(capsys) -> None:
    assert main(["scenarios"]) == 0
    assert "baseline" in capsys.readouterr().out


def test_usage_error_is_not_a_traceback(capsys) -> None:
    code = main(["run"])  # missing scenario argument
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize("flag", ["--version"])
def test_version(flag: str, capsys) -> None:
    import platsim

    assert main([flag]) == 0
    assert platsim.__version__ in capsys.readouterr().out
