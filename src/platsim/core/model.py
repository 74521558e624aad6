"""The Mesa model: a territory of municipalities, households and firms, stepped monthly.

>>> from platsim import TerritoryModel
>>> model = TerritoryModel(seed=1, overrides={"territory.n_municipalities": 30})
>>> model.run_for(3)
>>> model.steps
3
>>> sorted(model.datacollector.get_model_vars_dataframe().columns)[:2]
['accounts_residual', 'digital_adoption']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from platsim.core import initialise
from platsim.core.agents import Firms, Municipalities, Workers
from platsim.core.ledger import Ledger
from platsim.core.phases import (
    consumption,
    firms,
    intermunicipal,
    labour,
    mobility,
    observation,
    platform_market,
    platform_work,
    public,
    worker_protection,
)
from platsim.core.platforms import Platform, create_catalogue, platform_frame
from platsim.core.rules import household_spending
from platsim.numerics import metrics
from platsim.schema import Scenario, resolve_scenario
from platsim.schema.outcomes import OUTCOMES
from platsim.territory import Territory

Phase = Callable[["TerritoryModel"], None]

#: The schedule of one step (one month), in order. Matches docs/ODD.md, "Process overview".
PHASES: tuple[tuple[str, Phase], ...] = (
    ("consumption", consumption.step),
    ("platform_market", platform_market.step),
    ("firms", firms.step),
    ("labour", labour.step),
    ("platform_work", platform_work.step),
    ("public", public.step),
    ("mobility", mobility.step),
    ("observation", observation.step),
)


def _read_outcome(model: TerritoryModel, name: str) -> float:
    return model.outcomes[name]


class OutcomeCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per outcome, each reading
    ``model.outcomes[name]``, collected without a deep copy of each value.

    ``DataCollector.collect`` deep-copies every reported value (so that a reporter returning a
    mutable object is not changed afterwards); the outcomes are floats, which are immutable,
    and forty deep copies a step cost more than the outcomes themselves. While the reporters
    are the outcomes' own, ``collect`` reads ``model.outcomes`` directly rather than calling
    forty reporters. Everything else (``get_model_vars_dataframe``, agent reporters, tables)
    is Mesa's own.

    Args:
        names: The outcomes to collect (keys of ``model.outcomes``), in column order.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._names = tuple(names)
        super().__init__(
            model_reporters={name: partial(_read_outcome, name=name) for name in self._names}
        )
        self._own_reporters = dict(self.model_reporters)

    def collect(self, model: mesa.Model) -> None:
        """Append each model reporter's value (agent reporters, if any, as Mesa does)."""
        if self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        model_vars = self.model_vars
        if self.model_reporters == self._own_reporters:  # no reporter added or replaced
            outcomes = model.outcomes
            for name in self._names:
                model_vars[name].append(outcomes[name])
            return
        for name, reporter in self.model_reporters.items():
            model_vars[name].append(reporter(model))


#: Population shares at which the Lorenz curve of household income is recorded (0, 0.05, ... 1).
LORENZ_SHARES: np.ndarray = np.linspace(0.0, 1.0, 21)


def lorenz_columns(model: TerritoryModel) -> dict[str, np.ndarray]:
    """The Lorenz curve of household income now, at the population shares of
    :data:`LORENZ_SHARES`, as columns ``step``, ``population_share``, ``income_share``.

    The exact curve (:func:`platsim.numerics.metrics.lorenz_curve` of ``workers.income``,
    unweighted) is piecewise linear between its points, so it is read off at the fixed shares by
    linear interpolation; every run then has the same rows.
    """
    population, income = metrics.lorenz_curve(model.workers.income)
    return {
        "step": np.full(len(LORENZ_SHARES), model.steps, dtype=np.int64),
        "population_share": LORENZ_SHARES.copy(),
        "income_share": np.interp(LORENZ_SHARES, population, income),
    }


def lorenz_rows(model: TerritoryModel) -> pd.DataFrame:
    """:func:`lorenz_columns` as a DataFrame: one row per population share."""
    return pd.DataFrame(lorenz_columns(model))


def record_lorenz(model: TerritoryModel) -> None:
    """Append the Lorenz rows to ``model.lorenz`` at a panel step or at the final step.

    Panel steps are those of the municipal panel (every ``simulation.panel_every`` steps,
    step 0 included); the final step is ``model.max_steps``, recorded even when
    ``panel_every`` is 0. Other steps cost nothing.
    """
    if observation.panel_due(model) or model.steps == model.max_steps:
        model.lorenz.append(lorenz_columns(model))


class TerritoryModel(mesa.Model):
    """Households, firms and municipalities on a territorial network.

    All state that thousands of agents touch lives in numpy arrays (:attr:`workers`,
    :attr:`firms`, :attr:`municipalities`); each step runs the phases of :data:`PHASES` in
    order. A run is a pure function of (scenario, seed): every random draw comes from
    ``self.rng``.

    Args:
        scenario: A :class:`Scenario`, a YAML path or bundled name, or None for the baseline.
        seed: Seed of the model's random generator; None draws one (stored in ``self.seed``).
        steps: Number of steps after which ``running`` turns False (default: the scenario's).
        overrides: Dotted-path parameter values applied to the scenario.
        **kwargs: Parameter values as ``section__name=value`` (for ``mesa.batch_run`` and
            SolaraViz, whose user parameters arrive as keywords; SolaraViz requires the name
            ``kwargs``).

    Attributes:
        territory: The municipalities, their network and commuting zones.
        workers: Household arrays (:class:`platsim.core.agents.Workers`).
        firms: Firm arrays (:class:`platsim.core.agents.Firms`).
        municipalities: Changing municipal state (:class:`platsim.core.agents.Municipalities`).
        outcomes: This step's outcomes (see :data:`platsim.schema.outcomes.OUTCOMES`).
        panel: Municipal panel recorded every ``simulation.panel_every`` steps, one mapping
            of column arrays per recorded step (:meth:`panel_frame` joins them).
        lorenz: Lorenz curves of household income recorded at the panel steps and at step
            ``max_steps``, one mapping of column arrays (:func:`lorenz_columns`) per recorded
            step (:meth:`lorenz_frame` joins them).
    """

    def __init__(
        self,
        *,
        scenario: Scenario | str | Path | None = None,
        seed: int | None = None,
        steps: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.scenario = resolve_scenario(scenario, overrides, kwargs)
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
        super().__init__(seed=int(seed))
        self.seed = int(seed)
        self.max_steps = self.scenario.simulation.steps if steps is None else int(steps)
        self.territory: Territory = initialise.build_territory(self.scenario.territory, self.rng)
        self.workers: Workers = initialise.create_workers(
            self.territory, self.scenario.population, self.rng
        )
        n = self.territory.n
        public_config = self.scenario.public
        #: The EPCI of each municipality, how many there are, and each EPCI's coordination
        #: factor of joint services (:mod:`platsim.core.phases.intermunicipal`).
        self.epci, self.epci_count = self.territory.groups("epci")
        self.coordination = intermunicipal.coordination_factors(
            self.territory,
            self.epci,
            self.epci_count,
            public_config.coordination_per_member,
            public_config.coordination_per_km,
            self.scenario.territory.detour_factor,
        )
        residents = np.bincount(self.workers.home, minlength=n)
        self.municipalities = Municipalities(
            residents=residents,
            connectivity=self.territory.connectivity.astype(float).copy(),
            services=self.territory.services.astype(float).copy(),
            budget=np.zeros(n),
            receipts=np.zeros(n),
            service_budget=np.zeros(n),
            integration=np.full(n, public_config.epci_integration),
        )
        self.integration_voted = False
        self.firms: Firms = initialise.create_firms(
            self.territory, residents, len(self.workers), self.scenario.economy, self.rng
        )
        self.external_demand, self.reference_productivity = initialise.initialise_economy(
            self.territory,
            self.workers,
            self.firms,
            self.municipalities,
            self.scenario,
            self.rng,
        )
        self.entrant_access = initialise.median_access(self.firms)
        workers = self.workers
        self.reference_spending = max(
            float(
                np.add.reduce(
                    household_spending(
                        workers.income, workers.tax, workers.savings, self.scenario.economy
                    )
                )
            ),
            1.0,
        )
        self.platforms: list[Platform] = create_catalogue(self)
        #: Each segment's open platforms and their utilities (set by the platform market).
        self.market: platform_market.Market = {}
        self.platform_rows: list[tuple[object, ...]] = []
        #: Public cost since step 0 (EUR of the whole territory: ``public_cost_total``).
        self.public_cost_total = 0.0
        #: The fibre programme's works paid but not connected yet (phases.broadband).
        self.broadband_pipeline = np.zeros(
            (self.scenario.public.broadband_delay_months + 1, self.territory.n)
        )
        #: Municipalities taking part in a data service (phases.data_service).
        self.data_members = np.zeros(self.territory.n, dtype=bool)
        #: Service level each municipality's money bought last month (phases.public).
        self.service_affordable = self.municipalities.services.copy()
        self.demand_cycle = 0.0
        #: Firms' aggregate profit margin in the first month, the reference of entry.
        self.reference_margin: float | None = None
        self._commute_keys: np.ndarray | None = None
        self.ledger = Ledger()
        self.events: defaultdict[str, int] = defaultdict(int)
        self.flows: dict[str, float] = {}
        self.panel: list[dict[str, np.ndarray]] = []
        self.lorenz: list[dict[str, np.ndarray]] = []
        #: Gig workers' social rights and tastes for autonomy (phases.worker_protection).
        self.protection = worker_protection.set_up(self)
        self._open_initial_platforms()
        self.ledger.reset()  # capital brought at set-up is part of the initial money stock
        self._stock_before = self.money_stock()
        self.datacollector = OutcomeCollector(OUTCOMES)
        self.running = True
        observation.step(self)
        record_lorenz(self)

    def _open_initial_platforms(self) -> None:
        platform_market.set_up_market(self)
        platform_work.seed_gig_workers(self)

    @property
    def policy_active(self) -> bool:
        """Whether governance levers are in force (from ``simulation.policy_start``)."""
        return self.steps >= self.scenario.simulation.policy_start

    def add_flow(self, name: str, amount: float) -> None:
        """Add to one of this step's named flows (``self.flows``), for outcomes and checks."""
        self.flows[name] = self.flows.get(name, 0.0) + float(amount)

    def in_commuting_zone(self, origin: np.ndarray, destination: np.ndarray) -> np.ndarray:
        """Whether each ``destination`` municipality is in the commuting zone of ``origin``.

        A binary search in the sorted (row, column) keys of the commuting matrix: O(k log nnz)
        for k pairs, without scipy's slow element indexing.
        """
        if self._commute_keys is None:
            weight = self.territory.commute_weight
            rows = np.repeat(np.arange(weight.shape[0], dtype=np.int64), np.diff(weight.indptr))
            keys = rows * weight.shape[1] + weight.indices
            self._commute_keys = np.sort(keys)
        query = np.asarray(origin, dtype=np.int64) * self.territory.n + destination
        position = np.searchsorted(self._commute_keys, query)
        position = np.minimum(position, len(self._commute_keys) - 1)
        return self._commute_keys[position] == query

    def money_stock(self) -> float:
        """Money held in the territory: savings, cash of active firms, municipal budgets, cash
        of platforms owned in the territory and the gig pools platforms hold for the month."""
        held_by_platforms = sum(
            (platform.cash if platform.is_local else 0.0) + platform.gig_pool
            for platform in self.platforms
        )
        return float(
            np.add.reduce(self.workers.savings)
            + np.add.reduce(self.firms.cash[self.firms.alive])
            + np.add.reduce(self.municipalities.budget)
            + held_by_platforms
        )

    @property
    def accounts_residual(self) -> float:
        """This step's money-identity error relative to the money in play (0 when exact)."""
        change = self.money_stock() - self._stock_before
        flows = sum(self.ledger.inflows.values()) + sum(self.ledger.outflows.values())
        scale = max(abs(self._stock_before), flows, 1.0)
        return (change - self.ledger.net) / scale

    def step(self) -> None:
        """Advance one month: run every phase of :data:`PHASES` in order."""
        self._stock_before = self.money_stock()
        self.ledger.reset()
        self.events = defaultdict(int)
        self.flows = {}
        for _, phase in PHASES:
            phase(self)
        record_lorenz(self)
        if self.steps >= self.max_steps:
            self.running = False

    def run_for(self, steps: int) -> None:
        """Advance ``steps`` months (ignores ``running``)."""
        for _ in range(steps):
            self.step()

    def metrics_frame(self) -> pd.DataFrame:
        """Outcomes of every step so far, one row per step (step 0 = initial state)."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frame.insert(0, "step", np.arange(len(frame), dtype=np.int64))
        return frame

    def panel_frame(self) -> pd.DataFrame:
        """The municipal panel recorded so far (empty when ``panel_every`` is 0)."""
        if not self.panel:
            return observation.panel_rows(self).iloc[0:0]
        return pd.DataFrame(
            {name: np.concatenate([step[name] for step in self.panel]) for name in self.panel[0]}
        )

    def lorenz_frame(self) -> pd.DataFrame:
        """Lorenz points of household income recorded so far (:attr:`lorenz`), one row per
        step and population share; columns ``step``, ``population_share``, ``income_share``."""
        if not self.lorenz:
            return lorenz_rows(self).iloc[0:0]
        return pd.DataFrame(
            {name: np.concatenate([step[name] for step in self.lorenz]) for name in self.lorenz[0]}
        )

    def platform_frame(self) -> pd.DataFrame:
        """The platform table: one row per platform and step (market share, data, ...)."""
        return platform_frame(self.platform_rows)

    def municipality_frame(self) -> pd.DataFrame:
        """Fixed and current attributes of every municipality, one row each."""
        frame = self.territory.frame()
        current = self.municipalities.frame()
        for column in current.columns:
            frame[column] = current[column].to_numpy()
        return frame
