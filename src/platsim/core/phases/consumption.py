"""Phase 1, consumption: households, municipalities and firms buy; platforms take their part.

Households spend a share ``c`` of last month's disposable income: ``local_share`` of it on
local services, the rest on goods. In each of the two segments a household splits its budget
between the offline channel and the platforms it uses by logit shares
(:mod:`platsim.core.spending`); firms split their freelance budget (part of their fixed cost)
the same way on freelance platforms.

Offline, goods are bought outside the territory (imports) and local services from the
local-services firms of the commuting zone: demand from municipality ``m`` reaches destination
``j`` with weight ``W[m, j] A_j`` (gravity weight times the productivity of j's local firms),
each firm getting a share proportional to its productivity; municipalities spend the service
budget set last month on the same firms (public procurement). Demand from a zone without any
local firm leaves the territory.

A platform's sales ``T`` are split: ``outside_supplier_share`` to suppliers outside the
territory; the segment's ``task_share`` to tasks, whose value net of commission goes to its
gig pool (paid to gig workers or freelancers in phase 5); the rest to its member firms, net
of the commission: anywhere in the territory for goods (in proportion to productivity),
within the buyer's commuting zone for local services (as offline demand is spread; demand
that finds no member firm there is bought offline instead). Freelance sales net of commission
go to the gig pool, but for ``outside_supplier_share`` of them, done by freelancers outside
the territory. The commission goes where the platform's owner is (:mod:`platsim.core.platforms`).
The identity household spending = firm revenue + commissions + gig pools + imports and outside
suppliers holds every step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from platsim.core import rules
from platsim.core.agents import LOCAL_SERVICES as LOCAL_SECTOR
from platsim.core.phases.platform_market import members, seller_eligible
from platsim.core.rules import distribute_local_demand
from platsim.core.spending import spending_budgets, split_by_platform
from platsim.schema.platforms import GLOBAL
from platsim.schema.segments import FREELANCE, GOODS, LOCAL_SERVICES

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel
    from platsim.core.platforms import Platform


def step(model: TerritoryModel) -> None:
    """Households and municipalities spend; firms, platforms and gig pools earn."""
    economy = model.scenario.economy
    workers, firms, munis = model.workers, model.firms, model.municipalities
    n = model.territory.n

    workers.spending = rules.household_spending(
        workers.income, workers.tax, workers.savings, economy
    )
    workers.savings -= workers.spending
    budgets = spending_budgets(model, workers.spending)
    firms.revenue_local = np.zeros(len(firms))
    flows = {"spending": 0.0, "to_firms": 0.0, "commissions": 0.0, "gig_pools": 0.0, "outside": 0.0}
    goods_online = buy_goods_online(model, budgets[GOODS], flows)
    local_online, local_returned = buy_local_services_online(model, budgets[LOCAL_SERVICES], flows)
    buy_freelance_work(model, budgets[FREELANCE])

    goods_total = float(np.add.reduce(budgets[GOODS]))
    household_local = (
        workers.sum_by_home(budgets[LOCAL_SERVICES], n) - local_online + local_returned
    )
    public = munis.service_budget.copy()
    munis.budget -= public
    munis.service_budget[:] = 0.0

    sells_locally = firms.alive & (firms.sector == LOCAL_SECTOR)
    revenue, unplaced = distribute_local_demand(
        household_local + public,
        firms.productivity * sells_locally,
        firms.municipality,
        model.territory.commute_weight,
    )
    firms.revenue_local += revenue
    total_local = household_local + public
    household_part = np.divide(household_local, total_local, out=np.zeros(n), where=total_local > 0)
    household_unplaced = float(np.add.reduce(unplaced * household_part))
    public_unplaced = float(np.add.reduce(unplaced)) - household_unplaced

    household_imports = goods_total - goods_online + household_unplaced
    model.ledger.outflow("imports", household_imports)
    model.ledger.outflow("public_purchases", public_unplaced)

    household_spending = float(np.add.reduce(workers.spending))
    offline_spending = household_spending - flows["spending"]
    model.flows.update(
        household_spending=household_spending,
        household_offline=offline_spending,
        household_offline_to_firms=offline_spending - household_imports,
        household_leakage=household_imports + flows["outside"],
        public_spending=float(np.add.reduce(public)),
        public_to_firms=float(np.add.reduce(public)) - public_unplaced,
        goods_spending=goods_total,
        goods_platform_spending=goods_online,
        local_spending=float(np.add.reduce(budgets[LOCAL_SERVICES])),
        local_platform_spending=float(np.add.reduce(local_online - local_returned)),
        **{f"platform_{key}": value for key, value in flows.items()},
    )
    model.flows["household_to_firms"] = (
        model.flows["household_offline_to_firms"] + flows["to_firms"]
    )


def _book_sale(
    model: TerritoryModel,
    platform: Platform,
    sales: np.ndarray,
    to_members: float,
    tasks: float,
    outside: float,
    flows: dict[str, float] | None,
) -> None:
    """Record one platform's sales of the month (EUR by the buyers' region): commission on
    what its members and gig workers sell, the tasks' net value into its gig pool, outside
    suppliers paid.

    ``flows``: the month's household platform totals (None for freelance sales, bought by
    firms): what leaves the territory counts as leakage of household spending.
    """
    rate = platform.commission
    commission = rate * (to_members + tasks)
    platform.record_sales(sales)
    sales = float(np.add.reduce(sales))
    platform.book_commission(commission)
    platform.gig_pool += tasks * (1.0 - rate)
    platform.tasks_value += tasks
    model.ledger.outflow("outside_suppliers", outside)
    if flows is not None:
        leaving = outside + (commission if platform.kind == GLOBAL else 0.0)
        flows["spending"] += sales
        flows["to_firms"] += to_members * (1.0 - rate)
        flows["commissions"] += commission
        flows["gig_pools"] += tasks * (1.0 - rate)
        flows["outside"] += outside
        model.add_flow("platform_leakage", leaving)


def platform_sales(
    model: TerritoryModel,
    segment: str,
    market,
    budget: np.ndarray,
    by_buyer: np.ndarray | None = None,
) -> Iterator[tuple[Platform, float, np.ndarray]]:
    """Yield ``(platform, sales, sales by region)`` for each platform of ``market`` that sold
    something this month: what the segment's buyers spend on it (EUR), in total and by the
    buyers' region. ``by_buyer``: an array that receives each buyer's platform spending."""
    territory = model.territory
    regions = territory.n_regions
    place = model.firms.municipality if segment == FREELANCE else model.workers.home
    rows = len(market.platforms)
    table = np.zeros(rows * regions)
    keys_base = np.arange(rows)[:, None] * regions
    for who, parts in split_by_platform(model, segment, market, budget):
        if by_buyer is not None:
            by_buyer[who] += parts.sum(axis=0)
        keys = keys_base + territory.region[place[who]][None, :]
        table += np.bincount(keys.ravel(), weights=parts.ravel(), minlength=rows * regions)
    table = table.reshape(rows, regions)
    totals = table.sum(axis=1)
    for platform, sales, by_region in zip(market.platforms, totals.tolist(), table, strict=True):
        if sales > 0:
            yield platform, sales, by_region


def buy_goods_online(model: TerritoryModel, budget: np.ndarray, flows: dict[str, float]) -> float:
    """Households' goods bought on platforms; member firms anywhere sell them.

    Returns:
        Goods spending made on platforms (EUR).
    """
    market = model.market.get(GOODS)
    if market is None:
        return 0.0
    firms = model.firms
    task_share = model.scenario.goods.task_share
    sellers = seller_eligible(model, GOODS)
    sold = np.zeros(len(market.platforms))  # summed as one array: the same rounding always
    for platform, sales, regions in platform_sales(model, GOODS, market, budget):
        sold[market.platforms.index(platform)] = sales
        outside = platform.spec.outside_supplier_share * sales
        tasks = task_share * sales
        goods = sales - outside - tasks
        weight = firms.productivity * (sellers & members(firms.platforms, platform.index))
        weight_total = float(np.add.reduce(weight))
        if weight_total > 0:
            firms.revenue_local += weight * (goods * (1.0 - platform.commission) / weight_total)
        else:
            outside, goods = outside + goods, 0.0
        _book_sale(model, platform, regions, goods, tasks, outside, flows)
    return float(sold.sum())


def buy_local_services_online(
    model: TerritoryModel, budget: np.ndarray, flows: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Households' local services bought on platforms, sold by member firms in the buyer's
    commuting zone and by gig workers.

    Returns:
        Per home municipality: the budget households put on platforms, and the part that
        found no member firm in the zone and is bought offline instead (EUR).
    """
    n = model.territory.n
    market = model.market.get(LOCAL_SERVICES)
    online, returned = np.zeros(n), np.zeros(n)
    if market is None:
        return online, returned
    workers, firms = model.workers, model.firms
    task_share = model.scenario.local_services.task_share
    sellers = seller_eligible(model, LOCAL_SERVICES)
    rows = len(market.platforms)
    by_home = np.zeros(rows * n)
    for who, parts in split_by_platform(model, LOCAL_SERVICES, market, budget):
        keys = np.arange(rows)[:, None] * n + workers.home[who][None, :]
        by_home += np.bincount(keys.ravel(), weights=parts.ravel(), minlength=rows * n)
    by_home = by_home.reshape(rows, n)
    for row, platform in enumerate(market.platforms):
        spent = by_home[row]
        if not spent.any():
            continue
        online += spent
        outside_share = platform.spec.outside_supplier_share
        goods_by_home = spent * (1.0 - outside_share - task_share)
        weight = firms.productivity * (sellers & members(firms.platforms, platform.index))
        revenue, unplaced = distribute_local_demand(
            goods_by_home, weight, firms.municipality, model.territory.commute_weight
        )
        firms.revenue_local += revenue * (1.0 - platform.commission)
        returned += unplaced
        total = float(np.add.reduce(spent))
        region = model.territory.region
        _book_sale(
            model,
            platform,
            np.bincount(region, weights=spent - unplaced, minlength=model.territory.n_regions),
            float(np.add.reduce(goods_by_home - unplaced)),
            task_share * total,
            outside_share * total,
            flows,
        )
    return online, returned


def buy_freelance_work(model: TerritoryModel, budget: np.ndarray) -> None:
    """Firms' skilled work bought on freelance platforms (``firms.platform_purchases``):
    net of commission, to the platform's gig pool, but for its outside share."""
    firms = model.firms
    firms.platform_purchases = np.zeros(len(firms))
    market = model.market.get(FREELANCE)
    if market is None:
        return
    for platform, sales, regions in platform_sales(
        model, FREELANCE, market, budget, firms.platform_purchases
    ):
        rate = platform.commission
        platform.record_sales(regions)
        platform.book_commission(rate * sales)
        net = (1.0 - rate) * sales
        outside = platform.spec.outside_supplier_share * net
        platform.gig_pool += net - outside
        model.ledger.outflow("outside_suppliers", outside)
