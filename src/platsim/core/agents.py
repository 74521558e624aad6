"""Vectorised agent populations: workers (households) and firms as columns of numpy arrays.

Each population keeps one numpy array per attribute, one row per agent, so every phase of a
step is a handful of array operations whatever the number of agents. For notebooks and
debugging, ``population.frame()`` gives a pandas DataFrame and ``population[i]`` a small
read-only record of one agent.

    >>> from platsim.core.agents import Workers
    >>> workers = Workers.empty(3)
    >>> workers.status[:] = Status.UNEMPLOYED
    >>> workers[0].status
    2
    >>> len(workers.frame())
    3
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from platsim.numerics.sparse import matvec


class Status(IntEnum):
    """Labour-market status of a worker: each worker holds exactly one."""

    EMPLOYEE = 0
    PLATFORM = 1
    UNEMPLOYED = 2
    TRAINING = 3


class Sector(IntEnum):
    """Firm sectors. Local services sell to households and municipalities in the commuting
    zone; traditional and knowledge-intensive firms sell outside the territory."""

    LOCAL_SERVICES = 0
    TRADITIONAL = 1
    KNOWLEDGE = 2


# The same codes as plain ints, for array comparisons and indexing on hot paths: numpy probes
# an IntEnum member for the array protocols through the enum metaclass on every use, which
# makes ``status == Status.EMPLOYEE`` about ten times slower than ``status == EMPLOYEE``.
EMPLOYEE, PLATFORM, UNEMPLOYED, TRAINING = (int(code) for code in Status)
LOCAL_SERVICES, TRADITIONAL, KNOWLEDGE = (int(code) for code in Sector)
N_STATUSES = len(Status)

NO_EMPLOYER = -1


@dataclass(eq=False)
class ArrayPopulation:
    """Base class: equal-length numpy arrays, one per attribute."""

    record_name: ClassVar[str] = "Agent"

    def __len__(self) -> int:
        # the first field is the first attribute dataclass __init__ sets (read many times a step)
        return len(next(iter(self.__dict__.values())))

    @classmethod
    def columns(cls) -> list[str]:
        """Attribute names, in declaration order."""
        cached = cls.__dict__.get("_columns_cache")
        if cached is None:
            cached = [f.name for f in fields(cls)]
            cls._columns_cache = cached
        return list(cached)

    @classmethod
    def _record_type(cls) -> type:
        cached = cls.__dict__.get("_record_cache")
        if cached is None:
            cached = namedtuple(cls.record_name, ["index", *cls.columns()])
            cls._record_cache = cached
        return cached

    def __getitem__(self, index: int) -> Any:
        """Return one agent as a read-only named tuple (a copy, not a view)."""
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"{self.record_name.lower()} index {index} out of range 0..{size - 1}")
        index = index % size
        values = [getattr(self, name)[index].item() for name in self.columns()]
        return self._record_type()(index, *values)

    def frame(self) -> pd.DataFrame:
        """Return every agent as a DataFrame (a copy): one row per agent."""
        return pd.DataFrame({name: getattr(self, name).copy() for name in self.columns()})


class HomeIncidence:
    """Which households live in each municipality, as a CSR matrix (municipality x household,
    entries 1.0, households in increasing order within a municipality) and head counts."""

    def __init__(self, home: np.ndarray, n_municipalities: int) -> None:
        self.n_municipalities = n_municipalities
        self.counts = np.bincount(home, minlength=n_municipalities).astype(np.int64)
        # the homes as sort keys: 16-bit when they fit (numpy sorts those by radix)
        self.keys = home.astype(np.uint16 if n_municipalities <= 1 << 16 else np.int64)
        self.matrix = sp.csr_matrix(
            (np.ones(len(home)), self._order(), self._indptr()),
            shape=(n_municipalities, len(home)),
        )

    def relocate(self, movers: np.ndarray, previous: np.ndarray, current: np.ndarray) -> None:
        """Follow the moves of households ``movers`` from ``previous`` to ``current`` homes.

        The matrix's arrays are overwritten in place: building a new scipy matrix checks its
        input at a cost of several sums.
        """
        n = self.n_municipalities
        self.counts += np.bincount(current, minlength=n) - np.bincount(previous, minlength=n)
        self.keys[movers] = current
        self.matrix.indices[:] = self._order()
        self.matrix.indptr[:] = self._indptr()

    def _order(self) -> np.ndarray:
        # households by home, in increasing order within a home
        return self.keys.argsort(kind="stable")

    def _indptr(self) -> np.ndarray:
        indptr = np.zeros(self.n_municipalities + 1, dtype=np.int64)
        np.add.accumulate(self.counts, out=indptr[1:])
        return indptr


@dataclass(eq=False)
class Workers(ArrayPopulation):
    """Households, one worker agent each (standing for several residents).

    Attributes:
        home: Municipality index where the household lives. Read-only: households move with
            :meth:`relocate` (or a new array is assigned), which keeps the sums of
            :meth:`sum_by_home` current.
        skill: Skill in [0, 1]; raises wages.
        literacy: Digital literacy in [0, 1].
        status: A :class:`Status` code.
        employer: Firm index for employees, -1 otherwise.
        wage: Monthly wage of the current job, or of the last job for the unemployed (EUR).
        income: Income received this month: wage, benefit or allowance (EUR).
        tax: Local income tax paid this month (EUR).
        spending: Consumption spending this month (EUR).
        savings: Accumulated savings (EUR; may be negative: consumer credit).
        months_unemployed: Consecutive months without a job.
        training_left: Months of training remaining (0 when not in training).
        platforms: Platforms the household buys on, as bits of an integer (bit p = platform
            p; goods and local-services platforms only).
        gig_platform: Platform a gig worker or freelancer works on (index), -1 unless status
            PLATFORM.
    """

    record_name: ClassVar[str] = "Worker"

    home: np.ndarray
    skill: np.ndarray
    literacy: np.ndarray
    status: np.ndarray
    employer: np.ndarray
    wage: np.ndarray
    income: np.ndarray
    tax: np.ndarray
    spending: np.ndarray
    savings: np.ndarray
    months_unemployed: np.ndarray
    training_left: np.ndarray
    platforms: np.ndarray
    gig_platform: np.ndarray

    def __setattr__(self, name: str, value: Any) -> None:
        # ``home`` is kept read-only so that the incidence matrix of sum_by_home cannot go
        # stale: homes change only by assigning a new array (see relocate)
        if name == "home":
            value = np.array(value, dtype=np.int64)
            value.flags.writeable = False
        object.__setattr__(self, name, value)
        if name == "home":
            object.__setattr__(self, "_home_incidence", None)

    def relocate(self, movers: np.ndarray, destinations: np.ndarray | int) -> None:
        """Move the households ``movers`` (indices or a mask) to ``destinations``."""
        incidence = self.__dict__.get("_home_incidence")
        home = self.home.copy()
        previous = home[movers]
        home[movers] = destinations
        home.flags.writeable = False
        object.__setattr__(self, "home", home)  # int64 and read-only already: no second copy
        if incidence is not None:  # cheaper to update than to rebuild
            incidence.relocate(movers, previous, home[movers])

    def at_employer(self, per_firm: np.ndarray, none: Any) -> np.ndarray:
        """Each worker's employer's entry of ``per_firm``, or ``none`` without an employer.

        ``employer + 1`` indexes ``[none, firm 0, firm 1, ...]``: one gather over the workers,
        with no mask of employees first.
        """
        return np.concatenate(([none], per_firm)).take(self.employer + 1)

    def sum_by_home(self, values: np.ndarray, n_municipalities: int) -> np.ndarray:
        """Total of ``values`` over the households of each municipality.

        The same sums as ``np.bincount(home, weights=values, minlength=n_municipalities)``,
        bit for bit (each municipality adds its households in increasing order, from 0), about
        three times faster: the product with a household-to-home incidence matrix keeps each
        total in a register, where bincount adds into memory and waits for the previous
        addition whenever neighbouring households share a home (they are created sorted).
        """
        return matvec(self._incidence(n_municipalities).matrix, values)

    def count_by_home(self, n_municipalities: int) -> np.ndarray:
        """Households living in each municipality (``np.bincount(home, minlength=n)``)."""
        return self._incidence(n_municipalities).counts.copy()

    def _incidence(self, n_municipalities: int) -> HomeIncidence:
        incidence = self.__dict__.get("_home_incidence")
        home = self.home
        if home.flags.writeable:  # a copy (deepcopy, unpickling) lost the read-only flag
            home.flags.writeable = False
            incidence = None
        if incidence is None or incidence.n_municipalities != n_municipalities:
            incidence = HomeIncidence(home, n_municipalities)
            object.__setattr__(self, "_home_incidence", incidence)
        return incidence

    @classmethod
    def empty(cls, n: int) -> Self:
        """Return ``n`` unemployed workers with zeroed attributes, living in municipality 0."""
        return cls(
            home=np.zeros(n, dtype=np.int64),
            skill=np.zeros(n),
            literacy=np.zeros(n),
            status=np.full(n, Status.UNEMPLOYED, dtype=np.int8),
            employer=np.full(n, NO_EMPLOYER, dtype=np.int64),
            wage=np.zeros(n),
            income=np.zeros(n),
            tax=np.zeros(n),
            spending=np.zeros(n),
            savings=np.zeros(n),
            months_unemployed=np.zeros(n, dtype=np.int64),
            training_left=np.zeros(n, dtype=np.int64),
            platforms=np.zeros(n, dtype=np.int64),
            gig_platform=np.full(n, -1, dtype=np.int64),
        )

    def make_unemployed(self, mask: np.ndarray) -> np.ndarray:
        """Move the flagged workers to unemployment; their last wage stays for the benefit.

        Args:
            mask: Boolean flag per worker, or the indices of the workers.

        Returns:
            The former employer of each flagged worker who had one (for firms' head counts).
        """
        # a few movers among many workers: index once rather than scan the mask four times
        mask = mask.nonzero()[0] if mask.dtype == bool else mask
        former = self.employer[mask]
        self.gig_platform[mask] = -1
        self.status[mask] = UNEMPLOYED
        self.employer[mask] = NO_EMPLOYER
        self.months_unemployed[mask] = 0
        return former[former >= 0]


@dataclass(eq=False)
class Firms(ArrayPopulation):
    """Firms. Rows of exited firms stay (``alive`` False) and are reused by entrants.

    Attributes:
        alive: Whether the row holds an active firm.
        municipality: Municipality index of the establishment.
        sector: A :class:`Sector` code.
        base_productivity: Productivity before digitisation (revenue per worker / wage level).
        productivity: Current productivity (raised by digitisation).
        digital: Whether the firm has digitised.
        employees: Number of worker agents employed (kept equal to the workers pointing here).
        vacancies: Open positions.
        revenue_local: Revenue this month from households and municipalities (EUR).
        revenue_external: Revenue this month from outside the territory (EUR).
        planned_revenue: Smoothed revenue the firm plans its workforce on (EUR).
        wage_bill: Wages paid this month (EUR).
        profit: Profit this month after fixed costs, before tax (EUR).
        cash: Cash holdings (EUR).
        negative_months: Consecutive months with negative cash.
        age: Months since entry.
        market_access: Weight of the firm in its sector's external market, before productivity
            (traded sectors); set at start so initial sales match initial employment.
        platforms: Platforms the firm is on, as bits of an integer (bit p = platform p): it
            sells on goods and local-services platforms and buys on freelance ones.
        platform_purchases: Freelance work bought through platforms this month (EUR), part
            of its fixed cost.
    """

    record_name: ClassVar[str] = "Firm"

    alive: np.ndarray
    municipality: np.ndarray
    sector: np.ndarray
    base_productivity: np.ndarray
    productivity: np.ndarray
    digital: np.ndarray
    employees: np.ndarray
    vacancies: np.ndarray
    revenue_local: np.ndarray
    revenue_external: np.ndarray
    planned_revenue: np.ndarray
    wage_bill: np.ndarray
    profit: np.ndarray
    cash: np.ndarray
    negative_months: np.ndarray
    age: np.ndarray
    market_access: np.ndarray
    platforms: np.ndarray
    platform_purchases: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Self:
        """Return ``n`` dead (unused) firm rows."""
        return cls(
            alive=np.zeros(n, dtype=bool),
            municipality=np.zeros(n, dtype=np.int64),
            sector=np.zeros(n, dtype=np.int8),
            base_productivity=np.ones(n),
            productivity=np.ones(n),
            digital=np.zeros(n, dtype=bool),
            employees=np.zeros(n, dtype=np.int64),
            vacancies=np.zeros(n, dtype=np.int64),
            revenue_local=np.zeros(n),
            revenue_external=np.zeros(n),
            planned_revenue=np.zeros(n),
            wage_bill=np.zeros(n),
            profit=np.zeros(n),
            cash=np.zeros(n),
            negative_months=np.zeros(n, dtype=np.int64),
            age=np.zeros(n, dtype=np.int64),
            market_access=np.zeros(n),
            platforms=np.zeros(n, dtype=np.int64),
            platform_purchases=np.zeros(n),
        )

    @property
    def revenue(self) -> np.ndarray:
        """Total revenue this month (local + external)."""
        return self.revenue_local + self.revenue_external

    def allocate(self, count: int) -> np.ndarray:
        """Return ``count`` row indices for new firms: dead rows first, then new rows.

        The arrays grow geometrically when needed, so repeated entry stays amortised O(1)
        per firm. The returned rows are reset to empty-firm values.
        """
        free = (~self.alive).nonzero()[0][:count]
        missing = count - len(free)
        if missing > 0:
            old = len(self)
            grow = max(missing, old // 2, 16)
            extra = Firms.empty(grow)
            for name in self.columns():
                setattr(self, name, np.concatenate([getattr(self, name), getattr(extra, name)]))
            free = np.concatenate([free, np.arange(old, old + missing)])
        for name, value in _blank_firm_values():
            getattr(self, name)[free] = value
        return free

    def recount_employees(self, employer: np.ndarray) -> None:
        """Set ``employees`` from the workers' employer pointers (one bincount)."""
        hired = employer[employer >= 0]
        self.employees = np.bincount(hired, minlength=len(self)).astype(np.int64)

    def add_employees(self, firm: np.ndarray, sign: int = 1) -> None:
        """Add (``sign=1``) or remove (``sign=-1``) one employee per entry of ``firm``."""
        np.add.at(self.employees, firm, sign)


def _blank_firm_values() -> list[tuple[str, object]]:
    """Each firm column's empty-row value (computed once)."""
    global _BLANK_FIRM
    if _BLANK_FIRM is None:
        blank = Firms.empty(1)
        _BLANK_FIRM = [(name, getattr(blank, name)[0]) for name in Firms.columns()]
    return _BLANK_FIRM


_BLANK_FIRM: list[tuple[str, object]] | None = None


@dataclass(eq=False)
class Municipalities(ArrayPopulation):
    """The changing state of municipalities (their fixed attributes live in the Territory).

    Attributes:
        residents: Worker agents living here.
        connectivity: Broadband connectivity in [0, 1].
        services: Public service level in [0, 1].
        budget: Money held (EUR): receipts until allocated, then the service budget until spent.
        receipts: Taxes and grants received this month (EUR).
        service_budget: Money reserved for next month's service purchases (EUR).
        integration: Share of the service budget spent jointly within the EPCI.
    """

    record_name: ClassVar[str] = "Municipality"

    residents: np.ndarray
    connectivity: np.ndarray
    services: np.ndarray
    budget: np.ndarray
    receipts: np.ndarray
    service_budget: np.ndarray
    integration: np.ndarray
