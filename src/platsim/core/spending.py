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

from collections.abc import Iterator
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


def _buyers(model: TerritoryModel, segment: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Member masks, municipality and taste factor ``f`` of a segment's buyers."""
    if segment == FREELANCE:
        firms = model.firms
        return firms.platforms, firms.municipality, np.ones(len(firms))
    workers = model.workers
    weight = getattr(model.scenario, segment).literacy_weight
    return workers.platforms, workers.home, np.exp(weight * (workers.literacy - 0.5))


def split_by_platform(
    model: TerritoryModel, segment: str, market: SegmentMarket, budget: np.ndarray
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(row, spending)``: each platform's row in ``market`` and what every buyer of the
    segment spends on it this month (EUR, one entry per buyer; 0 for non-members).

    Two passes over the platforms (the denominators, then the parts) keep memory at a few
    arrays of buyers whatever the number of platforms.
    """
    bits, place, taste = _buyers(model, segment)
    if not bits.any():
        return
    terms = []
    total = np.zeros(len(bits))
    for row, index in enumerate(market.index.tolist()):
        member = ((bits >> index) & 1).astype(bool)
        if not member.any():
            continue
        term = np.where(member, market.attraction[row].take(place), 0.0)
        total += term
        terms.append(row)
    if not terms:
        return
    scale = budget * taste / (np.exp(market.offline) + taste * total)
    for row in terms:
        index = int(market.index[row])
        member = ((bits >> index) & 1).astype(bool)
        yield row, np.where(member, market.attraction[row].take(place), 0.0) * scale
