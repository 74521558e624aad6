"""Tests for platsim.simulation: run() as a pure function of (scenario, seed), and
RunOutputs.save()."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

import platsim
from platsim.core.model import LORENZ_SHARES
from platsim.core.phases.observation import UNDEFINED_WITHOUT_SHOCK
from platsim.schema import load_scenario
from platsim.schema.outcomes import OUTCOMES
from platsim.simulation import RunOutputs, run

SMALL = {"territory.n_municipalities": 20, "simulation.panel_every": 4}


@pytest.fixture(scope="module")
def outputs() -> RunOutputs:
    return run("baseline", seed=7, steps=10, overrides=SMALL)


def test_metrics_have_one_row_per_step_and_every_outcome(outputs) -> None:
    metrics = outputs.metrics
    assert list(metrics["step"]) == list(range(11))
    missing = set(OUTCOMES) - set(metrics.columns)
    assert not missing, missing
    assert metrics["accounts_residual"].abs().max() <= 1e-9
    # step 0 has no flows yet (import_share is 0/0 there); every later step is defined
    defined = [name for name in OUTCOMES if name not in UNDEFINED_WITHOUT_SHOCK]
    assert metrics.loc[1:, defined].notna().all().all()


def test_panel_every_panel_every_steps(outputs) -> None:
    panel = outputs.panel
    assert sorted(panel["step"].unique()) == [0, 4, 8]
    assert (panel.groupby("step").size() == outputs.info["municipalities"]).all()
    assert panel.groupby("step")["workers"].sum().nunique() == 1  # population conserved


def test_lorenz_at_panel_steps_and_the_last_step(outputs) -> None:
    lorenz = outputs.lorenz
    assert list(lorenz.columns) == ["step", "population_share", "income_share"]
    assert sorted(lorenz["step"].unique()) == [0, 4, 8, 10]  # panel steps, then the last
    for _, points in lorenz.groupby("step"):
        np.testing.assert_array_equal(points["population_share"], LORENZ_SHARES)
        income = points["income_share"].to_numpy()
        assert income[0] == 0.0 and income[-1] == 1.0
        assert (np.diff(income) >= 0).all() and (np.diff(income, 2) >= -1e-12).all()
    # the Gini the points imply is the run's gini_income, to the grid's resolution
    gini = outputs.metrics.set_index("step")["gini_income"]
    for step, points in lorenz.groupby("step"):
        implied = 1 - 2 * np.trapezoid(points["income_share"], points["population_share"])
        assert implied == pytest.approx(gini[step], abs=0.005)
        assert implied <= gini[step] + 1e-12


def test_info_records_provenance(outputs) -> None:
    info = outputs.info
    scenario = load_scenario("baseline").with_overrides(SMALL)
    assert info["platsim_version"] == platsim.__version__
    assert info["scenario_hash"] == scenario.hash()
    assert info["scenario"] == "baseline"
    assert info["seed"] == 7
    assert info["steps"] == 10
    assert info["wall_seconds"] >= 0
    assert info["municipalities"] == 20
    assert info["parameters"] == scenario.to_dict()


def test_run_is_a_pure_function_of_scenario_and_seed(outputs) -> None:
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    again = run("baseline", seed=7, steps=10, overrides=SMALL)
    pd.testing.assert_frame_equal(outputs.metrics, again.metrics, check_exact=True)
    pd.testing.assert_frame_equal(outputs.panel, again.panel, check_exact=True)
    pd.testing.assert_frame_equal(outputs.lorenz, again.lorenz, check_exact=True)
    other = run("baseline", seed=8, steps=10, overrides=SMALL)
    assert not outputs.metrics["unemployment_rate"].equals(other.metrics["unemployment_rate"])


def test_scenario_object_path_and_name_give_the_same_run(outputs) -> None:
    scenario = load_scenario("baseline").with_overrides(SMALL)
    from_object = run(scenario, seed=7, steps=10)
    pd.testing.assert_frame_equal(outputs.metrics, from_object.metrics, check_exact=True)
    assert from_object.info["scenario_hash"] == outputs.info["scenario_hash"]


def test_steps_default_to_the_scenario() -> None:
    result = run("baseline", seed=1, overrides={**SMALL, "simulation.steps": 3})
    assert list(result.metrics["step"]) == [0, 1, 2, 3]


def test_on_step_is_called_after_each_step() -> None:
    seen = []
    run(
        "baseline", seed=1, steps=4, overrides=SMALL, on_step=lambda model: seen.append(model.steps)
    )
    assert seen == [1, 2, 3, 4]


def test_save_writes_three_files_readable_back(outputs, tmp_path) -> None:
    paths = outputs.save(tmp_path / "out")
    assert {"metrics", "panel", "platforms", "lorenz", "run"} <= set(paths)
    assert paths["metrics"].name == "metrics.parquet"
    assert paths["panel"].name == "municipalities.parquet"
    assert paths["lorenz"].name == "lorenz.parquet"
    assert paths["run"].name == "run.json"
    pd.testing.assert_frame_equal(pd.read_parquet(paths["metrics"]), outputs.metrics)
    pd.testing.assert_frame_equal(pd.read_parquet(paths["panel"]), outputs.panel)
    pd.testing.assert_frame_equal(pd.read_parquet(paths["lorenz"]), outputs.lorenz)
    info = json.loads(paths["run"].read_text())
    assert info == json.loads(json.dumps(outputs.info, default=str))
    for key in ("platsim_version", "scenario_hash", "seed", "wall_seconds"):
        assert key in info
    # no temporary files left behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in paths.values()
    )


def test_save_with_no_panel(tmp_path) -> None:
    result = run("baseline", seed=2, steps=2, overrides={**SMALL, "simulation.panel_every": 0})
    assert len(result.panel) == 0
    paths = result.save(tmp_path)
    assert len(pd.read_parquet(paths["panel"])) == 0
    assert len(pd.read_parquet(paths["metrics"])) == 3
    lorenz = pd.read_parquet(paths["lorenz"])  # without a panel: the last step only
    assert list(lorenz["step"]) == [2] * len(LORENZ_SHARES)
