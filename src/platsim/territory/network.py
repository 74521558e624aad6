"""The territory network: municipalities on a planar map, their road links and commuting zones.

A :class:`Territory` is a set of municipalities (communes) with planar coordinates in km,
a population, a region, an urban/rural flag, broadband connectivity and a public service
level, linked by a road-like network (a Delaunay triangulation) and by commuting zones
(sparse matrices of road distances and gravity weights between municipalities close enough
to commute).

This module holds the class and the building blocks shared by
:mod:`platsim.territory.generator` and :mod:`platsim.territory.loader`; the functions
without a leading underscore are the package's internal API, used by those two modules.

Distances. Roads are not drawn explicitly: the road distance between two municipalities is
their Euclidean distance times a ``detour_factor`` (1.3 by default: the circuity of road
networks, road length / straight-line length, is typically measured around 1.2-1.4). The
commuting zone of municipality ``i`` is every ``j`` with ``d_ij = Euclidean_ij *
detour_factor <= commute_km`` (the commuting radius, the scenario's ``territory.commute_km``);
this approximates "within ``commute_km`` along the network" without running shortest paths
on the Delaunay graph. It is computed with a k-d tree
(:meth:`scipy.spatial.cKDTree.query_pairs`), so its cost grows with the number of pairs
within the radius, never with ``n**2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import Delaunay, QhullError, cKDTree

from platsim.errors import InputError
from platsim.territory.limits import check_commute_entries

FRANCE_KM2_PER_MUNICIPALITY = 15.7
"""Land area per commune in France: about 550,000 km2 / 35,000 communes (INSEE, IGN)."""

URBAN_CONNECTIVITY_SD = 0.03
"""Standard deviation of urban broadband connectivity around its mean (assumption)."""

URBAN_SERVICES = 0.8
"""Public service level of urban municipalities (assumption, on a 0-1 scale)."""

RURAL_SERVICES = (0.4, 0.6)
"""Range of the uniform public service level of rural municipalities (assumption)."""


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
        population: Inhabitants (float64, > 0; INSEE territories may hold the six Meuse
            villages destroyed in 1916, whose population is 0).
        region: Region index in ``[0, n_regions)`` (int64).
        urban: True where ``population >= urban_threshold`` (bool); in INSEE territories
            where the density is at least ``urban_density``.
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
        places: For real French territories, one row per municipality: ``lon``, ``lat``,
            ``epci``, ``epci_name``, ``departement``, ``departement_name``, ``region_code``,
            ``region_name`` (INSEE codes and names); None otherwise.
        source: The file the territory was loaded from (to name it in error messages), or
            None for a generated territory.
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
    source: str | None = None
    places: pd.DataFrame | None = None
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
        if self.places is not None and len(self.places) != n:
            raise ValueError(f"Territory.places has {len(self.places)} rows, expected {n}")
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

    def groups(self, level: str) -> tuple[np.ndarray, int]:
        """The group of each municipality at ``level`` and the number of groups.

        ``region`` is the model's region; ``departement`` and ``epci`` come from
        :attr:`places` (real French territories). A municipality outside any group at that
        level (the few communes in no EPCI) is a group of its own. A generated territory has
        EPCIs too (:func:`generated_epcis`), no départements.

        Raises:
            ValueError: A level this territory does not have.
        """
        if level == "region":
            return self.region, self.n_regions
        if level == "epci" and self.places is None:
            return generated_epcis(self.x_km, self.y_km, self.population)
        if self.places is None or level not in self.places.columns:
            raise ValueError(f"this territory has no {level} groups")
        codes = self.places[level].astype(str).to_numpy(dtype=object)
        alone = codes == ""
        codes[alone] = np.char.add("alone:", self.ids[alone].astype(str)).astype(object)
        _, index = np.unique(codes, return_inverse=True)
        return index.astype(np.int64), int(index.max()) + 1 if len(index) else 0

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
    require(n_municipalities >= 1, "n_municipalities", n_municipalities, "an integer >= 1")
    require(km2_per_municipality > 0, "km2_per_municipality", km2_per_municipality, "> 0")
    return math.sqrt(n_municipalities * km2_per_municipality)


def require(
    ok: bool, name: str, value: object, allowed: str, file: str | Path | None = None
) -> None:
    """Raise an :class:`InputError` for parameter ``name`` unless ``ok``."""
    if not ok:
        raise InputError("value out of range", file=file, field=name, value=value, allowed=allowed)


def check_distance_parameters(
    *,
    detour_factor: float,
    commute_km: float,
    gravity_d0_km: float,
    urban_threshold: float,
    urban_connectivity: float,
    rural_connectivity_low: float,
    rural_connectivity_high: float,
    file: str | Path | None = None,
) -> None:
    """Validate the parameters shared by the generator and the loader.

    Each error's field is the parameter's name, which is also the scenario's
    ``territory`` field.
    """
    require(
        math.isfinite(detour_factor) and detour_factor >= 1.0,
        "detour_factor",
        detour_factor,
        "a finite number >= 1 (road length / straight-line length)",
        file,
    )
    require(
        math.isfinite(commute_km) and commute_km >= 0,
        "commute_km",
        commute_km,
        "a finite number of km >= 0",
        file,
    )
    require(
        math.isfinite(gravity_d0_km) and gravity_d0_km > 0,
        "gravity_d0_km",
        gravity_d0_km,
        "a finite number of km > 0",
        file,
    )
    require(urban_threshold > 0, "urban_threshold", urban_threshold, "inhabitants > 0", file)
    require(
        0.0 <= urban_connectivity <= 1.0,
        "urban_connectivity",
        urban_connectivity,
        "a number in [0, 1]",
        file,
    )
    require(
        0.0 <= rural_connectivity_low <= 1.0,
        "rural_connectivity_low",
        rural_connectivity_low,
        "a number in [0, 1]",
        file,
    )
    require(
        0.0 <= rural_connectivity_high <= 1.0,
        "rural_connectivity_high",
        rural_connectivity_high,
        "a number in [0, 1]",
        file,
    )
    require(
        rural_connectivity_low <= rural_connectivity_high,
        "rural_connectivity_low",
        rural_connectivity_low,
        f"a number <= rural_connectivity_high ({rural_connectivity_high})",
        file,
    )


def draw_connectivity(
    urban: np.ndarray,
    urban_connectivity: float,
    rural_connectivity_low: float,
    rural_connectivity_high: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Broadband connectivity: urban ~ clip(N(mean, 0.03), 0, 1), rural ~ U(low, high)."""
    n = len(urban)
    urban_draw = np.clip(rng.normal(urban_connectivity, URBAN_CONNECTIVITY_SD, n), 0.0, 1.0)
    rural_draw = rng.uniform(rural_connectivity_low, rural_connectivity_high, n)
    return np.where(urban, urban_draw, rural_draw)


def draw_services(urban: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Public service level: urban 0.8, rural ~ U(0.4, 0.6) (assumption)."""
    rural_draw = rng.uniform(RURAL_SERVICES[0], RURAL_SERVICES[1], len(urban))
    return np.where(urban, URBAN_SERVICES, rural_draw)


COMMUNES_PER_EPCI = 34_935 / 1_254
"""Communes per EPCI with own taxation in France on 1 January 2024: 34,935 communes, 1,254
EPCIs (DGCL, *Les collectivités locales en chiffres 2024*)."""


def generated_epcis(
    x_km: np.ndarray, y_km: np.ndarray, population: np.ndarray
) -> tuple[np.ndarray, int]:
    """EPCIs of a generated territory: the ``ceil(n / COMMUNES_PER_EPCI)`` most populous
    municipalities are seats, and every municipality joins its nearest seat (EPCIs form
    around towns; no draw, so the territory's random streams are untouched).

    Returns:
        The EPCI of each municipality (0..k-1, the seats in decreasing population) and k.
    """
    n = len(population)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    count = int(np.ceil(n / COMMUNES_PER_EPCI))
    seats = np.argsort(-np.asarray(population), kind="stable")[:count]
    return nearest_centre(np.column_stack([x_km, y_km]), seats), count


def nearest_centre(xy: np.ndarray, centres: np.ndarray) -> np.ndarray:
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
    xy: np.ndarray,
    detour_factor: float,
    radius_km: float,
    gravity_d0_km: float,
    file: str | Path | None = None,
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Sparse road distances and gravity weights for pairs within commuting radius.

    Pairs come from a k-d tree query at Euclidean radius ``radius_km / detour_factor``
    (slightly widened against rounding), then are kept exactly where
    ``hypot(dx, dy) * detour_factor <= radius_km``. The diagonal (distance 0,
    weight 1) is stored explicitly.

    Returns:
        ``(commute_km, commute_weight)``: symmetric CSR matrices with sorted indices and the
        same sparsity pattern.
    """
    n = len(xy)
    tree = cKDTree(xy)
    search = radius_km / detour_factor
    search = search * (1.0 + 1e-9) + 1e-12
    check_commute_entries(
        int(tree.count_neighbors(tree, search)), commute_km=radius_km, n=n, file=file
    )
    pairs = tree.query_pairs(search, output_type="ndarray")
    index_dtype = np.int32 if 2 * len(pairs) + n < np.iinfo(np.int32).max else np.int64
    i = pairs[:, 0].astype(index_dtype)
    j = pairs[:, 1].astype(index_dtype)
    del pairs
    dist = np.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1]) * detour_factor
    keep = dist <= radius_km
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


def assemble(
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
    commute_km: float,
    gravity_d0_km: float,
    file: str | Path | None = None,
    places: pd.DataFrame | None = None,
) -> Territory:
    """Build links and commuting zones (within ``commute_km`` by road) for given municipalities
    and wrap everything up; ``file`` is the territory file, if any (kept as
    :attr:`Territory.source`); ``places`` become :attr:`Territory.places`."""
    road_km, gravity_weight = _commute_matrices(xy, detour_factor, commute_km, gravity_d0_km, file)
    edges = _road_edges(xy)
    delta = xy[edges[:, 0]] - xy[edges[:, 1]]
    edge_km = np.hypot(delta[:, 0], delta[:, 1]) * detour_factor
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
        commute_km=road_km,
        commute_weight=gravity_weight,
        centres=centres,
        source=str(file) if file is not None else None,
        places=places,
    )
