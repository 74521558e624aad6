"""The territory: municipalities on a planar map, their road links and commuting zones.

- :mod:`platsim.territory.network`: :class:`Territory` and the building blocks shared by the
  generator and the loader (road links, commuting zones, drawn connectivity and services);
- :mod:`platsim.territory.generator`: :func:`generate_territory`, a synthetic territory with
  French commune sizes, organised around its towns;
- :mod:`platsim.territory.loader`: :func:`load_territory`, a user's CSV or GeoJSON file.

Road distances are straight-line distances times a detour factor, an approximation of
distances along the network documented in :mod:`platsim.territory.network`.

The keyword parameters of both functions are the scenario's ``territory`` fields
(:class:`platsim.schema.sections.Territory`), with the same names and defaults.
"""

from platsim.territory.generator import generate_territory
from platsim.territory.loader import EARTH_RADIUS_KM, load_territory
from platsim.territory.network import FRANCE_KM2_PER_MUNICIPALITY, Territory, area_for

__all__ = [
    "EARTH_RADIUS_KM",
    "FRANCE_KM2_PER_MUNICIPALITY",
    "Territory",
    "area_for",
    "generate_territory",
    "load_territory",
]
