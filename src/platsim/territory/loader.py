"""The territory loader: a user's territory from a CSV or GeoJSON file.

:func:`load_territory` reads municipalities (id, name, planar x/y in km or lon/lat in
degrees, population; optional region, connectivity, services) and builds their road links
and commuting zones as the generator does. Every problem with the file raises
:class:`platsim.errors.InputError` naming the file, the field, the value and what is
allowed.

Its keyword parameters are the scenario's ``territory`` fields that apply to a loaded
territory (:class:`platsim.schema.sections.Territory`), with the same names and defaults.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from platsim.errors import InputError
from platsim.schema.sections import Territory as TerritorySettings
from platsim.territory.limits import (
    MAX_FILE_BYTES,
    MAX_MUNICIPAL_POPULATION,
    MAX_MUNICIPALITIES,
    MAX_PLANAR_KM,
    MAX_TOTAL_POPULATION,
)
from platsim.territory.network import (
    Territory,
    assemble,
    check_distance_parameters,
    draw_connectivity,
    draw_services,
    nearest_centre,
    require,
)

EARTH_RADIUS_KM = 6371.0
"""Mean Earth radius (km) used by the equirectangular projection of lon/lat input."""

_DEFAULTS = TerritorySettings()
"""The scenario schema's territory section with its defaults: the loader's defaults."""

_TERRITORY_COLUMNS = ("id", "name", "population")
_OPTIONAL_COLUMNS = ("region", "connectivity", "services")
_COORDINATE_COLUMNS = ("x", "y", "lon", "lat")
_EXTENSIONS = (".csv", ".geojson", ".json")
_GEOJSON_PROPERTIES = frozenset(_TERRITORY_COLUMNS + _OPTIONAL_COLUMNS)
"""The properties read from a GeoJSON feature (coordinates come from its geometry)."""
_ALLOWED_COLUMNS = (
    "required columns id, name, population and either x, y (planar km) or lon, lat "
    "(degrees); optional region, connectivity, services"
)


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
                nrows=MAX_MUNICIPALITIES + 1,
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
    _check_count(len(table), source, f"more than {MAX_MUNICIPALITIES:,} data rows")
    return table.astype(object)


def _check_count(count: int, source: _Source, found: str | int) -> None:
    """Refuse more municipalities than :data:`~platsim.territory.limits.MAX_MUNICIPALITIES`."""
    if count > MAX_MUNICIPALITIES:
        raise source.fail(
            "too many municipalities",
            "features" if source.geojson else None,
            found,
            f"at most {MAX_MUNICIPALITIES:,} municipalities",
        )


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
    _check_count(len(features), source, f"{len(features):,} features")
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
        # only the columns the loader reads: other properties are ignored, and a file at the
        # size limit with many of them must not become a table of them
        record = {
            name: _json_text(v)
            for name, v in ((str(key).strip().lower(), v) for key, v in properties.items())
            if name in _GEOJSON_PROPERTIES
        }
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
    integer = pd.Series(texts, dtype=object).str.fullmatch(r"[+-]?\d{1,18}").to_numpy(dtype=bool)
    if integer.all():
        codes = np.array([int(t) for t in texts.tolist()], dtype=np.int64)
        source.fail_rows(
            codes < 0,
            "negative region index",
            "region",
            texts,
            "integer indices 0..k-1, or text labels",
        )
        # n indices cannot cover 0..k-1 with k > n: count only those below n, so a huge
        # index allocates nothing (the first unused index is below n anyway)
        n = len(codes)
        used = np.bincount(codes[codes < n], minlength=n)[: int(codes.max()) + 1]
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


def _unwrap_longitudes(lon: np.ndarray) -> np.ndarray:
    """Longitudes shifted by 360 degrees where needed to lie within 180 degrees of their
    circular mean, so that a territory across the antimeridian (179.9 and -179.9) is one
    piece, 0.2 degrees wide, not 359.8.

    Longitudes already within 180 degrees of the circular mean are returned unchanged, bit
    for bit (a territory that does not cross the antimeridian projects as before).
    """
    radians = np.radians(lon)
    centre = math.degrees(math.atan2(float(np.sin(radians).mean()), float(np.cos(radians).mean())))
    offset = lon - centre
    return np.where(offset > 180.0, lon - 360.0, np.where(offset < -180.0, lon + 360.0, lon))


def _project(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Equirectangular projection (km) about the mean longitude and latitude.

    ``x = R * rad(lon - lon0) * cos(rad(lat0))``, ``y = R * rad(lat - lat0)``, ``R = 6371``
    km: accurate to a few per cent over a region a few hundred km across. Longitudes are
    first unwrapped about their circular mean (:func:`_unwrap_longitudes`), so ``lon0`` is
    the mean of the unwrapped longitudes and points on both sides of the antimeridian are
    as close as on the globe.
    """
    lon = _unwrap_longitudes(lon)
    lon0 = float(lon.mean())
    lat0 = float(lat.mean())
    x = EARTH_RADIUS_KM * np.radians(lon - lon0) * math.cos(math.radians(lat0))
    y = EARTH_RADIUS_KM * np.radians(lat - lat0)
    return np.stack([x, y], axis=1)


def load_territory(
    path: str | Path,
    *,
    n_regions: int = _DEFAULTS.n_regions,
    urban_threshold: float = _DEFAULTS.urban_threshold,
    detour_factor: float = _DEFAULTS.detour_factor,
    commute_km: float = _DEFAULTS.commute_km,
    gravity_d0_km: float = _DEFAULTS.gravity_d0_km,
    urban_connectivity: float = _DEFAULTS.urban_connectivity,
    rural_connectivity_low: float = _DEFAULTS.rural_connectivity_low,
    rural_connectivity_high: float = _DEFAULTS.rural_connectivity_high,
    rng: np.random.Generator,
) -> Territory:
    """Load a user's territory from a CSV or GeoJSON file.

    CSV (``.csv``): one header line, one municipality per row. Column names are matched
    after stripping spaces and lower-casing; unknown columns are ignored.

    * required: ``id`` (text, unique, non-empty), ``name`` (text), ``population``
      (inhabitants, > 0 and at most 50 M per municipality, 2 G in all);
    * coordinates: ``x``, ``y`` (planar km, each within +-40,000 km), or ``lon``, ``lat``
      (degrees, projected to km by an equirectangular projection about the mean latitude
      and the circular mean longitude, so a territory may cross the antimeridian, see
      :func:`_project`); when both pairs are present ``x``, ``y`` are used;
    * optional ``region``: integer indices ``0..k-1`` (each used) or labels (mapped to
      ``0..k-1`` in order of first appearance); the number of regions is then taken from
      the data and ``n_regions`` is ignored. Without it, the ``n_regions`` most populous
      municipalities become centres and every municipality joins its nearest centre;
    * optional ``connectivity`` and ``services`` in [0, 1]; when absent they are drawn as in
      :func:`~platsim.territory.generate_territory` (urban ~ clip(N(urban_connectivity,
      0.03)), rural ~ U(rural_connectivity_low, rural_connectivity_high); services urban
      0.8, rural U(0.4, 0.6)).

    GeoJSON (``.geojson`` or ``.json``): a FeatureCollection of Point features, coordinates
    ``[lon, lat]`` in degrees, the same names in ``properties``; ``id`` may be the feature's
    ``id`` or a property (if both, they must agree).

    Size limits (:mod:`platsim.territory.limits`, chosen so that France at full resolution
    fits): at most 200,000 municipalities, a file of at most 200 MiB, and commuting zones
    of at most 100 M pairs of municipalities. The number of worker agents the model makes
    of the population is checked when the model is built
    (:func:`~platsim.territory.limits.check_worker_agents`), as it depends on the
    scenario's ``population`` section.

    The centre of a given region is its most populous municipality (first one on ties).
    Municipalities at identical coordinates are accepted: the duplicate is linked to the
    coincident municipality by a road of length 0.

    The keyword parameters but ``rng`` are fields of the scenario's ``territory`` section,
    with the same names and defaults (:class:`platsim.schema.sections.Territory`).

    Args:
        path: The file to read.
        n_regions: Number of regions to build when the file has no ``region`` column.
        urban_threshold: Inhabitants from which a municipality is urban.
        detour_factor: Road length / straight-line length (>= 1).
        commute_km: Commuting radius: largest road distance (km) of a commute.
        gravity_d0_km: Distance decay (km) of the gravity weight.
        urban_connectivity: Mean connectivity drawn for urban municipalities.
        rural_connectivity_low: Lower bound of the connectivity drawn for rural
            municipalities.
        rural_connectivity_high: Upper bound of the connectivity drawn for rural
            municipalities.
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
            non-finite number, population <= 0 or above the limits, x or y beyond
            +-40,000 km, lat outside [-90, 90], lon outside [-180, 180], connectivity or
            services outside [0, 1], a bad region column, a file, a number of
            municipalities or commuting zones above the size limits, or out-of-range
            parameters. No bad value is ever replaced by a default.
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
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise source.fail(
            "file too large",
            value=f"{size:,} bytes",
            allowed=f"at most {MAX_FILE_BYTES:,} bytes ({MAX_MUNICIPALITIES:,} municipalities)",
        )
    check_distance_parameters(
        detour_factor=detour_factor,
        commute_km=commute_km,
        gravity_d0_km=gravity_d0_km,
        urban_threshold=urban_threshold,
        urban_connectivity=urban_connectivity,
        rural_connectivity_low=rural_connectivity_low,
        rural_connectivity_high=rural_connectivity_high,
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
    source.fail_rows(
        population > MAX_MUNICIPAL_POPULATION,
        "population too large for one municipality",
        "population",
        population,
        f"inhabitants <= {MAX_MUNICIPAL_POPULATION:,.0f} (the largest municipality in the "
        "world, Chongqing, has about 32 M)",
    )
    total = float(population.sum())
    if total > MAX_TOTAL_POPULATION:
        raise source.fail(
            "total population too large",
            source.column("population"),
            total,
            f"at most {MAX_TOTAL_POPULATION:,.0f} inhabitants in all (China and India have "
            "about 1.4 G)",
        )

    if planar:
        planar_allowed = f"a coordinate in km in [-{MAX_PLANAR_KM:,.0f}, {MAX_PLANAR_KM:,.0f}]"
        x = _numbers(table, "x", source, planar_allowed)
        y = _numbers(table, "y", source, planar_allowed)
        for column, values in (("x", x), ("y", y)):
            source.fail_rows(
                np.abs(values) > MAX_PLANAR_KM,
                f"{column} out of range (beyond the Earth's circumference)",
                column,
                values,
                planar_allowed,
            )
        xy = np.stack([x, y], axis=1)
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
        require(
            isinstance(n_regions, int | np.integer) and 1 <= n_regions <= len(table),
            "n_regions",
            n_regions,
            f"an integer in [1, {len(table)}] (the number of municipalities in the file)",
            path,
        )
        k = int(n_regions)
        centres = np.argsort(-population, kind="stable")[:k].astype(np.int64)
        region = nearest_centre(xy, centres)
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
        connectivity = draw_connectivity(
            urban, urban_connectivity, rural_connectivity_low, rural_connectivity_high, rng
        )
    if "services" in columns:
        services = _numbers(table, "services", source, unit)
        source.fail_rows(
            (services < 0) | (services > 1), "services out of range", "services", services, "[0, 1]"
        )
    else:
        services = draw_services(urban, rng)

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
        file=path,
    )
