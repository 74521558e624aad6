"""Tests for platsim.territory.france: selections by INSEE code, the Lambert-93 projection, the
density rule for urban communes and the territory built from a selection."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from platsim.cli import main
from platsim.core.model import TerritoryModel
from platsim.errors import InputError
from platsim.territory.france import (
    URBAN_DENSITY,
    communes_table,
    france_territory,
    lambert93,
    outlines_km,
    select_communes,
)

SETTINGS = {
    "detour_factor": 1.3,
    "commute_km": 30.0,
    "gravity_d0_km": 10.0,
    "urban_connectivity": 0.9,
    "rural_connectivity_low": 0.3,
    "rural_connectivity_high": 0.7,
}


def great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(cos)


def test_lambert93_gives_the_official_coordinates() -> None:
    xy = lambert93(np.array([3.0, 2.3522]), np.array([46.5, 48.8566]))
    np.testing.assert_allclose(xy[0], [700.0, 6600.0], atol=1e-9)  # the projection's origin
    np.testing.assert_allclose(xy[1], [652.469, 6862.035], atol=0.01)  # Paris (IGN: km)


@pytest.mark.parametrize(
    ("a", "b"),
    [((2.3522, 48.8566), (4.8357, 45.7640)), ((-4.4860, 48.3904), (7.7521, 48.5734))],
)
def test_lambert93_distances_are_within_half_a_percent_of_the_geodesic(a, b) -> None:
    xy = lambert93(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    planar = float(np.hypot(*(xy[0] - xy[1])))
    assert planar == pytest.approx(great_circle_km(*a, *b), rel=0.005)


def test_each_level_selects_its_communes() -> None:
    assert len(select_communes(departements=["78"])) == 259
    assert len(select_communes(regions=["11"])) == 1_266
    perray = select_communes(communes=["78486"])
    assert perray["name"].tolist() == ["Le Perray-en-Yvelines"]
    epci = select_communes(epcis=[perray["epci"].iloc[0]])
    assert "78486" in set(epci["code"]) and len(epci) > 1
    both = select_communes(departements=["78"], communes=["91228"])  # Evry is in 91
    assert len(both) == 260


def test_no_code_is_metropolitan_france() -> None:
    table = communes_table()
    assert len(select_communes()) == 34_741
    assert len(table) - 34_741 == 112  # Guadeloupe 32, Martinique 34, Guyane 22, La Réunion 24


def test_an_unknown_code_names_the_nearest_valid_ones() -> None:
    with pytest.raises(InputError) as caught:
        select_communes(communes=["78487"])
    assert caught.value.field == "territory.communes" and caught.value.value == "78487"
    assert "nearest: 78" in str(caught.value)


def test_overlapping_codes_are_refused() -> None:
    with pytest.raises(InputError, match="selected twice") as caught:
        select_communes(departements=["78"], communes=["78486"])
    assert caught.value.field == "territory.communes"


def test_a_territory_across_an_ocean_is_refused() -> None:
    with pytest.raises(InputError, match="overseas"):
        select_communes(departements=["78", "974"])
    assert len(select_communes(regions=["04"])) == 24  # La Reunion alone is fine


def test_the_density_rule_gives_insee_rural_shares_at_the_default() -> None:
    france = select_communes()
    rural = (france["population"] / france["area_km2"] < URBAN_DENSITY).to_numpy()
    assert rural.mean() == pytest.approx(0.88, abs=0.01)  # INSEE 2020 density grid
    share = france["population"].to_numpy()[rural].sum() / france["population"].sum()
    assert share == pytest.approx(0.33, abs=0.01)


def test_the_territory_of_yvelines() -> None:
    communes = select_communes(departements=["78"])
    territory = france_territory(communes, rng=np.random.default_rng(1), **SETTINGS)
    assert territory.n == 259 and territory.n_regions == 1
    assert territory.names[territory.centres[0]] == "Versailles"
    assert "78486" in set(territory.ids)
    density = communes["population"] / communes["area_km2"]
    np.testing.assert_array_equal(territory.urban, (density >= URBAN_DENSITY).to_numpy())
    # every commune of a département lies within commuting range of some other
    assert (np.diff(territory.commute_km.indptr) > 1).all()


def test_regions_are_the_regions_present_with_their_largest_commune_as_centre() -> None:
    communes = select_communes(regions=["11", "84"])
    territory = france_territory(communes, rng=np.random.default_rng(2), **SETTINGS)
    assert territory.n_regions == 2
    assert list(territory.names[territory.centres]) == ["Paris", "Lyon"]
    assert (territory.region == (communes["region"] == "84").to_numpy()).all()


YVELINES = {"territory.source": "insee", "territory.departements": ["78"]}


def test_a_scenario_builds_the_model_on_the_communes_it_names(assert_invariants) -> None:
    model = TerritoryModel(seed=1, overrides=YVELINES)
    assert model.territory.n == 259 and "78486" in set(model.territory.ids)
    assert model.territory.n_regions == 1
    # about 1.45 M inhabitants, 62% of working age, 20 inhabitants per agent
    assert len(model.workers) == pytest.approx(1.45e6 * 0.62 / 20, rel=0.05)
    model.run_for(2)
    assert_invariants(model)
    panel = model.panel_frame()
    perray = panel[panel["municipality"] == "78486"]
    assert perray["name"].iloc[0] == "Le Perray-en-Yvelines"


@pytest.mark.parametrize(
    ("territory", "message"),
    [
        ('source: insee\n  communes: ["78487"]', "nearest: 78486"),
        ('source: generator\n  departements: ["78"]', "departements need source insee"),
        ("source: insee\n  departements: [78]", 'codes in quotes, e.g. ["78", "91"]'),
        ('source: insee\n  file: x.csv\n  regions: ["11"]', "cannot be used with source insee"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_insee_territories_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], territory: str, message: str, command: str
) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(f"extends: baseline\nterritory:\n  {territory}\n")
    argv = [command, str(scenario)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    assert main(argv) == 2
    captured = capsys.readouterr()
    shown = captured.err + captured.out
    assert message in shown and str(scenario) in shown and "Traceback" not in shown
    assert not (tmp_path / "out").exists()


def test_groups_are_regions_departements_and_epcis() -> None:
    communes = select_communes(departements=["78", "91"])
    territory = france_territory(communes, rng=np.random.default_rng(3), **SETTINGS)
    region, regions = territory.groups("region")
    assert regions == 1 and (region == 0).all()
    departement, departements = territory.groups("departement")
    assert departements == 2
    assert (departement == (communes["departement"] == "91").to_numpy()).all()
    epci, epcis = territory.groups("epci")
    assert epcis == communes["epci"].nunique()
    same = communes["epci"].to_numpy()[:, None] == communes["epci"].to_numpy()[None, :]
    assert (same == (epci[:, None] == epci[None, :])).all()


def test_a_commune_in_no_epci_is_a_group_of_its_own() -> None:
    islands = select_communes(communes=["29155", "22016", "85113"])  # Ouessant, Bréhat, Yeu
    assert (islands["epci"] == "").all()
    territory = france_territory(islands, rng=np.random.default_rng(0), **SETTINGS)
    index, count = territory.groups("epci")
    assert count == 3 and sorted(index) == [0, 1, 2]


def test_a_generated_territory_has_no_departements() -> None:
    model = TerritoryModel(seed=1, overrides={"territory.n_municipalities": 20})
    with pytest.raises(ValueError, match="no departement groups"):
        model.territory.groups("departement")
    assert "epci" not in model.panel_frame().columns


def test_the_model_s_epcis_are_the_communes_epcis() -> None:
    model = TerritoryModel(seed=2, overrides={**YVELINES, "simulation.steps": 1})
    epci = model.territory.places["epci"].to_numpy()
    assert model.epci_count == len(set(epci))
    same_epci = epci[:, None] == epci[None, :]
    assert (same_epci == (model.epci[:, None] == model.epci[None, :])).all()
    panel = model.panel_frame()
    perray = panel[(panel["municipality"] == "78486") & (panel["step"] == 0)].iloc[0]
    assert perray["code"] == "78486"
    assert perray["epci"] == "200073344" and perray["departement"] == "78"
    assert perray["region_code"] == "11"
    assert (perray["lon"], perray["lat"]) == pytest.approx((1.855, 48.694), abs=0.01)


def test_deeper_integration_is_voted_per_epci_and_binds_all_its_members() -> None:
    scenario = {
        **YVELINES,
        "public.pooling": "epci",
        "public.conditional_funding": True,
        "simulation.policy_start": 1,
    }
    model = TerritoryModel(seed=2, overrides=scenario)
    model.run_for(1)  # the vote: first step from policy_start
    integration = model.municipalities.integration.copy()
    for group in range(model.epci_count):
        assert np.ptp(integration[model.epci == group]) == 0.0, group
    assert set(np.unique(integration)) <= {0.37, 0.6}
    assert model.events["epcis_deepened"] == len(np.unique(model.epci[integration == 0.6]))
    model.run_for(3)  # voted once
    np.testing.assert_array_equal(model.municipalities.integration, integration)


def test_the_outline_of_a_departement_encloses_its_communes() -> None:
    from matplotlib.path import Path as Outline

    communes = select_communes(departements=["78"])
    territory = france_territory(communes, rng=np.random.default_rng(1), **SETTINGS)
    rings = outlines_km(territory.places)
    assert len(rings) == 1 and len(rings[0]) > 20
    xy = np.column_stack([territory.x_km, territory.y_km])
    inside = Outline(rings[0]).contains_points(xy, radius=-1.5)  # 1.5 km: the simplification
    assert inside.mean() > 0.99
    regions = outlines_km(territory.places, level="region")
    assert Outline(max(regions, key=len)).contains_points(xy).mean() > 0.99
