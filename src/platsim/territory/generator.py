"""The territory generator: a synthetic territory organised around its towns.

:func:`generate_territory` draws municipalities whose sizes are calibrated to France's
communes (INSEE: 34,857 communes with population, 66.5 M inhabitants, median commune 458
inhabitants, 85 % of communes under 2,000 inhabitants, rank-size slope of the largest 1,000
communes about -0.72). Towns (one regional centre per region) organise the space: most
communes cluster around them.

Its keyword parameters are the scenario's ``territory`` fields
(:class:`platsim.schema.sections.Territory`), with the same names and the same defaults, plus
three generator-only parameters (``tail_start``, ``background_share``,
``peak_km2_per_municipality``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from platsim.schema.sections import Territory as TerritorySettings
from platsim.territory.network import (
    Territory,
    assemble,
    check_distance_parameters,
    draw_connectivity,
    draw_services,
    nearest_centre,
    require,
)

_DEFAULTS = TerritorySettings()
"""The scenario schema's territory section with its defaults: the generator's defaults."""


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
    n_municipalities: int = _DEFAULTS.n_municipalities,
    area_km: float = _DEFAULTS.area_km,
    n_regions: int = _DEFAULTS.n_regions,
    urban_threshold: float = _DEFAULTS.urban_threshold,
    median_population: float = _DEFAULTS.median_population,
    tail_share: float = _DEFAULTS.tail_share,
    rank_size_slope: float = _DEFAULTS.rank_size_slope,
    centre_min_population: float = _DEFAULTS.centre_min_population,
    max_population: float = _DEFAULTS.max_population,
    cluster_km: float = _DEFAULTS.cluster_km,
    detour_factor: float = _DEFAULTS.detour_factor,
    commute_km: float = _DEFAULTS.commute_km,
    gravity_d0_km: float = _DEFAULTS.gravity_d0_km,
    urban_connectivity: float = _DEFAULTS.urban_connectivity,
    rural_connectivity_low: float = _DEFAULTS.rural_connectivity_low,
    rural_connectivity_high: float = _DEFAULTS.rural_connectivity_high,
    tail_start: float = 2000.0,
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
    ``clip(N(urban_connectivity, 0.03), 0, 1)``, rural ~ ``U(rural_connectivity_low,
    rural_connectivity_high)``. Services (assumption): urban 0.8, rural ~ ``U(0.4, 0.6)``.
    Links are the Delaunay triangulation (chain for n < 3 or collinear points) with road
    length = Euclidean length times ``detour_factor``; commuting zones as in
    :mod:`platsim.territory.network`.

    Every parameter but ``rng`` and the last three (``tail_start``, ``background_share``,
    ``peak_km2_per_municipality``) is a field of the scenario's ``territory`` section, with
    the same name and default (:class:`platsim.schema.sections.Territory`).

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
        max_population: Upper truncation of the Pareto tail (inhabitants). The default,
            150,000, keeps single draws from dwarfing the default territory (about 300,000
            inhabitants); pass about 2.2e6 (Paris, the largest commune, has about 2.1 M)
            for France-sized territories.
        cluster_km: Scale (km) of the normal offset of communes around their centre.
        detour_factor: Road length / straight-line length (>= 1; 1.3 is a typical road
            circuity).
        commute_km: Commuting radius: largest road distance (km) of a commute.
        gravity_d0_km: Distance decay (km) of the gravity weight ``exp(-d / d0)``.
        urban_connectivity: Mean broadband connectivity of urban municipalities, in [0, 1].
        rural_connectivity_low: Lower bound of the uniform rural connectivity, in [0, 1].
        rural_connectivity_high: Upper bound of the uniform rural connectivity, in [0, 1]
            and >= ``rural_connectivity_low``.
        tail_start: Population (inhabitants) where the lognormal body ends and the Pareto
            tail begins (2,000, the threshold of INSEE's 85 % / 15 % split).
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
    require(
        isinstance(n_regions, int | np.integer) and n_regions >= 1,
        "n_regions",
        n_regions,
        "an integer >= 1",
    )
    require(
        isinstance(n_municipalities, int | np.integer) and n_municipalities >= n_regions,
        "n_municipalities",
        n_municipalities,
        f"an integer >= n_regions ({n_regions})",
    )
    require(math.isfinite(area_km) and area_km > 0, "area_km", area_km, "km > 0")
    require(tail_start > 0, "tail_start", tail_start, "inhabitants > 0")
    require(
        0 < median_population < tail_start,
        "median_population",
        median_population,
        f"inhabitants in (0, tail_start = {tail_start})",
    )
    require(0 < tail_share < 0.5, "tail_share", tail_share, "a share in (0, 0.5)")
    require(rank_size_slope < 0, "rank_size_slope", rank_size_slope, "a negative slope")
    require(
        max_population > max(tail_start, centre_min_population),
        "max_population",
        max_population,
        "inhabitants above tail_start and centre_min_population",
    )
    require(
        centre_min_population > 0,
        "centre_min_population",
        centre_min_population,
        "inhabitants > 0",
    )
    require(cluster_km > 0, "cluster_km", cluster_km, "km > 0")
    require(0 <= background_share <= 1, "background_share", background_share, "in [0, 1]")
    require(
        peak_km2_per_municipality > 0,
        "peak_km2_per_municipality",
        peak_km2_per_municipality,
        "km2 > 0",
    )
    check_distance_parameters(
        detour_factor=detour_factor,
        commute_km=commute_km,
        gravity_d0_km=gravity_d0_km,
        urban_threshold=urban_threshold,
        urban_connectivity=urban_connectivity,
        rural_connectivity_low=rural_connectivity_low,
        rural_connectivity_high=rural_connectivity_high,
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
    region = nearest_centre(xy, centres)
    urban = population >= urban_threshold
    connectivity = draw_connectivity(
        urban, urban_connectivity, rural_connectivity_low, rural_connectivity_high, rng
    )
    services = draw_services(urban, rng)

    width = max(4, len(str(n - 1)))
    ids = np.array([f"m{i:0{width}d}" for i in range(n)], dtype=object)
    names = np.array(
        [f"Centre {i}" for i in range(k)] + [f"Commune {i}" for i in range(k, n)], dtype=object
    )
    return assemble(
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
        commute_km=commute_km,
        gravity_d0_km=gravity_d0_km,
    )
