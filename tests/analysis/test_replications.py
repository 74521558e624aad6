"""Tests of the replication protocol (platsim.analysis.replications, `platsim replications`,
`platsim compare --difference`): the coefficient of variation over replications, the number
from which it is stable (Lorscheid et al. 2012), and the warning when a comparison's
replications cannot tell a difference of the size asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from platsim.analysis.compare import compare, run_values
from platsim.analysis.replications import (
    cv_curve,
    parse_sizes,
    stabilisation,
    stable_from,
    too_wide,
)
from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.results import open as open_results
from platsim.experiment.runner import run_batch

EXPERIMENT = """
name: tiny
scenarios: [baseline, worker_protection]
replications: 6
steps: 10
seed: 5
overrides:
  territory.n_municipalities: 20
  simulation.policy_start: 4
outputs:
  panel_every: 0
"""


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 scenarios x 6 replications x 10 steps on 20 municipalities."""
    folder = tmp_path_factory.mktemp("replications")
    (folder / "tiny.yaml").write_text(EXPERIMENT)
    assert run_batch(folder / "tiny.yaml", folder / "results", executor="local").exit_code == 0
    return folder / "results"


def test_cv_curve_is_the_sample_cv_of_each_prefix() -> None:
    values = np.array([2.0, 4.0, 3.0, 7.0, 5.0])
    curve = cv_curve(values)
    assert np.isnan(curve[0])
    for n in range(2, 6):
        prefix = values[:n]
        assert curve[n - 1] == pytest.approx(prefix.std(ddof=1) / prefix.mean(), rel=1e-12)


def test_cv_is_missing_where_the_mean_is_zero() -> None:
    assert np.isnan(cv_curve([1.0, -1.0])[1])


def test_stable_from_is_the_first_n_after_the_last_change_above_the_criterion() -> None:
    cv = np.array([np.nan, 0.5, 0.3, 0.305, 0.302, 0.3025])
    assert stable_from(cv, 0.01) == 3.0  # the last large change is cv_3 - cv_2
    assert stable_from(cv, 0.004) == 4.0  # now cv_4 - cv_3 (0.005) is large too
    assert np.isnan(stable_from(cv, 0.0001))  # the last change is still too large: more needed
    assert np.isnan(stable_from(cv[:3], 0.5))  # too few replications to judge


def test_stable_from_never_goes_below_the_minimum() -> None:
    assert stable_from(np.array([np.nan, 0.1, 0.1, 0.1, 0.1]), 0.01) == 3.0


def test_stabilisation_of_a_batch_uses_each_scenario_s_runs_in_replication_order(
    results_dir: Path,
) -> None:
    table = stabilisation(results_dir, at="mean:4-10", outcomes=["unemployment_rate"])
    assert list(table["arm"]) == ["baseline", "worker_protection"]
    with open_results(results_dir) as results:
        values = run_values(results, at="mean:4-10", outcomes=["unemployment_rate"])
    for row in table.itertuples(index=False):
        runs = values[values["scenario"] == row.arm].sort_values("replication")
        series = runs["unemployment_rate"].to_numpy()
        assert row.replications == 6
        assert row.cv == pytest.approx(series.std(ddof=1) / series.mean(), rel=1e-12)
        assert row.stable_from == stable_from(cv_curve(series)) or (
            np.isnan(row.stable_from) and np.isnan(stable_from(cv_curve(series)))
        )


def test_the_replications_command_prints_the_table_and_refuses_a_bad_criterion(
    results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["replications", str(results_dir), "--at", "mean:4-10", "--format", "csv"]
    assert main([*args, "--outcome", "unemployment_rate"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "arm,outcome,replications,cv,stable_from"
    assert len(lines) == 3
    assert main([*args, "--criterion", "2"]) == 2
    shown = capsys.readouterr()
    assert "--criterion" in shown.err and "Traceback" not in shown.err
    assert len(shown.err.strip().splitlines()) == 1


def test_too_wide_names_the_arms_whose_detectable_difference_exceeds_the_size(
    results_dir: Path,
) -> None:
    table = compare(results_dir, at="mean:4-10", outcomes=["unemployment_rate", "gini_income"])
    row = table[(table["arm"] == "worker_protection") & (table["outcome"] == "gini_income")]
    half = float(row["diff_high"].iloc[0] - row["diff"].iloc[0])
    n = int(row["pairs"].iloc[0])
    se = half / stats.t.ppf(0.975, n - 1)
    detectable = (stats.t.ppf(0.975, n - 1) + stats.t.ppf(0.8, n - 1)) * se
    wide = too_wide(table, {"gini_income": detectable * 0.5})
    assert list(wide["arm"]) == ["worker_protection"]
    assert wide["detectable"].iloc[0] == pytest.approx(detectable, rel=1e-9)
    assert too_wide(table, {"gini_income": detectable * 2}).empty
    with pytest.raises(InputError, match="--difference"):
        too_wide(table, {"no_such_outcome": 1.0})


def test_compare_warns_on_standard_error_when_a_difference_cannot_be_told(
    results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(results_dir), "--at", "mean:4-10", "--outcome", "gini_income"]
    assert main([*args, "--difference", "gini_income=1e-9"]) == 0
    err = capsys.readouterr().err
    assert "warning: worker_protection, gini_income: 6 paired replications" in err
    assert main([*args, "--difference", "gini_income=10"]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("text", ["gini_income", "gini_income=", "=0.1", "gini_income=-1"])
def test_a_bad_difference_is_refused_in_one_line(
    text: str, results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InputError, match="--difference"):
        parse_sizes([text])
    assert main(["compare", str(results_dir), "--difference", text]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--difference" in err


def test_sizes_are_read_per_outcome() -> None:
    assert parse_sizes(["a=0.5", "b=2"]) == {"a": 0.5, "b": 2.0}
    assert parse_sizes(None) == {}
    assert isinstance(pd.Series(parse_sizes(["a=1"])).iloc[0], float)


def test_each_point_of_a_grid_is_its_own_arm(tmp_path: Path) -> None:
    (tmp_path / "grid.yaml").write_text(
        "name: grid\nscenarios: [baseline]\nreplications: 4\nsteps: 6\nseed: 3\n"
        "overrides:\n  territory.n_municipalities: 20\n  simulation.policy_start: 2\n"
        "outputs:\n  panel_every: 0\n"
        "design:\n  method: grid\n  parameters:\n"
        "    economy.matching_efficiency: {values: [0.2, 0.4]}\n"
    )
    assert run_batch(tmp_path / "grid.yaml", tmp_path / "r", executor="local").exit_code == 0
    table = stabilisation(tmp_path / "r", at="mean:2-6", outcomes=["unemployment_rate"])
    assert list(table["arm"]) == ["baseline@p0", "baseline@p1"]
    assert (table["replications"] == 4).all()


def test_a_constant_zero_has_no_cv_and_reads_not_applicable(
    results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = stabilisation(results_dir, at="mean:4-10", outcomes=["public_cost"])
    assert table["cv"].isna().all()
    args = ["replications", str(results_dir), "--at", "mean:4-10", "--outcome", "public_cost"]
    assert main(args) == 0
    assert "n.a. (mean 0)" in capsys.readouterr().out


def test_one_replication_cannot_tell_any_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "one.yaml").write_text(EXPERIMENT.replace("replications: 6", "replications: 1"))
    assert run_batch(tmp_path / "one.yaml", tmp_path / "r", executor="local").exit_code == 0
    table = compare(tmp_path / "r", at="mean:4-10", outcomes=["gini_income"])
    wide = too_wide(table, {"gini_income": 1.0})
    assert list(wide["arm"]) == ["worker_protection"] and wide["detectable"].isna().all()
    args = ["compare", str(tmp_path / "r"), "--at", "mean:4-10", "--outcome", "gini_income"]
    assert main([*args, "--difference", "gini_income=1"]) == 0
    assert "cannot tell any difference (fewer than two)" in capsys.readouterr().err
