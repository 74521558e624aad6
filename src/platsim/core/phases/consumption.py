"""Phase 1, consumption: households and municipalities buy; platforms take their channel.

Households spend a share ``c`` of last month's disposable income. A household using a
platform spends the municipality's platform share ``pi`` of it through that platform; the
rest is offline. Of offline spending, ``local_share`` goes to local-services firms in the
commuting zone and the rest is bought outside the territory (imports). Municipalities spend
the service budget set last month on the same local firms (public procurement).

Offline demand from municipality ``m`` reaches destination ``j`` with weight ``W[m, j] A_j``
(gravity weight times the competitiveness of j's local firms); within ``j`` each firm gets a
share proportional to its productivity. Demand from a zone without any local firm leaves the
territory.

Platform spending ``T_p`` is split: ``outside_supplier_share`` to suppliers outside the
territory; ``gig_task_share`` to local tasks, whose value net of commission goes to the
platform's gig pool (paid to gig workers in phase 5); the rest to the platform's member firms
anywhere in the territory (∝ productivity), net of the commission. The commission goes where
the platform's kind sends it (see :mod:`platsim.core.platforms`). Without member firms the goods
come from outside suppliers. The identity household spending = firm revenue + platform
commissions + gig pools + leakage holds every step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core import rules
from platsim.core.agents import LOCAL_SERVICES
from platsim.core.platforms import codes_bound
from platsim.core.rules import distribute_local_demand
from platsim.numerics.codes import sum_codes
from platsim.schema.platforms import GLOBAL

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Households and municipalities spend; firms, platforms and gig pools earn."""
    economy = model.scenario.economy
    workers, firms, munis = model.workers, model.firms, model.municipalities
    n = model.territory.n

    workers.spending = rules.household_spending(
        workers.income, workers.tax, workers.savings, economy
    )
    workers.savings -= workers.spending
    on_platform = workers.platform >= 0
    # (take and a product with the flags: the same as fancy indexing and np.where on these
    # finite, non-negative amounts, in fewer instructions per household)
    via_platform = model.platform_share.take(workers.home) * workers.spending * on_platform
    offline = workers.spending - via_platform
    by_home = workers.sum_by_home(offline, n)
    household_local = economy.local_share * by_home
    public = munis.service_budget.copy()
    munis.budget -= public
    munis.service_budget[:] = 0.0

    sells_locally = firms.alive & (firms.sector == LOCAL_SERVICES)
    revenue, unplaced = distribute_local_demand(
        household_local + public,
        firms.productivity * sells_locally,
        firms.municipality,
        model.territory.commute_weight,
    )
    firms.revenue_local = revenue
    total_local = household_local + public
    household_part = np.divide(household_local, total_local, out=np.zeros(n), where=total_local > 0)
    household_unplaced = float(np.add.reduce(unplaced * household_part))
    public_unplaced = float(np.add.reduce(unplaced)) - household_unplaced

    offline_spending = float(np.add.reduce(by_home))
    household_local_total = float(np.add.reduce(household_local))
    household_imports = offline_spending - household_local_total + household_unplaced
    model.ledger.outflow("imports", household_imports)
    model.ledger.outflow("public_purchases", public_unplaced)
    platform_flows = sell_through_platforms(model, via_platform)

    household_spending = float(np.add.reduce(workers.spending))
    model.flows.update(
        household_spending=household_spending,
        household_offline=offline_spending,
        household_offline_to_firms=offline_spending - household_imports,
        household_leakage=household_imports + platform_flows["outside"],
        public_spending=float(np.add.reduce(public)),
        public_to_firms=float(np.add.reduce(public)) - public_unplaced,
        **{f"platform_{key}": value for key, value in platform_flows.items()},
    )
    model.flows["household_to_firms"] = (
        model.flows["household_offline_to_firms"] + platform_flows["to_firms"]
    )


def sell_through_platforms(model: TerritoryModel, via_platform: np.ndarray) -> dict[str, float]:
    """Route each household's platform spending through its platform.

    Returns:
        Totals of the month: spending through platforms, member firms' revenue, commissions,
        gig pools, outside suppliers, and the part of commissions that left the territory.
    """
    workers, firms = model.workers, model.firms
    labour = model.scenario.labour
    size = len(model.platforms)
    totals = dict(spending=0.0, to_firms=0.0, commissions=0.0, gig_pools=0.0, outside=0.0)
    if size == 0:
        return totals
    spending = sum_codes(workers.platform, via_platform, size, codes_bound(model))
    totals["spending"] = float(np.add.reduce(spending))
    platforms = [p for p in model.platforms if p.active and spending[p.index] > 0]
    if not platforms:
        return totals
    index = np.array([p.index for p in platforms])
    amount = spending[index]
    commission_rate = np.array([p.commission for p in platforms])
    outside = np.array([p.spec.outside_supplier_share for p in platforms]) * amount
    tasks = labour.gig_task_share * amount
    goods = amount - outside - tasks
    # members[k, f]: firm f sells on platform k; each platform's goods go to its members.
    # Platform-major: numpy reduces a (firms, few) table ten times slower than this one.
    members = firms.alive[None, :] & (((firms.platforms[None, :] >> index[:, None]) & 1) == 1)
    weight = members * firms.productivity[None, :]
    weight_total = weight.sum(axis=1)
    has_members = weight_total > 0
    sales = np.where(has_members, goods * (1.0 - commission_rate), 0.0)
    share = np.divide(
        weight, weight_total[:, None], out=np.zeros_like(weight), where=has_members[:, None]
    )
    # elementwise then sum: no multi-threaded BLAS, so results do not depend on thread counts
    firms.revenue_local += (share * sales[:, None]).sum(axis=0)
    outside = outside + np.where(has_members, 0.0, goods)
    goods = np.where(has_members, goods, 0.0)
    commission = commission_rate * (goods + tasks)
    pools = tasks * (1.0 - commission_rate)
    for k, platform in enumerate(platforms):
        platform.transactions += float(amount[k])
        platform.book_commission(float(commission[k]))
        platform.gig_pool += float(pools[k])
        if platform.kind == GLOBAL:
            model.add_flow("global_leakage", float(outside[k]))
    model.ledger.outflow("outside_suppliers", float(np.add.reduce(outside)))
    totals.update(
        to_firms=float(np.add.reduce(sales)),
        commissions=float(np.add.reduce(commission)),
        gig_pools=float(np.add.reduce(pools)),
        outside=float(np.add.reduce(outside)),
    )
    return totals
