"""Phase 2, platform market: platforms open, learn, price, buy rivals and close; buyers and
sellers choose the platforms they use, in each segment (goods, local_services, freelance).

1. Scheduled platforms open; with probability ``entry_rate`` a start-up (kind entrant) opens
   in a random segment and region with ``entrant_capital`` from outside.
2. Each platform adds last month's transactions to its data stock (``D <- (1 - lambda) D +
   T / unit``) and pays its costs; its effective data ``E`` follows the data regime within
   its segment (:mod:`platsim.core.phases.platform_data`); its market share is its share
   of the segment's platform transactions; it invests in quality, which data make
   cheaper, and its quality is ``q = q0 + beta_s ln(1 + E) + eta ln(1 + K / u)``
   (:mod:`platsim.core.phases.platform_quality`).
3. Commissions: market-priced platforms (global, entrant) move a share
   ``commission_adjustment`` towards ``operating_cost + 1 / (alpha_s (1 - share))`` (the
   logit Bertrand-Nash markup, up to ``commission_ceiling``; under a minimum pay per task
   the same rule on the margin left by the minimum,
   :func:`platsim.core.phases.worker_protection.commission_target`); an entrant charges its
   promotional ``entrant_commission`` during its grace months; a cooperative's members move
   it the same share of the way towards the rate that covers its costs
   (:func:`cost_covering_commission`); territorial platforms charge their set commission;
   a cap applies from ``policy_start``.
4. A global platform may buy its smallest entrant rival of its segment (unless banned).
5. Platforms with their own cash (cooperative, entrant) close when it runs out.
6. Buyers' and sellers' utilities of each platform are built per municipality
   (:class:`Market`): quality, the other side's users per 100 potential users in reach
   (within commuting zones for local services), the commission (passed on in prices for
   buyers) and connectivity.
7. A share ``revision_share`` of households and of eligible firms revise the platforms they
   use (:func:`choose_accounts`): a platform is used when its noisy utility, less a switching
   cost for a new account and a homing cost for each platform beyond the first, beats the
   offline channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import LOCAL_SERVICES as LOCAL_SECTOR
from platsim.core.agents import PLATFORM, TRADITIONAL, UNEMPLOYED
from platsim.core.phases.platform_data import effective_data
from platsim.core.phases.platform_quality import (
    invest_in_quality,
    money_unit,
    quality,
    set_up_capital,
)
from platsim.core.phases.worker_protection import commission_target
from platsim.core.platforms import MAX_PLATFORMS, Platform
from platsim.core.rules import household_spending
from platsim.core.spending import CHUNK, spending_budgets, split_by_platform
from platsim.numerics.sampling import bernoulli_indices, gumbel
from platsim.schema import PlatformSpec
from platsim.schema.platforms import COOPERATIVE, ENTRANT, GLOBAL, MARKET_PRICED
from platsim.schema.segments import FREELANCE, GOODS, LOCAL_SERVICES, SEGMENTS

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel

#: Rounds of choices at set-up: enough for the data stocks to settle within about 1%.
SET_UP_PASSES = 8

#: Users per 100 potential users: the network terms' scale (independent of agents' scale).
PER_HUNDRED = 100.0


def step(model: TerritoryModel) -> None:
    """Run the platform market phase in order."""
    open_and_enter(model)
    update_data_and_quality(model)
    set_commissions(model)
    acquire(model)
    close_insolvent(model)
    model.market = build_market(model)
    revise_households(model)
    revise_firms(model)
    count_members(model)


def active_platforms(model: TerritoryModel, segment: str | None = None) -> list[Platform]:
    """Platforms open this month (of one segment, if given)."""
    return [
        platform
        for platform in model.platforms
        if platform.active and (segment is None or platform.segment == segment)
    ]


def segment_config(model: TerritoryModel, segment: str):
    """The scenario section of a segment (``model.scenario.goods``, ...)."""
    return getattr(model.scenario, segment)


def reference_money(model: TerritoryModel) -> float:
    """Initial monthly household spending (EUR): the unit of platforms' capital and fixed
    costs, so that they scale with the territory."""
    return model.reference_spending


# -- opening, entry, exit ---------------------------------------------------------------------


def open_and_enter(model: TerritoryModel) -> None:
    """Open scheduled platforms; a start-up may open."""
    config, rng = model.scenario.platforms, model.rng
    open_due_platforms(model)
    if config.entry_rate > 0 and rng.random() < config.entry_rate:
        segment = SEGMENTS[int(rng.integers(len(SEGMENTS)))]
        region = int(rng.integers(model.territory.n_regions))
        if len(model.platforms) < MAX_PLATFORMS:
            spec = PlatformSpec(
                kind=ENTRANT,
                segment=segment,
                quality=config.entrant_quality,
                commission=config.entrant_commission,
                outside_supplier_share=0.0,
                capital=config.entrant_capital,
                fixed_cost=config.entrant_fixed_cost,
            )
            number = sum(p.kind == ENTRANT and p.opens > 0 for p in model.platforms) + 1
            entrant = Platform(
                model,
                len(model.platforms),
                f"entrant-{number}-{segment}",
                spec,
                region,
                model.steps,
            )
            entrant.promotion_until = model.steps + config.entrant_grace_months
            model.platforms.append(entrant)
            open_platform(model, entrant)
            model.events["platform_entry"] += 1
    for platform in active_platforms(model):
        platform.age += 1


def open_due_platforms(model: TerritoryModel) -> None:
    """Open every platform scheduled by now (members come with the month's revisions)."""
    for platform in model.platforms:
        if not platform.active and not platform.closed and platform.opens <= model.steps:
            open_platform(model, platform)


def open_platform(model: TerritoryModel, platform: Platform) -> None:
    """Activate a platform with its capital; its partner firms (eligible, in reach) join."""
    platform.active = True
    platform.refresh_reach()
    capital = platform.spec.capital * reference_money(model)
    if capital > 0:
        platform.cash += capital
        model.ledger.inflow("startup_capital", capital)
    if platform.spec.partner_share > 0:
        firms = model.firms
        eligible = seller_eligible(model, platform.segment) & platform.reach[firms.municipality]
        joins = eligible & (model.rng.random(len(firms)) < platform.spec.partner_share)
        firms.platforms[joins] |= np.int64(1) << platform.index


def close_platform(model: TerritoryModel, platform: Platform, heir: Platform | None = None) -> None:
    """Close a platform; members within the reach of ``heir`` (an acquirer) move to it, the
    others lose the account; its gig workers look for work elsewhere."""
    workers, firms = model.workers, model.firms
    bit = np.int64(1) << platform.index
    members = (workers.platforms & bit) != 0
    sellers = (firms.platforms & bit) != 0
    gig = workers.gig_platform == platform.index
    workers.platforms[members] &= ~bit
    firms.platforms[sellers] &= ~bit
    if heir is not None:
        heir.data += platform.data
        heir.quality_capital += platform.quality_capital  # the buyer takes over its technology
        heir.gig_pool += platform.gig_pool
        heir.tasks_value += platform.tasks_value  # the month's tasks come with the pool
        platform.gig_pool = 0.0
        heir_bit = np.int64(1) << heir.index
        workers.platforms[members & heir.reach[workers.home]] |= heir_bit
        firms.platforms[sellers & heir.reach[firms.municipality]] |= heir_bit
        moving = gig & heir.reach[workers.home]
        workers.gig_platform[moving] = heir.index
        gig &= ~moving
    leave_gig_work(workers, gig)
    platform.close()
    platform.market_share = 0.0


def leave_gig_work(workers, who: np.ndarray) -> None:
    """Gig workers among ``who`` (a mask, or the indices of a few workers) lose their platform
    and become unemployed job seekers."""
    who = who.nonzero()[0] if who.dtype == bool else who
    workers.status[who[workers.status[who] == PLATFORM]] = UNEMPLOYED
    workers.gig_platform[who] = -1


def close_insolvent(model: TerritoryModel) -> None:
    """Platforms that pay their losses from their own cash (cooperative, entrant) close when
    it is spent."""
    for platform in active_platforms(model):
        if platform.kind in (COOPERATIVE, ENTRANT) and platform.cash < 0:
            close_platform(model, platform)
            model.events["platform_exit"] += 1


# -- data, quality, prices, acquisitions -----------------------------------------------------


def update_data_and_quality(model: TerritoryModel) -> None:
    """Accumulate data from last month's transactions; pay costs; set effective data and
    market shares within each segment; invest in quality (which sets quality)."""
    config = model.scenario.platforms
    unit = money_unit(model)
    money = reference_money(model)
    for platform in active_platforms(model):
        platform.last_transactions = platform.transactions
        platform.last_by_region = platform.by_region
        platform.data = (1.0 - config.data_decay) * platform.data + platform.transactions / unit
        platform.transactions = 0.0
        platform.by_region = np.zeros_like(platform.last_by_region)
        platform.pay_operating_cost(platform.spec.fixed_cost * money)
    segments = open_segments(model)
    for platforms in segments.values():
        effective = effective_data(model, platforms)
        total = sum(p.last_transactions for p in platforms)
        for platform, level in zip(platforms, effective, strict=True):
            platform.effective_data = float(level)
            platform.market_share = platform.last_transactions / total if total > 0 else 0.0
    invest_in_quality(model, segments)


def open_segments(model: TerritoryModel) -> dict[str, list[Platform]]:
    """Each segment with open platforms, and its open platforms."""
    segments = {segment: active_platforms(model, segment) for segment in SEGMENTS}
    return {segment: platforms for segment, platforms in segments.items() if platforms}


def pricing_rule(platform: Platform) -> str:
    """How a platform sets its commission: its ``pricing``, or its kind's default (market
    for global and entrant platforms, members for cooperatives, fixed for territorial)."""
    if platform.spec.pricing is not None:
        return platform.spec.pricing
    if platform.kind in MARKET_PRICED:
        return "market"
    return "members" if platform.kind == COOPERATIVE else "fixed"


def market_priced(platform: Platform) -> bool:
    """Whether a platform sets its commission by the market rule."""
    return pricing_rule(platform) == "market"


def cost_covering_commission(model: TerritoryModel, platform: Platform) -> float:
    """The commission that covers a platform's costs at last month's sales: ``c + (F + I) /
    T`` (operating cost share, fixed cost and quality spending over sales; its set rate
    before any sale), at most ``commission_ceiling``."""
    sales = platform.last_transactions
    if sales <= 0:
        return platform.spec.commission
    fixed = platform.spec.fixed_cost * reference_money(model)
    target = platform.spec.operating_cost + (fixed + platform.quality_spending) / sales
    target = commission_target(model, platform, target, 0.0)  # under a minimum pay per task
    return min(target, model.scenario.platforms.commission_ceiling)


def set_commissions(model: TerritoryModel) -> None:
    """Each platform sets its commission (see the module docstring, item 3)."""
    config = model.scenario.platforms
    cap = model.scenario.competition.commission_cap if model.policy_active else 1.0
    for platform in active_platforms(model):
        if model.steps < platform.promotion_until:
            rate = config.entrant_commission
        elif pricing_rule(platform) == "members":
            target = cost_covering_commission(model, platform)
            rate = platform.commission + config.commission_adjustment * (
                target - platform.commission
            )
        elif market_priced(platform):
            alpha = segment_config(model, platform.segment).price_sensitivity
            share = min(platform.market_share, 0.99)
            markup = 1.0 / (alpha * (1.0 - share))
            target = min(
                commission_target(model, platform, platform.spec.operating_cost, markup),
                config.commission_ceiling,
            )
            rate = platform.commission + config.commission_adjustment * (
                target - platform.commission
            )
        else:
            rate = platform.spec.commission
        platform.commission = float(min(cap, rate))


def acquire(model: TerritoryModel) -> None:
    """A global platform may buy its segment's smallest entrant unless the ban applies."""
    config, competition = model.scenario.platforms, model.scenario.competition
    for buyer in active_platforms(model):
        if buyer.kind != GLOBAL or not buyer.active:
            continue
        banned = (
            model.policy_active
            and competition.acquisition_ban_share < 1.0
            and buyer.market_share >= competition.acquisition_ban_share
        )
        targets = [p for p in active_platforms(model, buyer.segment) if p.kind == ENTRANT]
        if banned or not targets:
            continue
        if model.rng.random() < config.acquisition_rate * buyer.market_share:
            target = min(targets, key=lambda p: p.last_transactions)
            buyer.market_share += target.market_share
            buyer.last_transactions += target.last_transactions
            buyer.last_by_region = buyer.last_by_region + target.last_by_region
            close_platform(model, target, heir=buyer)
            model.events["acquisitions"] += 1


# -- who may use what --------------------------------------------------------------------------


def seller_eligible(model: TerritoryModel, segment: str) -> np.ndarray:
    """Firms that may be on a platform of ``segment``: digitised firms selling goods (local
    services and traditional sectors) on goods platforms, local-services firms on
    local-services platforms, every digitised firm buying on freelance platforms."""
    firms = model.firms
    able = firms.alive & firms.digital
    if segment == GOODS:
        return able & ((firms.sector == LOCAL_SECTOR) | (firms.sector == TRADITIONAL))
    if segment == LOCAL_SERVICES:
        return able & (firms.sector == LOCAL_SECTOR)
    return able


def freelancer_eligible(model: TerritoryModel) -> np.ndarray:
    """Workers skilled and literate enough to sell freelance work."""
    workers, labour = model.workers, model.scenario.labour
    return (workers.skill >= labour.freelance_skill_threshold) & (
        workers.literacy >= labour.gig_literacy_threshold
    )


def members(bits: np.ndarray, index: int) -> np.ndarray:
    """Whether each member mask holds platform ``index``."""
    return ((bits >> index) & 1).astype(bool)


# -- the market: utilities per municipality ----------------------------------------------------


@dataclass
class SegmentMarket:
    """One segment's open platforms and their utilities per municipality.

    Attributes:
        platforms: The segment's open platforms.
        index: Their indices (bits of member masks).
        buyer_utility: Buyers' utility of each platform in each municipality (platform x
            municipality; -inf out of reach), before household traits and noise.
        seller_utility: Sellers' utility, the same way (goods and local services).
        offline: Buyers' utility of the offline channel.
    """

    platforms: list[Platform]
    index: np.ndarray
    buyer_utility: np.ndarray
    seller_utility: np.ndarray
    offline: float
    #: ``exp(buyer_utility)``: 0 where out of reach.
    attraction: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.attraction = np.exp(self.buyer_utility)


Market = dict[str, SegmentMarket]


def build_market(model: TerritoryModel, seed_shares: bool = False) -> Market:
    """Utilities of every open platform, per segment and municipality.

    ``seed_shares``: at set-up, before anyone has chosen, each incumbent counts its
    ``initial_share`` of the potential users on both sides.
    """
    market: Market = {}
    for segment in SEGMENTS:
        platforms = active_platforms(model, segment)
        if platforms:
            market[segment] = _segment_market(model, segment, platforms, seed_shares)
    return market


def _segment_market(
    model: TerritoryModel, segment: str, platforms: list[Platform], seed_shares: bool
) -> SegmentMarket:
    config = segment_config(model, segment)
    workers, firms, munis = model.workers, model.firms, model.municipalities
    n = model.territory.n
    index = np.array([p.index for p in platforms], dtype=np.int64)

    reach = np.array([p.reach for p in platforms])

    def per_place(counts: np.ndarray) -> np.ndarray:
        # users each platform finds around each municipality (rows: platforms): its
        # commuting zone's (local services, W symmetric), else those of its whole reach (a
        # regional platform's region)
        if segment == LOCAL_SERVICES:
            return np.asarray((model.territory.commute_weight @ counts.T).T)
        return np.repeat((counts * reach).sum(axis=1, keepdims=True), n, axis=1)

    def potential(per_municipality: np.ndarray) -> np.ndarray:
        # per_place of the same counts for every platform, computed once
        if segment == LOCAL_SERVICES:
            around = model.territory.commute_weight @ per_municipality
            return np.repeat(around[None, :], len(platforms), axis=0)
        return np.repeat((per_municipality * reach).sum(axis=1, keepdims=True), n, axis=1)

    eligible_firms = np.bincount(firms.municipality, seller_eligible(model, segment), n)
    if segment == FREELANCE:
        buyers_all = eligible_firms.astype(float)
        sellers_all = np.bincount(workers.home, freelancer_eligible(model), n)
    else:
        buyers_all, sellers_all = munis.residents.astype(float), eligible_firms
    buyers_potential = potential(buyers_all)
    sellers_potential = potential(sellers_all)
    if seed_shares:
        share = np.array([p.spec.initial_share for p in platforms])[:, None]
        buyers, sellers = share * buyers_potential, share * sellers_potential
    else:
        firm_counts = _counts_by_place(firms.platforms, firms.municipality, firms.alive, index, n)
        if segment == FREELANCE:
            row_of = np.full(len(model.platforms) + 1, -1)
            row_of[index] = np.arange(len(index))
            row = row_of[workers.gig_platform]  # gig_platform -1 reads the last entry, -1
            working = row >= 0
            keys = row[working] * n + workers.home[working]
            gig = np.bincount(keys, minlength=len(index) * n).reshape(len(index), n)
            buyers, sellers = per_place(firm_counts), per_place(gig.astype(float))
        else:
            households = _counts_by_place(workers.platforms, workers.home, None, index, n)
            buyers, sellers = per_place(households), per_place(firm_counts)
    buyer_network = config.network_effect * np.log1p(
        PER_HUNDRED
        * np.divide(
            sellers, sellers_potential, out=np.zeros_like(sellers), where=sellers_potential > 0
        )
    )
    seller_network = config.network_effect * np.log1p(
        PER_HUNDRED
        * np.divide(buyers, buyers_potential, out=np.zeros_like(buyers), where=buyers_potential > 0)
    )
    quality = np.array([p.quality for p in platforms])[:, None]
    price = config.price_sensitivity * np.array([p.commission for p in platforms])[:, None]
    log_connectivity = np.log(np.maximum(munis.connectivity, 1e-3))
    buyer = quality + buyer_network - config.pass_through * price
    buyer += config.connectivity_weight * log_connectivity[None, :]
    seller = quality + seller_network - price
    return SegmentMarket(
        platforms,
        index,
        np.where(reach, buyer, -np.inf),
        np.where(reach, seller, -np.inf),
        config.offline_utility,
    )


def _counts_by_place(
    bits: np.ndarray, place: np.ndarray, alive: np.ndarray | None, index: np.ndarray, n: int
) -> np.ndarray:
    """Members of each platform ``index`` per municipality (platforms x municipalities)."""
    low = int(index.min()) if len(index) else 0
    span = int(index.max()) - low + 1 if len(index) else 0
    cells = n << span
    if 0 < span and cells <= min(PATTERN_CELLS, PATTERN_CELLS_PER_MEMBER * len(bits)):
        return _counts_by_pattern(bits, place, alive, index, n, low, span)
    on = bits != 0 if alive is None else (bits != 0) & alive
    bits, place = bits[on], place[on]
    rows = np.arange(len(index))[:, None] * n
    counts = np.zeros(len(index) * n)
    for start in range(0, len(bits), CHUNK):  # bounded memory at France's scale
        held = (bits[None, start : start + CHUNK] >> index[:, None]) & 1
        keys = rows + place[None, start : start + CHUNK]
        counts += np.bincount(keys.ravel(), weights=held.ravel(), minlength=len(index) * n)
    return counts.reshape(len(index), n)


#: Most (municipality, membership pattern) cells :func:`_counts_by_pattern` tabulates, in
#: all and per member counted (beyond these, counting per platform is faster).
PATTERN_CELLS = 1 << 17
PATTERN_CELLS_PER_MEMBER = 8


def _counts_by_pattern(
    bits: np.ndarray,
    place: np.ndarray,
    alive: np.ndarray | None,
    index: np.ndarray,
    n: int,
    low: int,
    span: int,
) -> np.ndarray:
    """:func:`_counts_by_place` for a few municipalities and platforms of nearby indices:
    one count per municipality and pattern of the bits ``low .. low + span - 1`` (one pass
    over the members instead of one per platform), then per platform the patterns holding
    its bit. The counts are integers, so they equal the general method's exactly."""
    pattern = (bits >> low) & ((1 << span) - 1)
    if alive is not None:
        pattern = pattern * alive
    table = np.bincount((place.astype(np.int64) << span) | pattern, minlength=n << span)
    holds = (np.arange(1 << span)[:, None] >> (index - low)[None, :]) & 1
    return (table.reshape(n, 1 << span).astype(float) @ holds.astype(float)).T


# -- choices ------------------------------------------------------------------------------------


def switching_cost(model: TerritoryModel) -> float:
    """Cost of opening an account on a new platform under the rules in force (portability
    lowers it by the portable share)."""
    data = model.scenario.data
    cost = model.scenario.competition.switching_cost
    if model.policy_active and data.regime == "portability":
        cost *= 1.0 - data.share
    return cost


def seller_homing_cost(model: TerritoryModel, segment: str) -> float:
    """Cost to a seller of each platform beyond the first (interoperability lowers it)."""
    competition = model.scenario.competition
    if model.policy_active and competition.multihoming:
        return competition.interoperable_homing_cost
    return segment_config(model, segment).seller_homing_cost


def choose_accounts(utility: np.ndarray, outside: np.ndarray, homing_cost: float) -> np.ndarray:
    """Which platforms each chooser uses: the best if it beats the outside option, each other
    one if it beats the outside option by more than ``homing_cost``.

    Args:
        utility: Noisy utility per chooser and platform (-inf where out of reach).
        outside: Noisy utility of the offline channel, per chooser.
        homing_cost: Cost of each platform beyond the first.

    Returns:
        Boolean (chooser x platform).
    """
    if utility.shape[1] == 0:
        return np.zeros(utility.shape, dtype=bool)
    best = utility.argmax(axis=1)
    rows = np.arange(len(utility))
    take = utility > (outside + homing_cost)[:, None]
    take[rows, best] = utility[rows, best] > outside
    return take


def _set_bits(bits: np.ndarray, who: np.ndarray, index: np.ndarray, take: np.ndarray) -> None:
    """Replace the bits of platforms ``index`` in ``bits[who]`` by ``take`` (who x index)."""
    bits[who] = _with_bits(bits[who], index, take)


def _with_bits(bits: np.ndarray, index: np.ndarray, take: np.ndarray) -> np.ndarray:
    """``bits`` with the bits of platforms ``index`` replaced by ``take`` (len(bits) x
    index)."""
    mask = np.int64(0)
    for i in index.tolist():
        mask |= np.int64(1) << i
    chosen = take.astype(np.int64) @ (np.int64(1) << index)
    return (bits & ~mask) | chosen


def choose_household_platforms(
    model: TerritoryModel, households: np.ndarray, switching: float | None = None
) -> None:
    """The given households choose their platforms in each household segment."""
    if len(households) == 0:
        return
    workers, rng = model.workers, model.rng
    cost = switching_cost(model) if switching is None else switching
    bits, home = workers.platforms[households], workers.home[households]
    taste = workers.literacy[households] - 0.5
    for segment in (GOODS, LOCAL_SERVICES):
        market = model.market.get(segment)
        if market is None:
            continue
        config = segment_config(model, segment)
        held = (bits[:, None] >> market.index[None, :]) & 1
        utility = (
            market.buyer_utility[:, home].T
            + config.literacy_weight * taste[:, None]
            - cost * (held == 0)
            + gumbel(rng, held.shape)
        )
        outside = config.offline_utility + gumbel(rng, len(households))
        take = choose_accounts(utility, outside, config.homing_cost)
        bits = _with_bits(bits, market.index, take)
    workers.platforms[households] = bits


def revise_households(model: TerritoryModel) -> None:
    """A share ``revision_share`` of households revise their platforms."""
    revising = bernoulli_indices(
        len(model.workers), model.scenario.platforms.revision_share, model.rng
    )
    choose_household_platforms(model, revising)


def choose_firm_platforms(
    model: TerritoryModel, firm_rows: np.ndarray | None = None, switching: float | None = None
) -> None:
    """Firms choose the platforms they sell on (goods, local services) and buy on
    (freelance); ``firm_rows``: the choosers (default: a share ``revision_share`` of eligible
    firms, drawn per segment)."""
    firms, rng = model.firms, model.rng
    cost = switching_cost(model) if switching is None else switching
    share = model.scenario.platforms.revision_share
    for segment, market in model.market.items():
        config = segment_config(model, segment)
        eligible = seller_eligible(model, segment)
        if firm_rows is None:
            choosing = (eligible & (rng.random(len(firms)) < share)).nonzero()[0]
        else:
            choosing = firm_rows[eligible[firm_rows]]
        if len(choosing) == 0:
            continue
        held = (firms.platforms[choosing][:, None] >> market.index[None, :]) & 1
        side = market.buyer_utility if segment == FREELANCE else market.seller_utility
        utility = (
            side[:, firms.municipality[choosing]].T - cost * (held == 0) + gumbel(rng, held.shape)
        )
        if segment == FREELANCE:
            outside = config.offline_utility + gumbel(rng, len(choosing))
            homing = config.homing_cost
        else:
            outside = config.seller_offline_utility + gumbel(rng, len(choosing))
            homing = seller_homing_cost(model, segment)
        take = choose_accounts(utility, outside, homing)
        _set_bits(firms.platforms, choosing, market.index, take)


def revise_firms(model: TerritoryModel) -> None:
    """A share ``revision_share`` of eligible firms revise their platforms in each segment."""
    choose_firm_platforms(model)


def count_members(model: TerritoryModel) -> None:
    """Households, firms and gig workers on each platform."""
    workers, firms = model.workers, model.firms
    size = len(model.platforms)
    index = np.arange(size, dtype=np.int64)
    gig = np.bincount(workers.gig_platform[workers.gig_platform >= 0], minlength=size)
    households = _bit_counts(workers.platforms[workers.platforms != 0], index)
    firm_counts = _bit_counts(firms.platforms[firms.alive & (firms.platforms != 0)], index)
    for platform in model.platforms:
        active = platform.active
        platform.households = int(households[platform.index]) if active else 0
        platform.firms = int(firm_counts[platform.index]) if active else 0
        platform.gig_workers = int(gig[platform.index]) if active else 0


def _bit_counts(bits: np.ndarray, index: np.ndarray) -> np.ndarray:
    """How many of ``bits`` hold each platform of ``index``, by chunks of
    :data:`~platsim.core.spending.CHUNK` masks (bounded memory at France's scale)."""
    counts = np.zeros(len(index), dtype=np.int64)
    for start in range(0, len(bits), CHUNK):
        chunk = bits[start : start + CHUNK]
        counts += ((chunk[None, :] >> index[:, None]) & 1).sum(axis=1)
    return counts


def set_up_market(model: TerritoryModel) -> None:
    """Month 0: open the incumbents, give them the data of their initial shares, and let
    every household and eligible firm choose (see docs/ODD.md 5.8).

    Users first choose in a market where each incumbent has its ``initial_share`` of the
    potential users; each incumbent then gets the steady data stock of its initial share of
    the segment's platform sales this implies, and everyone chooses again in the market of
    these choices, :data:`SET_UP_PASSES` times (after the first round with the switching
    cost of the monthly revisions, so the holdings start near their stationary level).
    """
    open_due_platforms(model)
    households = np.arange(len(model.workers))
    firm_rows = model.firms.alive.nonzero()[0]
    config = model.scenario.platforms
    model.market = build_market(model, seed_shares=True)
    update_quality_only(model)
    for round_ in range(SET_UP_PASSES):
        # first without a switching cost (nobody holds an account yet), then with it: the
        # rounds approach the stationary holdings of the monthly revisions
        switching = 0.0 if round_ == 0 else None
        for start in range(0, len(households), CHUNK):  # bounded memory at France's scale
            choose_household_platforms(
                model, households[start : start + CHUNK], switching=switching
            )
        choose_firm_platforms(model, firm_rows, switching=switching)
        count_members(model)
        sales = expected_sales(model)
        unit = money_unit(model)
        for platform in active_platforms(model):
            segment_total = sum(sales[p.index] for p in active_platforms(model, platform.segment))
            steady = platform.spec.initial_share * segment_total / unit
            platform.data = steady / max(config.data_decay, 1e-3)
        update_quality_only(model)
        set_up_capital(model, open_segments(model), sales)
        model.market = build_market(model)


def update_quality_only(model: TerritoryModel) -> None:
    """Effective data and quality from the current data stocks and quality capital
    (set-up)."""
    for platforms in open_segments(model).values():
        for platform, level in zip(platforms, effective_data(model, platforms), strict=True):
            platform.effective_data = float(level)
            platform.quality = quality(model, platform)


def expected_sales(model: TerritoryModel, reach_gain: bool = True) -> dict[int, float]:
    """Each open platform's sales a month at the current choices and incomes (EUR), by
    platform index: buyers' platform spending and, with ``reach_gain``, traded members'
    extra external sales on goods platforms (which carry no gig tasks)."""
    economy = model.scenario.economy
    workers = model.workers
    spending = household_spending(workers.income, workers.tax, workers.savings, economy)
    budgets = spending_budgets(model, spending)
    sales = {platform.index: 0.0 for platform in active_platforms(model)}
    for segment, market in model.market.items():
        for _, parts in split_by_platform(model, segment, market, budgets[segment]):
            for platform, amount in zip(market.platforms, parts.sum(axis=1).tolist(), strict=True):
                sales[platform.index] += amount
    if not reach_gain:
        return sales
    # traded firms' extra external sales on goods platforms (phase 3), at planned revenue
    firms = model.firms
    traded = firms.alive & (firms.sector != LOCAL_SECTOR)
    extra = model.scenario.platforms.reach_gain * firms.planned_revenue * traded
    goods = active_platforms(model, GOODS)
    if goods:
        on = np.array([members(firms.platforms, p.index) for p in goods], dtype=float)
        memberships = on.sum(axis=0)
        split = on * np.divide(extra, memberships, out=np.zeros(len(firms)), where=memberships > 0)
        for platform, amount in zip(goods, split.sum(axis=1), strict=True):
            sales[platform.index] += float(amount)
    return sales
