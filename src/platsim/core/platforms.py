"""Platforms: few agents with rich decisions, as Mesa agents.

A platform has a kind (global, territorial, cooperative, entrant), a segment (goods,
local_services, freelance: the market it serves), a reach (the municipalities where it can be
used), a data stock that decays, an effective data level set by the data regime, a quality
rising with log data, a commission it sets, members on each side (households, firms, gig
workers or freelancers) and accounts. Platforms are few (1 to ~20), so loops over platforms are
fine; everything over households, firms or workers is vectorised in the phases.

Where a platform's money goes is decided here, once, by :meth:`Platform.book_commission`:
a global platform's commissions leave the territory; a territorial (public) platform pays its
operating costs outside and returns its surplus to the municipal budgets of its region (the
state covers a deficit); cooperatives and entrants keep their result in their own cash (a
cooperative pays its surplus to its gig workers) and close when it runs out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from platsim.schema.platforms import GLOBAL, TERRITORIAL, PlatformSpec
from platsim.schema.segments import FREELANCE, SEGMENTS

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel

MAX_PLATFORMS = 62  # firms hold their memberships as bits of an int64


class Platform(mesa.Agent):
    """One platform.

    Attributes:
        index: Position in ``model.platforms`` and bit of firms' membership masks.
        name: Catalogue name (with the region for territorial platforms).
        kind: global, territorial, cooperative or entrant.
        segment: goods, local_services or freelance; ``segment_code`` its position in
            :data:`~platsim.schema.segments.SEGMENTS`.
        region: Home region, or -1 (global platforms have none).
        spec: Its catalogue entry (quality, commission rule, reach threshold, ...).
        opens: Step at which it opens; ``active`` is True from then until it closes.
        reach: Boolean mask over municipalities where it can be used.
        in_region: Boolean mask of its home region's municipalities (none for region -1).
        data: Data stock D (data units); ``effective_data`` E adds what the regime shares.
        quality: q = q0 + beta ln(1 + E).
        commission: Current commission rate.
        transactions: Value transacted this month (EUR); ``by_region``: the same by the
            region of the buyer (households, firms) or of the seller (traded firms' extra
            external sales); ``last_by_region``: last month's, as ``last_transactions``.
        gig_pool: Money owed to gig workers this month, paid in the platform-work phase (EUR).
        cash: Accumulated result of platforms owned inside the territory (EUR).
    """

    def __init__(
        self,
        model: TerritoryModel,
        index: int,
        name: str,
        spec: PlatformSpec,
        region: int,
        opens: int,
    ) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.kind = spec.kind
        self.segment = spec.segment
        self.segment_code = SEGMENTS.index(spec.segment)
        self.spec = spec
        self.region = region
        self.opens = opens
        self.active = False
        self.closed = False
        self.age = 0
        #: Step until which it charges the promotional entrant commission (entrants only).
        self.promotion_until = -1
        self.data = 0.0
        self.effective_data = 0.0
        self.quality = spec.quality
        self.commission = spec.commission
        self.transactions = 0.0
        self.last_transactions = 0.0
        self.by_region = np.zeros(model.territory.n_regions)
        self.last_by_region = np.zeros(model.territory.n_regions)
        self.commissions = 0.0
        self.gig_pool = 0.0
        self.gig_paid = 0.0
        #: This month's task sales, gross of commission (EUR), their share of the month's
        #: sales and the tasks done: see :mod:`platsim.core.phases.worker_protection`.
        self.tasks_value = 0.0
        self.task_sales_share = 0.0
        self.tasks = 0.0
        #: Quality capital K (EUR of quality bought, depreciated) and last month's quality
        #: spending (EUR): see :mod:`platsim.core.phases.platform_quality`.
        self.quality_capital = 0.0
        self.quality_spending = 0.0
        self.cash = 0.0
        self.households = 0
        self.firms = 0
        self.gig_workers = 0
        self.market_share = 0.0
        self.in_region = model.territory.region == region  # none for region -1
        self.refresh_reach()

    @property
    def is_local(self) -> bool:
        """Whether the platform is owned inside the territory (its results stay here)."""
        return self.kind != GLOBAL

    def refresh_reach(self) -> None:
        """Recompute reach after connectivity changes (broadband)."""
        reach = self.model.municipalities.connectivity >= self.spec.connectivity_threshold
        if self.region >= 0:
            reach &= self.in_region
        self.reach = reach

    def record_sales(self, by_region: np.ndarray) -> None:
        """Add sales of the month (EUR per region of the buyer) to ``transactions``."""
        self.by_region += by_region
        self.transactions += float(np.add.reduce(by_region))

    def book_commission(self, amount: float) -> None:
        """Record commission revenue and send it where this kind of platform sends it."""
        if amount <= 0:
            return
        self.commissions += amount
        ledger = self.model.ledger
        if self.kind == GLOBAL:
            ledger.outflow("platform_commissions", amount)
        elif self.kind == TERRITORIAL:
            # Public platform: its result goes to the municipalities of its region.
            munis = self.model.municipalities
            shares = self._region_shares(munis.residents)
            if shares is not None:
                part = amount * shares
                munis.budget += part
                munis.receipts += part
            else:
                ledger.outflow("platform_commissions", amount)
        else:
            self.cash += amount

    def _region_shares(self, residents: np.ndarray) -> np.ndarray | None:
        """Each municipality's share of the region's residents (None if nobody lives there).

        Cached for the current ``residents`` array, which mobility replaces when people move
        (the commission is booked several times a month).
        """
        cached = self.__dict__.get("_shares_for")
        if cached is not None and cached[0] is residents:
            return cached[1]
        heads = np.where(self.in_region, residents, 0).astype(float)
        total = heads.sum()
        shares = heads / total if total > 0 else None
        self._shares_for = (residents, shares)
        return shares

    def pay_operating_cost(self, fixed: float = 0.0) -> None:
        """Pay the operating cost of the month's transactions and the ``fixed`` cost (EUR),
        bought outside the territory (:meth:`buy_outside`)."""
        self.buy_outside(self.spec.operating_cost * self.last_transactions + fixed)

    def buy_outside(self, cost: float) -> None:
        """Pay ``cost`` (EUR) for what the platform buys outside the territory.

        A global platform's costs are outside the territory's accounts; a territorial
        platform's are paid by the state; cooperatives and entrants pay from their cash.
        """
        if cost <= 0 or self.kind == GLOBAL:
            return
        ledger = self.model.ledger
        ledger.outflow("platform_costs", cost)
        if self.kind == TERRITORIAL:
            ledger.inflow("platform_subsidy", cost)  # the public platform's running costs
            self.model.add_flow("public_platform_costs", cost)
        else:
            self.cash -= cost

    def pay_pool_outside(self) -> None:
        """Pay the gig pool to contractors outside the territory (no gig worker here to do
        the tasks); for a household segment it is leakage of household spending."""
        self.model.ledger.outflow("outside_suppliers", self.gig_pool)
        if self.segment != FREELANCE:
            self.model.add_flow("platform_leakage", self.gig_pool)
        self.gig_pool = 0.0

    def close(self) -> None:
        """Close the platform: its cash is paid out (or its debt written off)."""
        if self.cash > 0:
            self.model.ledger.outflow("exit_payouts", self.cash)
        elif self.cash < 0:
            self.model.ledger.inflow("debt_writeoff", -self.cash)
        if self.gig_pool > 0:
            self.pay_pool_outside()
        self.cash = 0.0
        self.gig_pool = 0.0
        self.active = False
        self.closed = True
        self.remove()

    def row(self, step: int) -> tuple[object, ...]:
        """This platform's line of the platform table (in the order of
        :data:`PLATFORM_COLUMNS`)."""
        return (
            step,
            self.name,
            self.kind,
            self.segment,
            self.region,
            self.active,
            self.market_share,
            self.last_transactions,
            self.data,
            self.effective_data,
            self.quality,
            self.quality_capital,
            self.quality_spending,
            self.commission,
            self.households,
            self.firms,
            self.gig_workers,
            self.gig_paid / self.gig_workers if self.gig_workers else np.nan,
            self.cash,
        )


def create_catalogue(model: TerritoryModel) -> list[Platform]:
    """Create the scenario's platforms (one per region for territorial specs)."""
    platforms: list[Platform] = []
    policy_start = model.scenario.simulation.policy_start
    for name, spec in model.scenario.platforms.catalogue.items():
        opens = policy_start if spec.start == "policy_start" else int(spec.start)
        regions = range(model.territory.n_regions) if spec.kind == TERRITORIAL else [-1]
        for region in regions:
            label = f"{name}-r{region}" if spec.kind == TERRITORIAL else name
            if len(platforms) >= MAX_PLATFORMS:
                break
            platforms.append(Platform(model, len(platforms), label, spec, region, opens))
    return platforms


#: Columns of the platform table, in the order of :meth:`Platform.row`.
PLATFORM_COLUMNS: tuple[str, ...] = (
    "step",
    "platform",
    "kind",
    "segment",
    "region",
    "active",
    "market_share",
    "transactions",
    "data",
    "effective_data",
    "quality",
    "quality_capital",
    "quality_spending",
    "commission",
    "households",
    "firms",
    "gig_workers",
    "gig_pay",
    "cash",
)


def platform_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """The platform table: one row per platform and recorded step."""
    return pd.DataFrame(rows, columns=list(PLATFORM_COLUMNS))


def codes_bound(model: TerritoryModel) -> int:
    """One more than the highest index of an open platform: gig workers' platform codes are
    all below it (only open platforms have members; closing a platform lets its members go),
    without reading the codes."""
    return 1 + max((p.index for p in model.platforms if p.active), default=-1)
