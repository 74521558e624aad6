"""Tests for the schema's strict kinds (platsim.schema.parameters.check_kind): every number
field refuses booleans, text and non-finite values (issue 19, cases 12 and 13), every switch
refuses anything but true or false, an int stays accepted where a float is declared, and the
scenario's name cannot hold control characters or exceed its length (case 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platsim.cli import main
from platsim.errors import InputError, InputErrors
from platsim.schema import SECTIONS, Scenario, iter_parameters, safe_name, validate_scenario
from platsim.schema.platforms import PlatformSpec
from platsim.schema.scenario import MAX_NAME_CHARS

DATA = Path(__file__).resolve().parents[1] / "data" / "scenarios"
BASE = Scenario()


def annotation_of(path: str) -> Any:
    parts = path.split(".")
    if parts[:3] == ["platforms", "catalogue", "NAME"]:
        return PlatformSpec.model_fields[parts[3]].annotation
    return SECTIONS[parts[0]].model_fields[parts[1]].annotation


def concrete(path: str) -> str:
    return path.replace(".NAME.", ".goods-leader.")


RECORDS = list(iter_parameters())
NUMBERS = [r["path"] for r in RECORDS if annotation_of(r["path"]) in (int, float)]
FLOATS = [path for path in NUMBERS if annotation_of(path) is float]
UNBOUNDED = [r["path"] for r in RECORDS if r["path"] in FLOATS and r["range"].endswith("inf)")]
SWITCHES = [r["path"] for r in RECORDS if annotation_of(r["path"]) is bool]


def rejection(path: str, value: Any) -> InputError:
    with pytest.raises(InputError) as info:
        BASE.with_overrides({path: value})
    error = info.value
    assert not isinstance(error, InputErrors), error
    assert error.field == path, error
    return error


def test_the_field_lists_are_what_they_claim() -> None:
    assert len(NUMBERS) > 100 and len(SWITCHES) >= 6
    assert len(UNBOUNDED) >= 20  # the fields documented as (0, inf) or [0, inf)
    assert "economy.wage_level" in UNBOUNDED and "economy.fixed_cost" in UNBOUNDED
    assert "platforms.catalogue.NAME.quality" in FLOATS
    assert len(WHOLE_DEFAULTS) > 20


@pytest.mark.parametrize("path", [concrete(p) for p in NUMBERS])
@pytest.mark.parametrize("value", [True, False, "1", "1e3", "inf", "", float("nan")])
def test_every_number_field_refuses_booleans_text_and_nan(path: str, value: Any) -> None:
    error = rejection(path, value)
    assert "Input should be a" in error.message()
    assert f"(got {value!r})" in error.message()


@pytest.mark.parametrize("path", [concrete(p) for p in FLOATS])
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), 1e400])
def test_every_float_field_refuses_infinity(path: str, value: Any) -> None:
    message = rejection(path, value).message()
    assert "finite number" in message or "less than" in message or "greater than" in message


@pytest.mark.parametrize("path", [concrete(p) for p in UNBOUNDED])
def test_fields_documented_up_to_inf_refuse_inf(path: str) -> None:
    error = rejection(path, float("inf"))
    assert error.problem == "Input should be a finite number"
    assert error.allowed is not None and error.allowed.endswith("inf)")


WHOLE_DEFAULTS = [concrete(p) for p in FLOATS if float(BASE.get(concrete(p))).is_integer()]


@pytest.mark.parametrize("path", WHOLE_DEFAULTS)
def test_an_int_stays_accepted_where_a_float_is_declared(path: str) -> None:
    current = BASE.get(path)
    value = BASE.with_overrides({path: int(current)}).get(path)
    assert value == current and isinstance(value, float)


@pytest.mark.parametrize("path", SWITCHES)
@pytest.mark.parametrize("value", [0, 1, "yes", "true", 1.0, None])
def test_switches_take_true_or_false_only(path: str, value: Any) -> None:
    error = rejection(path, value)
    assert error.problem == "Input should be true or false"
    assert error.allowed == "true | false"


def test_integral_floats_stay_accepted_for_integers() -> None:
    assert BASE.with_overrides({"simulation.steps": 12.0}).simulation.steps == 12


def test_platform_start_takes_a_number_or_policy_start_only() -> None:
    path = "platforms.catalogue.goods-leader.start"
    assert BASE.with_overrides({path: "policy_start"}).get(path) == "policy_start"
    assert BASE.with_overrides({path: 3}).get(path) == 3
    for value in ("3", True):
        assert "a valid integer or policy_start" in rejection(path, value).message()


@pytest.mark.parametrize(
    ("fixture", "fragments"),
    [
        ("bad_inf.yaml", ["economy.wage_level", "finite number", "(got inf)", "(0, inf)"]),
        ("bad_bool_number.yaml", ["simulation.steps", "valid integer", "(got True)"]),
        ("bad_string_number.yaml", ["territory.area_km", "valid number", "(got '12')"]),
    ],
)
def test_validate_refuses_coerced_and_infinite_values(capsys, fixture, fragments) -> None:
    code = main(["validate", str(DATA / fixture)])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.out + captured.err
    assert fixture in captured.err
    for fragment in fragments:
        assert fragment in captured.err, captured.err


@pytest.mark.parametrize("text", ["1e400", "-.inf", ".NaN", "'inf'", "yes", "'1e3'"])
def test_yaml_spellings_of_infinity_and_text_are_refused(tmp_path, text) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"economy:\n  fixed_cost: {text}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        from platsim.schema import load_scenario

        load_scenario(path)
    assert info.value.field == "economy.fixed_cost"


# --------------------------------------------------------------------------------------------
# The name (case 7)


@pytest.mark.parametrize("name", ["a\x00b", "two\nlines", "tab\there", "bell\x07"])
def test_a_name_with_control_characters_is_refused(name: str) -> None:
    with pytest.raises(InputError) as info:
        validate_scenario({"name": name})
    assert info.value.field == "name"
    assert "control characters" in info.value.message()


def test_a_too_long_name_is_refused() -> None:
    assert validate_scenario({"name": "x" * MAX_NAME_CHARS}).name == "x" * MAX_NAME_CHARS
    with pytest.raises(InputError) as info:
        validate_scenario({"name": "x" * (MAX_NAME_CHARS + 1)})
    assert info.value.field == "name"
    assert f"at most {MAX_NAME_CHARS} characters" in info.value.message()


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../../y", "_.._.._y"),
        ("/etc/passwd", "_etc_passwd"),
        ("..", "scenario"),
        ("a\x00b", "a_b"),
        ("C:\\x", "C__x"),
        ("données-2030", "données-2030"),
        ("é" * 200, "é" * 60),
    ],
)
def test_safe_name_is_one_plain_path_component(name: str, cleaned: str) -> None:
    result = safe_name(name)
    assert result == cleaned
    assert "/" not in result and "\\" not in result and "\x00" not in result
    assert result not in ("", ".", "..") and len(result.encode()) <= 120


def test_territory_file_with_nul_is_refused() -> None:
    with pytest.raises(InputError) as info:
        BASE.with_overrides({"territory.file": "a\x00b.csv"})
    assert info.value.field == "territory.file"
    assert "NUL" in info.value.message()


def test_numpy_scalars_follow_the_same_rules() -> None:
    np = pytest.importorskip("numpy")
    assert BASE.with_overrides({"simulation.steps": np.int64(5)}).simulation.steps == 5
    assert BASE.with_overrides({"territory.area_km": np.float64(5.5)}).territory.area_km == 5.5
    switch = BASE.with_overrides({"public.broadband_rural_targeting": np.bool_(False)})
    assert switch.public.broadband_rural_targeting is False
    assert "valid integer" in rejection("simulation.steps", np.bool_(True)).message()
    assert "finite number" in rejection("economy.fixed_cost", np.float32("inf")).message()
