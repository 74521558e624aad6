"""Tests for platsim.territory: generator calibration, geometry, commuting zones, loader."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from platsim.core.initialise import build_territory
from platsim.errors import InputError
from platsim.schema.sections import INSEE_FIELDS
from platsim.schema.sections import Territory as TerritorySettings
from platsim.territory import (
    EARTH_RADIUS_KM,
    Territory,
    area_for,
    generate_territory,
    load_territory,
)

DATA = Path(__file__).resolve().parents[1] / "data"
ARRAY_FIELDS = (
    "ids",
    "names",
    "x_km",
    "y_km",
    "population",
    "region",
    "urban",
    "connectivity",
    "services",
)


def make(seed: int = 0, **kwargs: object) -> Territory:
    """Generate with the Pareto tail cut at 2.2e6 (about Paris), as these tests were
    calibrated with, unless a test sets ``max_population`` itself."""
    kwargs.setdefault("max_population", 2.2e6)
    return generate_territory(rng=np.random.default_rng(seed), **kwargs)


def brute_force_distances(t: Territory, detour: float) -> np.ndarray:
    xy = np.stack([t.x_km, t.y_km], axis=1)
    delta = xy[:, None, :] - xy[None, :, :]
    return np.hypot(delta[..., 0], delta[..., 1]) * detour


def check_invariants(
    t: Territory, detour: float = 1.3, radius: float = 30.0, d0: float = 10.0
) -> None:
    """Structural properties every territory must have, however it was built."""
    n = t.n
    for name in ARRAY_FIELDS:
        assert getattr(t, name).shape == (n,), name
    assert len(set(t.ids.tolist())) == n
    assert np.all(t.population > 0)
    assert np.all((t.region >= 0) & (t.region < t.n_regions))
    assert np.array_equal(t.region[t.centres], np.arange(t.n_regions))
    assert np.all((t.connectivity >= 0) & (t.connectivity <= 1))
    assert np.all((t.services >= 0) & (t.services <= 1))
    # Links: unique, i < j, road length = detour * Euclidean, connected network.
    assert t.edges.dtype == np.int64 and t.edges.shape[1] == 2
    assert np.all(t.edges[:, 0] < t.edges[:, 1])
    assert len(np.unique(t.edges, axis=0)) == len(t.edges)
    euclid = np.hypot(
        t.x_km[t.edges[:, 0]] - t.x_km[t.edges[:, 1]],
        t.y_km[t.edges[:, 0]] - t.y_km[t.edges[:, 1]],
    )
    np.testing.assert_allclose(t.edge_km, detour * euclid)
    if n >= 3:
        assert len(t.edges) <= 3 * n - 6 or n < 3
    assert nx.is_connected(t.graph())
    # Commuting matrices.
    km, weight = t.commute_km, t.commute_weight
    assert sp.isspmatrix_csr(km) and sp.isspmatrix_csr(weight)
    assert km.shape == weight.shape == (n, n)
    assert km.has_sorted_indices and weight.has_sorted_indices
    assert np.array_equal(km.indptr, weight.indptr)
    assert np.array_equal(km.indices, weight.indices)
    assert abs(km - km.T).max() == 0 if km.nnz else True
    assert abs(weight - weight.T).max() == 0
    rows = np.repeat(np.arange(n), np.diff(km.indptr))
    diagonal = rows == km.indices
    assert diagonal.sum() == n  # every diagonal entry stored explicitly
    assert np.all(km.data[diagonal] == 0) and np.all(weight.data[diagonal] == 1)
    assert np.all(km.data <= radius) and np.all(km.data >= 0)
    np.testing.assert_allclose(weight.data, np.exp(-km.data / d0))
    assert np.all((weight.data > 0) & (weight.data <= 1))


# ----------------------------------------------------------------------------------------
# Generator
# ----------------------------------------------------------------------------------------


def test_default_territory_shapes_dtypes_and_ids() -> None:
    t = make()
    assert t.n == 100 and t.n_regions == 4
    assert t.ids.dtype == object and t.ids[0] == "m0000" and t.ids[99] == "m0099"
    assert t.names.dtype == object and all(isinstance(s, str) for s in t.names)
    for name in ("x_km", "y_km", "population", "connectivity", "services", "edge_km"):
        assert getattr(t, name).dtype == np.float64, name
    assert t.region.dtype == np.int64 and t.centres.dtype == np.int64
    assert t.urban.dtype == bool
    assert np.array_equal(t.centres, np.arange(4))
    assert np.all((t.x_km >= 0) & (t.x_km <= 80) & (t.y_km >= 0) & (t.y_km <= 80))
    check_invariants(t)


def test_arrays_are_read_only() -> None:
    t = make()
    with pytest.raises(ValueError):
        t.population[0] = 1.0


def test_same_seed_same_territory_different_seed_different() -> None:
    a, b, c = make(7), make(7), make(8)
    for name in (*ARRAY_FIELDS, "edges", "edge_km", "centres"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.commute_km != b.commute_km).nnz == 0
    assert np.array_equal(a.commute_weight.data, b.commute_weight.data)
    assert not np.array_equal(a.population, c.population)
    assert not np.array_equal(a.x_km, c.x_km)


def test_populations_are_whole_and_urban_flag_follows_threshold() -> None:
    t = make(3, urban_threshold=1500.0)
    assert np.all(t.population == np.rint(t.population)) and t.population.min() >= 1
    assert np.array_equal(t.urban, t.population >= 1500.0)
    assert np.all(t.population[t.centres] >= 20000)


def test_no_two_municipalities_at_the_same_point() -> None:
    t = make(11, n_municipalities=2000, area_km=area_for(2000))
    points = np.stack([t.x_km, t.y_km], axis=1)
    assert len(np.unique(points, axis=0)) == t.n


def test_region_is_the_nearest_centre() -> None:
    t = make(5, n_municipalities=500, area_km=120.0, n_regions=7)
    dx = t.x_km[:, None] - t.x_km[t.centres][None, :]
    dy = t.y_km[:, None] - t.y_km[t.centres][None, :]
    nearest = np.argmin(np.hypot(dx, dy), axis=1)
    assert np.array_equal(t.region, nearest)
    assert set(t.region.tolist()) == set(range(7))


def test_connectivity_and_services_by_urban_status() -> None:
    t = make(2, n_municipalities=3000, area_km=area_for(3000))
    rural, urban = ~t.urban, t.urban
    assert np.all((t.connectivity[rural] >= 0.3) & (t.connectivity[rural] <= 0.7))
    assert abs(t.connectivity[urban].mean() - 0.9) < 0.01
    assert 0.02 < t.connectivity[urban].std() < 0.04
    assert np.all(t.services[urban] == 0.8)
    assert np.all((t.services[rural] >= 0.4) & (t.services[rural] <= 0.6))


def test_commute_pattern_matches_brute_force() -> None:
    t = make(9, n_municipalities=200, area_km=100.0)
    check_invariants(t)
    distance = brute_force_distances(t, 1.3)
    expected = distance <= 30.0
    assert np.array_equal(t.commute_km.toarray() != 0, expected & (distance > 0))
    pattern = np.zeros((t.n, t.n), dtype=bool)
    rows = np.repeat(np.arange(t.n), np.diff(t.commute_km.indptr))
    pattern[rows, t.commute_km.indices] = True
    assert np.array_equal(pattern, expected)
    np.testing.assert_allclose(t.commute_km.toarray()[expected], distance[expected])
    # Rows are not degenerate: commuting zones hold more than the municipality itself.
    assert np.diff(t.commute_km.indptr).mean() > 5


@pytest.mark.parametrize(("radius", "detour", "d0"), [(0.0, 1.0, 5.0), (12.0, 1.5, 3.0)])
def test_commute_radius_and_weights_follow_parameters(
    radius: float, detour: float, d0: float
) -> None:
    t = make(4, n_municipalities=150, commute_km=radius, detour_factor=detour, gravity_d0_km=d0)
    check_invariants(t, detour=detour, radius=radius, d0=d0)
    expected = brute_force_distances(t, detour) <= radius
    assert t.commute_km.nnz == expected.sum()


def test_road_network_is_a_planar_connected_delaunay_graph() -> None:
    t = make(1, n_municipalities=1000, area_km=area_for(1000))
    check_invariants(t)
    assert len(t.edges) <= 3 * t.n - 6
    assert len(t.edges) >= 2 * t.n - 3  # a triangulation, not a tree
    assert np.array_equal(t.edges, np.unique(t.edges, axis=0))  # lexicographically sorted


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_tiny_territories(n: int) -> None:
    t = make(0, n_municipalities=n, n_regions=1)
    check_invariants(t)
    expected = {1: {0}, 2: {1}, 3: {3}, 4: {5, 6}}[n]  # 4 points: convex or one inside
    assert len(t.edges) in expected


def test_graph_and_frame() -> None:
    t = make(6)
    g = t.graph()
    assert g is t.graph()  # cached
    assert g.number_of_nodes() == t.n and sorted(g.nodes) == list(range(t.n))
    assert g.number_of_edges() == len(t.edges)
    node = g.nodes[5]
    assert node["id"] == t.ids[5] and node["x"] == t.x_km[5] and node["y"] == t.y_km[5]
    assert node["population"] == t.population[5] and node["region"] == t.region[5]
    assert node["urban"] == bool(t.urban[5]) and node["services"] == t.services[5]
    assert node["connectivity"] == t.connectivity[5] and node["name"] == t.names[5]
    a, b = t.edges[3]
    assert g.edges[int(a), int(b)]["length_km"] == pytest.approx(t.edge_km[3])
    frame = t.frame()
    assert len(frame) == t.n
    assert list(frame.columns) == [
        "id",
        "name",
        "x_km",
        "y_km",
        "population",
        "region",
        "urban",
        "connectivity",
        "services",
    ]
    assert frame["population"].sum() == t.population.sum()
    frame.loc[0, "population"] = -1.0  # a copy: the territory is untouched
    assert t.population[0] > 0


def test_default_population_total_is_about_300_000() -> None:
    # Measured over 300 seeds: median 313,000, 5-95 % range 265,000-691,000 (the top
    # centre comes from a Pareto tail, alpha ~ 1.39), urban municipalities 18 or 19.
    totals = np.array([make(seed).population.sum() for seed in range(40)])
    urban = np.array([make(seed).urban.sum() for seed in range(40)])
    assert 260_000 < np.median(totals) < 380_000
    assert totals.min() > 230_000 and totals.max() < 2_500_000
    assert np.all((urban >= 17) & (urban <= 20))
    # ~62 % working-age share and 20 residents per agent -> roughly 10,000 worker agents.
    assert 8_000 < np.median(totals) * 0.62 / 20 < 12_000


def test_calibration_on_a_france_sized_territory() -> None:
    n = 35_000
    t = make(2024, n_municipalities=n, area_km=area_for(n))
    population = t.population
    small = population < 2000
    assert abs(np.median(population) - 458) / 458 < 0.10
    assert abs(small.mean() - 0.85) < 0.02
    small_share = population[small].sum() / population.sum()
    print(f"population share of communes under 2,000: {small_share:.3f} (France: 0.23)")
    assert 0.15 <= small_share <= 0.35
    top = np.sort(population)[::-1][:1000]
    slope = np.polyfit(np.log(np.arange(1, 1001)), np.log(top), 1)[0]
    assert abs(slope - (-0.72)) < 0.08
    assert 40e6 < population.sum() < 80e6  # France: 66.5 M in 34,857 communes
    # France's density keeps commuting zones sparse: a few hundred neighbours at most.
    assert t.commute_km.nnz / n < 400


def test_area_for_matches_france_density() -> None:
    assert area_for(35_000) == pytest.approx(math.sqrt(35_000 * 15.7))
    assert area_for(35_000) ** 2 / 35_000 == pytest.approx(15.7)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_regions": 0}, "n_regions"),
        ({"n_municipalities": 3, "n_regions": 4}, "n_municipalities"),
        ({"tail_share": 0.6}, "tail_share"),
        ({"median_population": 2500.0}, "median_population"),
        ({"detour_factor": 0.9}, "detour_factor"),
        ({"rural_connectivity_low": 0.8, "rural_connectivity_high": 0.2}, "rural_connectivity_low"),
        ({"rural_connectivity_high": 1.2}, "rural_connectivity_high"),
        ({"rural_connectivity_low": -0.1}, "rural_connectivity_low"),
        ({"commute_km": -1.0}, "commute_km"),
        ({"max_population": 10_000.0}, "max_population"),
        ({"gravity_d0_km": 0.0}, "gravity_d0_km"),
    ],
)
def test_generator_rejects_bad_parameters(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        make(**kwargs)
    assert caught.value.field == field and field in str(caught.value)


def test_parameters_are_the_schema_fields_with_its_defaults() -> None:
    fields = set(TerritorySettings.model_fields) - {"file", *INSEE_FIELDS}
    defaults = TerritorySettings()
    generator = inspect.signature(generate_territory).parameters
    loader = inspect.signature(load_territory).parameters
    generator_only = {"rng", "tail_start", "background_share", "peak_km2_per_municipality"}
    assert set(generator) == fields | generator_only
    assert set(loader) - fields == {"path", "rng"}
    for name in fields:
        assert generator[name].default == getattr(defaults, name), name
    for name in fields & set(loader):
        assert loader[name].default == getattr(defaults, name), name


def test_build_territory_passes_every_field() -> None:
    changed = {
        "n_municipalities": 60,
        "area_km": 50.0,
        "n_regions": 3,
        "urban_threshold": 1500.0,
        "median_population": 400.0,
        "tail_share": 0.2,
        "rank_size_slope": -0.8,
        "centre_min_population": 15_000.0,
        "max_population": 90_000.0,
        "cluster_km": 8.0,
        "detour_factor": 1.2,
        "commute_km": 20.0,
        "gravity_d0_km": 7.0,
        "urban_connectivity": 0.8,
        "rural_connectivity_low": 0.2,
        "rural_connectivity_high": 0.5,
    }
    assert set(changed) == set(TerritorySettings.model_fields) - {"file", *INSEE_FIELDS}
    built = build_territory(TerritorySettings(**changed), np.random.default_rng(3))
    direct = generate_territory(rng=np.random.default_rng(3), **changed)
    for name in (*ARRAY_FIELDS, "edges", "edge_km", "centres"):
        assert np.array_equal(getattr(built, name), getattr(direct, name)), name
    assert (built.commute_km != direct.commute_km).nnz == 0
    path = str(DATA / "territory_small.geojson")
    loaded = build_territory(TerritorySettings(file=path, **changed), np.random.default_rng(3))
    loader_settings = {
        k: v for k, v in changed.items() if k in inspect.signature(load_territory).parameters
    }
    expected = load(Path(path), seed=3, **loader_settings)
    for name in (*ARRAY_FIELDS, "edges", "edge_km", "centres"):
        assert np.array_equal(getattr(loaded, name), getattr(expected, name)), name


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=300),
    k=st.integers(min_value=1, max_value=6),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_invariants_hold_for_random_territories(n: int, k: int, seed: int) -> None:
    k = min(k, n)
    t = make(seed, n_municipalities=n, n_regions=k, area_km=area_for(n, 30.0))
    check_invariants(t)


# ----------------------------------------------------------------------------------------
# Loader
# ----------------------------------------------------------------------------------------


def load(path: Path, seed: int = 0, **kwargs: object) -> Territory:
    return load_territory(path, rng=np.random.default_rng(seed), **kwargs)


def test_load_csv_fixture() -> None:
    t = load(DATA / "territory_small.csv")
    check_invariants(t)
    assert t.ids.tolist()[:2] == ["01001", "01002"]  # ids stay text: leading zeros kept
    assert t.names[6] == "Village D"
    assert t.region.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]  # labels in order of appearance
    assert t.n_regions == 3 and t.centres.tolist() == [0, 4, 8]
    assert t.x_km.tolist()[:2] == [10.0, 14.5] and t.y_km.tolist()[-1] == 8.0
    assert t.population.tolist()[0] == 45000.0
    assert t.connectivity.tolist()[:3] == [0.95, 0.45, 0.5]
    assert t.urban.tolist() == [True, False, False, True, True, False, False, False, True, False]
    assert np.all(t.services[t.urban] == 0.8)  # services drawn: the column is absent


def test_load_geojson_fixture() -> None:
    t = load(DATA / "territory_small.geojson", n_regions=2)
    check_invariants(t)
    assert t.ids.tolist() == [f"c0{i}" for i in range(1, 10)]  # feature ids and a property id
    assert t.names[1] == "Saint-Flour"
    assert t.centres.tolist() == [0, 1]  # the two most populous communes
    dx = t.x_km[:, None] - t.x_km[t.centres][None, :]
    dy = t.y_km[:, None] - t.y_km[t.centres][None, :]
    assert np.array_equal(t.region, np.argmin(np.hypot(dx, dy), axis=1))
    # Aurillac -> Saint-Flour: about 52 km as the crow flies.
    distance = math.hypot(t.x_km[1] - t.x_km[0], t.y_km[1] - t.y_km[0])
    assert 48 < distance < 56
    # Projection is centred on the mean position.
    assert abs(t.x_km.mean()) < 1e-9 and abs(t.y_km.mean()) < 1e-9


def test_lon_lat_projection_gives_111_km_per_degree(tmp_path: Path) -> None:
    path = tmp_path / "meridian.csv"
    path.write_text(
        "id,name,population,lon,lat\na,A,100,3.0,45.0\nb,B,100,3.0,46.0\nc,C,100,4.0,45.5\n"
    )
    t = load(path, n_regions=1)
    assert t.y_km[1] - t.y_km[0] == pytest.approx(EARTH_RADIUS_KM * math.pi / 180)
    assert t.y_km[1] - t.y_km[0] == pytest.approx(111.19, abs=0.01)
    assert t.x_km[2] - t.x_km[0] == pytest.approx(111.19 * math.cos(math.radians(45.5)), abs=0.01)


def test_planar_coordinates_win_over_lon_lat(tmp_path: Path) -> None:
    path = tmp_path / "both.csv"
    path.write_text("id,name,population,x,y,lon,lat\na,A,100,0,0,3,45\nb,B,200,5,0,3,46\n")
    t = load(path, n_regions=1)
    assert t.x_km.tolist() == [0.0, 5.0] and t.y_km.tolist() == [0.0, 0.0]
    assert t.centres.tolist() == [1] and t.edges.tolist() == [[0, 1]]


def test_integer_regions_are_indices(tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text("id,name,population,x,y,region\na,A,10,0,0,1\nb,B,20,9,9,0\nc,C,30,1,0,1\n")
    t = load(path)
    assert t.region.tolist() == [1, 0, 1] and t.centres.tolist() == [1, 2]


def test_collinear_and_coincident_points_stay_connected(tmp_path: Path) -> None:
    line = tmp_path / "line.csv"
    line.write_text("id,name,population,x,y\na,A,10,3,0\nb,B,10,1,0\nc,C,10,2,0\nd,D,10,0,0\n")
    t = load(line, n_regions=1)
    assert t.edges.tolist() == [[0, 2], [1, 2], [1, 3]]  # chain sorted by x: d-b-c-a
    check_invariants(t)
    same = tmp_path / "same.csv"
    same.write_text("id,name,population,x,y\na,A,10,0,0\nb,B,10,4,0\nc,C,10,0,4\nd,D,10,4,0\n")
    t = load(same, n_regions=1)
    check_invariants(t)
    assert 0.0 in t.edge_km.tolist()


def test_loader_draws_connectivity_deterministically() -> None:
    a = load(DATA / "territory_small.geojson", seed=1)
    b = load(DATA / "territory_small.geojson", seed=1)
    assert np.array_equal(a.connectivity, b.connectivity)
    assert np.all((a.connectivity[~a.urban] >= 0.3) & (a.connectivity[~a.urban] <= 0.7))


HEADER = "id,name,population,x,y\n"
GOOD_ROW = "a,A,100,0,0\n"

BAD_CSV = [
    ("missing population", "id,name,x,y\na,A,0,0\n", "population"),
    ("no coordinates", "id,name,population\na,A,100\n", "x, y or lon, lat"),
    ("only lon", "id,name,population,lon\na,A,100,3\n", "x, y or lon, lat"),
    ("duplicate id", HEADER + GOOD_ROW + "b,B,5,1,1\na,C,7,2,2\n", "row 3: id"),
    ("empty id", HEADER + GOOD_ROW + ",B,5,1,1\n", "row 2: id"),
    ("text x", HEADER + GOOD_ROW + "b,B,5,east,1\n", "row 2: x"),
    ("infinite y", HEADER + "a,A,100,0,inf\n", "row 1: y"),
    ("nan y", HEADER + "a,A,100,0,nan\n", "row 1: y"),
    ("zero population", HEADER + GOOD_ROW + "b,B,3,1,1\nc,C,0,2,2\n", "row 3: population"),
    ("negative population", HEADER + "a,A,-4,0,0\n", "row 1: population"),
    ("text population", HEADER + "a,A,many,0,0\n", "row 1: population"),
    ("decimal comma", HEADER + 'a,A,"1,5",0,0\n', "row 1: population"),
    ("empty population", HEADER + GOOD_ROW + "b,B,,1,1\n", "row 2: population"),
    (
        "connectivity > 1",
        "id,name,population,x,y,connectivity\na,A,1,0,0,1.2\n",
        "row 1: connectivity",
    ),
    ("services < 0", "id,name,population,x,y,services\na,A,1,0,0,-0.1\n", "row 1: services"),
    ("latitude > 90", "id,name,population,lon,lat\na,A,1,3,95\n", "row 1: lat"),
    ("longitude > 180", "id,name,population,lon,lat\na,A,1,200,45\n", "row 1: lon"),
    ("no rows", HEADER, None),
    ("empty file", "", None),
    ("region gap", "id,name,population,x,y,region\na,A,1,0,0,0\nb,B,1,1,1,2\n", "region"),
    ("missing region", "id,name,population,x,y,region\na,A,1,0,0,n\nb,B,1,1,1,\n", "row 2: region"),
    ("duplicate column", "id,name,population,x,y,x\na,A,1,0,0,0\n", "x"),
    ("extra field on first row", HEADER + "a,A,1,0,0,9\nb,B,1,1,1\n", "row 1"),
    ("extra field later", HEADER + GOOD_ROW + "b,B,1,1,1,7\n", None),
    ("short row", HEADER + GOOD_ROW + "b,B,1,1\n", "row 2: y"),
]


@pytest.mark.parametrize(("label", "content", "field"), BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_bad_csv_raises_input_error(
    tmp_path: Path, label: str, content: str, field: str | None
) -> None:
    path = tmp_path / "bad_territory.csv"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        load(path, n_regions=1)
    message = str(caught.value)
    assert "bad_territory.csv" in message
    assert caught.value.field == field
    if field is not None:
        assert field in message


def test_duplicate_id_message_names_the_id(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(HEADER + "x17,A,1,0,0\nb,B,1,1,1\nx17,C,1,2,2\n")
    with pytest.raises(InputError, match=r"dup\.csv.*'x17'"):
        load(path)


def feature(fid: str, population: object = 100, geometry: object = None) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": geometry or {"type": "Point", "coordinates": [3.0, 45.0 + len(fid)]},
        "properties": {"name": fid.upper(), "population": population},
    }


BAD_GEOJSON = [
    ("invalid json", '{"type": "FeatureCollection", "features": [', None),
    ("not a collection", json.dumps({"type": "Feature"}), "type"),
    (
        "polygon",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature("a"),
                    feature(
                        "b", geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1]]]}
                    ),
                ],
            }
        ),
        "features[1].geometry",
    ),
    (
        "no population",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": "a",
                        "properties": {"name": "A"},
                        "geometry": {"type": "Point", "coordinates": [3, 45]},
                    },
                ],
            }
        ),
        "properties.population",
    ),
    (
        "bad population",
        json.dumps({"type": "FeatureCollection", "features": [feature("a", "-3")]}),
        "features[0].properties.population",
    ),
    (
        "null population",
        json.dumps({"type": "FeatureCollection", "features": [feature("a"), feature("b", None)]}),
        "features[1].properties.population",
    ),
    (
        "bad latitude",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature("a", geometry={"type": "Point", "coordinates": [3, -91]}),
                ],
            }
        ),
        "features[0].geometry.coordinates (lat)",
    ),
    ("no features", json.dumps({"type": "FeatureCollection", "features": []}), "features"),
]


@pytest.mark.parametrize(
    ("label", "content", "field"), BAD_GEOJSON, ids=[c[0] for c in BAD_GEOJSON]
)
def test_bad_geojson_raises_input_error(
    tmp_path: Path, label: str, content: str, field: str | None
) -> None:
    path = tmp_path / "bad_territory.geojson"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        load(path, n_regions=1)
    message = str(caught.value)
    assert "bad_territory.geojson" in message
    assert caught.value.field == field
    if field is not None:
        assert field in message


def test_missing_file_and_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.csv.*file not found"):
        load(tmp_path / "nowhere.csv")
    path = tmp_path / "territory.xlsx"
    path.write_text("whatever")
    with pytest.raises(InputError) as caught:
        load(path)
    assert caught.value.field == "extension" and "territory.xlsx" in str(caught.value)
    assert ".csv, .geojson, .json" in str(caught.value)


def test_too_many_regions_for_the_file() -> None:
    with pytest.raises(InputError) as caught:
        load(DATA / "territory_small.geojson", n_regions=20)
    assert caught.value.field == "n_regions"
    assert "territory_small.geojson" in str(caught.value)


def test_missing_column_message_lists_what_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("id,nom,population,x,y\na,A,1,0,0\n")
    with pytest.raises(InputError) as caught:
        load(path)
    message = str(caught.value)
    assert "cols.csv: name: missing required column 'name'" in message
    assert "allowed: required columns id, name, population" in message


def test_geojson_feature_id_and_property_id_must_agree(tmp_path: Path) -> None:
    bad = feature("a")
    bad["properties"]["id"] = "b"  # type: ignore[index]
    path = tmp_path / "ids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [bad]}))
    with pytest.raises(InputError) as caught:
        load(path, n_regions=1)
    assert caught.value.field == "features[0].id" and "ids.geojson" in str(caught.value)
    same = feature("a")
    same["properties"]["id"] = "a"  # type: ignore[index]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [same]}))
    assert load(path, n_regions=1).ids.tolist() == ["a"]
