"""Experiment files: the bundled experiments validate, and every bad input is refused before
anything runs with a message naming the file and the field (exit code 2)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.spec import load_experiment
from platsim.schema import bundled_scenarios

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data" / "experiments"
SMALL_SCENARIOS = [str(DATA / "small_baseline.yaml"), str(DATA / "small_open_data.yaml")]


def write(tmp_path: Path, content: dict | str, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    return path


def valid(**changes) -> dict:
    experiment = {
        "name": "check",
        "scenarios": list(SMALL_SCENARIOS),
        "replications": 2,
        "steps": 3,
        "seed": 1,
        "design": {
            "method": "lhs",
            "samples": 4,
            "parameters": {"data.share": {"low": 0.1, "high": 0.9}},
        },
    }
    experiment.update(changes)
    return experiment


# --------------------------------------------------------------------------------------------
# The bundled experiments


#: Bundled scenarios that are not governance levers: tipping changes the market's structure
#: from month 0 (a demonstration of emergent concentration), it has no policy to compare.
NOT_POLICIES = {"tipping"}


def test_governance_comparison_runs_every_bundled_policy_scenario_30_times() -> None:
    experiment = load_experiment(ROOT / "experiments" / "governance_comparison.yaml")
    policies = sorted(set(bundled_scenarios()) - NOT_POLICIES)
    assert sorted(entry.name for entry in experiment.scenarios) == policies
    assert len(experiment.scenarios) == 13
    assert experiment.replications == 30 and experiment.steps == 120
    assert experiment.design_points == 1 and experiment.runs == 390
    assert all(entry.scenario.simulation.panel_every == 12 for entry in experiment.scenarios)


def test_data_sharing_sweep_is_a_complete_regime_by_share_grid() -> None:
    experiment = load_experiment(ROOT / "experiments" / "data_sharing_sweep.yaml")
    design = experiment.design
    assert list(design.columns) == ["data.regime", "data.share"]
    regimes = {"closed", "trusted_third_party", "open", "portability"}
    assert set(design["data.regime"]) == regimes
    pairs = set(design.itertuples(index=False, name=None))
    assert len(pairs) == len(design) == 4 * design["data.share"].nunique()
    assert experiment.runs == len(design) * experiment.replications


def test_sensitivity_is_a_saltelli_design_over_the_main_levers() -> None:
    experiment = load_experiment(ROOT / "experiments" / "sensitivity.yaml")
    assert experiment.method == "sobol"
    names = [parameter.name for parameter in experiment.parameters]
    for lever in (
        "data.share",
        "competition.commission_cap",
        "labour.earnings_floor",
        "public.broadband_programme",
        "goods.data_effect",
    ):
        assert lever in names
    samples = experiment.spec.design.samples
    assert experiment.design_points == samples * (2 * len(names) + 2)
    for parameter in experiment.parameters:
        column = experiment.design[parameter.name]
        assert parameter.low <= column.min() and column.max() <= parameter.high
    # every design point is a valid scenario
    scenario = experiment.scenarios[0].scenario
    for point in experiment.design.head(30).to_dict(orient="records"):
        scenario.with_overrides(point)


def test_scenario_paths_are_relative_to_the_experiment_file_or_bundled_names(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "deep" / "er"
    folder.mkdir(parents=True)
    (tmp_path / "mine.yaml").write_text("extends: baseline\nterritory: {n_municipalities: 20}\n")
    path = write(folder, valid(scenarios=["../../mine.yaml", "open_data"], design=None))
    experiment = load_experiment(path)
    assert [entry.name for entry in experiment.scenarios] == ["mine", "open_data"]
    assert experiment.scenarios[0].scenario.territory.n_municipalities == 20


def test_overrides_and_panel_every_apply_to_every_scenario(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        valid(
            scenarios=["baseline", "broadband"],
            overrides={"territory.n_municipalities": 25},
            outputs={"panel_every": 0},
            design=None,
        ),
    )
    for entry in load_experiment(path).scenarios:
        assert entry.scenario.territory.n_municipalities == 25
        assert entry.scenario.simulation.panel_every == 0


def test_integer_parameters_are_detected_from_the_schema(tmp_path: Path) -> None:
    design = {
        "method": "lhs",
        "samples": 5,
        "parameters": {"economy.exit_months": {"low": 2, "high": 9}},
    }
    experiment = load_experiment(write(tmp_path, valid(design=design)))
    assert experiment.parameters[0].integer
    assert experiment.design["economy.exit_months"].between(2, 9).all()


def test_the_hash_changes_with_what_changes_results_only(tmp_path: Path) -> None:
    first = load_experiment(write(tmp_path, valid(), "a.yaml"))
    described = load_experiment(write(tmp_path, valid(description="words"), "b.yaml"))
    reseeded = load_experiment(write(tmp_path, valid(seed=2), "c.yaml"))
    assert first.hash == described.hash
    assert first.hash != reseeded.hash


# --------------------------------------------------------------------------------------------
# Bad input: InputError naming file and field; exit code 2 from the command line

BAD = {
    "unknown key": (valid(replicatoins=3), "replicatoins", "unknown key"),
    "unknown key in a parameter": (
        valid(design={"method": "lhs", "samples": 4, "parameters": {"data.share": {"lo": 0.1}}}),
        "design.parameters.data.share.lo",
        "unknown key",
    ),
    "missing scenario": (valid(scenarios=["nowhere.yaml"]), "scenarios[0]", "not found"),
    "unknown parameter path": (
        valid(
            design={
                "method": "lhs",
                "samples": 4,
                "parameters": {"data.shar": {"low": 0.1, "high": 0.2}},
            }
        ),
        "design.parameters.data.shar",
        "unknown parameter",
    ),
    "bounds reversed": (
        valid(
            design={
                "method": "sobol",
                "samples": 4,
                "parameters": {"data.share": {"low": 0.8, "high": 0.2}},
            }
        ),
        "design.parameters.data.share",
        "bounds reversed",
    ),
    "zero replications": (valid(replications=0), "replications", "greater than or equal to 1"),
    "no scenarios": (valid(scenarios=[]), "scenarios", "at least 1"),
    "value out of the schema's range": (
        valid(design={"method": "grid", "parameters": {"data.share": {"values": [0.5, 1.5]}}}),
        "design.parameters.data.share.values[1]",
        "rejected by scenario",
    ),
    "range out of the schema's range": (
        valid(
            design={
                "method": "lhs",
                "samples": 4,
                "parameters": {"data.share": {"low": -1.0, "high": 0.5}},
            }
        ),
        "design.parameters.data.share.low",
        "rejected by scenario",
    ),
    "unknown method": (
        valid(design={"method": "fractional", "parameters": {"data.share": {"values": [1]}}}),
        "design.method",
        "Input should be",
    ),
    "sobol samples not a power of 2": (
        valid(
            design={
                "method": "sobol",
                "samples": 10,
                "parameters": {"data.share": {"low": 0.1, "high": 0.2}},
            }
        ),
        "design.samples",
        "power of 2",
    ),
    "grid with a range": (
        valid(design={"method": "grid", "parameters": {"data.share": {"low": 0.1, "high": 0.2}}}),
        "design.parameters.data.share",
        "takes values",
    ),
    "range over a text parameter": (
        valid(
            design={
                "method": "lhs",
                "samples": 4,
                "parameters": {"data.regime": {"low": 0, "high": 1}},
            }
        ),
        "design.parameters.data.regime",
        "not a number",
    ),
    "unknown override": (valid(overrides={"territory.n_municipalitis": 3}), "overrides", "unknown"),
    "bad override value": (
        valid(overrides={"territory.n_municipalities": 0}),
        "overrides.territory.n_municipalities",
        "rejected by scenario",
    ),
    "replications as text": (valid(replications="30"), "replications", "integer"),
    "negative panel period": (valid(outputs={"panel_every": -1}), "outputs.panel_every", ">= 0"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_experiment_raises_input_error_naming_file_and_field(case: str, tmp_path: Path) -> None:
    content, field, problem = BAD[case]
    path = write(tmp_path, content)
    with pytest.raises(InputError) as raised:
        load_experiment(path)
    error = raised.value
    assert error.file is not None and Path(error.file) == path, error.message()
    assert error.field is not None and error.field.startswith(field), error.message()
    assert problem in error.message()


@pytest.mark.parametrize("case", ["unknown key", "bounds reversed", "zero replications"])
def test_bad_experiment_exits_2_before_writing_anything(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, field, _ = BAD[case]
    path = write(tmp_path, content)
    out = tmp_path / "results"
    code = main(["batch", str(path), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2
    assert str(path) in captured.err and field in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()


def test_missing_experiment_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["batch", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "r")])
    assert code == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_invalid_scenario_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: baseline\neconomy: {consumption_share: 3}\n")
    with pytest.raises(InputError) as raised:
        load_experiment(write(tmp_path, valid(scenarios=["bad.yaml"])))
    assert Path(raised.value.file) == bad
    assert raised.value.field == "economy.consumption_share"


def test_duplicate_scenario_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="two scenarios are named") as raised:
        load_experiment(write(tmp_path, valid(scenarios=["baseline", "baseline"])))
    assert raised.value.field == "scenarios[1]"


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    text = "scenarios: [baseline]\nreplications: 2\nreplications: 3\n"
    with pytest.raises(InputError, match="key given twice"):
        load_experiment(write(tmp_path, text))


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        load_experiment(write(tmp_path, valid(replications=0, steps=0, colour="red")))
    text = raised.value.message()
    for field in ("replications", "steps", "colour"):
        assert field in text


def test_unwritable_out_exits_2_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    path = write(tmp_path, valid())
    code = main(["batch", str(path), "--out", str(blocker / "results"), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2
    assert "--out" in captured.err and "cannot write there" in captured.err
    assert blocker.read_text() == "not a directory"


def test_bad_executor_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, valid())
    out = tmp_path / "r"
    code = main(
        ["batch", str(path), "--out", str(out), "--executor", "process", "--scheduler", "tcp://x"]
    )
    assert code == 2
    assert "--scheduler" in capsys.readouterr().err
    assert main(["batch", str(path), "--out", str(out), "--workers", "0"]) == 2
    assert not (out / "manifest.json").exists()


def test_design_sizes_match_the_methods(tmp_path: Path) -> None:
    parameters = {
        "data.share": {"low": 0.0, "high": 1.0},
        "goods.data_effect": {"low": 0.1, "high": 1.0},
    }
    sizes = {
        "lhs": 16,
        "sobol": 16 * (2 * 2 + 2),
        "morris": 16 * (2 + 1),
    }
    for method, size in sizes.items():
        design = {"method": method, "samples": 16, "parameters": parameters}
        experiment = load_experiment(write(tmp_path, valid(design=design), f"{method}.yaml"))
        assert experiment.design_points == size, method
        assert experiment.runs == 2 * size * 2
        assert not math.isnan(experiment.design.to_numpy().sum())


# --------------------------------------------------------------------------------------------
# Territory files and rules between parameters, checked before anything runs (issue 19, 14)


def test_a_missing_territory_file_is_exit_2_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("extends: baseline\nterritory:\n  file: gone.csv\n", encoding="utf-8")
    path = write(tmp_path, valid(scenarios=[str(scenario)], design=None))
    out = tmp_path / "results"
    code = main(["batch", str(path), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err + captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "s.yaml: territory.file:" in lines[0] and "gone.csv" in lines[0]
    assert not out.exists()


def test_the_territory_file_is_loaded_once_per_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platsim.core.initialise as initialise

    territory = Path(__file__).resolve().parents[1] / "data" / "territory_small.csv"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: baseline\nterritory:\n  file: {territory}\n", encoding="utf-8")
    calls: list[str] = []
    original = initialise.build_territory
    monkeypatch.setattr(
        initialise,
        "build_territory",
        lambda config, rng: calls.append(config.file) or original(config, rng),
    )
    experiment = load_experiment(write(tmp_path, valid(scenarios=[str(scenario)])))
    assert experiment.design_points == 4
    assert calls == [str(territory)]


@pytest.mark.parametrize(
    ("parameters", "fragment"),
    [
        (
            {
                "territory.rural_connectivity_low": {"low": 0.2, "high": 0.6},
                "territory.rural_connectivity_high": {"low": 0.4, "high": 0.8},
            },
            "rural_connectivity_low must not exceed rural_connectivity_high",
        ),
        (
            {
                "public.broadband_share": {"low": 0.2, "high": 0.7},
                "public.training_share": {"low": 0.2, "high": 0.7},
            },
            "broadband_share + training_share cannot exceed 1",
        ),
    ],
)
def test_a_design_point_breaking_a_rule_between_parameters_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], parameters: dict, fragment: str
) -> None:
    design = {"method": "lhs", "samples": 16, "parameters": parameters}
    path = write(tmp_path, valid(design=design))
    with pytest.raises(InputError) as info:
        load_experiment(path)
    message = info.value.message()
    assert info.value.field == "design"
    assert "design point " in message and fragment in message
    for name in parameters:
        assert f"{name}=" in message  # the point's parameters
    out = tmp_path / "results"
    code = main(["batch", str(path), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2 and fragment in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()


def test_a_grid_breaking_a_rule_names_its_first_failing_point(tmp_path: Path) -> None:
    design = {
        "method": "grid",
        "parameters": {
            "territory.max_population": {"values": [30_000.0, 150_000.0]},
            "territory.centre_min_population": {"values": [20_000.0, 50_000.0]},
        },
    }
    with pytest.raises(InputError) as info:
        load_experiment(write(tmp_path, valid(design=design)))
    message = info.value.message()
    assert "max_population (30000) must exceed centre_min_population (50000)" in message
    assert "territory.max_population=30000.0" in message
    assert "territory.centre_min_population=50000.0" in message
    assert "design point " in message


def test_a_design_keeping_the_rules_is_accepted(tmp_path: Path) -> None:
    design = {
        "method": "lhs",
        "samples": 16,
        "parameters": {
            "territory.rural_connectivity_low": {"low": 0.1, "high": 0.3},
            "territory.rural_connectivity_high": {"low": 0.4, "high": 0.8},
        },
    }
    assert load_experiment(write(tmp_path, valid(design=design))).design_points == 16
