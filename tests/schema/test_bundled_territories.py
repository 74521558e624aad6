"""The bundled real territories (``scenarios/territories/``): each is the baseline on the
communes it names, runs by name, and counts the communes and people INSEE counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from platsim.cli import main
from platsim.core.model import TerritoryModel
from platsim.schema import bundled_scenarios, bundled_territories, load_scenario

#: name -> (communes, inhabitants in millions), from the bundled INSEE table
EXPECTED = {
    "yvelines": (259, 1.45),
    "ile_de_france": (1_266, 12.3),
    "auvergne_rhone_alpes": (4_021, 8.1),
    "bourgogne_franche_comte": (3_685, 2.8),
    "france": (34_741, 64.6),
}


def test_the_five_territories_are_bundled_apart_from_the_policy_scenarios() -> None:
    assert set(bundled_territories()) == set(EXPECTED)
    assert not set(bundled_territories()) & set(bundled_scenarios())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_territory_is_the_baseline_on_its_communes(name: str) -> None:
    scenario = load_scenario(name)
    baseline = load_scenario("baseline").to_dict()
    changed = {
        section
        for section, values in scenario.to_dict().items()
        if section not in ("name", "description") and values != baseline[section]
    }
    assert changed == {"territory"} and scenario.territory.source == "insee"
    assert "(INSEE)" in scenario.description


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_territory_builds_with_insee_counts_and_steps(name: str, assert_invariants) -> None:
    model = TerritoryModel(scenario=name, seed=1)
    communes, millions = EXPECTED[name]
    assert model.territory.n == communes
    assert model.territory.population.sum() / 1e6 == pytest.approx(millions, rel=0.02)
    model.run_for(1)
    assert_invariants(model)
    assert np.isfinite(model.metrics_frame()["unemployment_rate"]).all()


def test_run_by_name(tmp_path: Path) -> None:
    out = tmp_path / "yvelines"
    assert main(["run", "yvelines", "--steps", "2", "--out", str(out), "--quiet"]) == 0
    assert (out / "municipalities.parquet").is_file()


def test_a_scenario_extends_a_territory_by_name(tmp_path: Path) -> None:
    scenario = tmp_path / "pooled.yaml"
    scenario.write_text(
        "extends: yvelines\npublic:\n  pooling: epci\n  conditional_funding: true\n"
    )
    loaded = load_scenario(scenario)
    assert loaded.territory.departements == ("78",) and loaded.public.pooling == "epci"


@pytest.mark.parametrize(
    ("territory", "expected"),
    [
        ('regions: ["84"]', {"regions": ("84",), "departements": ()}),
        ("source: generator\n  n_municipalities: 50", {"source": "generator", "departements": ()}),
        ("urban_density: 300", {"departements": ("78",), "urban_density": 300.0}),
    ],
)
def test_a_child_that_sets_where_its_communes_come_from_replaces_its_parents_choice(
    tmp_path: Path, territory: str, expected: dict[str, object]
) -> None:
    scenario = tmp_path / "child.yaml"
    scenario.write_text(f"extends: yvelines\nterritory:\n  {territory}\n")
    loaded = load_scenario(scenario).territory
    for name, value in expected.items():
        assert getattr(loaded, name) == value, name
