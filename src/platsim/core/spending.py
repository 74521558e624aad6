"""How buyers split a segment's budget between the offline channel and the platforms they use.

A buyer (a household in the goods and local-services segments, a firm in the freelance one)
with budget ``B`` on platforms ``H`` spends on platform ``k`` in ``H``

    B * f e_k / (e_0 + f * sum over j in H of e_j),

where ``e_k = exp(u_k)`` is the platform's attraction in the buyer's municipality
(:class:`platsim.core.phases.platform_market.SegmentMarket`), ``e_0 = exp(V0)`` the offline
channel's, and ``f = exp(literacy_weight (literacy - 0.5))`` the buyer's own taste for
platforms (1 for firms); the rest is spent offline. These are the logit shares of the
channels a buyer uses: the share of spending made on platforms follows prices, quality,
network effects, connectivity and literacy, with no cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from platsim.schema.segments import FREELANCE, GOODS, LOCAL_SERVICES

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel
    from platsim.core.phases.platform_market import SegmentMarket


def spending_budgets(model: TerritoryModel, spending: np.ndarray) -> dict[str, np.ndarray]:
    """Each segment's budget per buyer (EUR): households' goods and local-services budgets
    (``local_share`` of spending is local services, the rest goods) and firms' freelance
    budget (``freelance.budget_share`` of the fixed cost of each active firm)."""
    economy = model.scenario.economy
    local = economy.local_share * spending
    firms = model.firms
    freelance = model.scenario.freelance.budget_share * economy.fixed_cost * firms.alive
    return {GOODS: spending - local, LOCAL_SERVICES: local, FREELANCE: freelance}


def _buyers(
    model: TerritoryModel, segment: str
) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray | float]]:
    """Member masks and municipality of a segment's buyers, and their taste factor ``f``
    as a function of the buyers' rows (computed for the members only)."""
    if segment == FREELANCE:
        firms = model.firms
        return firms.platforms, firms.municipality, lambda rows: 1.0
    workers = model.workers
    weight = getattr(model.scenario, segment).literacy_weight
    return (
        workers.platforms,
        workers.home,
        lambda rows: np.exp(weight * (workers.literacy[rows] - 0.5)),
    )


#: Buyers handled at once: bounds the (platforms x buyers) tables at full scale.
CHUNK = 1 << 21


def split_by_platform(
    model: TerritoryModel, segment: str, market: SegmentMarket, budget: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(buyers, spending)`` in chunks: the indices of buyers on at least one of the
    segment's platforms and what each spends on each platform this month (EUR; a table of
    the market's rows x those buyers, 0 where a buyer is not a member).
    """
    bits, place, taste_of = _buyers(model, segment)
    index = market.index
    mask = np.int64(0)
    for i in index.tolist():
        mask |= np.int64(1) << i
    on = ((bits & mask) != 0).nonzero()[0]
    offline = np.exp(market.offline)
    for start in range(0, len(on), CHUNK):
        who = on[start : start + CHUNK]
        held = (bits[who][None, :] >> index[:, None]) & 1
        terms = held * market.attraction[:, place[who]]
        taste = taste_of(who)
        scale = budget[who] * taste / (offline + taste * terms.sum(axis=0))
        yield who, terms * scale[None, :]
