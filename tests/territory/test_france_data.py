"""The bundled INSEE commune table (``src/platsim/data/france_communes.parquet``, built by
``tools/build_france.py``): complete, placed, and equal to INSEE's published figures."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

PATH = resources.files("platsim") / "data" / "france_communes.parquet"
OVERSEAS = ("01", "02", "03", "04", "06")  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return pd.read_parquet(str(PATH))


def test_the_table_holds_every_commune_with_its_population(communes: pd.DataFrame) -> None:
    # INSEE: 34,875 communes (type COM), 18 without a population; 4 have no position at all
    assert len(communes) == 34_875 - 18 - 4
    assert communes["code"].is_unique
    assert communes["population"].sum() == pytest.approx(66.5e6, rel=0.002)
    assert communes["population"].median() == 458
    assert communes["epci"].nunique() >= 1_248


def test_counts_by_territory_match_insee(communes: pd.DataFrame) -> None:
    by_region = communes.groupby("region_name", observed=True).size()
    assert by_region["Île-de-France"] == 1_266
    assert by_region["Auvergne-Rhône-Alpes"] == 4_025 - 4  # the 4 left out are in Cantal
    assert by_region["Bourgogne-Franche-Comté"] == 3_685
    assert (communes["departement"] == "78").sum() == 259


def test_le_perray_en_yvelines(communes: pd.DataFrame) -> None:
    row = communes.set_index("code").loc["78486"]
    assert row["name"] == "Le Perray-en-Yvelines"
    assert row["population"] == 6_724
    assert row["departement_name"] == "Yvelines" and row["region_name"] == "Île-de-France"
    assert row["epci_name"].startswith("Communauté d'agglomération Rambouillet")
    assert row["area_km2"] == pytest.approx(13.6, abs=0.1)  # INSEE: 13.62 km2
    assert (row["lon"], row["lat"]) == pytest.approx((1.855, 48.694), abs=0.01)


def test_every_commune_is_placed_inside_its_part_of_france(communes: pd.DataFrame) -> None:
    assert np.isfinite(communes[["lon", "lat", "area_km2"]].to_numpy()).all()
    assert (communes["area_km2"] > 0).all()
    metropolitan = communes[~communes["region"].isin(OVERSEAS)]
    assert metropolitan["lon"].between(-5.2, 9.6).all()
    assert metropolitan["lat"].between(41.3, 51.1).all()
    # IGN: 543,940 km2 of land; the outlines include some inland and coastal water
    assert metropolitan["area_km2"].sum() == pytest.approx(544_000, rel=0.02)


def test_the_file_states_its_source_and_licence() -> None:
    metadata = pq.read_schema(str(PATH)).metadata
    assert b"INSEE" in metadata[b"platsim.source"]
    assert b"Licence Ouverte / Etalab 2.0" in metadata[b"platsim.licence"]
    assert b"Celles" in metadata[b"platsim.left_out"]
