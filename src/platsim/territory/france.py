"""Real French territories from INSEE codes, built from the bundled commune table.

The table (``platsim/data/france_communes.parquet``, see ``tools/build_france.py`` and the
ODD, section 6) holds every commune with its population, town hall location, area, EPCI,
département and région. :func:`select_communes` picks communes by région, département, EPCI
or commune codes (checked: an unknown code names the nearest valid ones; a commune picked
twice, or a selection that mixes metropolitan France with an overseas région, is refused);
:func:`france_territory` turns a selection into a :class:`~platsim.territory.network.Territory`
with the same road links and commuting zones as any other territory.

Positions are projected to Lambert-93 (EPSG:2154, the French official conformal conic
projection, scale error under 0.3% over metropolitan France); an overseas région, small, is
projected on a local equirectangular plane about its centre. Urban and rural follow density: a
commune is urban when it has at least ``urban_density`` inhabitants per km2. At the default,
200, the rule classes 87.8% of metropolitan communes and 33.6% of the population as rural,
INSEE's shares for its 2020 commune density grid (88% and 33%): the grid itself classifies 1 km
cells, which commune-level data cannot reproduce commune by commune. Régions are the model's
regions (the reach of regional platforms); the centre of each is its most populous selected
commune.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from platsim.errors import InputError
from platsim.territory.network import Territory, assemble, draw_connectivity, draw_services

#: The bundled commune table, and the départements' and régions' outlines.
TABLE = "france_communes.parquet"
OUTLINES = "france_outlines.parquet"

#: The selection levels, as scenario fields, and the table column each selects on.
LEVELS: dict[str, str] = {
    "regions": "region",
    "departements": "departement",
    "epcis": "epci",
    "communes": "code",
}

#: The table's columns a territory keeps as its places, and their names there.
PLACE_COLUMNS: dict[str, str] = {
    "lon": "lon",
    "lat": "lat",
    "epci": "epci",
    "epci_name": "epci_name",
    "departement": "departement",
    "departement_name": "departement_name",
    "region": "region_code",
    "region_name": "region_name",
}

#: Overseas régions: Guadeloupe, Martinique, Guyane, La Réunion, Mayotte (whose communes the
#: source gives no population: none is in the table).
OVERSEAS_REGIONS: frozenset[str] = frozenset({"01", "02", "03", "04", "06"})

#: Inhabitants per km2 from which a commune is urban (see the module docstring).
URBAN_DENSITY = 200.0

# Lambert-93 (EPSG:2154) on the GRS 80 ellipsoid.
_A_M, _E = 6_378_137.0, math.sqrt(0.00669438002290)
_PHI1, _PHI2, _PHI0, _LAMBDA0 = map(math.radians, (44.0, 49.0, 46.5, 3.0))
_X0, _Y0 = 700_000.0, 6_600_000.0


@cache
def _table() -> pd.DataFrame:
    with resources.as_file(resources.files("platsim") / "data" / TABLE) as path:
        return pd.read_parquet(path)


def communes_table() -> pd.DataFrame:
    """Every commune of the bundled table (a copy: changing it changes nothing else)."""
    return _table().copy()


def select_communes(
    *,
    regions: Sequence[str] = (),
    departements: Sequence[str] = (),
    epcis: Sequence[str] = (),
    communes: Sequence[str] = (),
) -> pd.DataFrame:
    """The communes of the given codes (any mix of levels), in INSEE code order.

    With no code at all, every commune of metropolitan France (an overseas région is chosen
    by its code).

    Raises:
        InputError: An unknown code (naming the nearest valid ones), a commune selected twice
            (by two codes that overlap), or a selection that spans metropolitan France and an
            overseas région, or two overseas régions (distances across an ocean make no
            commuting zone).
    """
    table = _table()
    given = {"regions": regions, "departements": departements, "epcis": epcis}
    given["communes"] = communes
    if not any(given.values()):
        return table[~table["region"].isin(OVERSEAS_REGIONS)].reset_index(drop=True)
    owner = pd.Series("", index=table.index, dtype=object)
    for level, codes in given.items():
        column = table[LEVELS[level]].astype(str)
        valid = set(column)
        for code in codes:
            text = str(code)
            if text not in valid:
                nearest = nearest_codes(text, valid)
                raise InputError(
                    f"unknown {level.removesuffix('s')} code",
                    field=f"territory.{level}",
                    value=text,
                    allowed="INSEE codes" + (f"; nearest: {', '.join(nearest)}" if nearest else ""),
                )
            hit = (column == text).to_numpy()
            twice = hit & (owner != "").to_numpy()
            if twice.any():
                first = table.loc[twice, "code"].iloc[0]
                raise InputError(
                    f"selected twice (commune {first} is also in {owner[twice].iloc[0]})",
                    field=f"territory.{level}",
                    value=text,
                    allowed="codes that do not overlap",
                )
            owner[hit] = f"territory.{level} {text}"
    chosen = table[(owner != "").to_numpy()]
    areas = set(chosen["region"].astype(str))
    overseas_areas = areas & OVERSEAS_REGIONS
    if overseas_areas and (len(overseas_areas) > 1 or areas - OVERSEAS_REGIONS):
        raise InputError(
            "a territory spans metropolitan France and an overseas région, or two overseas régions",
            field="territory",
            value=sorted(areas),
            allowed="metropolitan communes, or the communes of one overseas région",
        )
    return chosen.reset_index(drop=True)


def nearest_codes(code: str, valid: set[str], count: int = 3) -> list[str]:
    """The valid codes nearest to a mistyped one: the longest common prefix first (same
    département, same région), then the closest number, then code order."""

    def distance(candidate: str) -> tuple[int, float, str]:
        pairs = zip(code, candidate, strict=False)
        prefix = next(
            (i for i, (a, b) in enumerate(pairs) if a != b), min(len(code), len(candidate))
        )
        both = code.isdigit() and candidate.isdigit()
        return (-prefix, abs(int(code) - int(candidate)) if both else math.inf, candidate)

    return sorted(valid, key=distance)[:count]


def lambert93(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Lambert-93 coordinates (km, ``(n, 2)``) of WGS 84 longitudes and latitudes (degrees)."""

    def m(phi: float | np.ndarray) -> float | np.ndarray:
        return np.cos(phi) / np.sqrt(1 - (_E * np.sin(phi)) ** 2)

    def t(phi: float | np.ndarray) -> float | np.ndarray:
        sin = _E * np.sin(phi)
        return np.tan(math.pi / 4 - phi / 2) / ((1 - sin) / (1 + sin)) ** (_E / 2)

    n = (math.log(m(_PHI1)) - math.log(m(_PHI2))) / (math.log(t(_PHI1)) - math.log(t(_PHI2)))
    scale = _A_M * m(_PHI1) / (n * t(_PHI1) ** n)
    rho0 = scale * t(_PHI0) ** n
    rho = scale * t(np.radians(lat)) ** n
    theta = n * (np.radians(lon) - _LAMBDA0)
    x = _X0 + rho * np.sin(theta)
    y = _Y0 + rho0 - rho * np.cos(theta)
    return np.stack([x, y], axis=1) / 1000.0


def _local_plane(
    lon: np.ndarray, lat: np.ndarray, centre: tuple[float, float] | None = None
) -> np.ndarray:
    """km on a local equirectangular plane about ``centre`` (default: the points' mean):
    longitudes scaled by the cosine of the centre's latitude, exact enough over an overseas
    région (at most about 150 km across)."""
    lon0, lat0 = centre if centre is not None else (float(np.mean(lon)), float(np.mean(lat)))
    radius = _A_M / 1000.0
    x = radius * np.radians(lon - lon0) * math.cos(math.radians(lat0))
    return np.stack([x, radius * np.radians(lat - lat0)], axis=1)


def project(lon: Sequence[float], lat: Sequence[float], where: pd.DataFrame) -> np.ndarray:
    """km coordinates (``(n, 2)``) of points, projected as the territory of the places
    ``where`` (:attr:`Territory.places`) is: Lambert-93 for metropolitan France, a local
    equirectangular plane about the communes' mean for an overseas région."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if where["region_code"].isin(OVERSEAS_REGIONS).any():
        centre = (float(where["lon"].mean()), float(where["lat"].mean()))
        return _local_plane(lon, lat, centre)
    return lambert93(lon, lat)


@cache
def _outlines() -> pd.DataFrame:
    with resources.as_file(resources.files("platsim") / "data" / OUTLINES) as path:
        return pd.read_parquet(path)


def outlines_lonlat(where: pd.DataFrame, level: str = "departement") -> list[np.ndarray]:
    """The outer rings (one ``(n, 2)`` array of longitude, latitude in degrees each) of the
    départements (or régions) the places ``where`` lie in, for maps; built by
    ``tools/build_france.py``."""
    column = {"departement": "departement", "region": "region_code"}[level]
    codes = set(where[column].astype(str))
    table = _outlines()
    rows = table[(table["level"] == level) & table["code"].isin(codes)]
    return [
        np.column_stack([np.asarray(row.lon, dtype=float), np.asarray(row.lat, dtype=float)])
        for row in rows.itertuples()
    ]


def outlines_km(where: pd.DataFrame, level: str = "departement") -> list[np.ndarray]:
    """The outer rings (km, projected as the territory is) of the départements (or régions)
    the places ``where`` lie in, for maps; built by ``tools/build_france.py``."""
    return [project(ring[:, 0], ring[:, 1], where) for ring in outlines_lonlat(where, level)]


def france_territory(
    communes: pd.DataFrame,
    *,
    urban_density: float = URBAN_DENSITY,
    detour_factor: float,
    commute_km: float,
    gravity_d0_km: float,
    urban_connectivity: float,
    rural_connectivity_low: float,
    rural_connectivity_high: float,
    rng: np.random.Generator,
) -> Territory:
    """The territory of selected communes (:func:`select_communes`).

    Ids are INSEE codes; regions are the régions present, indexed in code order, each centred
    on its most populous commune (the first in code order on ties). Connectivity and services
    are drawn as for a generated territory.
    """
    xy = project(communes["lon"], communes["lat"], places(communes))
    population = communes["population"].to_numpy(dtype=float)
    codes = communes["region"].astype(str).to_numpy()
    _, region = np.unique(codes, return_inverse=True)
    order = np.lexsort((-population, region))  # by region, most populous first
    first = np.flatnonzero(np.r_[True, region[order][1:] != region[order][:-1]])
    centres = order[first].astype(np.int64)
    urban = population / communes["area_km2"].to_numpy(dtype=float) >= urban_density
    connectivity = draw_connectivity(
        urban, urban_connectivity, rural_connectivity_low, rural_connectivity_high, rng
    )
    return assemble(
        ids=communes["code"].astype(str).to_numpy(dtype=object),
        names=communes["name"].astype(str).to_numpy(dtype=object),
        xy=xy,
        population=population,
        region=region.astype(np.int64),
        centres=centres,
        urban=urban,
        connectivity=connectivity,
        services=draw_services(urban, rng),
        detour_factor=detour_factor,
        commute_km=commute_km,
        gravity_d0_km=gravity_d0_km,
        places=places(communes),
    )


def places(communes: pd.DataFrame) -> pd.DataFrame:
    """The communes' places: lon, lat and their EPCI, département and région (codes, names)."""
    frame = communes[list(PLACE_COLUMNS)].rename(columns=PLACE_COLUMNS).reset_index(drop=True)
    for column in frame.columns.drop(["lon", "lat"]):
        frame[column] = frame[column].astype(str)
    return frame
