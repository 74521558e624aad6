"""Tests for platsim.schema: the bundled baseline, immutability, hashing, overrides,
``extends`` and the error messages for bad scenario files."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from platsim.errors import InputError, InputErrors
from platsim.schema import (
    SECTIONS,
    Scenario,
    bundled_scenarios,
    iter_parameters,
    load_scenario,
    parameter_paths,
    validate_scenario,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "scenarios"
BASELINE = Path(__file__).resolve().parents[2] / "src" / "platsim" / "scenarios" / "baseline.yaml"
ALL_PARAMETERS = list(iter_parameters())
#: Section-level parameters (two-part paths); platform catalogue fields are checked apart.
PARAMETERS = [record for record in ALL_PARAMETERS if record["path"].count(".") == 1]
CATALOGUE_FIELDS = [
    record for record in ALL_PARAMETERS if record["path"].startswith("platforms.catalogue.NAME.")
]
DEFAULTS = Scenario()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path | str) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value


def comments_of(lines: list[str], key: str, section: str) -> str:
    """The comment block just above ``key:`` (commented out or not) in ``section``, plus its
    inline comment."""
    pattern = re.compile(rf"^  (# )?{key}: ")
    start = lines.index(f"{section}:")
    index = next(i for i, line in enumerate(lines) if i > start and pattern.match(line))
    block = [lines[index].split("  # ", 1)[1]]
    above = index - 1
    while lines[above].startswith("  # ") and not pattern.match(lines[above]):
        block.insert(0, lines[above].removeprefix("  # "))
        above -= 1
    return " ".join(" ".join(block).split())


# --------------------------------------------------------------------------------------------
# The bundled baseline


def test_baseline_is_bundled_and_loads_by_name_and_by_path() -> None:
    assert bundled_scenarios()["baseline"].resolve() == BASELINE.resolve()
    by_name = load_scenario("baseline")
    by_path = load_scenario(BASELINE)
    assert by_name == by_path
    assert by_name.name == "baseline"
    assert by_name.description.startswith("Baseline: laissez-faire territory")
    assert by_name.source is not None and Path(by_name.source).name == "baseline.yaml"


def test_baseline_resolves_to_the_schema_defaults() -> None:
    loaded = load_scenario("baseline")
    defaults = Scenario(name="baseline", description=loaded.description)
    assert loaded.to_dict() == defaults.to_dict()
    assert loaded.hash() == defaults.hash()


def test_baseline_lists_every_parameter_with_its_default() -> None:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    assert list(data) == list(SECTIONS), "one block per section, in schema order"
    listed = [f"{section}.{key}" for section, values in data.items() for key in values]
    expected = [path for path in parameter_paths() if path != "territory.file"]
    assert listed == expected, "every parameter once, in schema order"
    for record in PARAMETERS:
        section, key = record["path"].split(".")
        if record["path"] == "territory.file":  # an optional path: shown commented out
            assert key not in data[section]
            continue
        value = data[section][key]
        if record["path"] == "platforms.catalogue":
            assert value == DEFAULTS.to_dict()["platforms"]["catalogue"]
            continue
        default = record["default"]
        default = list(default) if isinstance(default, tuple) else default  # YAML has lists
        assert value == default, record["path"]
        assert type(value) is type(default), record["path"]


def test_baseline_comments_state_unit_range_and_source() -> None:
    text = BASELINE.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# Baseline: laissez-faire territory")
    assert "extends: baseline.yaml" in text
    assert all(len(line) <= 100 for line in lines)
    assert any(re.match(r"^  # file: \S+\.csv", line) for line in lines), "file commented out"
    for section in SECTIONS:
        assert any(re.match(rf"^# {section}: ", line) for line in lines), section
    for record in PARAMETERS:
        section, key = record["path"].split(".")
        comment = comments_of(lines, key, section)
        if record["unit"] == "choice":
            assert f"one of: {record['range']}" in comment, record["path"]
        else:
            assert f"unit: {record['unit']}" in comment, record["path"]
        if key not in ("file", "catalogue") and record["unit"] != "choice":
            assert f"range: {record['range']}" in comment, record["path"]
        if record["source"] != "assumption" and key != "file":
            assert record["source"] in comment, record["path"]
        first_words = " ".join(record["description"].split()[:4])
        assert first_words in comment, record["path"]
    catalogue_text = text[text.index("  catalogue:") :]
    for record in CATALOGUE_FIELDS:
        key = record["path"].rsplit(".", 1)[1]
        assert re.search(rf"^      {key}: ", catalogue_text, re.M), record["path"]
        assert record["range"] in catalogue_text, record["path"]


# --------------------------------------------------------------------------------------------
# Immutability, hashing, overrides


def test_scenario_is_frozen() -> None:
    scenario = load_scenario("baseline")
    share = scenario.economy.consumption_share
    with pytest.raises(ValidationError):
        scenario.simulation = scenario.simulation  # type: ignore[misc]
    with pytest.raises(ValidationError):
        scenario.economy.consumption_share = share / 2  # type: ignore[misc]
    plain = scenario.to_dict()
    plain["economy"]["consumption_share"] = share / 2
    assert scenario.economy.consumption_share == share
    assert scenario == load_scenario("baseline")


def test_hash_is_stable_for_equal_content(tmp_path: Path) -> None:
    first = load_scenario("baseline")
    assert re.fullmatch(r"[0-9a-f]{64}", first.hash())
    assert first.hash() == load_scenario("baseline").hash()
    assert first.hash() == first.with_overrides({}).hash()
    copy = shutil.copy(BASELINE, tmp_path / "baseline.yaml")
    elsewhere = load_scenario(copy)
    assert elsewhere.source != first.source
    assert elsewhere.hash() == first.hash(), "the file's location is not part of the hash"
    assert Scenario().hash() == Scenario().hash()


def test_hash_changes_when_a_value_changes() -> None:
    base = load_scenario("baseline")
    efficiency = base.economy.matching_efficiency
    changed = base.with_overrides({"economy.matching_efficiency": efficiency / 2})
    assert changed.hash() != base.hash()
    restored = changed.with_overrides({"economy.matching_efficiency": efficiency})
    assert restored.hash() == base.hash()
    assert base.with_overrides({"simulation.steps": base.simulation.steps + 1}).hash() != (
        base.hash()
    )


def test_with_overrides_returns_a_new_validated_scenario() -> None:
    base = load_scenario("baseline")
    efficiency = DEFAULTS.economy.matching_efficiency / 2
    varied = base.with_overrides(
        {
            "economy.matching_efficiency": efficiency,
            "public.pooling": "epci",
            "simulation.steps": 24,
        }
    )
    assert varied.economy.matching_efficiency == efficiency
    assert varied.public.pooling == "epci"
    assert varied.simulation.steps == 24
    assert varied.get("economy.matching_efficiency") == efficiency
    assert varied.economy.local_share == base.economy.local_share
    assert varied.source == base.source
    assert base.economy.matching_efficiency == DEFAULTS.economy.matching_efficiency, "unchanged"
    assert base.simulation.steps == DEFAULTS.simulation.steps
    assert load_scenario("baseline", {"simulation.steps": 24}).simulation.steps == 24


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("economy.matching_eficiency", "economy.matching_efficiency"),
        ("economics.matching_efficiency", "sections simulation, territory"),
        ("simulation.steps.months", "simulation.steps"),
    ],
)
def test_with_overrides_rejects_unknown_paths(path: str, allowed: str) -> None:
    with pytest.raises(InputError) as info:
        load_scenario("baseline").with_overrides({path: 1})
    message = str(info.value)
    assert "unknown parameter" in message
    assert info.value.field == path
    assert allowed in message


@pytest.mark.parametrize(
    ("path", "value", "allowed"),
    [
        ("economy.consumption_share", 1.5, "a number in [0, 1]"),
        ("simulation.steps", 0, "an integer in [1, 10000]"),
        ("population.initial_unemployment", 1.0, "a number in [0, 1)"),
        ("public.pooling", "county", "'none' or 'epci'"),
    ],
)
def test_with_overrides_rejects_out_of_range_values(path: str, value: Any, allowed: str) -> None:
    with pytest.raises(InputError) as info:
        load_scenario("baseline").with_overrides({path: value}, origin="--set")
    message = str(info.value)
    assert message.startswith(f"--set: {path}: ")
    assert f"(got {value!r})" in message
    assert allowed in message


def test_with_overrides_checks_rules_across_fields() -> None:
    base = load_scenario("baseline")
    with pytest.raises(InputError, match="must sum to 1"):
        base.with_overrides({"economy.share_knowledge": base.economy.share_knowledge + 0.1})
    with pytest.raises(InputError, match="rural_connectivity_low must not exceed"):
        base.with_overrides(
            {"territory.rural_connectivity_low": 0.8, "territory.rural_connectivity_high": 0.2}
        )
    with pytest.raises(InputError, match="n_regions"):
        base.with_overrides({"territory.n_municipalities": 3, "territory.n_regions": 4})
    with pytest.raises(InputError, match="cannot exceed 1"):
        base.with_overrides({"public.broadband_share": 0.6, "public.training_share": 0.5})
    # the whole budget may go to the two programmes: a sum of exactly 1 is allowed
    whole = base.with_overrides({"public.broadband_share": 0.5, "public.training_share": 0.5})
    assert whole.public.broadband_share + whole.public.training_share == 1.0
    whole = base.with_overrides({"public.broadband_share": 1.0, "public.training_share": 0.0})
    assert whole.public.broadband_share == 1.0


# --------------------------------------------------------------------------------------------
# extends


def test_extends_overrides_only_what_the_child_sets() -> None:
    parent = load_scenario(DATA / "parent.yaml")
    child = load_scenario(DATA / "child.yaml")
    assert child.name == "child"
    assert child.description.startswith("Child fixture")
    assert child.economy.matching_efficiency == 0.4  # child wins
    assert child.economy.local_share == 0.4  # from the parent, same section (deep merge)
    assert child.simulation.steps == 60  # from the parent, another section
    assert child.public.pooling == "epci"  # child only
    assert child.economy.consumption_share == DEFAULTS.economy.consumption_share  # neither
    changed = {path for path in parameter_paths() if child.get(path) != parent.get(path)}
    assert changed == {"economy.matching_efficiency", "public.pooling"}


def test_extends_a_relative_path_in_another_folder(tmp_path: Path) -> None:
    write(tmp_path / "base" / "parent.yaml", "territory:\n  file: towns.csv\n  n_regions: 2\n")
    write(
        tmp_path / "variants" / "child.yaml",
        "extends: ../base/parent.yaml\nterritory:\n  commute_km: 20.0\n",
    )
    child = load_scenario(tmp_path / "variants" / "child.yaml")
    assert child.territory.n_regions == 2
    assert child.territory.commute_km == 20.0
    # A territory file is relative to the scenario file that names it.
    assert child.territory.file == str((tmp_path / "base" / "towns.csv").resolve())


def test_loading_again_sees_every_change_to_the_file_or_its_parent(tmp_path: Path) -> None:
    parent = write(tmp_path / "parent.yaml", "economy:\n  local_share: 0.4\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nsimulation:\n  steps: 12\n")
    first = load_scenario(child)
    assert (first.simulation.steps, first.economy.local_share) == (12, 0.4)
    assert load_scenario(child) == first  # loaded again (from the cache): the same scenario
    # same size, rewritten at once: a modification time may not have moved, the contents have
    write(child, "extends: parent.yaml\nsimulation:\n  steps: 13\n")
    assert load_scenario(child).simulation.steps == 13
    write(parent, "economy:\n  local_share: 0.5\n")
    assert load_scenario(child).economy.local_share == 0.5
    parent.unlink()
    assert "extended scenario not found" in str(load_error(child))


def test_the_cache_of_loaded_scenarios_stays_small(tmp_path: Path) -> None:
    import platsim.schema.loading as scenario_module

    for k in range(3 * scenario_module._LOADED_MAX):
        path = write(tmp_path / f"s{k}.yaml", f"simulation:\n  steps: {k + 1}\n")
        assert load_scenario(path).simulation.steps == k + 1
    assert len(scenario_module._LOADED) <= scenario_module._LOADED_MAX
    assert load_scenario(tmp_path / "s0.yaml").simulation.steps == 1  # dropped: read again


def test_a_changed_loaded_scenario_does_not_change_the_next_load() -> None:
    first = load_scenario("policy_mix")
    first.platforms.catalogue.clear()  # a dict inside the frozen scenario: changeable in place
    again = load_scenario("policy_mix")
    assert again.platforms.catalogue and again != first
    assert again.source == str(bundled_scenarios()["policy_mix"])


def test_extends_a_bundled_scenario_by_name(tmp_path: Path) -> None:
    child = load_scenario(DATA / "child_of_bundled.yaml")
    assert child.simulation.steps == 24
    assert (
        child.with_overrides({"simulation.steps": DEFAULTS.simulation.steps}).to_dict()
        == Scenario(name="child_of_bundled", description=child.description).to_dict()
    )
    grandchild = write(
        tmp_path / "grandchild.yaml",
        f"extends: {DATA / 'child_of_bundled.yaml'}\neconomy:\n  entry_rate: 0.01\n",
    )
    loaded = load_scenario(grandchild)
    assert (loaded.simulation.steps, loaded.economy.entry_rate) == (24, 0.01)
    assert loaded.description == "", "the parent's description is not inherited"


def test_extends_cycle_is_an_input_error(tmp_path: Path) -> None:
    error = load_error(DATA / "cycle_a.yaml")
    assert "cycle" in str(error)
    assert error.field == "extends"
    assert "cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml" in str(error)
    selfish = write(tmp_path / "self.yaml", "extends: self.yaml\n")
    assert "cycle" in str(load_error(selfish))


def test_extends_missing_parent_names_file_and_field() -> None:
    path = DATA / "missing_parent.yaml"
    error = load_error(path)
    message = str(error)
    assert error.file == str(path)
    assert error.field == "extends"
    assert message.startswith(f"{path}: extends: ")
    assert "not found" in message
    assert "no_such_parent.yaml" in message


def test_extends_must_be_a_file_name(tmp_path: Path) -> None:
    error = load_error(write(tmp_path / "odd.yaml", "extends: [a.yaml, b.yaml]\n"))
    assert error.field == "extends"
    assert "must be a file name" in str(error)


# --------------------------------------------------------------------------------------------
# Bad input: every problem is an InputError naming the file and the field


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    error = load_error(path)
    assert str(error).startswith(f"{path}: no such scenario file")
    assert "baseline" in str(error), "the bundled scenarios are suggested"
    assert "is not a file" in str(load_error(tmp_path))


@pytest.mark.parametrize("text", ["", "# Nothing changed.\n", "\n\n  \n", "---\n# only\n"])
def test_empty_file_is_refused_with_how_to_ask_for_the_baseline(tmp_path: Path, text) -> None:
    error = load_error(write(tmp_path / "empty.yaml", text))
    assert error.file is not None and error.file.endswith("empty.yaml")
    assert "is empty" in error.message()
    assert "extends: baseline" in error.message()


def test_a_file_that_only_extends_the_baseline_is_the_baseline(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path / "same.yaml", "# Same.\nextends: baseline\n"))
    assert loaded.hash() == load_scenario("baseline").hash()
    assert loaded.description == "Same."


@pytest.mark.parametrize("depth", [33, 1_000])
def test_a_long_extends_chain_is_refused_without_recursion_error(tmp_path: Path, depth) -> None:
    write(tmp_path / "s0.yaml", "simulation:\n  steps: 5\n")
    for level in range(1, depth + 1):
        write(tmp_path / f"s{level}.yaml", f"extends: s{level - 1}.yaml\n")
    started = time.perf_counter()
    error = load_error(tmp_path / f"s{depth}.yaml")
    assert time.perf_counter() - started < 1.0
    assert error.field == "extends"
    assert error.file == str(tmp_path / f"s{depth}.yaml")
    assert "extends chain longer than 32 files" in error.message()


def test_an_extends_chain_of_32_files_loads(tmp_path: Path) -> None:
    write(tmp_path / "s0.yaml", "simulation:\n  steps: 5\n")
    for level in range(1, 32):
        write(tmp_path / f"s{level}.yaml", f"extends: s{level - 1}.yaml\nname: s{level}\n")
    loaded = load_scenario(tmp_path / "s31.yaml")
    assert loaded.simulation.steps == 5
    assert loaded.name == "s31"


@pytest.mark.parametrize(
    ("fixture", "field", "fragments"),
    [
        ("bad_yaml_syntax.yaml", "line 4", ["invalid YAML", "column"]),
        ("bad_not_mapping.yaml", None, ["must be a YAML mapping", "'list'", "sections simulation"]),
        (
            "bad_unknown_section.yaml",
            "economics",
            ["unknown key", "(got 'economics')", "simulation, territory, population, economy"],
        ),
        (
            "bad_unknown_key.yaml",
            "economy.matching_eficiency",
            ["unknown key", "allowed: consumption_share, local_share", "matching_efficiency"],
        ),
        (
            "bad_wrong_type.yaml",
            "simulation.steps",
            ["valid integer", "(got 'many')", "allowed: an integer in [1, 10000]"],
        ),
        (
            "bad_out_of_range.yaml",
            "economy.consumption_share",
            ["less than or equal to 1", "(got 1.5)", "allowed: a number in [0, 1]"],
        ),
        (
            "bad_sector_shares.yaml",
            "economy",
            ["share_local_services + share_traditional + share_knowledge", "sum to 1", "1.1"],
        ),
    ],
)
def test_bad_file_is_reported_with_file_field_value_and_allowed(
    fixture: str, field: str | None, fragments: list[str]
) -> None:
    path = DATA / fixture
    error = load_error(path)
    message = str(error)
    assert not isinstance(error, InputErrors)
    assert error.file == str(path)
    assert message.startswith(f"{path}: ")
    if field is not None:
        assert field in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "\n" not in message, "one line per problem"


def test_python_tags_are_not_executed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    error = load_error(DATA / "bad_python_tag.yaml")
    assert "line 2" in str(error)
    assert "python/object/apply:os.system" in str(error)
    marker = tmp_path / "hacked"
    path = write(
        tmp_path / "evil.yaml",
        f'simulation:\n  steps: !!python/object/apply:os.system ["touch {marker}"]\n',
    )
    assert str(path) in str(load_error(path))
    monkeypatch.undo()
    assert calls == []
    assert not marker.exists()
    assert "hacked" not in capfd.readouterr().out


def test_several_errors_are_reported_together() -> None:
    path = DATA / "bad_several_errors.yaml"
    error = load_error(path)
    assert isinstance(error, InputErrors)
    assert [item.field for item in error.errors] == [
        "simulation.steps",
        "economy.consumption_share",
        "mobility.weight_jobs",
    ]
    lines = str(error).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert "(got 0)" in lines[0] and "[1, 10000]" in lines[0]
    assert "(got 1.5)" in lines[1] and "[0, 1]" in lines[1]
    assert "(got 'lots')" in lines[2] and "[0, inf)" in lines[2]


def test_validate_scenario_reports_in_memory_data_without_a_file() -> None:
    with pytest.raises(InputError) as info:
        validate_scenario({"simulation": {"steps": "many"}})
    assert info.value.file is None
    assert str(info.value).startswith("simulation.steps: ")


# --------------------------------------------------------------------------------------------
# Parameter metadata


def test_every_parameter_has_unit_description_range_and_source() -> None:
    defaults = Scenario()
    for record in PARAMETERS:
        assert set(record) == {"path", "default", "unit", "range", "description", "source"}
        assert record["unit"].strip(), record["path"]
        assert record["description"].strip(), record["path"]
        assert record["range"].strip(), record["path"]
        assert record["source"].strip(), record["path"]
        expected = defaults.get(record["path"])
        if isinstance(expected, dict):  # the catalogue is summarised by its names
            expected = {name: "..." for name in expected}
        assert expected == record["default"], record["path"]


def test_parameter_paths_lists_each_parameter_once() -> None:
    paths = parameter_paths()
    assert len(paths) == len(set(paths))
    assert paths == [record["path"] for record in PARAMETERS]
    assert set(paths) == {
        f"{section}.{name}" for section, cls in SECTIONS.items() for name in cls.model_fields
    }
    assert {"simulation.steps", "territory.file", "public.pooling"} <= set(paths)


def test_fields_added_at_their_defaults_keep_the_hash_of_older_results() -> None:
    # the baseline's hash without the INSEE territory fields (re-pinned for issue 14, which
    # changed the platform parameters, then added platforms' quality investment and firms'
    # digital investment, for issue 15's fibre programme, whose offer changed unit, for its
    # regional advisory service, which replaced the platforms' adviser_boost, for its EPCIs,
    # which integrate services from step 0, for its skills platform, whose flat job-finding
    # gain was removed, and for its municipal data services, which replaced
    # data.public_service_saving: older results are of another model); a results directory
    # made with it can still be resumed; setting one of them changes the hash
    pinned = "485608657e1b70ad7a7d6f30c71ad81975ef6e731a85ee7a6e71d67d27c0b379"
    assert load_scenario("baseline").hash() == pinned
    assert load_scenario("baseline", {"territory.urban_density": 300.0}).hash() != pinned


def test_a_platforms_outside_and_task_shares_cannot_exceed_its_sales() -> None:
    base = load_scenario("baseline")
    fine = base.with_overrides(
        {
            "local_services.task_share": 0.5,
            "platforms.catalogue.services-leader.outside_supplier_share": 0.5,
        }
    )
    assert fine.platforms.catalogue["services-leader"].outside_supplier_share == 0.5
    with pytest.raises(InputError) as error:
        base.with_overrides(
            {
                "local_services.task_share": 0.5,
                "platforms.catalogue.services-leader.outside_supplier_share": 0.6,
            }
        )
    message = str(error.value)
    assert "services-leader" in message and "exceeds 1" in message
    # freelance sales carry no task share: any outside share is allowed
    assert base.with_overrides({"platforms.catalogue.freelance-global.outside_supplier_share": 1.0})
