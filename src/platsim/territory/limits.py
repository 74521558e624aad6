"""Size limits of a territory: what a file or a scenario may ask the model to allocate.

A territory file is user input, and the model's memory grows with what it asks for: one
worker agent per ``inhabitants_per_agent`` working-age residents, one entry of each of two
sparse commuting matrices per pair of municipalities within commuting range. A hostile or
mistyped file (a population of 1e12, coordinates of 1e300, a million-digit region index)
must get one clear :class:`~platsim.errors.InputError` before anything large is allocated,
never a memory error or an overflow. The limits below are fixed, not measured on the
machine, so that a scenario valid on one computer is valid on every other; each one is
chosen so that France at full resolution fits:

* France: 66.5 M inhabitants in about 35,000 communes, 62 % of working age, hence about
  41 M worker agents at one agent per working-age resident (``inhabitants_per_agent = 1``),
  and about 3.6 M commuting-matrix entries at the default 30 km commuting radius (about
  40 M at 100 km).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from platsim.errors import InputError

MAX_MUNICIPALITIES = 200_000
"""Most municipalities a territory file may hold: twice the generator's limit
(``territory.n_municipalities`` <= 100,000) and almost six times France's 35,000 communes
(Germany, Italy, Spain and the 19,500 incorporated places of the United States fit too)."""

MAX_FILE_BYTES = 200 * 1024**2
"""Largest territory file read (200 MiB): 1 KiB per municipality at
:data:`MAX_MUNICIPALITIES`, far above a CSV row or a GeoJSON Point feature with a dozen
properties, and small enough that parsing it stays within a few GB of memory."""

MAX_MUNICIPAL_POPULATION = 50_000_000.0
"""Largest population of one municipality (inhabitants): above the most populous
municipality-level unit in the world (Chongqing, about 32 M); Paris has 2.1 M."""

MAX_TOTAL_POPULATION = 2_000_000_000.0
"""Largest population of a whole territory file (inhabitants): above the most populous
countries (China and India, about 1.4 G each). The model's memory is bounded separately, by
:data:`MAX_WORKER_AGENTS`, which also depends on the scenario's ``population`` section."""

MAX_PLANAR_KM = 40_000.0
"""Largest absolute planar coordinate ``x`` or ``y`` (km): the Earth's circumference
(about 40,075 km); a longitude/latitude file projects to at most about 20,000 km."""

MAX_WORKER_AGENTS = 50_000_000
"""Most worker agents a run may create: France at one agent per working-age resident (about
41 M) fits. Each worker agent holds about :data:`BYTES_PER_WORKER` bytes of arrays, so the
limit is about 5 GB before the temporaries of the monthly phases."""

BYTES_PER_WORKER = 105
"""Bytes of the arrays of one worker agent (:class:`platsim.core.agents.Workers`: 13 numbers
of 8 bytes and a 1-byte status)."""

MAX_COMMUTE_ENTRIES = 100_000_000
"""Most entries of the commuting matrices (ordered pairs of municipalities within commuting
range, each municipality with itself included): France's 35,000 communes fit up to a
commuting radius of about 150 km. Each entry takes :data:`BYTES_PER_COMMUTE_ENTRY` bytes in
the two stored matrices (about 2.4 GB at the limit)."""

BYTES_PER_COMMUTE_ENTRY = 24
"""Bytes of one entry of the two commuting matrices (road km and gravity weight: an 8-byte
value and a 4-byte column index each)."""


def _gigabytes(count: float, bytes_each: int) -> str:
    return f"{count * bytes_each / 1e9:.3g} GB"


def expected_workers(
    population: np.ndarray, *, working_age_share: float, inhabitants_per_agent: float
) -> np.ndarray:
    """Expected worker agents of each municipality, as the model creates them.

    ``population * working_age_share / inhabitants_per_agent`` (the model then rounds each
    municipality's count stochastically, keeping the expectation).
    """
    return np.asarray(population, dtype=np.float64) * working_age_share / inhabitants_per_agent


def check_worker_agents(
    population: np.ndarray,
    *,
    working_age_share: float,
    inhabitants_per_agent: float,
    file: str | Path | None = None,
) -> float:
    """Refuse a territory whose model would have no worker agent, or too many to hold.

    The expected number of worker agents, ``sum(population) * working_age_share /
    inhabitants_per_agent``, must lie in ``[1, MAX_WORKER_AGENTS]``.

    Args:
        population: Inhabitants of each municipality.
        working_age_share: The scenario's ``population.working_age_share``.
        inhabitants_per_agent: The scenario's ``population.inhabitants_per_agent``.
        file: The territory file, when the territory was loaded from one (the error then
            names it and its ``population`` column; otherwise the field is ``territory``).

    Returns:
        The expected number of worker agents.

    Raises:
        InputError: If the expected number is below 1 or above :data:`MAX_WORKER_AGENTS`.
    """
    total = float(np.sum(population, dtype=np.float64))
    expected = total * working_age_share / inhabitants_per_agent
    field = "population" if file is not None else "territory"
    formula = (
        f"{total:.4g} inhabitants x population.working_age_share {working_age_share:g} / "
        f"population.inhabitants_per_agent {inhabitants_per_agent:g}"
    )
    if not math.isfinite(expected) or expected > MAX_WORKER_AGENTS:
        needed = (
            math.ceil(total * working_age_share / MAX_WORKER_AGENTS)
            if math.isfinite(total)
            else None
        )
        hint = (
            f"population.inhabitants_per_agent >= {needed:,}"
            if needed is not None and needed <= 100_000
            else "a smaller territory"
        )
        raise InputError(
            f"the territory would create about {expected:.3g} worker agents ({formula}), "
            f"about {_gigabytes(expected, BYTES_PER_WORKER)} of agent arrays",
            file=file,
            field=field,
            value=total,
            allowed=f"at most {MAX_WORKER_AGENTS:,} worker agents (France at one agent per "
            f"working-age resident is about 41 M): use {hint}",
        )
    if expected < 1.0:
        raise InputError(
            f"the territory would create no worker agent (expected {expected:.3g}: {formula})",
            file=file,
            field=field,
            value=total,
            allowed="a total population x working_age_share / inhabitants_per_agent >= 1 "
            "(populations are inhabitants, not thousands or shares)",
        )
    return expected


def check_commute_entries(
    entries: int, *, commute_km: float, n: int, file: str | Path | None = None
) -> None:
    """Refuse commuting zones too large to hold (see :data:`MAX_COMMUTE_ENTRIES`).

    Args:
        entries: Ordered pairs of municipalities within commuting range, the diagonal
            included (the entries of one commuting matrix).
        commute_km: The commuting radius the pairs were counted at.
        n: Number of municipalities.
        file: The territory file, if the territory came from one.

    Raises:
        InputError: If ``entries`` exceeds :data:`MAX_COMMUTE_ENTRIES`; the field is
            ``commute_km`` (the scenario's ``territory.commute_km``).
    """
    if entries <= MAX_COMMUTE_ENTRIES:
        return
    raise InputError(
        f"the commuting zones of these {n:,} municipalities would hold {entries:,} pairs "
        f"within {commute_km:g} km, about {_gigabytes(entries, BYTES_PER_COMMUTE_ENTRY)}",
        file=file,
        field="commute_km",
        value=commute_km,
        allowed=f"at most {MAX_COMMUTE_ENTRIES:,} pairs: a smaller commute_km, or fewer or "
        "more spread-out municipalities",
    )
