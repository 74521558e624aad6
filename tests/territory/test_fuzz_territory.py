"""Fuzz test of territory files (issue 19): whatever a CSV or GeoJSON file holds, loading it
gives a valid Territory or one InputError, never another exception, and ``platsim run`` on a
scenario using it exits 0 or 2 without a traceback.

Files mix plausible municipalities with hostile values: huge, negative, NaN and infinite
numbers, missing and duplicate columns, duplicate ids, rows too long or short, binary
bytes, coordinates on both sides of the antimeridian, broken GeoJSON structures. Bounded in
time: a few dozen examples, no deadline, no example database.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platsim.cli.app import main
from platsim.errors import InputError
from platsim.territory import Territory, load_territory

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_NUMBERS = (
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "1e300",
    "-1e300",
    "1e12",
    "4.9e7",
    "0",
    "-1",
    "0.001",
    "1e-320",
    "180.0",
    "-180.0",
    "179.9",
    "-179.9",
    "90",
    "-90.5",
    "0x10",
    "1,5",
    "",
    " ",
    "9" * 400,
    "true",
)

COLUMNS = ("id", "name", "x", "y", "lon", "lat", "population", "region", "connectivity")

#: a plausible value of each column (most files must load, or the fuzz tests only errors)
PLAUSIBLE = {
    "id": st.sampled_from(["a", "b", "c", "d", "e", "01001", "m1", "a"]),
    "name": st.text(max_size=6),
    "x": st.floats(-60, 60),
    "y": st.floats(-60, 60),
    "lon": st.one_of(st.floats(2.0, 3.0), st.floats(179.5, 180.0), st.floats(-180.0, -179.5)),
    "lat": st.floats(44.0, 45.0),
    "population": st.one_of(st.floats(1, 50_000), st.integers(1, 3_000)),
    "region": st.sampled_from(["0", "1", "north", "south", "2"]),
    "connectivity": st.floats(0, 1),
    "services": st.floats(0, 1),
}

#: per-file chance (in %) of each hostile change: about half the files are well formed
rates = st.sampled_from([0, 0, 0, 3, 10, 40])


def hostile(draw: st.DrawFn, rate: int) -> bool:
    """Whether to spoil this value or structure, at ``rate`` per cent."""
    return rate > 0 and draw(st.integers(0, 99)) < rate


cells = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=10),
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A CSV: a header of known (sometimes missing, repeated or odd) columns, plausible rows
    with a few hostile cells, now and then a row too long or too short."""
    rate = draw(rates)
    coordinates = draw(st.sampled_from([("x", "y"), ("lon", "lat")]))
    if hostile(draw, rate):
        coordinates = draw(st.sampled_from([("x",), ("lat",), ()]))
    header = ["id", "name", *coordinates, "population"]
    header += draw(
        st.lists(st.sampled_from(["region", "connectivity", "services"]), max_size=2, unique=True)
    )
    if hostile(draw, rate):
        header.remove(draw(st.sampled_from(header)))
    if hostile(draw, rate):
        header.append(draw(st.sampled_from([*COLUMNS, "extra", " Population "])))
    unique_ids = not hostile(draw, rate)
    rows = []
    for index in range(draw(st.integers(0 if hostile(draw, rate) else 1, 7))):
        row = []
        for column in header:
            key = column.strip().lower()
            if key == "id" and unique_ids:
                row.append(f"m{index}")
            elif key in PLAUSIBLE and not hostile(draw, rate):
                row.append(str(draw(PLAUSIBLE[key])))
            else:
                row.append(draw(cells))
        if hostile(draw, rate):
            if draw(st.booleans()):
                row.append(draw(cells))
            elif row:
                row.pop()
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@st.composite
def geojson_files(draw: st.DrawFn) -> bytes:
    """A GeoJSON FeatureCollection of mostly plausible Point features with hostile values,
    or a broken structure."""
    rate = draw(rates)
    with_region = draw(st.booleans())
    features: list[object] = []
    for index in range(draw(st.integers(0 if hostile(draw, rate) else 1, 6))):
        lon = draw(cells) if hostile(draw, rate) else draw(PLAUSIBLE["lon"])
        lat = draw(cells) if hostile(draw, rate) else draw(PLAUSIBLE["lat"])
        coordinates: object = [lon, lat]
        kind = draw(st.integers(0, 4)) if hostile(draw, rate) else 5
        if kind == 0:
            coordinates = [lon]
        elif kind == 1:
            coordinates = {"lon": lon}
        properties: dict[str, object] = {
            "name": draw(PLAUSIBLE["name"]),
            "population": 1e12 if hostile(draw, rate) else draw(PLAUSIBLE["population"]),
        }
        if hostile(draw, rate):
            properties["population"] = draw(st.one_of(cells, st.none(), st.booleans()))
        if with_region != hostile(draw, rate):
            properties["region"] = draw(PLAUSIBLE["region"])
        feature: dict[str, object] = {
            "type": "Feature",
            "id": draw(PLAUSIBLE["id"]) if hostile(draw, rate) else f"m{index}",
            "geometry": {"type": "Point" if kind != 2 else "Polygon", "coordinates": coordinates},
            "properties": properties if kind != 3 else [1, 2],
        }
        features.append(feature if kind != 4 else "not a feature")
    document: object = {"type": "FeatureCollection", "features": features}
    kind = draw(st.integers(0, 2)) if hostile(draw, rate) else 3
    if kind == 0:
        document = {"type": "Feature"}
    elif kind == 1:
        document = features
    text = json.dumps(document, allow_nan=True)
    if kind == 2:
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8")


territory_files = st.one_of(
    st.tuples(st.just(".csv"), csv_files()),
    st.tuples(st.just(".geojson"), geojson_files()),
    st.tuples(st.sampled_from([".csv", ".geojson"]), st.binary(max_size=200)),
)


def check_territory(territory: Territory) -> None:
    """What every loaded territory must satisfy."""
    assert territory.n >= 1
    assert np.isfinite(territory.x_km).all() and np.isfinite(territory.y_km).all()
    assert (np.abs(territory.x_km) <= 40_000).all() and (np.abs(territory.y_km) <= 40_000).all()
    assert (territory.population > 0).all() and np.isfinite(territory.population).all()
    assert territory.commute_km.shape == (territory.n, territory.n)


@FUZZ
@given(file=territory_files, n_regions=st.integers(1, 3))
def test_loading_any_territory_file_gives_a_territory_or_an_input_error(
    file: tuple[str, bytes], n_regions: int
) -> None:
    suffix, content = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"territory{suffix}"
        path.write_bytes(content)
        try:
            territory = load_territory(path, n_regions=n_regions, rng=np.random.default_rng(0))
        except InputError as error:
            assert str(path) in str(error)  # the message names the file
            return
        check_territory(territory)


@settings(FUZZ, max_examples=8)
@given(file=territory_files, n_regions=st.integers(1, 2))
def test_running_a_scenario_on_any_territory_file_exits_0_or_2(
    file: tuple[str, bytes], n_regions: int
) -> None:
    suffix, content = file
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / f"territory{suffix}").write_bytes(content)
        scenario = root / "scenario.yaml"
        scenario.write_text(
            f"name: fuzz\nterritory:\n  file: territory{suffix}\n  n_regions: {n_regions}\n"
        )
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", str(scenario), "--steps", "1", "--quiet", "--out", str(root / "o")])
        output = out.getvalue() + err.getvalue()
        assert code in (0, 2), output
        assert "Traceback" not in output
        if code == 2:
            assert output.startswith("error: "), output
        else:
            assert (root / "o" / "metrics.parquet").is_file()
