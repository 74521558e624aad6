"""Tests of platsim.experiment.plan: run ids, the run at each index, the runs table, and the
plan size limit (no run is made: an experiment is only loaded and enumerated)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from platsim.errors import InputError
from platsim.experiment.plan import MAX_RUNS, RUN_COLUMNS, RunPlan, parquet_safe
from platsim.experiment.spec import load_experiment
from platsim.experiment.tasks import RunSummary

DATA = Path(__file__).resolve().parents[1] / "data" / "experiments"


def experiment(tmp_path: Path, *, scenarios: int = 2, **changes: Any):
    content = yaml.safe_load((DATA / "small.yaml").read_text())
    names = content["scenarios"][:scenarios]
    content["scenarios"] = [str(DATA / name) for name in names]
    content.update(changes)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(content))
    return load_experiment(path)


def grid(values: list[Any]) -> dict[str, Any]:
    return {"method": "grid", "parameters": {"data.share": {"values": values}}}


def test_ids_are_zero_padded_to_the_largest_index_and_sort_in_plan_order(tmp_path: Path):
    shares = [round(0.05 * i, 2) for i in range(11)]  # 11 points: p00 .. p10
    plan = RunPlan(experiment(tmp_path, scenarios=1, replications=10, design=grid(shares)))
    ids = [run.run_id for run in plan]
    assert len(ids) == len(plan) == 110
    assert ids[:2] == ["small_baseline_p00_r0", "small_baseline_p00_r1"]
    assert ids[9:11] == ["small_baseline_p00_r9", "small_baseline_p01_r0"]
    assert ids[-1] == "small_baseline_p10_r9"
    assert ids == sorted(ids)
    # one point and one replication: single digits, not empty ones
    single = RunPlan(experiment(tmp_path, scenarios=1, replications=1, design=grid([0.5])))
    assert [run.run_id for run in single] == ["small_baseline_p0_r0"]
    eleven = RunPlan(experiment(tmp_path, scenarios=1, replications=11, design=grid([0.5])))
    assert [run.run_id for run in eleven][-1] == "small_baseline_p0_r10"


def test_the_run_at_each_index_is_scenario_then_point_then_replication(tmp_path: Path):
    plan = RunPlan(experiment(tmp_path, replications=3, design=grid([0.1, 0.2, 0.3, 0.4])))
    runs = list(plan)
    assert [run.index for run in runs] == list(range(2 * 4 * 3))
    run = plan.run(17)  # 17 = 1 * 12 + 1 * 3 + 2
    assert (run.scenario_index, run.design_point, run.replication) == (1, 1, 2)
    assert run.run_id == "small_open_data_p1_r2"
    assert run.seed == plan.experiment.seeds[2]
    task = plan.task(run, tmp_path / "out")
    assert task.run_id == run.run_id and task.directory == str(tmp_path / "out")
    assert task.overrides == {"data.share": 0.2}
    assert type(task.overrides["data.share"]) is float  # a Python float, not numpy's
    assert task.scenario == plan.experiment.scenarios[1].scenario
    assert task.steps == 6 and task.seed == run.seed


def test_the_runs_table_has_one_typed_row_per_run_with_each_runs_status(tmp_path: Path):
    plan = RunPlan(experiment(tmp_path, replications=2, design=grid([0.25, 0.75])))
    done = plan.run(1).run_id
    failed = plan.run(6).run_id
    statuses = {
        done: RunSummary(done, "ok", wall_seconds=1.5),
        failed: RunSummary(failed, "failed", error="ValueError: x", traceback="tb"),
    }
    table = plan.table(statuses)
    assert list(table.columns) == [*RUN_COLUMNS[:5], "data.share", *RUN_COLUMNS[5:]]
    assert list(table["run_id"]) == [run.run_id for run in plan]
    assert list(table["scenario"]) == ["small_baseline"] * 4 + ["small_open_data"] * 4
    assert list(table["design_point"]) == [0, 0, 1, 1] * 2
    assert list(table["replication"]) == [0, 1] * 4
    assert list(table["seed"]) == list(plan.experiment.seeds) * 4
    assert list(table["data.share"]) == [0.25, 0.25, 0.75, 0.75] * 2
    assert list(table["status"]) == ["pending", "ok", *["pending"] * 4, "failed", "pending"]
    assert table.loc[6, "error"] == "ValueError: x" and table.loc[6, "traceback"] == "tb"
    assert table["error"].isna().sum() == 7 and table["traceback"].isna().sum() == 7
    np.testing.assert_array_equal(table["wall_seconds"], [np.nan, 1.5, *[np.nan] * 4, 0.0, np.nan])
    for name in ("run_id", "scenario", "status", "error", "traceback"):
        assert table[name].dtype == "string", name
    assert table["wall_seconds"].dtype == float


def test_parquet_safe_stores_lists_and_mappings_as_sorted_json_and_keeps_the_rest():
    frame = pd.DataFrame(
        {
            "entry": [{"b": 1, "a": [1, 2]}, [3, {"d": 4, "c": 5}]],
            "text": ["x", "y"],
            "number": [1.5, 2.5],
        }
    )
    safe = parquet_safe(frame)
    assert list(safe["entry"]) == ['{"a": [1, 2], "b": 1}', '[3, {"c": 5, "d": 4}]']
    assert list(safe["text"]) == ["x", "y"] and list(safe["number"]) == [1.5, 2.5]
    assert isinstance(frame.loc[0, "entry"], dict)  # a copy: the design is untouched
    # text in an object column stays text; a YAML date inside a mapping is written as text
    mixed = pd.DataFrame(
        {
            "label": pd.Series(["a", None], dtype=object),
            "entry": [{"start": dt.date(2026, 1, 1)}, {"start": None}],
        }
    )
    safe = parquet_safe(mixed)
    assert list(safe["label"]) == ["a", None]
    assert list(safe["entry"]) == ['{"start": "2026-01-01"}', '{"start": null}']


def test_a_plan_of_exactly_max_runs_is_accepted_and_one_more_replication_refused(tmp_path):
    shares = [round(0.01 * i, 2) for i in range(1, 101)]  # 2 x 100 x 10,000 = MAX_RUNS
    assert len(RunPlan(experiment(tmp_path, replications=10_000, design=grid(shares)))) == MAX_RUNS
    with pytest.raises(InputError) as caught:
        RunPlan(experiment(tmp_path, replications=10_001, design=grid(shares)))
    error = caught.value
    assert error.field == "replications" and error.value == 10_001
    assert error.problem == (
        "the plan has 2,000,200 runs (2 scenario(s) x 100 design point(s) x 10,001 "
        "replication(s)), more than a batch can hold"
    )
    assert error.file == str(tmp_path / "plan.yaml")
    assert error.allowed == (
        "at most 2,000,000 runs: fewer replications, design points (samples, grid values) "
        "or scenarios"
    )


def test_a_plan_too_big_by_its_design_names_the_design(tmp_path: Path):
    shares = [i / 1_001 for i in range(1_001)]  # 2 x 1,001 points x 1,000 replications
    with pytest.raises(InputError) as caught:
        RunPlan(experiment(tmp_path, replications=1_000, design=grid(shares)))
    assert caught.value.field == "design" and caught.value.value == 1_001
    assert "2,002,000 runs (2 scenario(s) x 1,001 design point(s) x 1,000" in str(caught.value)
