"""Tests of platsim.analysis.compare and `platsim compare`: intervals, pairing, verdicts, bad
input."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from platsim.analysis.compare import (
    add_arms,
    compare,
    compare_frame,
    default_baseline,
    design_method,
    display_table,
    format_value,
    outcome_names,
    parse_at,
    run_values,
    scenario_order,
    t_interval,
    to_markdown,
    verdict,
)
from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.results import Results
from platsim.experiment.results import open as open_results
from platsim.experiment.runner import run_batch

EXPERIMENT = """
name: tiny
scenarios: [baseline, worker_protection]
replications: 4
steps: 16
seed: 11
overrides:
  territory.n_municipalities: 20
  simulation.policy_start: 4
outputs:
  panel_every: 8
"""


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real small batch: 2 scenarios x 4 replications x 16 steps on 20 municipalities."""
    folder = tmp_path_factory.mktemp("analysis")
    (folder / "tiny.yaml").write_text(EXPERIMENT)
    report = run_batch(folder / "tiny.yaml", folder / "results", executor="local")
    assert report.exit_code == 0
    return folder / "results"


def test_t_interval_matches_scipy() -> None:
    x = np.array([1.0, 2.5, 3.1, 4.7, 2.2, 3.3])
    mean, low, high = t_interval(x)
    expected = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert mean == pytest.approx(x.mean())
    assert (low, high) == pytest.approx(expected)
    assert all(math.isnan(v) for v in t_interval([2.0])[1:])


def test_paired_difference_matches_scipy_ttest_rel() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(10, 2, 8)
    other = base + rng.normal(-0.5, 0.3, 8)  # paired: shared noise cancels
    frame = pd.DataFrame(
        {
            "run_id": [f"a_{i}" for i in range(8)] + [f"b_{i}" for i in range(8)],
            "arm": ["base"] * 8 + ["other"] * 8,
            "scenario": ["base"] * 8 + ["other"] * 8,
            "design_point": 0,
            "replication": list(range(8)) * 2,
            "gini_income": np.concatenate([base, other]),
            "employment_rate": np.concatenate([base, other]),
            "vacancies": np.concatenate([base, other]),
        }
    )
    names = ["gini_income", "employment_rate", "vacancies"]
    table = compare_frame(frame, frame[frame.arm == "base"], ["replication"], names)
    row = table[(table.arm == "other") & (table.outcome == "gini_income")].iloc[0]
    test = stats.ttest_rel(other, base)
    ci = test.confidence_interval(0.95)
    assert row["diff"] == pytest.approx((other - base).mean())
    assert (row["diff_low"], row["diff_high"]) == pytest.approx((ci.low, ci.high))
    assert row["rel_change"] == pytest.approx((other - base).mean() / base.mean())
    assert row["pairs"] == 8
    # the paired interval is much narrower than the unpaired one
    unpaired = stats.ttest_ind(other, base).confidence_interval(0.95)
    assert row["diff_high"] - row["diff_low"] < (unpaired.high - unpaired.low) / 3
    verdicts = table[table.arm == "other"].set_index("outcome")["verdict"]
    assert verdicts["gini_income"] == "better"  # lower Gini is better
    assert verdicts["employment_rate"] == "worse"  # lower employment is worse
    assert verdicts["vacancies"] == "lower"  # no better direction
    assert set(table[table.arm == "base"]["verdict"]) == {"baseline"}


def test_pairs_only_matching_replications() -> None:
    frame = pd.DataFrame(
        {
            "run_id": ["a0", "a1", "a2", "b0", "b2"],
            "arm": ["a", "a", "a", "b", "b"],
            "scenario": ["a", "a", "a", "b", "b"],
            "design_point": 0,
            "replication": [0, 1, 2, 0, 2],
            "hhi": [1.0, 5.0, 2.0, 2.0, 4.0],
        }
    )
    table = compare_frame(frame, frame[frame.arm == "a"], ["replication"], ["hhi"])
    row = table[table.arm == "b"].iloc[0]
    assert row["pairs"] == 2 and row["n"] == 2
    assert row["diff"] == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("better", "low", "high", "expected"),
    [
        ("lower", -2.0, -1.0, "better"),
        ("lower", 1.0, 2.0, "worse"),
        ("higher", 1.0, 2.0, "better"),
        ("higher", -2.0, -1.0, "worse"),
        ("higher", -1.0, 2.0, "no clear difference"),
        (None, 1.0, 2.0, "higher"),
        ("lower", math.nan, math.nan, "no clear difference"),
        # an interval touching 0 does not exclude it
        ("lower", 0.0, 0.0, "no clear difference"),
        ("lower", -1.0, 0.0, "no clear difference"),
        ("higher", 0.0, 1.0, "no clear difference"),
        (None, 0.0, 0.0, "no clear difference"),
    ],
)
def test_verdict(better: str | None, low: float, high: float, expected: str) -> None:
    assert verdict(better, (low + high) / 2, low, high) == expected


def test_an_arm_identical_to_the_baseline_is_no_clear_difference() -> None:
    """Every paired difference is 0 (interval [0, 0]): neither better, worse, higher nor lower."""
    values = [3.0, 1.0, 4.0, 1.5]
    frame = pd.DataFrame(
        {
            "run_id": [f"b_{i}" for i in range(4)] + [f"c_{i}" for i in range(4)],
            "arm": ["base"] * 4 + ["copy"] * 4,
            "scenario": ["base"] * 4 + ["copy"] * 4,
            "design_point": 0,
            "replication": list(range(4)) * 2,
            "gini_income": values * 2,
            "employment_rate": values * 2,
            "vacancies": values * 2,
        }
    )
    names = ["gini_income", "employment_rate", "vacancies"]
    table = compare_frame(frame, frame[frame.arm == "base"], ["replication"], names)
    copy = table[table.arm == "copy"].set_index("outcome")
    assert (copy["diff"] == 0.0).all() and (copy["diff_low"] == 0.0).all()
    assert set(copy["verdict"]) == {"no clear difference"}


def test_parse_at() -> None:
    assert parse_at("end").kind == "end"
    assert parse_at("12").start == 12
    at = parse_at("mean:4-8")
    assert (at.kind, at.start, at.end) == ("mean", 4, 8)
    for bad in ("last", "mean:8-4", "-3"):
        with pytest.raises(InputError, match="--at"):
            parse_at(bad)


def test_compare_on_a_real_batch(results_dir: Path) -> None:
    table = compare(results_dir, baseline="baseline")
    assert set(table["arm"]) == {"baseline", "worker_protection"}
    assert "accounts_residual" not in set(table["outcome"])  # checks hidden
    assert (table["n"] == 4).all()
    gini = table[(table.arm == "worker_protection") & (table.outcome == "gini_income")].iloc[0]
    assert gini["pairs"] == 4
    # the numbers recomputed from the raw files at the last step (16), paired by replication
    end = {
        scenario: np.array(
            [
                pd.read_parquet(results_dir / "metrics" / f"{scenario}_p0_r{r}.parquet")
                .set_index("step")
                .loc[16, "gini_income"]
                for r in range(4)
            ]
        )
        for scenario in ("baseline", "worker_protection")
    }
    other, base = end["worker_protection"], end["baseline"]
    assert not np.allclose(other, base)  # the scenario changes the Gini
    assert gini["mean"] == pytest.approx(other.mean())
    assert (gini["mean_low"], gini["mean_high"]) == pytest.approx(
        stats.t.interval(0.95, 3, loc=other.mean(), scale=stats.sem(other))
    )
    assert gini["baseline_mean"] == pytest.approx(base.mean())
    assert gini["diff"] == pytest.approx((other - base).mean())
    ci = stats.ttest_rel(other, base).confidence_interval(0.95)
    assert (gini["diff_low"], gini["diff_high"]) == pytest.approx((ci.low, ci.high))
    expected = (
        "no clear difference" if ci.low <= 0 <= ci.high else "better" if ci.high < 0 else "worse"
    )
    assert gini["verdict"] == expected  # a lower Gini is better
    assert table.attrs["failed"] == []
    # the DuckDB reductions agree with pandas on the raw files
    raw = pd.read_parquet(results_dir / "metrics" / "baseline_p0_r0.parquet")
    base = compare(results_dir, at="8", outcomes=["hhi", "mean_wage"])
    mean8 = compare(results_dir, at="mean:4-8", outcomes=["mean_wage"])
    runs = [f"baseline_p0_r{r}" for r in range(4)]
    frames = [pd.read_parquet(results_dir / "metrics" / f"{r}.parquet") for r in runs]
    at8 = np.mean([f.loc[f.step == 8, "mean_wage"].item() for f in frames])
    window = np.mean([f.loc[f.step.between(4, 8), "mean_wage"].mean() for f in frames])
    wage = base[(base.arm == "baseline") & (base.outcome == "mean_wage")].iloc[0]
    assert wage["mean"] == pytest.approx(at8)
    assert mean8[mean8.arm == "baseline"]["mean"].item() == pytest.approx(window)
    assert raw.step.max() == 16


def test_compare_cli_formats(results_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(results_dir), "--outcome", "hhi", "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("arm,scenario,design_point,outcome")
    assert main(["compare", str(results_dir), "--format", "markdown", "--at", "mean:8-16"]) == 0
    assert "| worker_protection | gini_income |" in capsys.readouterr().out
    assert main(["compare", str(results_dir), "--outcome", "gini_income"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--baseline", "nope"], "--baseline: unknown baseline"),
        (["--outcome", "happiness"], "--outcome: unknown outcome"),
        (["--at", "99"], "no run has this step"),
        (["--at", "later"], "--at: cannot read"),
    ],
)
def test_compare_bad_input_exit_2(
    results_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["compare", str(results_dir), *args]) == 2
    assert message in capsys.readouterr().err


def test_not_a_results_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(tmp_path)]) == 2
    assert "not a batch results directory" in capsys.readouterr().err


def test_failed_runs_are_excluded_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tiny.yaml").write_text(EXPERIMENT.replace("replications: 4", "replications: 3"))
    monkeypatch.setenv("PLATSIM_FAIL_RUNS", "worker_protection_p0_r1")
    report = run_batch(tmp_path / "tiny.yaml", tmp_path / "results", executor="local")
    assert report.failed == 1
    table = compare(tmp_path / "results")
    assert table.attrs["failed"] == ["worker_protection_p0_r1"]
    row = table[(table.arm == "worker_protection") & (table.outcome == "hhi")].iloc[0]
    assert row["n"] == 2 and row["pairs"] == 2
    assert main(["compare", str(tmp_path / "results"), "--outcome", "hhi"]) == 0
    assert "1 run(s) not done ok excluded: worker_protection_p0_r1" in capsys.readouterr().err


def test_runs_missing_from_the_files_are_named_not_silently_dropped(
    results_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(results_dir, copy)
    gone = "worker_protection_p0_r2"
    (copy / "metrics" / f"{gone}.parquet").unlink()
    assert main(["compare", str(copy)]) == 2  # recorded as done, file missing: named
    error = capsys.readouterr().err
    assert gone in error and "metrics: missing" in error and "Traceback" not in error
    # with its status file gone too, runs.parquet still says ok: it is named as excluded
    (copy / "status" / f"{gone}.json").unlink()
    table = compare(copy)
    assert table.attrs["failed"] == [gone]
    row = table[(table.arm == "worker_protection") & (table.outcome == "hhi")].iloc[0]
    assert row["n"] == 3 and row["pairs"] == 3
    assert main(["compare", str(copy), "--outcome", "hhi"]) == 0
    assert f"1 run(s) not done ok excluded: {gone}" in capsys.readouterr().err


def test_t_interval_of_one_and_two_values() -> None:
    mean, low, high = t_interval([2.0])
    assert mean == 2.0 and math.isnan(low) and math.isnan(high)
    two = np.array([1.0, 3.0])
    expected = stats.t.interval(0.95, 1, loc=2.0, scale=stats.sem(two))
    assert t_interval(two)[1:] == pytest.approx(expected)
    assert t_interval([1.0, math.nan, 3.0])[1:] == pytest.approx(expected)  # NaN dropped
    assert all(math.isnan(v) for v in t_interval([]))


def test_compare_frame_rows_describe_each_arm_and_outcome() -> None:
    """Columns in order, the outcome's metadata (none for an undeclared one), the scenario of
    an arm named otherwise, the design point of a one-point arm, -1 for several, a single-run
    arm, pairs without NaN, a zero baseline mean and another confidence level."""
    frame = pd.DataFrame(
        {
            "run_id": ["b0", "b1", "b2", "b3", "s0", "s1", "s2", "s3", "m0", "m1", "o0"],
            "arm": ["base"] * 4 + ["s_p2"] * 4 + ["multi"] * 2 + ["one"],
            "scenario": ["base"] * 4 + ["s"] * 4 + ["m", "m", "o"],
            "design_point": [0, 0, 0, 0, 2, 2, 2, 2, 0, 1, 0],
            "replication": [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 0],
            "gini_income": [0.3, 0.31, 0.29, 0.3, 0.2, math.nan, 0.21, 0.19, 0.3, 0.3, 0.4],
            "custom": [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 5.0, 1.0, 1.0, 1.0],
        }
    )
    names = ["gini_income", "custom"]
    order = ["nothing", "base", "s_p2", "multi", "one"]  # an arm without runs is skipped
    table = compare_frame(frame, frame[frame.arm == "base"], ["replication"], names, order)
    assert list(table.columns) == [
        "arm",
        "scenario",
        "design_point",
        "outcome",
        "family",
        "unit",
        "better",
        "n",
        "mean",
        "mean_low",
        "mean_high",
        "pairs",
        "baseline_mean",
        "diff",
        "diff_low",
        "diff_high",
        "rel_change",
        "verdict",
    ]
    assert list(table["arm"]) == ["base", "base", "s_p2", "s_p2", "multi", "multi", "one", "one"]
    rows = table.set_index(["arm", "outcome"])
    gini, custom = rows.loc[("s_p2", "gini_income")], rows.loc[("s_p2", "custom")]
    assert (gini["family"], gini["unit"], gini["better"]) == ("cohesion", "index 0-1", "lower")
    assert (custom["family"], custom["unit"]) == ("", "") and pd.isna(custom["better"])
    assert custom["verdict"] == "higher"  # no better direction
    assert (gini["scenario"], gini["design_point"]) == ("s", 2)
    assert rows.loc[("multi", "gini_income"), "design_point"] == -1
    assert (gini["n"], gini["pairs"]) == (3, 3)  # the NaN run is neither counted nor paired
    assert gini["diff"] == pytest.approx(np.mean([0.2 - 0.3, 0.21 - 0.29, 0.19 - 0.3]))
    assert math.isnan(custom["rel_change"])  # the baseline mean is 0: no relative change
    assert custom["diff"] == pytest.approx(2.75)
    one = rows.loc[("one", "gini_income")]
    assert (one["scenario"], one["n"], one["mean"]) == ("o", 1, 0.4)
    # the confidence level reaches both intervals
    narrow = compare_frame(
        frame, frame[frame.arm == "base"], ["replication"], ["custom"], level=0.8
    ).set_index("arm")
    values = np.array([1.0, 2.0, 3.0, 5.0])
    expected = stats.t.interval(0.8, 3, loc=values.mean(), scale=stats.sem(values))
    assert (narrow.loc["s_p2", "mean_low"], narrow.loc["s_p2", "mean_high"]) == pytest.approx(
        expected
    )
    assert (narrow.loc["s_p2", "diff_low"], narrow.loc["s_p2", "diff_high"]) == pytest.approx(
        expected
    )


def test_parse_at_accepts_a_one_step_window_and_names_what_is_allowed() -> None:
    at = parse_at("mean:8-8")
    assert (at.kind, at.start, at.end) == ("mean", 8, 8)
    with pytest.raises(InputError) as error:
        parse_at("last")
    message = str(error.value)
    assert "--at" in message and "got 'last'" in message
    assert message.endswith(
        "; allowed: end, a step (e.g. 60) or mean:START-END with START <= END (e.g. mean:60-120)"
    )


def test_compare_frame_without_runs_still_has_every_column() -> None:
    frame = pd.DataFrame(
        {"run_id": ["b0"], "arm": ["b"], "scenario": ["b"], "design_point": [0]}
        | {"replication": [0], "hhi": [1.0]}
    )
    empty = frame.iloc[:0]
    table = compare_frame(empty, empty, ["replication"], ["hhi"])
    assert table.empty and list(table.columns)[:4] == ["arm", "scenario", "design_point", "outcome"]
    assert len(table.columns) == 18


def _manifest_only(manifest: dict[str, object]) -> Results:
    """Results as the helpers that read only the manifest see them."""
    return SimpleNamespace(manifest=manifest)  # type: ignore[return-value]


def test_a_multi_point_grid_has_one_arm_per_point_and_sampled_designs_one_per_scenario() -> None:
    frame = pd.DataFrame({"scenario": ["a", "a", "b"], "design_point": [0, 1, 1]})
    grid = _manifest_only({"design": {"method": "grid", "points": 2}})
    assert add_arms(frame, grid)["arm"].tolist() == ["a@p0", "a@p1", "b@p1"]
    assert "arm" not in frame.columns  # the caller's frame is left alone
    for method in ("lhs", "sobol", "morris"):  # sampled points are not arms
        sampled = _manifest_only({"design": {"method": method, "points": 8}})
        assert add_arms(frame, sampled)["arm"].tolist() == ["a", "a", "b"]
    for design in ({"method": "grid", "points": 1}, {}, None):  # one point, or no design
        assert add_arms(frame, _manifest_only({"design": design}))["arm"].tolist() == [
            "a",
            "a",
            "b",
        ]


def test_the_default_baseline_is_baseline_else_the_first_scenario() -> None:
    def manifest(*names: str) -> Results:
        return _manifest_only({"scenarios": [{"name": n} for n in names]})

    assert default_baseline(manifest("open_data", "baseline", "tipping")) == "baseline"
    assert default_baseline(manifest("tipping", "open_data")) == "tipping"
    assert default_baseline(_manifest_only({})) == "baseline"  # no scenario recorded
    assert scenario_order(manifest("tipping", "open_data")) == ["tipping", "open_data"]


def test_format_value_gives_four_significant_digits_and_a_dash_for_nan() -> None:
    assert format_value(math.nan) == "–"
    assert format_value(None) == "–"  # type: ignore[arg-type]
    assert format_value(0.123456) == "0.1235"
    assert format_value(123456.0) == "1.235e+05"
    assert format_value(-2.0) == "-2"
    assert format_value(3) == "3"


def test_the_display_table_shows_intervals_change_and_verdict_as_text() -> None:
    table = pd.DataFrame(
        {
            "arm": ["baseline", "open_data"],
            "outcome": ["hhi", "hhi"],
            "unit": ["index", "index"],
            "mean": [0.25, 0.2],
            "mean_low": [0.2, 0.15],
            "mean_high": [0.3, 0.25],
            "diff": [math.nan, -0.05],
            "diff_low": [math.nan, -0.08],
            "diff_high": [math.nan, -0.02],
            "rel_change": [math.nan, -0.2],
            "verdict": ["baseline", "better"],
        }
    )
    shown = display_table(table)
    assert list(shown.columns) == [
        "scenario",
        "outcome",
        "unit",
        "mean [95% CI]",
        "difference [95% CI]",
        "change",
        "verdict",
    ]
    assert shown.iloc[1].tolist() == [
        "open_data",
        "hhi",
        "index",
        "0.2 [0.15, 0.25]",
        "-0.05 [-0.08, -0.02]",
        "-20.0%",
        "better",
    ]
    # the baseline has no difference; a mean without an interval (one run) is shown alone
    assert shown.iloc[0].tolist()[3:6] == ["0.25 [0.2, 0.3]", "–", "–"]
    one_run = table.assign(mean_low=math.nan, mean_high=math.nan, rel_change=0.031)
    assert display_table(one_run)["mean [95% CI]"].tolist() == ["0.25", "0.2"]
    assert display_table(one_run)["change"].tolist() == ["+3.1%", "+3.1%"]


def test_markdown_escapes_pipes_and_has_one_row_per_row() -> None:
    frame = pd.DataFrame({"a": ["x|y", "z"], "b": [1, 2.5]})
    assert to_markdown(frame) == "| a | b |\n| --- | --- |\n| x\\|y | 1.0 |\n| z | 2.5 |"
    assert to_markdown(frame.iloc[:0]) == "| a | b |\n| --- | --- |"


def test_run_values_hold_the_identity_and_the_outcomes_asked_for(results_dir: Path) -> None:
    with open_results(results_dir) as results:
        values = run_values(results, outcomes=["hhi"])  # at the last step by default
        pd.testing.assert_frame_equal(values, run_values(results, "end", ["hhi"]))
        assert list(values.columns) == [
            "run_id",
            "scenario",
            "design_point",
            "replication",
            "seed",
            "hhi",
        ]
        assert values["run_id"].tolist() == sorted(values["run_id"])  # ordered by run
        everything = run_values(results)  # every declared outcome but the checks
        assert list(everything.columns[5:]) == outcome_names(results)
        assert "hhi" in everything.columns and "accounts_residual" not in everything.columns


def test_an_unknown_outcome_is_named_with_the_recorded_ones(results_dir: Path) -> None:
    with open_results(results_dir) as results:
        recorded = [c for c in results.metrics.columns if c not in ("run_id", "step")]
        for name in ("happiness", "step", "run_id"):  # the keys are not outcomes
            with pytest.raises(InputError) as caught:
                outcome_names(results, ["hhi", name])
            error = caught.value
            assert (error.problem, error.file, error.field, error.value) == (
                "unknown outcome",
                str(results_dir / "metrics"),
                "--outcome",
                name,
            )
            assert error.allowed == ", ".join(recorded)
            assert "step" not in error.allowed.split(", ")


def test_a_step_no_run_reached_is_refused_naming_the_steps(results_dir: Path) -> None:
    with open_results(results_dir) as results, pytest.raises(InputError) as caught:
        run_values(results, 99, ["hhi"])
    error = caught.value
    assert (error.problem, error.file, error.field, error.value, error.allowed) == (
        "no run has this step",
        str(results_dir),
        "--at",
        "at step 99",
        "steps 0 to 16",
    )


def test_results_without_metrics_say_so(results_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "r"
    shutil.copytree(results_dir, copy)
    for folder in ("metrics", "status"):  # as left before any run ended
        for path in (copy / folder).iterdir():
            path.unlink()
    with open_results(copy) as results:
        with pytest.raises(InputError) as caught:
            outcome_names(results, ["hhi"])
        assert caught.value.allowed == "none recorded (no metrics yet)"
        with pytest.raises(InputError) as caught:
            run_values(results)
        assert (caught.value.problem, caught.value.file) == (
            "no run done ok (no metrics)",
            str(copy),
        )


def test_compare_records_what_it_compared_and_reads_open_results(
    results_dir: Path, closed_results: list[Path]
) -> None:
    closed = closed_results
    from_path = compare(results_dir, outcomes=["hhi"])
    assert closed == [results_dir]  # the directory it opened, it closes
    assert from_path.attrs == {
        "baseline": "baseline",
        "at": "at the last step",
        "failed": [],
        "directory": str(results_dir),
    }
    with open_results(results_dir) as results:
        from_object = compare(results, outcomes=["hhi"])
        assert closed == [results_dir]  # the caller's stays open, still usable
        assert len(results.df("SELECT * FROM runs")) == 8
    pd.testing.assert_frame_equal(from_object, from_path)
    assert from_object.attrs == from_path.attrs


def test_compare_uses_the_confidence_level_asked_for(results_dir: Path) -> None:
    wide = compare(results_dir, outcomes=["gini_income"]).set_index("arm")
    narrow = compare(results_dir, outcomes=["gini_income"], level=0.8).set_index("arm")
    row = narrow.loc["worker_protection"]
    ends = np.array(
        [
            pd.read_parquet(results_dir / "metrics" / f"worker_protection_p0_r{r}.parquet")
            .set_index("step")
            .loc[16, "gini_income"]
            for r in range(4)
        ]
    )
    low, high = stats.t.interval(0.8, 3, loc=ends.mean(), scale=stats.sem(ends))
    assert (row["mean_low"], row["mean_high"]) == pytest.approx((low, high))
    assert wide.loc["worker_protection", "mean_low"] < low  # 95% is wider


def test_arms_follow_the_experiment_s_scenario_order(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text(
        "name: e\nscenarios: [worker_protection, baseline]\nreplications: 2\nsteps: 2\n"
        "seed: 3\noverrides: {territory.n_municipalities: 12}\noutputs: {panel_every: 0}\n"
    )
    assert run_batch(tmp_path / "e.yaml", tmp_path / "r", executor="local").exit_code == 0
    table = compare(tmp_path / "r", outcomes=["hhi"])
    assert table["arm"].tolist() == ["worker_protection", "baseline"]  # not by run id


def test_design_method_is_read_from_the_manifest() -> None:
    assert design_method(_manifest_only({"design": {"method": "sobol", "points": 8}})) == "sobol"
    assert design_method(_manifest_only({"design": None})) is None  # no design
    assert design_method(_manifest_only({})) is None
