"""Tests for platsim.territory.limits and the loader's bounds: hostile territory files and
scenarios get one clear InputError before anything large is allocated (issue 19, cases 8
and 16a), and the lon/lat projection across the antimeridian (case 16b)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import platsim.core.initialise as initialise
import platsim.territory.loader as loader
from platsim.cli.app import main
from platsim.core.model import TerritoryModel
from platsim.errors import InputError
from platsim.schema.sections import Territory as TerritorySettings
from platsim.territory import EARTH_RADIUS_KM, generate_territory, load_territory
from platsim.territory.limits import (
    MAX_COMMUTE_ENTRIES,
    MAX_MUNICIPALITIES,
    MAX_WORKER_AGENTS,
    check_worker_agents,
)

HEADER = "id,name,x,y,population\n"


def load(path: Path, **kwargs: object):
    kwargs.setdefault("n_regions", 1)
    return load_territory(path, rng=np.random.default_rng(0), **kwargs)


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def scenario_for(tmp_path: Path, territory: Path, n_regions: int = 1) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        f"name: probe\nterritory:\n  file: {territory.name}\n  n_regions: {n_regions}\n"
    )
    return path


def run_cli(tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["run", str(scenario), "--steps", "1", "--quiet", "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# ----------------------------------------------------------------------------------------
# Case 8: populations, coordinates and counts a real country fits
# ----------------------------------------------------------------------------------------


def test_population_of_1e12_is_refused_by_the_loader(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "a,A,0,0,1e12\nb,B,10,0,500\n")
    with pytest.raises(InputError) as info:
        load(path)
    error = info.value
    assert error.file == str(path) and error.field == "row 1: population"
    assert error.value == 1e12 and "50,000,000" in error.allowed


def test_population_of_1e12_exits_2_from_the_command_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, HEADER + "a,A,0,0,1e12\nb,B,10,0,500\n")
    code, output = run_cli(tmp_path, scenario_for(tmp_path, path), capsys)
    assert code == 2
    assert "Traceback" not in output
    assert f"error: {path}: row 1: population: population too large" in output


def test_total_population_is_bounded(tmp_path: Path) -> None:
    rows = "".join(f"m{i},M,{i},0,4.9e7\n" for i in range(45))  # 2.2 G inhabitants
    with pytest.raises(InputError) as info:
        load(write(tmp_path, HEADER + rows))
    assert info.value.field == "population" and "total population" in info.value.problem


@pytest.mark.parametrize(
    ("row", "field"), [("b,B,1e300,0,5", "row 2: x"), ("b,B,0,-40001,5", "row 2: y")]
)
def test_planar_coordinates_beyond_the_earth_are_refused(
    tmp_path: Path, row: str, field: str
) -> None:
    with pytest.raises(InputError) as info:
        load(write(tmp_path, HEADER + "a,A,0,0,100\n" + row + "\n"))
    assert info.value.field == field and "40,000" in info.value.allowed


def test_coordinates_of_1e300_exit_2_from_the_command_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, HEADER + "a,A,0,0,1000\nb,B,1e300,1e300,500\n")
    code, output = run_cli(tmp_path, scenario_for(tmp_path, path), capsys)
    assert code == 2 and "Traceback" not in output
    assert f"{path}: row 2: x: x out of range" in output


def test_planar_coordinates_at_the_bound_are_accepted(tmp_path: Path) -> None:
    t = load(write(tmp_path, HEADER + "a,A,-40000,0,100\nb,B,40000,40000,100\n"))
    assert t.x_km.tolist() == [-40000.0, 40000.0]


@pytest.mark.parametrize("index", ["1000000000000", "9" * 30, "9" * 5000])
def test_huge_integer_regions_allocate_nothing(tmp_path: Path, index: str) -> None:
    path = write(tmp_path, "id,name,x,y,population,region\na,A,0,0,10,0\nb,B,1,0,10," + index)
    if len(index) > 18:  # too long for an index: a label, like 'north'
        assert load(path).region.tolist() == [0, 1]
        return
    with pytest.raises(InputError) as info:
        load(path)
    assert info.value.field == "region" and info.value.value == 1  # the first unused index


def test_too_many_csv_rows_are_refused_without_reading_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_MUNICIPALITIES", 3)
    path = write(tmp_path, HEADER + "".join(f"m{i},M,{i},0,10\n" for i in range(5)))
    with pytest.raises(InputError) as info:
        load(path)
    assert "too many municipalities" in info.value.problem and "at most 3" in info.value.allowed


def test_too_many_geojson_features_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_MUNICIPALITIES", 2)
    features = [
        {
            "type": "Feature",
            "id": f"m{i}",
            "geometry": {"type": "Point", "coordinates": [3.0 + i / 10, 45.0]},
            "properties": {"name": "M", "population": 10},
        }
        for i in range(3)
    ]
    path = write(
        tmp_path, json.dumps({"type": "FeatureCollection", "features": features}), "t.geojson"
    )
    with pytest.raises(InputError) as info:
        load(path)
    assert info.value.field == "features" and info.value.value == "3 features"


def test_too_large_a_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 40)
    path = write(tmp_path, HEADER + "a,A,0,0,100\nb,B,1,1,100\n")
    with pytest.raises(InputError) as info:
        load(path)
    assert info.value.problem == "file too large" and info.value.file == str(path)


def test_commuting_pairs_are_counted_before_they_are_allocated() -> None:
    # 20,000 municipalities in 1 km2 with a 500 km radius: 4e8 pairs (about 10 GB)
    with pytest.raises(InputError) as info:
        generate_territory(
            n_municipalities=20_000, area_km=1.0, commute_km=500.0, rng=np.random.default_rng(0)
        )
    assert info.value.field == "commute_km" and info.value.value == 500.0
    assert f"{20_000**2:,} pairs" in info.value.problem
    assert f"{MAX_COMMUTE_ENTRIES:,}" in info.value.allowed


def test_the_limits_fit_france() -> None:
    schema_limit = TerritorySettings.model_fields["n_municipalities"].metadata
    assert max(m.le for m in schema_limit if hasattr(m, "le")) <= MAX_MUNICIPALITIES
    assert MAX_MUNICIPALITIES >= 35_000
    france = np.full(35_000, 66.5e6 / 35_000)
    agents = check_worker_agents(france, working_age_share=0.62, inhabitants_per_agent=1.0)
    assert agents == pytest.approx(41.23e6) and agents <= MAX_WORKER_AGENTS


def test_too_many_worker_agents_name_the_file_and_a_remedy(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        check_worker_agents(
            np.full(50, 4e7), working_age_share=1.0, inhabitants_per_agent=1.0, file="t.csv"
        )
    error = info.value
    assert error.file == "t.csv" and error.field == "population" and error.value == 2e9
    assert "population.inhabitants_per_agent >= 40" in error.allowed


def test_a_generated_territory_too_large_for_memory_is_refused_before_agents() -> None:
    with pytest.raises(InputError) as info:
        TerritoryModel(
            seed=1,
            overrides={
                "territory.centre_min_population": 1e12,
                "territory.max_population": 1e13,
            },
        )
    assert info.value.field == "territory" and "worker agents" in info.value.problem


# ----------------------------------------------------------------------------------------
# Case 16a: a territory without any worker agent
# ----------------------------------------------------------------------------------------


def test_a_territory_without_worker_agents_is_refused(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, HEADER + "a,A,0,0,0.001\nb,B,10,0,0.001\n")
    code, output = run_cli(tmp_path, scenario_for(tmp_path, path), capsys)
    assert code == 2 and "Traceback" not in output
    assert f"error: {path}: population: the territory would create no worker agent" in output
    assert not (tmp_path / "o" / "metrics.parquet").exists()


def test_no_worker_drawn_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        initialise, "stochastic_round", lambda expected, rng: np.zeros(len(expected), np.int64)
    )
    path = write(tmp_path, HEADER + "a,A,0,0,100\nb,B,10,0,100\n")
    with pytest.raises(InputError) as info:
        TerritoryModel(seed=1, overrides={"territory.file": str(path), "territory.n_regions": 1})
    assert info.value.file == str(path) and "drew no worker agent" in info.value.problem


# ----------------------------------------------------------------------------------------
# Case 16b: the antimeridian
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("latitude", [0.0, 65.0, -17.0])
def test_points_across_the_antimeridian_are_close(tmp_path: Path, latitude: float) -> None:
    path = write(
        tmp_path,
        f"id,name,lon,lat,population\na,A,179.9,{latitude},100\nb,B,-179.9,{latitude},100\n",
    )
    t = load(path)
    expected = EARTH_RADIUS_KM * math.radians(0.2) * math.cos(math.radians(latitude))
    assert math.hypot(t.x_km[1] - t.x_km[0], t.y_km[1] - t.y_km[0]) == pytest.approx(expected)
    assert t.x_km[1] > t.x_km[0]  # -179.9 lies east of 179.9
    assert abs(t.x_km.mean()) < 1e-9  # centred on the mean (unwrapped) longitude


def test_a_territory_across_the_antimeridian_projects_like_a_shifted_one(tmp_path: Path) -> None:
    rows = [(178.5, -17.0), (179.6, -16.5), (-179.8, -16.8), (-178.9, -18.0)]  # Fiji
    text = "id,name,lon,lat,population\n"
    across = write(
        tmp_path, text + "".join(f"m{i},M,{a},{b},100\n" for i, (a, b) in enumerate(rows))
    )
    shifted = write(
        tmp_path,
        text + "".join(f"m{i},M,{(a % 360) - 180},{b},100\n" for i, (a, b) in enumerate(rows)),
        "shifted.csv",
    )
    t, s = load(across), load(shifted)
    np.testing.assert_allclose(t.x_km, s.x_km, atol=1e-9)
    np.testing.assert_allclose(t.y_km, s.y_km, atol=1e-9)


def test_projection_is_unchanged_away_from_the_antimeridian(tmp_path: Path) -> None:
    lon = np.array([-4.5, 2.35, 7.75, 9.2])
    lat = np.array([48.4, 48.85, 48.6, 41.9])
    text = "id,name,lon,lat,population\n"
    path = write(
        tmp_path,
        text
        + "".join(
            f"m{i},M,{a!r},{b!r},100\n"
            for i, (a, b) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
        ),
    )
    t = load(path)
    plain_x = EARTH_RADIUS_KM * np.radians(lon - lon.mean()) * math.cos(math.radians(lat.mean()))
    assert np.array_equal(t.x_km, plain_x)  # bit for bit


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (
            "territory:\n  source: insee\npopulation:\n  inhabitants_per_agent: 1\n"
            "  working_age_share: 0.9\n",
            "use population.inhabitants_per_agent >= 2",
        ),
        (
            "territory:\n  file: tiny.csv\n  n_regions: 1\n",
            "would create no worker agent",
        ),
    ],
)
def test_validate_estimates_the_worker_agents_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scenario: str, message: str
) -> None:
    (tmp_path / "tiny.csv").write_text("id,name,x,y,population\na,A,0,0,0.001\nb,B,1,1,0.002\n")
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario)
    assert main(["validate", str(path)]) == 2
    shown = capsys.readouterr()
    assert message in shown.err + shown.out and "Traceback" not in shown.err + shown.out
