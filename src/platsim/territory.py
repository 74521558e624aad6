"""The territory: municipalities on a planar map, their road links and commuting zones.

A :class:`Territory` is a set of municipalities (communes) with planar coordinates in km,
a population, a region, an urban/rural flag, broadband connectivity and a public service
level, linked by a road-like network (a Delaunay triangulation) and by commuting zones
(sparse matrices of road distances and gravity weights between municipalities close enough
to commute).

Two ways to get one:

* :func:`generate_territory` draws a synthetic territory whose commune sizes are calibrated
  to France (INSEE: 34,857 communes with population, 66.5 M inhabitants, median commune 458
  inhabitants, 85 % of communes under 2,000 inhabitants, rank-size slope of the largest
  1,000 communes about -0.72). Towns (one regional centre per region) organise the space:
  most communes cluster around them.
* :func:`load_territory` reads a user's CSV or GeoJSON file. Every problem with the file
  raises :class:`platsim.errors.InputError` naming the file, the field, the value and what
  is allowed.

Distances. Roads are not drawn explicitly: the road distance between two municipalities is
their Euclidean distance times a ``detour_factor`` (1.3 by default: the circuity of road
networks, road length / straight-line length, is typically measured around 1.2-1.4). The
commuting zone of municipality ``i`` is every ``j`` with ``d_ij = Euclidean_ij *
detour_factor <= commute_radius_km``; this approximates "within ``commute_radius_km`` along
the network" without running shortest paths on the Delaunay graph. It is computed with a
k-d tree (:meth:`scipy.spatial.cKDTree.query_pairs`), so its cost grows with the number
of pairs within the radius, never with ``n**2``.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import Delaunay, QhullError, cKDTree
from scipy.special import ndtri

from platsim.errors import InputError

__all__ = [
    "EARTH_RADIUS_KM",
    "FRANCE_KM2_PER_MUNICIPALITY",
    "Territory",
    "area_for",
    "generate_territory",
    "load_territory",
]

EARTH_RADIUS_KM = 6371.0
"""Mean Earth radius (km) used by the equirectangular projection of lon/lat input."""

FRANCE_KM2_PER_MUNICIPALITY = 15.7
"""Land area per commune in France: about 550,000 km2 / 35,000 communes (INSEE, IGN)."""

URBAN_CONNECTIVITY_SD = 0.03
"""Standard deviation of urban broadband connectivity around its mean (assumption)."""

URBAN_SERVICES = 0.8
"""Public service level of urban municipalities (assumption, on a 0-1 scale)."""

RURAL_SERVICES = (0.4, 0.6)
"""Range of the uniform public service level of rural municipalities (assumption)."""

_TERRITORY_COLUMNS = ("id", "name", "population")
_OPTIONAL_COLUMNS = ("region", "connectivity", "services")
_COORDINATE_COLUMNS = ("x", "y", "lon", "lat")
_EXTENSIONS = (".csv", ".geojson", ".json")
_ALLOWED_COLUMNS = (
    "required columns id, name, population and either x, y (planar km) or lon, lat "
    "(degrees); optional region, connectivity, services"
)


# ----------------------------------------------------------------------------------------
# The territory
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Territory:
    """Municipalities, their road links and their commuting zones.

    All per-municipality arrays have length :attr:`n` and are read-only copies (build a new
    territory with :func:`dataclasses.replace` to change one). Index ``i`` in every array,
    in ``edges``, in the commuting matrices and in the graph is the same municipality.

    Attributes:
        ids: Municipality identifiers (``str``, object array), unique. Generated territories
            use ``"m0000"``, ``"m0001"``, ...
        names: Municipality names (``str``, object array).
        x_km: Planar x coordinate (km, float64).
        y_km: Planar y coordinate (km, float64).
        population: Inhabitants (float64, > 0).
        region: Region index in ``[0, n_regions)`` (int64).
        urban: True where ``population >= urban_threshold`` (bool).
        connectivity: Broadband connectivity in ``[0, 1]`` (float64).
        services: Public service level in ``[0, 1]`` (float64).
        edges: ``(n_edges, 2)`` int64 road-like links with ``edges[k, 0] < edges[k, 1]``,
            unique, sorted lexicographically (Delaunay triangulation of the points).
        edge_km: Road length of each link in km: Euclidean length times the detour factor.
        commute_km: ``n x n`` CSR matrix of road distances (km) between municipalities
            within commuting radius of each other, symmetric, sorted indices, diagonal
            stored explicitly as 0 so every row has at least one entry. An absent entry
            means "too far to commute", not distance 0.
        commute_weight: CSR matrix with exactly the sparsity pattern of ``commute_km``
            holding the gravity weight ``exp(-d / d0)`` (1 on the diagonal).
        centres: int64 index of each region's centre: ``centres[r]`` is the regional centre
            (the region's most populous municipality) of region ``r``.
    """

    ids: np.ndarray
    names: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    population: np.ndarray
    region: np.ndarray
    urban: np.ndarray
    connectivity: np.ndarray
    services: np.ndarray
    edges: np.ndarray
    edge_km: np.ndarray
    commute_km: sp.csr_matrix
    commute_weight: sp.csr_matrix
    centres: np.ndarray
    _graph: nx.Graph | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        """Coerce arrays to their dtypes, freeze them and check that shapes agree.

        Raises:
            ValueError: If an array has the wrong shape or length, a region index is out of
                range, or the commuting matrices are not n x n CSR with the same pattern.
        """
        n = len(self.ids)
        coerced = {
            "ids": np.array(self.ids, dtype=object),
            "names": np.array(self.names, dtype=object),
            "x_km": np.array(self.x_km, dtype=np.float64),
            "y_km": np.array(self.y_km, dtype=np.float64),
            "population": np.array(self.population, dtype=np.float64),
            "region": np.array(self.region, dtype=np.int64),
            "urban": np.array(self.urban, dtype=bool),
            "connectivity": np.array(self.connectivity, dtype=np.float64),
            "services": np.array(self.services, dtype=np.float64),
            "edges": np.array(self.edges, dtype=np.int64).reshape(-1, 2),
            "edge_km": np.array(self.edge_km, dtype=np.float64),
            "centres": np.array(self.centres, dtype=np.int64),
        }
        for name, array in coerced.items():
            if name not in ("edges", "edge_km", "centres") and array.shape != (n,):
                raise ValueError(f"Territory.{name} has shape {array.shape}, expected ({n},)")
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if self.edge_km.shape != (len(self.edges),):
            raise ValueError(
                f"Territory.edge_km has shape {self.edge_km.shape}, "
                f"expected ({len(self.edges)},) like edges"
            )
        if self.edges.size and (self.edges.min() < 0 or self.edges.max() >= n):
            raise ValueError("Territory.edges refers to a municipality outside 0..n-1")
        if self.centres.ndim != 1 or len(self.centres) < 1:
            raise ValueError("Territory.centres must list one municipality per region (>= 1)")
        if n and (self.region.min() < 0 or self.region.max() >= len(self.centres)):
            raise ValueError(f"Territory.region must lie in [0, {len(self.centres)})")
        for name in ("commute_km", "commute_weight"):
            matrix = getattr(self, name)
            if not sp.isspmatrix_csr(matrix) or matrix.shape != (n, n):
                raise ValueError(f"Territory.{name} must be an {n} x {n} scipy.sparse.csr_matrix")
        if not (
            np.array_equal(self.commute_km.indptr, self.commute_weight.indptr)
            and np.array_equal(self.commute_km.indices, self.commute_weight.indices)
        ):
            raise ValueError("Territory.commute_km and commute_weight must share one pattern")

    @property
    def n(self) -> int:
        """Number of municipalities."""
        return len(self.ids)

    @property
    def n_regions(self) -> int:
        """Number of regions (one centre each)."""
        return len(self.centres)

    def graph(self) -> nx.Graph:
        """Return the road network as a networkx graph (built on first call, then cached).

        Nodes are ``0..n-1`` with attributes ``id``, ``name``, ``x``, ``y`` (km),
        ``population``, ``region``, ``urban``, ``connectivity`` and ``services`` as plain
        Python values; each edge of :attr:`edges` carries ``length_km``.

        The same Graph object is returned on every call: treat it as read-only and
        ``.copy()`` it before modifying it.
        """
        if self._graph is None:
            graph = nx.Graph()
            columns = zip(
                self.ids.tolist(),
                self.names.tolist(),
                self.x_km.tolist(),
                self.y_km.tolist(),
                self.population.tolist(),
                self.region.tolist(),
                self.urban.tolist(),
                self.connectivity.tolist(),
                self.services.tolist(),
                strict=True,
            )
            keys = (
                "id",
                "name",
                "x",
                "y",
                "population",
                "region",
                "urban",
                "connectivity",
                "services",
            )
            graph.add_nodes_from(
                (i, dict(zip(keys, values, strict=True))) for i, values in enumerate(columns)
            )
            graph.add_edges_from(
                (a, b, {"length_km": length})
                for (a, b), length in zip(self.edges.tolist(), self.edge_km.tolist(), strict=True)
            )
            object.__setattr__(self, "_graph", graph)
        assert self._graph is not None
        return self._graph

    def frame(self) -> pd.DataFrame:
        """Return one row per municipality (index ``0..n-1``) as a new DataFrame.

        Columns: ``id``, ``name``, ``x_km``, ``y_km``, ``population``, ``region``,
        ``urban``, ``connectivity``, ``services``.
        """
        return pd.DataFrame(
            {
                "id": self.ids.copy(),
                "name": self.names.copy(),
                "x_km": self.x_km.copy(),
                "y_km": self.y_km.copy(),
                "population": self.population.copy(),
                "region": self.region.copy(),
                "urban": self.urban.copy(),
                "connectivity": self.connectivity.copy(),
                "services": self.services.copy(),
            }
        )


# ----------------------------------------------------------------------------------------
# Shared building blocks
# ----------------------------------------------------------------------------------------


def area_for(
    n_municipalities: int, km2_per_municipality: float = FRANCE_KM2_PER_MUNICIPALITY
) -> float:
    """Side length (km) of the square holding ``n_municipalities`` at France's density.

    France has about 550,000 km2 of land for about 35,000 communes, i.e. about 15.7 km2
    per commune; a square of side ``sqrt(n * 15.7)`` km gives ``n`` communes that density
    (35,000 communes -> about 741 km).

    Args:
        n_municipalities: Number of municipalities (>= 1).
        km2_per_municipality: Land area per municipality in km2 (> 0).

    Returns:
        The side length in km, to pass as ``area_km`` to :func:`generate_territory`.

    Raises:
        InputError: If an argument is out of range.
    """
    _require(n_municipalities >= 1, "n_municipalities", n_municipalities, "an integer >= 1")
    _require(km2_per_municipality > 0, "km2_per_municipality", km2_per_municipality, "> 0")
    return math.sqrt(n_municipalities * km2_per_municipality)


def _require(
    ok: bool, name: str, value: object, allowed: str, file: str | Path | None = None
) -> None:
    """Raise an :class:`InputError` for parameter ``name`` unless ``ok``."""
    if not ok:
        raise InputError("value out of range", file=file, field=name, value=value, allowed=allowed)


def _check_distance_parameters(
    detour_factor: float,
    commute_radius_km: float,
    gravity_d0_km: float,
    urban_threshold: float,
    urban_connectivity: float,
    rural_connectivity: tuple[float, float],
    file: str | Path | None = None,
) -> None:
    """Validate the parameters shared by the generator and the loader."""
    _require(
        math.isfinite(detour_factor) and detour_factor >= 1.0,
        "detour_factor",
        detour_factor,
        "a finite number >= 1 (road length / straight-line length)",
        file,
    )
    _require(
        math.isfinite(commute_radius_km) and commute_radius_km >= 0,
        "commute_radius_km",
        commute_radius_km,
        "a finite number of km >= 0",
        file,
    )
    _require(
        math.isfinite(gravity_d0_km) and gravity_d0_km > 0,
        "gravity_d0_km",
        gravity_d0_km,
        "a finite number of km > 0",
        file,
    )
    _require(urban_threshold > 0, "urban_threshold", urban_threshold, "inhabitants > 0", file)
    _require(
        0.0 <= urban_connectivity <= 1.0,
        "urban_connectivity",
        urban_connectivity,
        "a number in [0, 1]",
        file,
    )
    lo_hi = tuple(rural_connectivity)
    _require(
        len(lo_hi) == 2 and 0.0 <= lo_hi[0] <= lo_hi[1] <= 1.0,
        "rural_connectivity",
        rural_connectivity,
        "a pair (low, high) with 0 <= low <= high <= 1",
        file,
    )


def _draw_connectivity(
    urban: np.ndarray,
    urban_connectivity: float,
    rural_connectivity: tuple[float, float],
    rng: np.random.Generator,
) -> np.ndarray:
    """Broadband connectivity: urban ~ clip(N(mean, 0.03), 0, 1), rural ~ U(low, high)."""
    n = len(urban)
    urban_draw = np.clip(rng.normal(urban_connectivity, URBAN_CONNECTIVITY_SD, n), 0.0, 1.0)
    rural_draw = rng.uniform(rural_connectivity[0], rural_connectivity[1], n)
    return np.where(urban, urban_draw, rural_draw)


def _draw_services(urban: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Public service level: urban 0.8, rural ~ U(0.4, 0.6) (assumption)."""
    rural_draw = rng.uniform(RURAL_SERVICES[0], RURAL_SERVICES[1], len(urban))
    return np.where(urban, URBAN_SERVICES, rural_draw)


def _nearest_centre(xy: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Region of each point: index of its nearest centre (Voronoi cells of the centres).

    Each centre is forced into its own region, so coincident centres cannot leave a region
    without its centre.
    """
    _, region = cKDTree(xy[centres]).query(xy)
    region = np.asarray(region, dtype=np.int64)
    region[centres] = np.arange(len(centres), dtype=np.int64)
    return region


def _road_edges(xy: np.ndarray) -> np.ndarray:
    """Unique undirected Delaunay links ``(i, j)``, ``i < j``, sorted lexicographically.

    Points Qhull leaves out of the triangulation (exact duplicates of another point) are
    linked to their nearest triangulation vertex, so the network stays connected. With fewer
    than 3 points, or when all points are collinear (Qhull cannot triangulate), the links
    are a chain through the points sorted by x then y (a minimum spanning chain).
    """
    n = len(xy)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    pairs: np.ndarray | None = None
    if n >= 3:
        try:
            tri = Delaunay(xy)
        except (QhullError, ValueError):
            tri = None
        if tri is not None:
            simplices = tri.simplices
            parts = [simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]]
            if tri.coplanar.size:
                parts.append(tri.coplanar[:, [0, 2]])
            pairs = np.concatenate(parts).astype(np.int64)
    if pairs is None:
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        pairs = np.stack([order[:-1], order[1:]], axis=1).astype(np.int64)
    pairs.sort(axis=1)
    keys = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([keys // n, keys % n], axis=1)


def _commute_matrices(
    xy: np.ndarray, detour_factor: float, commute_radius_km: float, gravity_d0_km: float
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Sparse road distances and gravity weights for pairs within commuting radius.

    Pairs come from a k-d tree query at Euclidean radius ``commute_radius_km /
    detour_factor`` (slightly widened against rounding), then are kept exactly where
    ``hypot(dx, dy) * detour_factor <= commute_radius_km``. The diagonal (distance 0,
    weight 1) is stored explicitly.

    Returns:
        ``(commute_km, commute_weight)``: symmetric CSR matrices with sorted indices and the
        same sparsity pattern.
    """
    n = len(xy)
    tree = cKDTree(xy)
    search = commute_radius_km / detour_factor
    pairs = tree.query_pairs(search * (1.0 + 1e-9) + 1e-12, output_type="ndarray")
    index_dtype = np.int32 if 2 * len(pairs) + n < np.iinfo(np.int32).max else np.int64
    i = pairs[:, 0].astype(index_dtype)
    j = pairs[:, 1].astype(index_dtype)
    del pairs
    dist = np.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1]) * detour_factor
    keep = dist <= commute_radius_km
    if not keep.all():
        i, j, dist = i[keep], j[keep], dist[keep]
    diagonal = np.arange(n, dtype=index_dtype)
    rows = np.concatenate([i, j, diagonal])
    cols = np.concatenate([j, i, diagonal])
    values = np.concatenate([dist, dist, np.zeros(n)])
    del i, j, dist
    # COO -> CSR is a counting sort in C++; it keeps explicit zeros (the diagonal).
    commute_km = sp.csr_matrix((values, (rows, cols)), shape=(n, n))
    if commute_km.nnz != len(values):
        raise RuntimeError("commuting matrix lost entries while converting to CSR")
    commute_km.sort_indices()
    commute_weight = sp.csr_matrix(
        (
            np.exp(-commute_km.data / gravity_d0_km),
            commute_km.indices.copy(),
            commute_km.indptr.copy(),
        ),
        shape=(n, n),
    )
    commute_weight.has_sorted_indices = True
    return commute_km, commute_weight


def _assemble(
    *,
    ids: np.ndarray,
    names: np.ndarray,
    xy: np.ndarray,
    population: np.ndarray,
    region: np.ndarray,
    centres: np.ndarray,
    urban: np.ndarray,
    connectivity: np.ndarray,
    services: np.ndarray,
    detour_factor: float,
    commute_radius_km: float,
    gravity_d0_km: float,
) -> Territory:
    """Build links and commuting zones for given municipalities and wrap everything up."""
    edges = _road_edges(xy)
    delta = xy[edges[:, 0]] - xy[edges[:, 1]]
    edge_km = np.hypot(delta[:, 0], delta[:, 1]) * detour_factor
    commute_km, commute_weight = _commute_matrices(
        xy, detour_factor, commute_radius_km, gravity_d0_km
    )
    return Territory(
        ids=ids,
        names=names,
        x_km=xy[:, 0],
        y_km=xy[:, 1],
        population=population,
        region=region,
        urban=urban,
        connectivity=connectivity,
        services=services,
        edges=edges,
        edge_km=edge_km,
        commute_km=commute_km,
        commute_weight=commute_weight,
        centres=centres,
    )


# ----------------------------------------------------------------------------------------
# Generator
# ----------------------------------------------------------------------------------------


def _stratified_uniforms(n: int, rng: np.random.Generator) -> np.ndarray:
    """Latin-hypercube uniforms ``(perm_i + U_i) / n`` in (0, 1], one per stratum, shuffled."""
    return (rng.permutation(n) + (1.0 - rng.random(n))) / n


def _pareto_quantile(v: np.ndarray, low: float, alpha: float, high: float) -> np.ndarray:
    """Inverse CDF of a Pareto(alpha) law on ``[low, high]`` (truncated at ``high``)."""
    kept = 1.0 - (low / high) ** alpha
    return low * (1.0 - v * kept) ** (-1.0 / alpha)


def _body_sigma(median_population: float, tail_start: float, tail_share: float) -> float:
    """Log-sd of the lognormal body, solved so the population median is ``median_population``.

    The body is the lognormal ``LN(ln m, sigma)`` restricted to ``x < tail_start``; it must
    carry exactly ``1 - tail_share`` of the communes, so ``Phi(ln(T / m) / sigma) = 1 -
    tail_share``, i.e. ``sigma = ln(T / m) / Phi^-1(1 - tail_share)``. The mixture CDF then
    equals the lognormal CDF below ``T``, whose median is ``m`` (valid for tail_share < 0.5).
    """
    return math.log(tail_start / median_population) / float(ndtri(1.0 - tail_share))


def _commune_populations(
    u: np.ndarray,
    *,
    median_population: float,
    tail_share: float,
    alpha: float,
    tail_start: float,
    max_population: float,
) -> np.ndarray:
    """Map uniforms to populations through the body/tail mixture's inverse CDF."""
    sigma = _body_sigma(median_population, tail_start, tail_share)
    population = np.empty_like(u)
    body = u < 1.0 - tail_share
    population[body] = median_population * np.exp(sigma * ndtri(u[body]))
    v = (u[~body] - (1.0 - tail_share)) / tail_share
    population[~body] = _pareto_quantile(v, tail_start, alpha, max_population)
    return population


def _whole_inhabitants(population: np.ndarray) -> np.ndarray:
    """Round populations to whole inhabitants, at least one."""
    return np.maximum(np.rint(population), 1.0)


def _jittered_grid(k: int, area_km: float, rng: np.random.Generator) -> np.ndarray:
    """Spread ``k`` points over the square: one per randomly chosen cell of a ceil(sqrt(k))
    grid, uniformly within the middle 60 % of its cell (so centres keep >= 40 % of a cell
    apart)."""
    side = math.ceil(math.sqrt(k))
    cell = area_km / side
    chosen = rng.choice(side * side, size=k, replace=False)
    corner = np.stack([chosen % side, chosen // side], axis=1) * cell
    return corner + cell * rng.uniform(0.2, 0.8, size=(k, 2))


def _reflect(values: np.ndarray, area_km: float) -> np.ndarray:
    """Fold coordinates back into ``[0, area_km]`` by mirror reflection at the edges."""
    folded = np.mod(values, 2.0 * area_km)
    return np.where(folded > area_km, 2.0 * area_km - folded, folded)


def _separate_duplicates(xy: np.ndarray, area_km: float, rng: np.random.Generator) -> np.ndarray:
    """Jitter (by ~1e-6 of the side) points lying exactly on another point."""
    for _ in range(20):
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        ordered = xy[order]
        duplicate = np.all(ordered[1:] == ordered[:-1], axis=1)
        if not duplicate.any():
            break
        moved = order[1:][duplicate]
        jitter = rng.uniform(-1e-6, 1e-6, size=(len(moved), 2)) * area_km
        xy[moved] = _reflect(xy[moved] + jitter, area_km)
    return xy


def generate_territory(
    *,
    n_municipalities: int = 100,
    area_km: float = 80.0,
    n_regions: int = 4,
    urban_threshold: float = 2000.0,
    median_population: float = 458.0,
    tail_share: float = 0.15,
    rank_size_slope: float = -0.72,
    centre_min_population: float = 20000.0,
    cluster_km: float = 12.0,
    detour_factor: float = 1.3,
    commute_radius_km: float = 30.0,
    gravity_d0_km: float = 10.0,
    urban_connectivity: float = 0.9,
    rural_connectivity: tuple[float, float] = (0.3, 0.7),
    tail_start: float = 2000.0,
    max_population: float = 2.2e6,
    background_share: float = 0.2,
    peak_km2_per_municipality: float = 5.0,
    rng: np.random.Generator,
) -> Territory:
    """Draw a synthetic territory organised around its towns, with French commune sizes.

    Municipalities ``0..n_regions-1`` are the regional centres (``centres[r] == r``); the
    other ``n_municipalities - n_regions`` are ordinary communes.

    Populations (whole inhabitants, at least 1). Ordinary communes follow a mixture
    calibrated to France's communes (INSEE: 34,857 communes with population, 66.5 M
    inhabitants, median 458, 85 % under 2,000 inhabitants holding 23 % of the population,
    rank-size slope about -0.72 for the largest 1,000): a lognormal body below
    ``tail_start`` (weight ``1 - tail_share``) whose log-sd is solved so that the median is
    ``median_population`` (see below), and a Pareto tail above ``tail_start`` (weight
    ``tail_share``) with exponent ``alpha = -1 / rank_size_slope``, truncated at
    ``max_population``. The ``n_regions`` centres are drawn from the same Pareto law above
    ``centre_min_population``. Both draws use stratified (Latin-hypercube) uniforms
    ``(perm_i + U_i) / n`` pushed through the inverse CDF, so totals vary little between
    seeds. The body is ``LN(ln m, sigma)`` below ``T = tail_start`` with ``sigma = ln(T / m)
    / Phi^-1(1 - tail_share)``: the lognormal then puts exactly ``1 - tail_share`` of its
    mass below ``T``, so the mixture's CDF equals it there and its median is exactly ``m``.

    Positions in ``[0, area_km]^2``. Centres sit on a jittered grid (one per random cell of
    a ``ceil(sqrt(n_regions))`` grid, in the middle 60 % of the cell). A share
    ``background_share`` of the ordinary communes is placed uniformly (rural background);
    each of the others joins a centre with probability proportional to the centre's
    population and sits at a 2-D normal offset around it, reflected at the edges of the
    square. The offset's scale is ``cluster_km``, widened for big clusters so that the
    density at the heart of a cluster never exceeds one commune per
    ``peak_km2_per_municipality`` km2 (scale ``max(cluster_km, sqrt(n_r * peak / (2 pi)))``
    for a cluster of ``n_r`` communes); this keeps large territories realistic and the
    commuting matrices sparse. Points that coincide exactly are jittered apart.

    Regions are the Voronoi cells of the centres (nearest centre). Connectivity: urban ~
    ``clip(N(urban_connectivity, 0.03), 0, 1)``, rural ~ ``U(rural_connectivity)``.
    Services (assumption): urban 0.8, rural ~ ``U(0.4, 0.6)``. Links are the Delaunay
    triangulation (chain for n < 3 or collinear points) with road length = Euclidean length
    times ``detour_factor``; commuting zones as in the module docstring.

    Args:
        n_municipalities: Total number of municipalities including the centres
            (>= n_regions).
        area_km: Side of the square territory in km (use :func:`area_for` for France's
            density).
        n_regions: Number of regions, hence of regional centres (>= 1).
        urban_threshold: Inhabitants from which a municipality is urban (INSEE: 2,000).
        median_population: Median population of ordinary communes (INSEE: 458).
        tail_share: Share of ordinary communes in the Pareto tail above ``tail_start``
            (INSEE: 0.15 of communes have 2,000 inhabitants or more); in (0, 0.5).
        rank_size_slope: Log-log rank-size slope of the largest communes (INSEE, top 1,000:
            about -0.72); negative.
        centre_min_population: Smallest population of a regional centre (inhabitants).
        cluster_km: Scale (km) of the normal offset of communes around their centre.
        detour_factor: Road length / straight-line length (>= 1; 1.3 is a typical road
            circuity).
        commute_radius_km: Largest road distance (km) of a commute.
        gravity_d0_km: Distance decay (km) of the gravity weight ``exp(-d / d0)``.
        urban_connectivity: Mean broadband connectivity of urban municipalities, in [0, 1].
        rural_connectivity: Range of the uniform rural connectivity, within [0, 1].
        tail_start: Population (inhabitants) where the lognormal body ends and the Pareto
            tail begins (2,000, the threshold of INSEE's 85 % / 15 % split).
        max_population: Upper truncation of the Pareto tail (inhabitants; Paris, the
            largest commune, has about 2.1 M). Keeps single draws from dwarfing a territory.
        background_share: Share of ordinary communes placed uniformly rather than around a
            centre (assumption: 0.2).
        peak_km2_per_municipality: Smallest land area (km2) per commune at the heart of a
            cluster (assumption: 5 km2, about the densest French départements, e.g.
            Hauts-de-Seine with 36 communes on 176 km2).
        rng: Source of randomness; the same seed gives the same territory.

    Returns:
        The generated territory.

    Raises:
        InputError: If a parameter is out of range (the field names the parameter).
    """
    _require(
        isinstance(n_regions, int | np.integer) and n_regions >= 1,
        "n_regions",
        n_regions,
        "an integer >= 1",
    )
    _require(
        isinstance(n_municipalities, int | np.integer) and n_municipalities >= n_regions,
        "n_municipalities",
        n_municipalities,
        f"an integer >= n_regions ({n_regions})",
    )
    _require(math.isfinite(area_km) and area_km > 0, "area_km", area_km, "km > 0")
    _require(tail_start > 0, "tail_start", tail_start, "inhabitants > 0")
    _require(
        0 < median_population < tail_start,
        "median_population",
        median_population,
        f"inhabitants in (0, tail_start = {tail_start})",
    )
    _require(0 < tail_share < 0.5, "tail_share", tail_share, "a share in (0, 0.5)")
    _require(rank_size_slope < 0, "rank_size_slope", rank_size_slope, "a negative slope")
    _require(
        max_population > max(tail_start, centre_min_population),
        "max_population",
        max_population,
        "inhabitants above tail_start and centre_min_population",
    )
    _require(
        centre_min_population > 0,
        "centre_min_population",
        centre_min_population,
        "inhabitants > 0",
    )
    _require(cluster_km > 0, "cluster_km", cluster_km, "km > 0")
    _require(0 <= background_share <= 1, "background_share", background_share, "in [0, 1]")
    _require(
        peak_km2_per_municipality > 0,
        "peak_km2_per_municipality",
        peak_km2_per_municipality,
        "km2 > 0",
    )
    _check_distance_parameters(
        detour_factor,
        commute_radius_km,
        gravity_d0_km,
        urban_threshold,
        urban_connectivity,
        rural_connectivity,
    )
    n = int(n_municipalities)
    k = int(n_regions)
    n_ordinary = n - k
    alpha = -1.0 / rank_size_slope

    # Populations: centres first, then ordinary communes.
    centre_population = _pareto_quantile(
        _stratified_uniforms(k, rng), centre_min_population, alpha, max_population
    )
    commune_population = _commune_populations(
        _stratified_uniforms(n_ordinary, rng),
        median_population=median_population,
        tail_share=tail_share,
        alpha=alpha,
        tail_start=tail_start,
        max_population=max_population,
    )
    population = _whole_inhabitants(np.concatenate([centre_population, commune_population]))

    # Positions: centres on a jittered grid, communes around them or in the background.
    centre_xy = _jittered_grid(k, area_km, rng)
    commune_xy = rng.uniform(0.0, area_km, size=(n_ordinary, 2))
    n_background = round(background_share * n_ordinary)
    attached = np.ones(n_ordinary, dtype=bool)
    attached[rng.choice(n_ordinary, size=n_background, replace=False)] = False
    n_attached = int(attached.sum())
    weights = population[:k] / population[:k].sum()
    owner = rng.choice(k, size=n_attached, p=weights)
    cluster_size = np.bincount(owner, minlength=k)
    scale = np.maximum(cluster_km, np.sqrt(cluster_size * peak_km2_per_municipality / (2 * np.pi)))
    offset = rng.normal(size=(n_attached, 2)) * scale[owner, None]
    commune_xy[attached] = _reflect(centre_xy[owner] + offset, area_km)
    xy = _separate_duplicates(np.concatenate([centre_xy, commune_xy]), area_km, rng)

    centres = np.arange(k, dtype=np.int64)
    region = _nearest_centre(xy, centres)
    urban = population >= urban_threshold
    connectivity = _draw_connectivity(urban, urban_connectivity, rural_connectivity, rng)
    services = _draw_services(urban, rng)

    width = max(4, len(str(n - 1)))
    ids = np.array([f"m{i:0{width}d}" for i in range(n)], dtype=object)
    names = np.array(
        [f"Centre {i}" for i in range(k)] + [f"Commune {i}" for i in range(k, n)], dtype=object
    )
    return _assemble(
        ids=ids,
        names=names,
        xy=xy,
        population=population,
        region=region,
        centres=centres,
        urban=urban,
        connectivity=connectivity,
        services=services,
        detour_factor=detour_factor,
        commute_radius_km=commute_radius_km,
        gravity_d0_km=gravity_d0_km,
    )


# ----------------------------------------------------------------------------------------
# Loader
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Where a table came from, to name files and fields in error messages."""

    path: Path
    geojson: bool

    def column(self, column: str) -> str:
        """Field name of a whole column."""
        if not self.geojson:
            return column
        if column in ("lon", "lat"):
            return "geometry.coordinates"
        return f"properties.{column}"

    def cell(self, row: int, column: str) -> str:
        """Field name of one value: ``row 7: population`` (CSV data rows count from 1,
        header excluded) or ``features[6].properties.population`` (GeoJSON, from 0)."""
        if not self.geojson:
            return f"row {row + 1}: {column}"
        if column in ("lon", "lat"):
            return f"features[{row}].geometry.coordinates ({column})"
        if column == "id":
            return f"features[{row}].id"
        return f"features[{row}].properties.{column}"

    def fail(
        self,
        problem: str,
        field: str | None = None,
        value: object = None,
        allowed: str | None = None,
    ) -> InputError:
        """Build the error for this file."""
        return InputError(problem, file=self.path, field=field, value=value, allowed=allowed)

    def fail_rows(
        self, mask: np.ndarray, problem: str, column: str, values: np.ndarray, allowed: str
    ) -> None:
        """Raise for the first row where ``mask`` is true, saying how many rows are at fault."""
        bad = np.flatnonzero(mask)
        if bad.size == 0:
            return
        first = int(bad[0])
        if bad.size > 1:
            problem += f" (and {bad.size - 1} more row{'s' if bad.size > 2 else ''})"
        value = values[first]
        if isinstance(value, np.generic):
            value = value.item()
        raise self.fail(problem, self.cell(first, column), value, allowed)


def _read_csv(path: Path, source: _Source) -> pd.DataFrame:
    """Read a CSV as strings, header names stripped and lower-cased."""
    try:
        with warnings.catch_warnings():
            # A row longer than the header must fail, not be cut or shift the columns.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skip_blank_lines=True,
                index_col=False,
            )
    except pd.errors.ParserWarning as exc:
        raise source.fail(
            "row has more fields than the header",
            _first_long_row(path),
            allowed="the same number of comma-separated fields on every line",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise source.fail("file is empty", allowed="a CSV header line and >= 1 data row") from exc
    except pd.errors.ParserError as exc:
        raise source.fail(
            f"not a valid CSV file: {str(exc).strip()}",
            allowed="comma-separated values with one header line",
        ) from exc
    except UnicodeDecodeError as exc:
        raise source.fail("file is not UTF-8 text", allowed="a UTF-8 encoded CSV") from exc
    except OSError as exc:
        raise source.fail(f"cannot read file: {exc.strerror or exc}") from exc
    raw_columns = [str(c) for c in table.columns]
    columns = [c.strip().lower() for c in raw_columns]
    known = set(_TERRITORY_COLUMNS + _OPTIONAL_COLUMNS + _COORDINATE_COLUMNS)
    seen: set[str] = set()
    for raw, column in zip(raw_columns, columns, strict=True):
        base = column.rsplit(".", 1)[0] if column.rsplit(".", 1)[-1].isdigit() else column
        if column in seen or (base != column and base in known and base in columns):
            raise source.fail("duplicate column", field=base, value=raw, allowed=_ALLOWED_COLUMNS)
        seen.add(column)
    table.columns = columns
    return table.astype(object)


def _first_long_row(path: Path) -> str | None:
    """``"row k"`` of the first CSV data row with more fields than the header (error path)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle)
        header = next(rows, [])
        data_rows = (row for row in rows if row)
        for number, row in enumerate(data_rows, start=1):
            if len(row) > len(header):
                return f"row {number}"
    return None


def _json_text(value: object) -> str:
    """A GeoJSON property value as the text a CSV cell would hold ("" for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _read_geojson(path: Path, source: _Source) -> pd.DataFrame:
    """Read a GeoJSON FeatureCollection of Points into a table of strings.

    Columns are the (lower-cased) property names plus ``lon``/``lat`` from each Point
    geometry (authoritative over any same-named property) and ``id`` from the property
    ``id`` or else the feature's ``id``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise source.fail("file is not UTF-8 text", allowed="a UTF-8 encoded GeoJSON") from exc
    except OSError as exc:
        raise source.fail(f"cannot read file: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise source.fail(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            allowed="a GeoJSON FeatureCollection",
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise source.fail("not a GeoJSON FeatureCollection", "type", found, "'FeatureCollection'")
    features = data.get("features")
    if not isinstance(features, list):
        raise source.fail(
            "missing or invalid features", "features", features, "a list of Point features"
        )
    records: list[dict[str, str]] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise source.fail(
                "feature is not an object", f"features[{index}]", feature, "a GeoJSON Feature"
            )
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if kind != "Point":
            raise source.fail(
                "feature without Point geometry",
                f"features[{index}].geometry",
                kind if kind is not None else geometry,
                "a Point geometry {'type': 'Point', 'coordinates': [lon, lat]}",
            )
        if not isinstance(coordinates, list) or len(coordinates) < 2:
            raise source.fail(
                "Point without [lon, lat] coordinates",
                f"features[{index}].geometry.coordinates",
                coordinates,
                "[lon, lat] in degrees",
            )
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            raise source.fail(
                "properties is not an object",
                f"features[{index}].properties",
                properties,
                "an object with id, name, population, ...",
            )
        record = {str(key).strip().lower(): _json_text(v) for key, v in properties.items()}
        for key in ("x", "y"):
            record.pop(key, None)
        feature_id = feature.get("id")
        if feature_id is not None:
            if "id" in record and record["id"] != _json_text(feature_id):
                raise source.fail(
                    "feature id and properties.id differ",
                    f"features[{index}].id",
                    f"{feature_id!r} vs {record['id']!r}",
                    "one id, or the same id in both places",
                )
            record["id"] = _json_text(feature_id)
        record["lon"] = _json_text(coordinates[0])
        record["lat"] = _json_text(coordinates[1])
        records.append(record)
    table = pd.DataFrame.from_records(records)
    return table.astype(object)


def _is_missing(value: object) -> bool:
    """True for the missing markers a table may hold (None, NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _texts(table: pd.DataFrame, column: str) -> np.ndarray:
    """Column as stripped Python strings ("" for missing values)."""
    return np.array(
        ["" if _is_missing(v) else str(v).strip() for v in table[column].tolist()],
        dtype=object,
    )


def _numbers(table: pd.DataFrame, column: str, source: _Source, allowed: str) -> np.ndarray:
    """Parse a column as finite floats, raising on missing, non-numeric or infinite values."""
    texts = _texts(table, column)
    missing = texts == ""
    source.fail_rows(missing, "missing value", column, texts, allowed)
    values = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    source.fail_rows(
        np.isnan(values),
        "not a number",
        column,
        texts,
        f"{allowed} (written with '.' as decimal separator)",
    )
    source.fail_rows(~np.isfinite(values), "not a finite number", column, texts, allowed)
    return values


def _regions(table: pd.DataFrame, source: _Source) -> np.ndarray:
    """Region indices from a ``region`` column of integer indices or of labels.

    Integer indices must be exactly ``0..k-1`` with every index used; anything else is a
    label, mapped to ``0..k-1`` in order of first appearance.
    """
    texts = _texts(table, "region")
    source.fail_rows(
        texts == "", "missing value", "region", texts, "a region index 0..k-1 or a label"
    )
    integer = pd.Series(texts, dtype=object).str.fullmatch(r"[+-]?\d+").to_numpy(dtype=bool)
    if integer.all():
        codes = np.array([int(t) for t in texts.tolist()], dtype=np.int64)
        source.fail_rows(
            codes < 0,
            "negative region index",
            "region",
            texts,
            "integer indices 0..k-1, or text labels",
        )
        used = np.bincount(codes)
        if (used == 0).any():
            absent = int(np.flatnonzero(used == 0)[0])
            raise source.fail(
                f"integer regions must be 0..k-1 with every index used, but region {absent} "
                "has no municipality",
                source.column("region"),
                absent,
                "indices 0..k-1 all present, or text labels (e.g. 'R1') for other codes",
            )
        return codes
    codes, _ = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    return codes.astype(np.int64)


def _project(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Equirectangular projection (km) about the mean longitude and latitude.

    ``x = R * rad(lon - lon0) * cos(rad(lat0))``, ``y = R * rad(lat - lat0)``, ``R = 6371``
    km: accurate to a few per cent over a region a few hundred km across.
    """
    lon0 = float(lon.mean())
    lat0 = float(lat.mean())
    x = EARTH_RADIUS_KM * np.radians(lon - lon0) * math.cos(math.radians(lat0))
    y = EARTH_RADIUS_KM * np.radians(lat - lat0)
    return np.stack([x, y], axis=1)


def load_territory(
    path: str | Path,
    *,
    n_regions: int = 4,
    urban_threshold: float = 2000.0,
    detour_factor: float = 1.3,
    commute_radius_km: float = 30.0,
    gravity_d0_km: float = 10.0,
    urban_connectivity: float = 0.9,
    rural_connectivity: tuple[float, float] = (0.3, 0.7),
    rng: np.random.Generator,
) -> Territory:
    """Load a user's territory from a CSV or GeoJSON file.

    CSV (``.csv``): one header line, one municipality per row. Column names are matched
    after stripping spaces and lower-casing; unknown columns are ignored.

    * required: ``id`` (text, unique, non-empty), ``name`` (text), ``population``
      (inhabitants, > 0);
    * coordinates: ``x``, ``y`` (planar km), or ``lon``, ``lat`` (degrees, projected to km
      by an equirectangular projection about the mean latitude, see :func:`_project`); when
      both pairs are present ``x``, ``y`` are used;
    * optional ``region``: integer indices ``0..k-1`` (each used) or labels (mapped to
      ``0..k-1`` in order of first appearance); the number of regions is then taken from
      the data and ``n_regions`` is ignored. Without it, the ``n_regions`` most populous
      municipalities become centres and every municipality joins its nearest centre;
    * optional ``connectivity`` and ``services`` in [0, 1]; when absent they are drawn as in
      :func:`generate_territory` (urban ~ clip(N(urban_connectivity, 0.03)), rural ~
      U(rural_connectivity); services urban 0.8, rural U(0.4, 0.6)).

    GeoJSON (``.geojson`` or ``.json``): a FeatureCollection of Point features, coordinates
    ``[lon, lat]`` in degrees, the same names in ``properties``; ``id`` may be the feature's
    ``id`` or a property (if both, they must agree).

    The centre of a given region is its most populous municipality (first one on ties).
    Municipalities at identical coordinates are accepted: the duplicate is linked to the
    coincident municipality by a road of length 0.

    Args:
        path: The file to read.
        n_regions: Number of regions to build when the file has no ``region`` column.
        urban_threshold: Inhabitants from which a municipality is urban.
        detour_factor: Road length / straight-line length (>= 1).
        commute_radius_km: Largest road distance (km) of a commute.
        gravity_d0_km: Distance decay (km) of the gravity weight.
        urban_connectivity: Mean connectivity drawn for urban municipalities.
        rural_connectivity: Range of connectivity drawn for rural municipalities.
        rng: Source of randomness for the drawn columns.

    Returns:
        The territory, municipalities in file order.

    Raises:
        InputError: Naming the file, the field (``"population"``, ``"row 7: population"``
            for CSV data row 7, header excluded, or
            ``"features[6].properties.population"`` for GeoJSON), the value and what is
            allowed, for: a missing or unreadable file, an unknown extension, invalid JSON,
            a feature without Point geometry, missing required columns, no coordinates,
            no rows, an empty, duplicate or missing id, a missing, non-numeric or
            non-finite number, population <= 0, lat outside [-90, 90], lon outside
            [-180, 180], connectivity or services outside [0, 1], a bad region column, or
            out-of-range parameters. No bad value is ever replaced by a default.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    source = _Source(path=path, geojson=suffix in (".geojson", ".json"))
    if suffix not in _EXTENSIONS:
        raise source.fail(
            "unknown file extension", "extension", path.suffix or "(none)", ", ".join(_EXTENSIONS)
        )
    if not path.exists():
        raise source.fail("file not found", allowed="an existing .csv, .geojson or .json file")
    if not path.is_file():
        raise source.fail("not a regular file", allowed="a .csv, .geojson or .json file")
    _check_distance_parameters(
        detour_factor,
        commute_radius_km,
        gravity_d0_km,
        urban_threshold,
        urban_connectivity,
        rural_connectivity,
        file=path,
    )

    table = _read_geojson(path, source) if source.geojson else _read_csv(path, source)
    if len(table) < 1:
        raise source.fail(
            "no municipalities",
            "features" if source.geojson else None,
            allowed="at least 1 feature" if source.geojson else "at least 1 data row",
        )
    columns = set(table.columns)
    missing = [c for c in _TERRITORY_COLUMNS if c not in columns]
    if missing:
        raise source.fail(
            f"missing required column{'s' if len(missing) > 1 else ''} "
            + ", ".join(repr(c) for c in missing),
            ", ".join(source.column(c) for c in missing),
            sorted(columns) if columns else None,
            _ALLOWED_COLUMNS,
        )
    if "x" in columns and "y" in columns:
        planar = True
    elif "lon" in columns and "lat" in columns:
        planar = False
    else:
        partial = [c for c in _COORDINATE_COLUMNS if c in columns]
        raise source.fail(
            "no coordinates" + (f" (only {', '.join(partial)})" if partial else ""),
            "x, y or lon, lat",
            sorted(columns),
            "columns x and y (planar km) or lon and lat (degrees)",
        )

    ids = _texts(table, "id")
    source.fail_rows(ids == "", "missing id", "id", ids, "a non-empty unique identifier")
    duplicated = pd.Series(ids, dtype=object).duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(ids == ids[np.flatnonzero(duplicated)[0]])
        where = ", ".join(source.cell(int(r), "id").split(":")[0] for r in rows[:5])
        raise source.fail(
            f"duplicate id, found at {where}{' ...' if len(rows) > 5 else ''}",
            source.cell(int(rows[1]), "id"),
            ids[rows[0]],
            "unique ids",
        )
    names = _texts(table, "name")

    population = _numbers(table, "population", source, "inhabitants > 0")
    source.fail_rows(
        population <= 0, "population must be positive", "population", population, "> 0"
    )

    if planar:
        xy = np.stack(
            [
                _numbers(table, "x", source, "a finite coordinate in km"),
                _numbers(table, "y", source, "a finite coordinate in km"),
            ],
            axis=1,
        )
    else:
        lon = _numbers(table, "lon", source, "longitude in degrees, [-180, 180]")
        lat = _numbers(table, "lat", source, "latitude in degrees, [-90, 90]")
        source.fail_rows(np.abs(lat) > 90, "latitude out of range", "lat", lat, "[-90, 90]")
        source.fail_rows(np.abs(lon) > 180, "longitude out of range", "lon", lon, "[-180, 180]")
        xy = _project(lon, lat)

    if "region" in columns:
        region = _regions(table, source)
        k = int(region.max()) + 1
        # Centre of each region: its most populous municipality (first on ties).
        order = np.lexsort((np.arange(len(region)), -population, region))
        first = np.flatnonzero(np.r_[True, region[order][1:] != region[order][:-1]])
        centres = order[first].astype(np.int64)
    else:
        _require(
            isinstance(n_regions, int | np.integer) and 1 <= n_regions <= len(table),
            "n_regions",
            n_regions,
            f"an integer in [1, {len(table)}] (the number of municipalities in the file)",
            path,
        )
        k = int(n_regions)
        centres = np.argsort(-population, kind="stable")[:k].astype(np.int64)
        region = _nearest_centre(xy, centres)
    assert len(centres) == k

    urban = population >= urban_threshold
    unit = "a number in [0, 1]"
    if "connectivity" in columns:
        connectivity = _numbers(table, "connectivity", source, unit)
        source.fail_rows(
            (connectivity < 0) | (connectivity > 1),
            "connectivity out of range",
            "connectivity",
            connectivity,
            "[0, 1]",
        )
    else:
        connectivity = _draw_connectivity(urban, urban_connectivity, rural_connectivity, rng)
    if "services" in columns:
        services = _numbers(table, "services", source, unit)
        source.fail_rows(
            (services < 0) | (services > 1), "services out of range", "services", services, "[0, 1]"
        )
    else:
        services = _draw_services(urban, rng)

    return _assemble(
        ids=ids,
        names=names,
        xy=xy,
        population=population,
        region=region,
        centres=centres,
        urban=urban,
        connectivity=connectivity,
        services=services,
        detour_factor=detour_factor,
        commute_radius_km=commute_radius_km,
        gravity_d0_km=gravity_d0_km,
    )
