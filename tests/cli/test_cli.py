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


# --------------------------------------------------------------------------------------------
# Where run writes without --out (issue 19, cases 4 and 7)


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("../../../escape", "_.._.._escape-seed2"),
        ("/tmp/abs", "_tmp_abs-seed2"),
        ("..", "scenario-seed2"),
    ],
)
def test_run_without_out_writes_under_the_working_folder_whatever_the_name(
    tmp_path, monkeypatch, capsys, name, folder
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: {json.dumps(name)}\nextends: baseline\n", encoding="utf-8")
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = {path for path in tmp_path.rglob("*") if not path.is_relative_to(work)}
    code = main(["run", str(scenario), "--seed", "2", "--quiet", *FAST])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (work / "runs" / folder / "metrics.parquet").is_file()
    assert {path for path in tmp_path.rglob("*") if not path.is_relative_to(work)} == before
    assert not Path("/tmp/abs-seed2").exists()


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_nul_in_the_name_is_exit_2_naming_the_field(tmp_path, monkeypatch, capsys, command):
    scenario = tmp_path / "s.yaml"
    scenario.write_text('name: "a\\0b"\nextends: baseline\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main([command, str(scenario), *(FAST if command == "run" else [])])
    captured = capsys.readouterr()
    assert code == 2
    assert "s.yaml: name: A name cannot hold control characters" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert not (tmp_path / "runs").exists()


def test_markup_in_a_name_is_printed_as_it_is(tmp_path, capsys) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text('name: "[/] [bold]x"\nextends: baseline\n', encoding="utf-8")
    assert main(["validate", str(scenario)]) == 0
    assert "[/] [bold]x" in capsys.readouterr().out
    code = main(["run", str(scenario), "--out", str(tmp_path / "out"), *FAST])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "[/] [bold]x, seed 1" in " ".join(captured.out.split())  # the table's title


# --------------------------------------------------------------------------------------------
# validate reads the territory file (issue 19, case 14)


def test_validate_reports_a_missing_territory_file(capsys) -> None:
    code = main(["validate", str(DATA / "bad_territory_missing.yaml")])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.out + captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "bad_territory_missing.yaml: territory.file:" in lines[0]
    assert "no_such_territory.csv" in lines[0] and "not found" in lines[0]


def test_validate_reports_a_broken_territory_file(tmp_path, capsys) -> None:
    (tmp_path / "t.csv").write_text("id,name,x,y,population\na,A,0,0,-5\n", encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("extends: baseline\nterritory:\n  file: t.csv\n", encoding="utf-8")
    code = main(["validate", str(scenario)])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.out + captured.err
    assert "s.yaml: territory.file:" in captured.err and "t.csv" in captured.err


def test_validate_accepts_a_good_territory_file(tmp_path, capsys) -> None:
    territory = Path(__file__).resolve().parents[1] / "data" / "territory_small.csv"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: baseline\nterritory:\n  file: {territory}\n", encoding="utf-8")
    assert main(["validate", str(scenario)]) == 0, capsys.readouterr().err


def assert_refused_in_one_line(tmp_path, capsys, text: str, expected: str) -> None:
    """``platsim validate`` refuses a baseline with ``text`` added: exit 2, no traceback, one
    line naming the file and ``expected`` (the field)."""
    path = tmp_path / "bad.yaml"
    path.write_text("extends: baseline\n" + text, encoding="utf-8")
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    output = (captured.out + captured.err).strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output  # one line, naming the file and the field
    assert str(path) in output and expected in output, output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a platform whose outside suppliers and gig tasks exceed its sales (issue 14)
        (
            "local_services:\n  task_share: 0.5\nplatforms:\n  catalogue:\n"
            "    services-leader:\n      outside_supplier_share: 0.6\n",
            "platforms.catalogue.services-leader: outside_supplier_share (0.6) plus "
            "local_services.task_share (0.5) exceeds 1",
        ),
        # an unknown key in a segment section
        ("goods:\n  network_efect: 0.5\n", "goods.network_efect: unknown key"),
        # a field the freelance segment does not have (freelancers choose by pay)
        ("freelance:\n  seller_homing_cost: 1.0\n", "freelance.seller_homing_cost: unknown key"),
        # a segment or pricing rule that does not exist
        (
            "platforms:\n  catalogue:\n    shop:\n      kind: global\n      segment: food\n",
            "platforms.catalogue.shop.segment",
        ),
        (
            "platforms:\n  catalogue:\n    shop:\n      kind: global\n      pricing: auction\n",
            "platforms.catalogue.shop.pricing",
        ),
        # a segment parameter out of range
        ("goods:\n  pass_through: 1.5\n", "goods.pass_through"),
    ],
)
def test_validate_refuses_bad_segment_and_platform_fields_in_one_line(
    tmp_path, capsys, text: str, expected: str
) -> None:
    assert_refused_in_one_line(tmp_path, capsys, text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # platforms' quality investment (issue 14)
        ("platforms:\n  quality_depreciation: 0\n", "platforms.quality_depreciation"),
        ("platforms:\n  data_quality_elasticity: -1\n", "platforms.data_quality_elasticity"),
        ("platforms:\n  discount_rate: fast\n", "platforms.discount_rate"),
        # firms' digital investment
        ("economy:\n  digital_investment: -2000\n", "economy.digital_investment"),
        ("economy:\n  digital_payback_months: 0\n", "economy.digital_payback_months"),
        # the fibre programme (issue 15): above its bound, a State share of 0, a fractional delay
        ("public:\n  broadband_programme: 60\n", "public.broadband_programme"),
        ("public:\n  broadband_state_share: 0\n", "public.broadband_state_share"),
        ("public:\n  broadband_delay_months: 2.5\n", "public.broadband_delay_months"),
        # the regions' advisory service: negative advisers, no capacity, a cost in words, the
        # removed adviser_boost
        ("public:\n  advisory_advisers: -0.38\n", "public.advisory_advisers"),
        ("public:\n  advisory_diagnostics: 0\n", "public.advisory_diagnostics"),
        ("public:\n  advisory_adviser_cost: high\n", "public.advisory_adviser_cost"),
        ("public:\n  advisory_time_cost: -1\n", "public.advisory_time_cost"),
        (
            "platforms:\n  catalogue:\n    t:\n      kind: territorial\n      adviser_boost: 1\n",
            "platforms.catalogue.t.adviser_boost",
        ),
        # the sector shock and the skills platform (issue 15): a whole sector lost, a
        # requirement above 1, no months, a search efficiency above the unemployed's, the
        # removed flat job-finding gain
        ("labour:\n  transition_job_loss: 1.0\n", "labour.transition_job_loss"),
        ("labour:\n  transition_skill_requirement: 1.2\n", "labour.transition_skill_requirement"),
        ("labour:\n  transition_months: 0\n", "labour.transition_months"),
        ("labour:\n  on_the_job_search: 1.5\n", "labour.on_the_job_search"),
        ("labour:\n  skills_matching_gain: 0.3\n", "labour.skills_matching_gain: unknown key"),
        # a pricing rule that does not exist (members is one)
        (
            "platforms:\n  catalogue:\n    coop:\n      kind: cooperative\n      pricing: member\n",
            "platforms.catalogue.coop.pricing",
        ),
    ],
)
def test_validate_refuses_bad_investment_and_programme_fields_in_one_line(
    tmp_path, capsys, text: str, expected: str
) -> None:
    assert_refused_in_one_line(tmp_path, capsys, text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # worker protection and autonomy (issue 15): negative, zero or above bounds, not a number
        ("labour:\n  minimum_hourly_pay: -11.75\n", "labour.minimum_hourly_pay"),
        ("labour:\n  task_value: 0\n", "labour.task_value"),
        ("labour:\n  task_hours: 30\n", "labour.task_hours"),
        ("labour:\n  contribution_value: 1.5\n", "labour.contribution_value"),
        ("labour:\n  autonomy_share: 2\n", "labour.autonomy_share"),
        ("labour:\n  autonomy_taste: high\n", "labour.autonomy_taste"),
    ],
)
def test_validate_refuses_bad_worker_protection_fields_in_one_line(
    tmp_path, capsys, text: str, expected: str
) -> None:
    assert_refused_in_one_line(tmp_path, capsys, text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # municipal data services (issue 15): negative costs, savings above their bound, a
        # share above 1, a fractional period
        ("data:\n  data_service_cost: -1\n", "data.data_service_cost"),
        ("data:\n  third_party_fee: -0.5\n", "data.third_party_fee"),
        ("data:\n  third_party_member_cost: 2e6\n", "data.third_party_member_cost"),
        ("data:\n  service_saving: 0.5\n", "data.service_saving"),
        ("data:\n  crossing_saving: -0.01\n", "data.crossing_saving"),
        ("data:\n  utility_data: 1.5\n", "data.utility_data"),
        ("data:\n  neighbour_spillover: 2\n", "data.neighbour_spillover"),
        ("data:\n  decision_months: 1.5\n", "data.decision_months"),
        ("data:\n  public_service_saving: 0.2\n", "data.public_service_saving"),
    ],
)
def test_validate_refuses_bad_data_service_fields_in_one_line(
    tmp_path, capsys, text: str, expected: str
) -> None:
    assert_refused_in_one_line(tmp_path, capsys, text, expected)


def test_a_cooperative_priced_by_its_members_is_a_valid_scenario(tmp_path, capsys) -> None:
    path = tmp_path / "coop.yaml"
    path.write_text(
        "extends: cooperative_platform\nplatforms:\n  catalogue:\n    cooperative:\n"
        "      pricing: members\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("public:\n  epci_integration: 1.5\n", "public.epci_integration"),
        ("public:\n  coordination_per_member: -0.1\n", "public.coordination_per_member"),
        ("public:\n  coordination_per_km: km\n", "public.coordination_per_km"),
        ("public:\n  pooling: region\n", "public.pooling"),
        ("public:\n  integration_grant: 600\n", "public.integration_grant"),
        ("public:\n  pooling: epci\n  pooling_share: 0.3\n", "pooling_share"),
        ("public:\n  conditional_funding: true\n", "conditional_funding"),
    ],
)
def test_validate_refuses_bad_inter_municipal_fields_in_one_line(
    tmp_path, capsys, text: str, expected: str
) -> None:
    assert_refused_in_one_line(tmp_path, capsys, text, expected)
