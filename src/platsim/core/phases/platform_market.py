"""Phase 2, platform market: data, quality, commissions, entry, acquisitions and choices.

In order:

1. Platforms open at their start step (territorial partners join), entrants appear at
   ``platforms.entry_rate`` and close if their effective data is below
   ``entrant_survival_data`` after ``entrant_grace_months``.
2. Data: ``D_p <- (1 - lambda) D_p + T_p / unit`` with ``T_p`` the month's transactions and
   the unit ``data_unit`` x the territory's initial monthly household spending. Platforms
   pay their operating cost, ``operating_cost`` x ``T_p``. Effective
   data ``E_p`` adds what the data regime shares (from policy_start): open data gives every
   platform ``share`` of the others' data; a trusted third party gives each participant
   ``share`` of the other participants' data (the global platform participates only when
   mandated); both add ``share`` of the municipalities' and utilities' ``public_data`` when
   municipalities take part; portability shares nothing but lowers switching costs by
   ``share``.
3. Quality ``q_p = q0_p + beta ln(1 + E_p)`` (data network effect, diminishing returns).
4. Commissions: a global platform charges ``min(cap, tau0 + kappa * market share)``; others
   their catalogue rate, capped from policy_start.
5. A global platform buys its smallest private rival (an entrant) with probability
   ``acquisition_rate * share`` unless the acquisition ban applies to it.
6. The platform share of household spending in each municipality grows logistically towards
   ``adoption_ceiling * connectivity * logistic(best reachable quality)``.
7. A share ``revision_share`` of households and of digitised firms revise their choice by
   multinomial logit (Gumbel noise) over reachable platforms: households weigh quality and
   the firms on the platform, firms weigh quality, the households on it and the commission,
   against staying off platforms; changing costs ``switching_cost``. With interoperability
   (``competition.multihoming``) firms join every platform they prefer to staying off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import PLATFORM, UNEMPLOYED
from platsim.core.platforms import MAX_PLATFORMS, Platform, codes_bound
from platsim.numerics.codes import count_codes
from platsim.numerics.sampling import bernoulli_indices, gumbel, logit_best
from platsim.schema import PlatformSpec
from platsim.schema.platforms import ENTRANT, GLOBAL

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Run the platform market phase in order."""
    open_and_enter(model)
    update_data_and_quality(model)
    set_commissions(model)
    acquire(model)
    market = quality_matrix(model)  # unchanged by the three choices below
    grow_adoption(model, market)
    revise_households(model, market)
    revise_firms(model, market)
    count_members(model)


def active_platforms(model: TerritoryModel) -> list[Platform]:
    """Platforms open this month."""
    return [platform for platform in model.platforms if platform.active]


def open_and_enter(model: TerritoryModel) -> None:
    """Open scheduled platforms, let an entrant appear, close entrants short of data."""
    config, rng = model.scenario.platforms, model.rng
    open_due_platforms(model)
    if config.entry_rate > 0 and rng.random() < config.entry_rate:
        if len(model.platforms) < MAX_PLATFORMS:
            spec = PlatformSpec(
                kind=ENTRANT,
                quality=config.entrant_quality,
                commission=config.entrant_commission,
                outside_supplier_share=0.0,
            )
            region = int(rng.integers(model.territory.n_regions))
            number = sum(p.kind == ENTRANT for p in model.platforms) + 1
            entrant = Platform(
                model, len(model.platforms), f"entrant-{number}", spec, region, model.steps
            )
            model.platforms.append(entrant)
            open_platform(model, entrant)
            model.events["platform_entry"] += 1
    for platform in active_platforms(model):
        platform.age += 1
        if (
            platform.kind == ENTRANT
            and platform.age >= config.entrant_grace_months
            and platform.effective_data < config.entrant_survival_data
        ):
            close_platform(model, platform)
            model.events["platform_exit"] += 1


def open_due_platforms(model: TerritoryModel) -> None:
    """Open every platform scheduled by now, then let households without one choose.

    Platforms opening together are all open before anyone chooses, so no platform gains
    from its place in the catalogue.
    """
    due = [
        platform
        for platform in model.platforms
        if not platform.active and not platform.closed and platform.opens <= model.steps
    ]
    for platform in due:
        open_platform(model, platform, choose=False)
    if due:
        without = (model.workers.platform < 0).nonzero()[0]
        choose_household_platforms(model, without, switching=0.0)


def open_platform(model: TerritoryModel, platform: Platform, *, choose: bool = True) -> None:
    """Activate a platform; its partner firms (digitised, in reach) join at once; households
    without a platform choose one unless ``choose`` is False."""
    platform.active = True
    platform.refresh_reach()
    firms = model.firms
    if platform.spec.partner_share > 0:
        eligible = firms.alive & firms.digital & platform.reach[firms.municipality]
        joins = eligible & (model.rng.random(len(firms)) < platform.spec.partner_share)
        bit = np.int64(1) << platform.index
        if not model.multihoming_allowed():
            firms.platforms[joins] = 0
        firms.platforms[joins] |= bit
    if choose:
        without = (model.workers.platform < 0).nonzero()[0]
        choose_household_platforms(model, without, switching=0.0)


def close_platform(model: TerritoryModel, platform: Platform, heir: Platform | None = None) -> None:
    """Close a platform; members within the reach of ``heir`` (an acquirer) move to it, the
    others leave: households choose again, gig workers look for work, firms lose the link."""
    workers, firms = model.workers, model.firms
    bit = np.int64(1) << platform.index
    on_it = workers.platform == platform.index
    gig = workers.gig_platform == platform.index
    members = (firms.platforms & bit) != 0
    firms.platforms[members] &= ~bit
    if heir is not None:
        heir.data += platform.data
        heir.gig_pool += platform.gig_pool
        platform.gig_pool = 0.0
        household_reached = heir.reach[workers.home]
        workers.platform[on_it & household_reached] = heir.index
        workers.gig_platform[gig & household_reached] = heir.index
        firms.platforms[members & heir.reach[firms.municipality]] |= np.int64(1) << heir.index
        on_it &= ~household_reached
        gig &= ~household_reached
    workers.platform[on_it] = -1
    leave_gig_work(workers, gig)
    platform.close()
    choose_household_platforms(model, on_it.nonzero()[0], switching=0.0)
    if heir is not None:
        platform.market_share = 0.0


def leave_gig_work(workers, who: np.ndarray) -> None:
    """Gig workers among ``who`` (a mask, or the indices of a few workers) lose their platform
    and become unemployed job seekers."""
    who = who.nonzero()[0] if who.dtype == bool else who
    workers.status[who[workers.status[who] == PLATFORM]] = UNEMPLOYED
    workers.gig_platform[who] = -1


def effective_data(model: TerritoryModel, platforms: list[Platform]) -> np.ndarray:
    """Effective data of each platform under the data regime in force."""
    stock = np.array([p.data for p in platforms])
    data = model.scenario.data
    if not model.policy_active or data.regime in ("closed", "portability") or len(stock) == 0:
        return stock
    public = data.share * data.public_data if data.municipalities_participate else 0.0
    if data.regime == "open":
        return stock + data.share * (stock.sum() - stock) + public
    participant = np.array([p.kind != GLOBAL or data.global_participates for p in platforms])
    pooled = stock[participant].sum()
    return np.where(participant, stock + data.share * (pooled - stock) + public, stock)


def update_data_and_quality(model: TerritoryModel) -> None:
    """Accumulate data from the month's transactions; set effective data, quality, shares."""
    config = model.scenario.platforms
    platforms = active_platforms(model)
    unit = config.data_unit * model.reference_spending
    for platform in platforms:
        platform.last_transactions = platform.transactions
        platform.data = (1.0 - config.data_decay) * platform.data + platform.transactions / unit
        platform.transactions = 0.0
        platform.pay_operating_cost()
    effective = effective_data(model, platforms)
    total = sum(p.last_transactions for p in platforms)
    for platform, level in zip(platforms, effective, strict=True):
        platform.effective_data = float(level)
        platform.quality = platform.spec.quality + config.data_effect * np.log1p(level)
        platform.market_share = platform.last_transactions / total if total > 0 else 0.0


def set_commissions(model: TerritoryModel) -> None:
    """Global platforms' rents rise with their share; a cap applies from policy_start."""
    cap = model.scenario.competition.commission_cap if model.policy_active else 1.0
    for platform in active_platforms(model):
        rate = platform.spec.commission
        if platform.kind == GLOBAL:
            rate += platform.spec.commission_slope * platform.market_share
        platform.commission = float(min(cap, rate))


def acquire(model: TerritoryModel) -> None:
    """A global platform may buy its smallest entrant rival unless the ban applies."""
    config, competition = model.scenario.platforms, model.scenario.competition
    for buyer in active_platforms(model):
        if buyer.kind != GLOBAL:
            continue
        banned = (
            model.policy_active
            and competition.acquisition_ban_share < 1.0
            and buyer.market_share >= competition.acquisition_ban_share
        )
        targets = [p for p in active_platforms(model) if p.kind == ENTRANT]
        if banned or not targets:
            continue
        if model.rng.random() < config.acquisition_rate * buyer.market_share:
            target = min(targets, key=lambda p: p.last_transactions)
            buyer.market_share += target.market_share
            buyer.last_transactions += target.last_transactions
            close_platform(model, target, heir=buyer)
            model.events["acquisitions"] += 1


def quality_matrix(model: TerritoryModel) -> tuple[list[Platform], np.ndarray]:
    """Active platforms and their quality per municipality (-inf where out of reach)."""
    platforms = active_platforms(model)
    matrix = np.full((len(platforms), model.territory.n), -np.inf)
    for row, platform in enumerate(platforms):
        matrix[row, platform.reach] = platform.quality
    return platforms, matrix


Market = tuple[list[Platform], np.ndarray]


def grow_adoption(model: TerritoryModel, market: Market | None = None) -> None:
    """Logistic growth of the share of household spending made on platforms.

    ``market``: :func:`quality_matrix` of this moment, when the caller has it.
    """
    config = model.scenario.platforms
    platforms, quality = market or quality_matrix(model)
    if not platforms:
        return
    best = quality.max(axis=0)
    reached = np.isfinite(best)
    ceiling = np.where(
        reached,
        config.adoption_ceiling
        * model.municipalities.connectivity
        / (1.0 + np.exp(-np.where(reached, best, 0.0))),
        0.0,
    )
    share = model.platform_share
    growth = (
        config.adoption_speed
        * share
        * (1.0 - np.divide(share, ceiling, out=np.ones_like(share), where=ceiling > 0))
    )
    model.platform_share = np.minimum(np.maximum(share + np.where(reached, growth, 0.0), 1e-3), 1.0)


def switching_cost(model: TerritoryModel) -> float:
    """Cost of changing platform under the rules in force."""
    competition, data = model.scenario.competition, model.scenario.data
    cost = competition.switching_cost
    if model.policy_active:
        if competition.multihoming:
            cost = competition.interoperable_switching_cost
        if data.regime == "portability":
            cost *= 1.0 - data.share
    return cost


def choose_household_platforms(
    model: TerritoryModel,
    households: np.ndarray,
    switching: float | None = None,
    market: Market | None = None,
) -> None:
    """Logit choice of a platform for the given households (or none if none reaches them)."""
    platforms, quality = market or quality_matrix(model)
    workers = model.workers
    if len(households) == 0:
        return
    if not platforms:
        workers.platform[households] = -1
        return
    config = model.scenario.platforms
    cost = switching_cost(model) if switching is None else switching
    firms_on = np.array([p.firms for p in platforms], dtype=float)
    # quality plus the network effect per (platform, municipality), then one column per
    # household: the same sums as adding the effect to every household's row
    attraction = quality + config.network_effect * np.log1p(firms_on)[:, None]
    index = np.array([p.index for p in platforms])
    penalty = None
    if cost and len(platforms) > 1:  # with one platform there is nothing to switch to
        penalty = cost * (index[None, :] != workers.platform[households][:, None])
    best, reachable = logit_best(attraction, workers.home[households], model.rng, penalty)
    workers.platform[households] = np.where(reachable, index[best], -1)


def revise_households(model: TerritoryModel, market: Market | None = None) -> None:
    """A share of households revise their platform."""
    workers = model.workers
    revising = bernoulli_indices(len(workers), model.scenario.platforms.revision_share, model.rng)
    choose_household_platforms(model, revising, market=market)


def revise_firms(model: TerritoryModel, market: Market | None = None) -> None:
    """A share of digitised firms choose platforms (one, or several with interoperability)."""
    config, firms = model.scenario.platforms, model.firms
    platforms, quality = market or quality_matrix(model)
    if not platforms:
        return
    candidates = firms.alive & firms.digital
    revising = (candidates & (model.rng.random(len(firms)) < config.revision_share)).nonzero()[0]
    if len(revising) == 0:
        return
    households_on = np.array([p.households for p in platforms], dtype=float)
    commission = np.array([p.commission for p in platforms])
    index = np.array([p.index for p in platforms], dtype=np.int64)
    bits = np.int64(1) << index
    member = (firms.platforms[revising][:, None] & bits[None, :]) != 0
    utility = (
        quality[:, firms.municipality[revising]].T
        + config.network_effect * np.log1p(households_on)[None, :]
        - config.commission_weight * commission[None, :]
        - switching_cost(model) * ~member
        + gumbel(model.rng, member.shape)
    )
    stay_off = config.outside_option + gumbel(model.rng, len(revising))
    if model.multihoming_allowed():
        joined = utility > stay_off[:, None]
        firms.platforms[revising] = (joined * bits[None, :]).sum(axis=1)
    else:
        best = utility.argmax(axis=1)
        take = utility[np.arange(len(revising)), best] > stay_off
        firms.platforms[revising] = np.where(take, bits[best], 0)


def count_members(model: TerritoryModel) -> None:
    """Households, firms and gig workers on each platform."""
    workers, firms = model.workers, model.firms
    size = len(model.platforms)
    in_use = codes_bound(model)
    households = count_codes(workers.platform, size, in_use)
    gig = count_codes(workers.gig_platform, size, in_use)
    index = np.arange(size)
    on_platforms = firms.platforms[firms.alive & (firms.platforms != 0)]
    firm_counts = ((on_platforms[None, :] >> index[:, None]) & 1).sum(axis=1)  # platform-major
    for platform in model.platforms:
        platform.households = int(households[platform.index])
        platform.gig_workers = int(gig[platform.index])
        platform.firms = int(firm_counts[platform.index])
