"""The geometry of ``tools/build_france.py`` (the script that builds the bundled commune table):
areas and centroids of polygons with holes, in either orientation."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "build_france.py"


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_france", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def square(x0: float, y0: float, side: float) -> np.ndarray:
    return np.array([[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]])


@pytest.mark.parametrize("clockwise", [False, True])
def test_an_l_shape_has_the_centroid_of_its_parts(build: ModuleType, clockwise: bool) -> None:
    # an L of three 0.01-degree squares near 46.5 N: centroid = mean of the squares' centres
    ring = np.array(
        [
            [2.0, 46.5],
            [2.02, 46.5],
            [2.02, 46.51],
            [2.01, 46.51],
            [2.01, 46.52],
            [2.0, 46.52],
            [2.0, 46.5],
        ]
    )
    ring = ring[::-1] if clockwise else ring
    area, lon, lat = build.area_and_centroid([[ring]])
    assert lon == pytest.approx((2.005 + 2.015 + 2.005) / 3, abs=2e-6)
    assert lat == pytest.approx((46.505 + 46.505 + 46.515) / 3, abs=2e-6)
    side_km = (0.01 * math.pi / 180 * 6378.137 * math.cos(math.radians(46.51)), 0.01 * 111.2)
    assert area == pytest.approx(3 * side_km[0] * side_km[1], rel=0.005)


def test_a_hole_is_subtracted_and_moves_the_centroid_away(build: ModuleType) -> None:
    outer = square(3.0, 45.0, 0.04)
    hole = square(3.0, 45.0, 0.02)[::-1]  # the lower-left quarter
    full, lon_full, lat_full = build.area_and_centroid([[outer]])
    holed, lon, lat = build.area_and_centroid([[outer, hole]])
    # the plane is tangent at the vertices' mean, which the hole's vertices move: the areas
    # agree to the method's stated precision (about 1e-4), not to rounding
    assert holed == pytest.approx(0.75 * full, rel=2e-4)
    # three quarters left: centroid at 2/3 of the way from the hole's centre through the middle
    assert lon == pytest.approx(3.02 + (3.02 - 3.01) / 3, abs=2e-6)
    assert lat == pytest.approx(45.02 + (45.02 - 45.01) / 3, abs=2e-6)
    assert (lon_full, lat_full) == pytest.approx((3.02, 45.02), abs=2e-6)
