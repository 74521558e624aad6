"""Tests of platsim.analysis.sensitivity: Ishigami indices recovered, bad designs refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol
from SALib.test_functions import Ishigami

from platsim.analysis.sensitivity import (
    SensitivityResult,
    analyse,
    design_from_manifest,
    sensitivity,
    sensitivity_figure,
)
from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.results import open as open_results
from platsim.experiment.runner import run_batch
from platsim.experiment.samplers import get_sampler
from platsim.experiment.samplers.parameters import Parameter

PI = float(np.pi)


def _seed() -> np.random.Generator:
    """platsim's bootstrap seed (0) as SALib's Sobol' analysis honours it."""
    return np.random.default_rng(0)


def _manifest(method: str, **raw: object) -> dict[str, object]:
    params = [{"name": n, "low": -PI, "high": PI} for n in ("x1", "x2", "x3")]
    return {
        "design": {"method": method, "parameters": params},
        "experiment": {"design": {"method": method, **raw}},
    }


def test_sobol_indices_of_ishigami() -> None:
    design = design_from_manifest(_manifest("sobol", second_order=False))
    parameters = [Parameter(n, -PI, PI) for n in design.names]
    points = get_sampler("sobol")(parameters, 2048, 1, second_order=False)  # platsim's sampler
    x = points[list(design.names)].to_numpy()
    table = analyse(design, x, Ishigami.evaluate(x)).set_index("parameter")
    s1 = [0.3139, 0.4424, 0.0]
    st = [0.5576, 0.4424, 0.2437]
    assert table["S1"].to_numpy() == pytest.approx(s1, abs=0.04)
    assert table["ST"].to_numpy() == pytest.approx(st, abs=0.04)
    # each interval is its own index +- its own confidence, as SALib computes them
    # the bootstrap intervals are reproducible (SALib alone draws unseeded for seed 0)
    again = analyse(design, x, Ishigami.evaluate(x)).set_index("parameter")
    pd.testing.assert_frame_equal(table, again)
    salib = salib_sobol.analyze(
        design.problem, Ishigami.evaluate(x), calc_second_order=False, seed=_seed(), conf_level=0.95
    )
    for index in ("S1", "ST"):
        assert table[index].to_numpy() == pytest.approx(salib[index])
        assert (table[f"{index}_high"] - table[index]).to_numpy() == pytest.approx(
            salib[f"{index}_conf"]
        )
        assert (table[index] - table[f"{index}_low"]).to_numpy() == pytest.approx(
            salib[f"{index}_conf"]
        )
    # the two confidences differ, so one cannot stand for the other
    assert not np.allclose(salib["S1_conf"], salib["ST_conf"], rtol=0.05)


def test_morris_ranks_ishigami() -> None:
    design = design_from_manifest(_manifest("morris", levels=4))
    parameters = [Parameter(n, -PI, PI) for n in design.names]
    points = get_sampler("morris")(parameters, 200, 1, levels=4)
    x = points[list(design.names)].to_numpy()
    table = analyse(design, x, Ishigami.evaluate(x)).set_index("parameter")
    assert table["mu_star"].idxmax() == "x1"  # x1 has the largest total effect
    salib = salib_morris.analyze(
        design.problem, x, Ishigami.evaluate(x), num_levels=4, seed=0, conf_level=0.95
    )
    for column in ("mu_star", "sigma", "mu"):
        assert table[column].to_numpy() == pytest.approx(np.asarray(salib[column]))
    conf = np.asarray(salib["mu_star_conf"])
    assert (table["mu_star_high"] - table["mu_star"]).to_numpy() == pytest.approx(conf)
    assert (table["mu_star"] - table["mu_star_low"]).to_numpy() == pytest.approx(conf)
    # x3 acts only through its interaction with x1: its mean effect is near 0, not its spread
    assert table.loc["x3", "sigma"] > 2 * abs(table.loc["x3", "mu"])


@pytest.mark.parametrize("method", [None, "grid", "lhs"])
def test_unsupported_designs(method: str | None) -> None:
    with pytest.raises(InputError, match=r"design\.method"):
        design_from_manifest({"design": {"method": method}})


def test_sensitivity_on_a_real_sobol_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: s\nscenarios: [baseline]\nreplications: 2\nsteps: 4\nseed: 3\n"
        "overrides: {territory.n_municipalities: 12, simulation.policy_start: 1}\n"
        "design:\n  method: sobol\n  samples: 4\n  second_order: false\n  parameters:\n"
        "    competition.commission_cap: {low: 0.05, high: 0.3}\n"
        "    labour.earnings_floor: {low: 0.0, high: 1500.0}\n"
        "outputs: {panel_every: 0}\n"
    )
    assert run_batch(tmp_path / "s.yaml", tmp_path / "r", executor="local").exit_code == 0
    figure = tmp_path / "s.png"
    code = main(
        [
            "sensitivity",
            str(tmp_path / "r"),
            "--outcome",
            "mean_commission",
            "--format",
            "csv",
            "--figure",
            str(figure),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "competition.commission_cap" in text and "ST" in text
    assert figure.read_bytes()[:4] == b"\x89PNG"
    assert main(["sensitivity", str(tmp_path / "r"), "--outcome", "nope"]) == 2
    # with replications, each design point's value is the mean over its replications
    result = sensitivity(tmp_path / "r", "employment_rate")
    assert (result.points, result.replications) == (16, 2)
    design = pd.read_parquet(tmp_path / "r" / "design.parquet").sort_values("design_point")
    names = ["competition.commission_cap", "labour.earnings_floor"]
    ends = np.array(
        [
            [
                pd.read_parquet(tmp_path / "r" / "metrics" / f"baseline_p{p:02d}_r{r}.parquet")
                .set_index("step")
                .loc[4, "employment_rate"]
                for r in range(2)
            ]
            for p in design["design_point"]
        ]
    )
    assert not np.allclose(ends[:, 0], ends[:, 1])  # the replications differ
    problem = {"num_vars": 2, "names": names, "bounds": [[0.05, 0.3], [0.0, 1500.0]]}
    salib = salib_sobol.analyze(
        problem, ends.mean(axis=1), calc_second_order=False, seed=_seed(), conf_level=0.95
    )
    table = result.table.set_index("parameter").loc[names]
    for index in ("S1", "ST"):
        np.testing.assert_allclose(table[index], salib[index], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            table[f"{index}_high"] - table[index], salib[f"{index}_conf"], rtol=1e-9, atol=1e-12
        )


def test_design_from_manifest_reads_names_bounds_and_defaults() -> None:
    manifest = {
        "design": {
            "method": "morris",
            "parameters": [{"name": "b", "low": 1, "high": 3}, {"name": "a", "low": 0, "high": 2}],
        },
        "experiment": {"design": {"method": "morris", "levels": 6}},
    }
    design = design_from_manifest(manifest)
    assert design.names == ("b", "a")  # design order, not sorted
    assert design.bounds == ((1.0, 3.0), (0.0, 2.0))
    assert all(type(v) is float for bound in design.bounds for v in bound)
    assert design.levels == 6
    assert design.problem == {
        "num_vars": 2,
        "names": ["b", "a"],
        "bounds": [[1.0, 3.0], [0.0, 2.0]],
    }
    # unset in the experiment file: SALib's defaults (second order points, 4 levels)
    bare = design_from_manifest({"design": {"method": "sobol", "parameters": []}})
    assert (bare.second_order, bare.levels) == (True, 4)
    assert design_from_manifest(_manifest("morris")).levels == 4
    assert design_from_manifest(_manifest("sobol", second_order=False)).second_order is False


@pytest.mark.parametrize(
    ("manifest", "shown"), [({}, "none"), ({"design": {"method": "lhs"}}, "lhs")]
)
def test_an_unsupported_design_is_named_in_the_error(
    manifest: dict[str, object], shown: str
) -> None:
    with pytest.raises(InputError) as caught:
        design_from_manifest(manifest, file="results/manifest.json")
    error = caught.value
    assert (error.field, error.value, error.file) == (
        "design.method",
        shown,
        "results/manifest.json",
    )
    assert error.problem == "this experiment's design does not support sensitivity indices"
    assert error.allowed == (
        "an experiment with design method sobol (Sobol' indices) or morris (Morris mu*, sigma)"
    )


def test_points_without_a_value_are_counted_in_the_error() -> None:
    design = design_from_manifest(_manifest("sobol", second_order=False))
    x = np.zeros((10, 3))
    y = np.arange(10.0)
    y[[2, 7]] = np.nan
    with pytest.raises(InputError, match=r"2 design point\(s\) have no value") as caught:
        analyse(design, x, y)
    assert caught.value.field == "outcome"
    assert caught.value.allowed == (
        "every design point with at least one run done ok and a finite outcome"
    )


def test_second_order_designs_are_analysed_with_second_order_points() -> None:
    design = design_from_manifest(_manifest("sobol"))  # second_order unset: True
    parameters = [Parameter(n, -PI, PI) for n in design.names]
    points = get_sampler("sobol")(parameters, 256, 1, second_order=True)
    x = points[list(design.names)].to_numpy()
    table = analyse(design, x, Ishigami.evaluate(x)).set_index("parameter")
    salib = salib_sobol.analyze(
        design.problem, Ishigami.evaluate(x), calc_second_order=True, seed=_seed(), conf_level=0.95
    )
    assert table["S1"].to_numpy() == pytest.approx(salib["S1"])
    assert table["ST"].to_numpy() == pytest.approx(salib["ST"])


def test_morris_levels_of_the_design_are_used() -> None:
    design = design_from_manifest(_manifest("morris", levels=6))
    parameters = [Parameter(n, -PI, PI) for n in design.names]
    x = get_sampler("morris")(parameters, 50, 2, levels=6)[list(design.names)].to_numpy()
    table = analyse(design, x, Ishigami.evaluate(x)).set_index("parameter")
    salib = salib_morris.analyze(
        design.problem, x, Ishigami.evaluate(x), num_levels=6, seed=0, conf_level=0.95
    )
    assert table["mu_star"].to_numpy() == pytest.approx(np.asarray(salib["mu_star"]))
    assert table["mu"].to_numpy() == pytest.approx(np.asarray(salib["mu"]))


def test_morris_batch_with_two_scenarios_and_a_failed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Indices per scenario; a failed run leaves its point the mean of the other replication."""
    (tmp_path / "m.yaml").write_text(
        "name: m\nscenarios: [baseline, open_data]\nreplications: 2\nsteps: 3\nseed: 5\n"
        "overrides: {territory.n_municipalities: 12, simulation.policy_start: 1}\n"
        "design:\n  method: morris\n  samples: 2\n  levels: 6\n  parameters:\n"
        "    competition.commission_cap: {low: 0.05, high: 0.3}\n"
        "    labour.earnings_floor: {low: 0.0, high: 1500.0}\n"
        "outputs: {panel_every: 0}\n"
    )
    monkeypatch.setenv("PLATSIM_FAIL_RUNS", "open_data_p1_r0")
    assert run_batch(tmp_path / "m.yaml", tmp_path / "r", executor="local").exit_code == 1
    result = sensitivity(tmp_path / "r", "employment_rate", at="end")
    assert result.method == "morris" and result.outcome == "employment_rate"
    assert (result.points, result.replications) == (6, 2)
    assert result.failed == ["open_data_p1_r0"]
    assert list(result.table["scenario"]) == ["baseline"] * 2 + ["open_data"] * 2
    assert result.table.index.equals(pd.RangeIndex(4))  # one row label per row
    mu_star = result.table["mu_star"].to_numpy()
    assert not np.allclose(mu_star[:2], mu_star[2:])  # the scenarios' indices differ
    design = pd.read_parquet(tmp_path / "r" / "design.parquet").sort_values("design_point")
    names = ["competition.commission_cap", "labour.earnings_floor"]
    x = design[names].to_numpy()
    problem = {"num_vars": 2, "names": names, "bounds": [[0.05, 0.3], [0.0, 1500.0]]}

    def end(run_id: str) -> float:
        metrics = pd.read_parquet(tmp_path / "r" / "metrics" / f"{run_id}.parquet")
        return float(metrics.set_index("step").loc[3, "employment_rate"])

    for scenario in ("baseline", "open_data"):
        y = np.array(
            [
                np.mean(
                    [
                        end(f"{scenario}_p{p}_r{r}")
                        for r in range(2)
                        if f"{scenario}_p{p}_r{r}" != "open_data_p1_r0"
                    ]
                )
                for p in design["design_point"]
            ]
        )
        salib = salib_morris.analyze(problem, x, y, num_levels=6, seed=0, conf_level=0.95)
        table = result.table[result.table["scenario"] == scenario].set_index("parameter")
        np.testing.assert_allclose(table.loc[names, "mu_star"], salib["mu_star"], rtol=1e-9)
        np.testing.assert_allclose(table.loc[names, "mu"], salib["mu"], rtol=1e-9)


def _drawn(
    monkeypatch: pytest.MonkeyPatch, result: SensitivityResult
) -> tuple[bytes, Figure, Axes]:
    """sensitivity_figure's PNG, and the matplotlib figure it saved (read before closing)."""
    saved: list[Figure] = []
    savefig = Figure.savefig

    def record(self: Figure, *args: object, **kwargs: object) -> None:
        saved.append(self)
        savefig(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    png = sensitivity_figure(result)
    assert len(saved) == 1
    (axes,) = saved[0].axes
    return png, saved[0], axes


def _bars(axes: Axes) -> list[BarContainer]:
    return [c for c in axes.containers if isinstance(c, BarContainer)]


def _check_bars_and_intervals(axes: Axes, table: pd.DataFrame, columns: list[str]) -> None:
    """One group of bars per row, one bar per index: heights the indices, error bars the
    intervals, groups of side-by-side bars that do not overlap, each tick at its group's centre."""
    bars = _bars(axes)
    assert len(bars) == len(columns)
    lefts = np.array([[patch.get_x() for patch in container] for container in bars])
    widths = np.array([[patch.get_width() for patch in container] for container in bars])
    for container, column in zip(bars, columns, strict=True):
        assert len(container) == len(table)
        heights = [patch.get_height() for patch in container]
        np.testing.assert_allclose(heights, table[column], rtol=1e-12)
        segments = container.errorbar.lines[2][0].get_segments()
        centres = [patch.get_x() + patch.get_width() / 2 for patch in container]
        for segment, centre, low, high in zip(
            segments, centres, table[f"{column}_low"], table[f"{column}_high"], strict=True
        ):
            np.testing.assert_allclose(segment, [[centre, low], [centre, high]], rtol=1e-12)
    rights = lefts + widths
    # within a group the bars are side by side (in index order), and a group ends before
    # the next one starts
    assert np.all(widths > 0)
    np.testing.assert_allclose(lefts[1:], rights[:-1], atol=1e-12)
    assert np.all(rights[-1, :-1] < lefts[0, 1:])
    ticks = axes.get_xticks()
    np.testing.assert_allclose(ticks, (lefts[0] + rights[-1]) / 2, atol=1e-12)


def _sobol_result() -> SensitivityResult:
    table = pd.DataFrame(
        {
            "scenario": ["baseline", "baseline", "baseline"],
            "parameter": ["labour.earnings_floor", "competition.commission_cap", "x"],
            "S1": [0.5, 0.2, -0.01],
            "S1_low": [0.4, 0.05, -0.1],
            "S1_high": [0.65, 0.3, 0.02],
            "ST": [0.7, 0.25, 0.03],
            "ST_low": [0.6, 0.1, 0.0],
            "ST_high": [0.9, 0.45, 0.07],
        }
    )
    return SensitivityResult(
        "sobol", "employment_rate", "step 12", table, points=24, replications=2
    )


def test_the_sobol_figure_shows_s1_and_st_with_their_intervals_per_parameter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _sobol_result()
    with matplotlib.rc_context({"savefig.format": "svg"}):  # a user's matplotlibrc
        png, figure, axes = _drawn(monkeypatch, result)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"  # PNG whatever the configured format
    assert figure.number not in plt.get_fignums()  # closed: a long session leaks no figure
    _check_bars_and_intervals(axes, result.table, ["S1", "ST"])
    # one scenario: the ticks are the parameters alone, in the table's order
    assert [t.get_text() for t in axes.get_xticklabels()] == list(result.table["parameter"])
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert len(legend) == 2 and "S1" in legend[0] and "ST" in legend[1]
    assert [c.get_label() for c in _bars(axes)] == legend
    assert "share of variance" in axes.get_ylabel()  # Sobol' indices have no unit
    title = axes.get_title()
    for part in ("sobol", "employment_rate", "step 12", "95%"):
        assert part in title


def test_the_morris_figure_names_scenario_and_parameter_and_the_outcome_s_units(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = pd.DataFrame(
        {
            "scenario": ["baseline", "baseline", "open_data", "open_data"],
            "parameter": ["a", "b", "a", "b"],
            "mu_star": [3.0, 1.5, 2.5, 0.0],
            "mu_star_low": [2.0, 1.0, 2.25, 0.0],
            "mu_star_high": [4.5, 1.75, 3.0, 0.5],
            "sigma": [1.0, 2.0, 3.0, 4.0],
            "mu": [3.0, -1.5, 2.5, 0.0],
        }
    )
    result = SensitivityResult("morris", "unemployment", "mean of steps 2-4", table, 6, 1)
    png, _figure, axes = _drawn(monkeypatch, result)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    _check_bars_and_intervals(axes, table, ["mu_star"])
    # several scenarios: each tick says whose parameter it is
    assert [t.get_text() for t in axes.get_xticklabels()] == [
        "baseline: a",
        "baseline: b",
        "open_data: a",
        "open_data: b",
    ]
    (legend,) = [t.get_text() for t in axes.get_legend().get_texts()]
    assert "mu*" in legend
    assert "unemployment" in axes.get_ylabel()  # mu* is in the outcome's units
    title = axes.get_title()
    for part in ("morris", "unemployment", "mean of steps 2-4", "95%"):
        assert part in title


SOBOL_NAMES = ["competition.commission_cap", "labour.earnings_floor"]


@pytest.fixture(scope="module")
def sobol_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-replication Sobol' batch in a folder whose path holds an apostrophe."""
    folder = tmp_path_factory.mktemp("sens") / "l'experience"
    folder.mkdir()
    (folder / "s.yaml").write_text(
        "name: s\nscenarios: [baseline]\nreplications: 1\nsteps: 3\nseed: 3\n"
        "overrides: {territory.n_municipalities: 12, simulation.policy_start: 1}\n"
        "design:\n  method: sobol\n  samples: 4\n  second_order: false\n  parameters:\n"
        "    competition.commission_cap: {low: 0.05, high: 0.3}\n"
        "    labour.earnings_floor: {low: 0.0, high: 1500.0}\n"
        "outputs: {panel_every: 0}\n"
    )
    assert run_batch(folder / "s.yaml", folder / "r", executor="local").exit_code == 0
    return folder / "r"


def test_sensitivity_reads_a_results_directory_whose_path_has_an_apostrophe(
    sobol_results: Path,
) -> None:
    result = sensitivity(sobol_results, "employment_rate")
    assert (result.method, result.points, result.replications) == ("sobol", 16, 1)
    assert list(result.table["parameter"]) == SOBOL_NAMES
    assert result.at == "at the last step"


def test_an_open_results_object_is_read_and_left_open(
    sobol_results: Path, closed_results: list[Path]
) -> None:
    closed = closed_results
    from_path = sensitivity(sobol_results, "employment_rate", at=2)
    assert closed == [sobol_results]  # the directory it opened, it closes
    with open_results(sobol_results) as results:
        from_object = sensitivity(results, "employment_rate", at=2)
        assert closed == [sobol_results]  # the caller's stays open, still usable
        assert results.df("SELECT count(*) AS n FROM runs")["n"].tolist() == [16]
    pd.testing.assert_frame_equal(from_object.table, from_path.table)
    assert from_object.at == from_path.at == "at step 2"


def test_a_design_file_lacking_a_parameter_is_refused_naming_it(
    sobol_results: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "r"
    shutil.copytree(sobol_results, copy)
    design = pd.read_parquet(copy / "design.parquet")
    design.drop(columns=SOBOL_NAMES[1]).to_parquet(copy / "design.parquet")
    with pytest.raises(InputError, match=r"design\.parquet lacks parameters") as caught:
        sensitivity(copy, "employment_rate")
    assert (caught.value.field, caught.value.value) == ("design", [SOBOL_NAMES[1]])
    assert caught.value.problem == "design.parquet lacks parameters"


def test_the_table_has_one_row_per_parameter_after_its_scenario(sobol_results: Path) -> None:
    table = sensitivity(sobol_results, "employment_rate").table
    assert list(table.columns) == [
        "scenario",
        "parameter",
        "S1",
        "S1_low",
        "S1_high",
        "ST",
        "ST_low",
        "ST_high",
    ]
    assert table.index.equals(pd.RangeIndex(2))
    assert table["scenario"].tolist() == ["baseline", "baseline"]


def test_a_design_point_without_a_run_done_ok_is_counted_in_the_error(
    sobol_results: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "r"
    shutil.copytree(sobol_results, copy)
    runs = pd.read_parquet(copy / "runs.parquet")
    runs.loc[runs["run_id"] == "baseline_p05_r0", "status"] = "failed"  # its only replication
    runs.to_parquet(copy / "runs.parquet", index=False)
    with pytest.raises(InputError, match=r"^outcome: 1 design point\(s\) have no value"):
        sensitivity(copy, "employment_rate")


def test_a_design_without_indices_is_refused_naming_the_manifest(
    sobol_results: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "r"
    shutil.copytree(sobol_results, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["design"]["method"] = "lhs"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as caught:
        sensitivity(copy, "employment_rate")
    error = caught.value
    assert (error.file, error.field, error.value) == (
        str(copy / "manifest.json"),
        "design.method",
        "lhs",
    )
