"""Phase 3, firms: sales, wages, profit, exit, workforce planning, entry, digital adoption.

- External sales: each traded sector (traditional, knowledge) faces an external demand that
  follows an AR(1) business cycle in logs and grows with the sector's mean productivity
  (elasticity ``external_demand_elasticity``); firms share it by competitiveness
  ``market_access * productivity``.
- Wages are paid to the month's employees; fixed costs leave the territory; a local tax is
  levied on positive profits for the firm's municipality.
- Payouts: a firm keeps ``cash_buffer_months`` of its wage bill plus fixed cost and pays
  ``payout_rate`` of the cash above it to its owners each month; ``resident_owner_share`` of
  it goes to households of the firm's municipality (in proportion to their positive savings)
  as income, the rest to owners outside the territory.
- Labour demand ``L* = planned revenue / (productivity * wage level)`` with planned revenue
  an exponential average of revenue. Vacancies open below ``L*``; layoffs cut employment to
  ``L* (1 + buffer)`` when above it.
- Exit after ``exit_months`` consecutive months of negative cash, or for outside reasons at
  ``exogenous_exit_rate``: employees become unemployed, remaining cash is paid to the owners
  (resident and outside, as payouts are) or the debt written off outside the territory.
- Entry: a Poisson number of entrants, ``entry_rate`` per active firm times the firms'
  aggregate profit margin relative to the first month's (:func:`entry_pressure`: free
  entry, fewer entrants as crowded markets lower margins); sector by the sector shares,
  municipality by attractiveness ``residents * exp(b_s skill + b_c connectivity) * (1 +
  same-sector firms)^agglomeration``. Entrants bring ``startup_cash`` from outside;
  a traded entrant gets its sector's median market access at the start.
- Digital adoption: the chance to digitise comes with monthly probability ``rate *
  connectivity * (0.5 + mean literacy)``, or with a diagnostic of the regional advisory
  service (:mod:`platsim.core.phases.advisory`); a firm takes it when it can pay the investment
  (``digital_investment`` per employee) from its cash above its buffer (retained profits)
  and the labour cost it saves, ``wage bill * gain / (1 + gain)``, recovers it within
  ``digital_payback_months``. Digitising raises productivity by ``digital_productivity_gain``
  and is required to join a platform; the investment is bought outside the territory.
- A sector shock (``labour.transition_job_loss``, :mod:`platsim.core.phases.transition`)
  lowers the traditional sector's external demand and raises the knowledge sector's.
- Traded firms selling on a goods platform reach ``reach_gain`` more customers outside the
  territory: their external sales rise by that share of their sales (new demand, not taken
  from the sector's other firms); the platform takes its commission on the extra sales.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import EMPLOYEE, LOCAL_SERVICES
from platsim.core.phases import advisory, transition
from platsim.core.rules import (
    agglomeration,
    cash_buffer,
    draw_productivity,
    owner_payout,
    owner_receipts,
    sector_shares,
)
from platsim.numerics.sampling import sample_dense_rows, select_per_group
from platsim.schema.segments import GOODS

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Run the firm phase in order: sell, pay, exit, plan the workforce, enter, digitise."""
    sell_outside(model)
    pay_and_account(model)
    exit_failed(model)
    plan_workforce(model)
    enter(model)
    adopt_digital(model)


def sell_outside(model: TerritoryModel) -> None:
    """Share each traded sector's external demand (with its business cycle) among firms;
    firms on a goods platform reach ``reach_gain`` more customers outside."""
    economy, firms = model.scenario.economy, model.firms
    model.demand_cycle = (
        economy.external_demand_persistence * model.demand_cycle
        + economy.external_demand_shock_sd * model.rng.standard_normal()
    )
    # the traded firms alone (the others have no external sales): the same sums, as the
    # others only added zeros
    traded = (firms.alive & (firms.sector != LOCAL_SERVICES)).nonzero()[0]
    sector = firms.sector[traded].astype(np.intp)
    weight = firms.market_access[traded]
    productivity = firms.productivity[traded]
    by_sector_access = np.bincount(sector, weights=weight, minlength=3)
    by_sector_productivity = np.bincount(sector, weights=weight * productivity, minlength=3)
    mean_productivity = np.divide(
        by_sector_productivity, by_sector_access, out=np.ones(3), where=by_sector_access > 0
    )
    growth = (
        mean_productivity / model.reference_productivity
    ) ** economy.external_demand_elasticity
    demand = model.external_demand * growth * np.exp(model.demand_cycle)
    shock = transition.demand_factor(model)  # the sector shock (None without it)
    if shock is not None:
        demand = demand * shock
    competitiveness = weight * productivity
    sector_total = np.bincount(sector, weights=competitiveness, minlength=3)[sector]
    share = np.divide(
        competitiveness, sector_total, out=np.zeros(len(traded)), where=sector_total > 0
    )
    gross = np.zeros(len(firms))
    gross[traded] = demand[sector] * share
    extra, commission = sell_through_platforms(model, gross * model.scenario.platforms.reach_gain)
    gross += extra
    model.ledger.inflow("external_sales", np.add.reduce(gross))
    firms.revenue_external = gross - commission


def sell_through_platforms(
    model: TerritoryModel, reachable: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The extra external sales ``reachable`` of the firms on goods platforms (split evenly
    across the goods platforms a firm sells on), recorded by each platform as transactions
    with its commission.

    Returns:
        Each firm's extra external sales and the commission it pays on them (EUR; 0 for
        firms on no goods platform).
    """
    firms = model.firms
    sales, paid = np.zeros(len(firms)), np.zeros(len(firms))
    platforms = [p for p in model.platforms if p.active and p.segment == GOODS]
    if not platforms:
        return sales, paid
    index = np.array([p.index for p in platforms])
    # platform-major (platform, firm) tables: numpy reduces a (firms, few) table along either
    # axis ten times slower than a (few, firms) one
    on = ((firms.platforms[None, :] >> index[:, None]) & 1).astype(float)
    memberships = on.sum(axis=0)
    reached = memberships > 0
    sales[reached] = reachable[reached]
    split = on * np.divide(reachable, memberships, out=np.zeros(len(firms)), where=reached)[None, :]
    rate = np.array([p.commission for p in platforms])
    paid = (split * rate[:, None]).sum(axis=0)  # elementwise, no BLAS: thread-count free
    by_platform = split.sum(axis=1)
    territory = model.territory
    region = territory.region[firms.municipality]
    for k, platform in enumerate(platforms):
        if by_platform[k] > 0:
            platform.record_sales(
                np.bincount(region, weights=split[k], minlength=territory.n_regions)
            )
            platform.book_commission(float(rate[k] * by_platform[k]))
    return sales, paid


def owner_income(model: TerritoryModel) -> np.ndarray:
    """What each household received this month as a firm owner (dividends and the cash of
    exiting firms; EUR), part of its income. Zero before the firm phase has run."""
    received = getattr(model, "_owner_income", None)
    if received is None or len(received) != len(model.workers):
        received = np.zeros(len(model.workers))
        model._owner_income = received
    return received


def pay_owners(model: TerritoryModel, paid: np.ndarray) -> float:
    """Pay each firm's ``paid`` (EUR, >= 0; already taken from its cash) to its owners.

    ``resident_owner_share`` goes to households of the firm's municipality in proportion to
    their positive savings (:func:`~platsim.core.rules.owner_receipts`), added to their income
    (so income tax and spending see it); the rest goes to owners outside the territory.

    Returns:
        The part paid outside the territory (EUR), for the caller's ledger flow.
    """
    workers = model.workers
    share = model.scenario.economy.resident_owner_share
    total = float(np.add.reduce(paid))
    if total <= 0:
        return 0.0
    received = owner_receipts(
        share * paid, model.firms.municipality, workers.home, workers.savings, model.territory.n
    )
    workers.income += received
    owner_income(model)[:] += received
    resident = float(np.add.reduce(received))
    model.add_flow("owner_income", resident)
    return total - resident


def pay_and_account(model: TerritoryModel) -> None:
    """Pay wages (households' income starts the month here), fixed costs, profit tax and the
    owners' payout."""
    economy, firms, workers, munis = (
        model.scenario.economy,
        model.firms,
        model.workers,
        model.municipalities,
    )
    model.add_flow("firm_revenue", np.add.reduce(firms.revenue[firms.alive]))
    workers.income = workers.wage * (workers.status == EMPLOYEE)  # wages are >= 0
    # employer is -1 exactly for non-employees: shifting by one sends them to a bin dropped
    # here, which spares two gathers over all workers (same sums, in the same order)
    firms.wage_bill = np.bincount(
        workers.employer + 1, weights=workers.wage, minlength=len(firms) + 1
    )[1:]
    alive = firms.alive
    fixed = np.where(alive, economy.fixed_cost, 0.0)
    firms.profit = np.where(alive, firms.revenue - firms.wage_bill - fixed, 0.0)
    tax = economy.profit_tax_rate * np.maximum(firms.profit, 0.0)
    collected = np.bincount(firms.municipality, weights=tax, minlength=model.territory.n)
    munis.budget += collected
    munis.receipts += collected
    firms.cash += firms.profit - tax
    # the freelance work bought on platforms (phase 1) is part of the fixed cost, paid there
    model.ledger.outflow("fixed_costs", np.add.reduce(fixed - firms.platform_purchases))
    model._owner_income = np.zeros(len(workers))
    payout = np.where(alive, owner_payout(firms.cash, firms.wage_bill, economy), 0.0)
    firms.cash -= payout
    model.add_flow("dividends", np.add.reduce(payout))
    model.ledger.outflow("dividends_outside", pay_owners(model, payout))
    weight = economy.revenue_smoothing
    firms.planned_revenue = np.where(
        alive, (1.0 - weight) * firms.planned_revenue + weight * firms.revenue, 0.0
    )
    firms.negative_months = np.where(alive & (firms.cash < 0), firms.negative_months + 1, 0)
    firms.age += alive


def exit_failed(model: TerritoryModel) -> None:
    """Close failing firms (``exit_months`` of negative cash) and a random few others.

    Positive cash goes to the owners as payouts do (:func:`pay_owners`: the outside part is
    the outflow ``exit_payouts``); negative cash is written off by outside creditors.
    """
    firms, workers = model.firms, model.workers
    economy = model.scenario.economy
    insolvent = firms.negative_months >= economy.exit_months
    # voluntary closure: a firm past its start whose planned revenue no longer covers its
    # costs and whose losses have eaten into its cash buffer
    losing = (
        (firms.age >= economy.exit_months)
        & (firms.planned_revenue < firms.wage_bill + economy.fixed_cost)
        & (firms.cash < cash_buffer(firms.wage_bill, economy))
    )
    failed = insolvent | losing
    closed = model.rng.random(len(firms)) < economy.exogenous_exit_rate
    exiting = firms.alive & (failed | closed)
    exits = int(np.count_nonzero(exiting))
    model.events["firm_exit"] += exits
    if not exits:
        return
    model.events["firm_exit_failed"] += int(np.count_nonzero(exiting & failed))
    laid_off = workers.at_employer(exiting, False)  # employees of exiting firms
    workers.make_unemployed(laid_off)
    cash = firms.cash[exiting]
    left = np.where(exiting, np.maximum(firms.cash, 0.0), 0.0)
    model.add_flow("exit_cash", np.add.reduce(left))
    model.ledger.outflow("exit_payouts", pay_owners(model, left))
    model.ledger.inflow("debt_writeoff", -np.add.reduce(cash[cash < 0]))
    firms.cash[exiting] = 0.0
    firms.alive[exiting] = False
    firms.platforms[exiting] = 0
    firms.vacancies[exiting] = 0
    firms.planned_revenue[exiting] = 0.0
    firms.employees[exiting] = 0


def labour_demand(model: TerritoryModel) -> np.ndarray:
    """Workers each firm wants: planned revenue / (productivity * wage level)."""
    firms = model.firms
    wanted = firms.planned_revenue / (firms.productivity * model.scenario.economy.wage_level)
    return np.where(firms.alive, wanted, 0.0)


def plan_workforce(model: TerritoryModel) -> None:
    """Open vacancies below labour demand; lay off beyond it plus the buffer."""
    firms, workers = model.firms, model.workers
    wanted = labour_demand(model)
    tolerated = np.rint(wanted * (1.0 + model.scenario.economy.layoff_buffer))
    excess = np.maximum(firms.employees - tolerated, 0).astype(np.int64)
    if np.count_nonzero(excess):
        candidates = (workers.at_employer(excess, 0) > 0).nonzero()[0]  # at firms with excess
        fired = select_per_group(workers.employer[candidates], excess, model.rng)
        mask = np.zeros(len(workers), dtype=bool)
        mask[candidates[fired]] = True
        firms.add_employees(workers.make_unemployed(mask), -1)
        model.events["layoffs"] += int(np.count_nonzero(mask))
    firms.vacancies = np.where(
        firms.alive, np.maximum(np.rint(wanted) - firms.employees, 0), 0
    ).astype(np.int64)


def entry_pressure(model: TerritoryModel) -> float:
    """Active firms times their aggregate profit margin this month relative to the margin of
    the first month (``model.reference_margin``, set then), and 0 when it is negative.

    Entry follows profitability: as firms crowd a market, the margin and entry fall, as
    rising margins draw entrants; in a steady economy entry balances exits (free entry).
    """
    firms = model.firms
    alive = firms.alive
    revenue = float(np.add.reduce(firms.revenue[alive]))
    margin = float(np.add.reduce(firms.profit[alive])) / revenue if revenue > 0 else 0.0
    if model.reference_margin is None:
        model.reference_margin = margin
    reference = model.reference_margin
    if reference <= 0:
        return float(np.count_nonzero(alive))  # no profitable start to compare with
    return float(np.count_nonzero(alive)) * max(margin, 0.0) / reference


def enter(model: TerritoryModel) -> None:
    """Create entrants where attractiveness is highest (agglomeration for knowledge firms)."""
    economy, firms, workers, munis = (
        model.scenario.economy,
        model.firms,
        model.workers,
        model.municipalities,
    )
    rng = model.rng
    count = int(rng.poisson(economy.entry_rate * entry_pressure(model)))
    if count == 0:
        return
    n = model.territory.n
    residents = munis.residents.astype(float)
    mean_skill = np.divide(
        workers.sum_by_home(workers.skill, n),
        residents,
        out=np.zeros(n),
        where=residents > 0,
    )
    appeal = residents * np.exp(
        economy.entry_skill_weight * (mean_skill - np.add.reduce(mean_skill) / n)
        + economy.entry_connectivity_weight * munis.connectivity
    )
    alive = firms.alive
    same_sector = np.bincount(
        firms.sector[alive].astype(np.int64) * n + firms.municipality[alive], minlength=3 * n
    ).reshape(3, n)
    weights = appeal[None, :] * (1.0 + same_sector) ** agglomeration(economy)[:, None]
    sector = np.add.accumulate(sector_shares(economy)).searchsorted(rng.random(count), side="right")
    sector = np.minimum(sector, 2)
    place = sample_dense_rows(weights, sector, rng)
    keep = place >= 0
    sector, place = sector[keep], place[keep]
    if len(sector) == 0:
        return
    access = model.entrant_access
    rows = firms.allocate(len(sector))
    model.events["firm_entry"] += len(rows)
    firms.alive[rows] = True
    firms.sector[rows] = sector
    firms.municipality[rows] = place
    firms.base_productivity[rows] = draw_productivity(sector, economy, rng)
    firms.productivity[rows] = firms.base_productivity[rows]
    firms.market_access[rows] = np.where(sector == LOCAL_SERVICES, 0.0, access[sector])
    firms.cash[rows] = economy.startup_cash
    model.ledger.inflow("startup_capital", economy.startup_cash * len(rows))


def adopt_digital(model: TerritoryModel) -> None:
    """Digitise firms: a chance rising with connectivity and residents' literacy, or a
    diagnostic of the regional advisory service, taken when the firm can pay the investment
    from its retained cash and it pays back (module docstring)."""
    economy, firms, workers, munis = (
        model.scenario.economy,
        model.firms,
        model.workers,
        model.municipalities,
    )
    n = model.territory.n
    literacy = np.divide(
        workers.sum_by_home(workers.literacy, n),
        munis.residents,
        out=np.zeros(n),
        where=munis.residents > 0,
    )
    place = firms.municipality
    probability = (
        economy.digital_adoption_rate * munis.connectivity[place] * (0.5 + literacy[place])
    )
    chance = firms.alive & ~firms.digital & (model.rng.random(len(firms)) < probability)
    cost = economy.digital_investment * np.maximum(firms.employees, 1)
    spare = firms.cash - cash_buffer(firms.wage_bill, economy)
    gain = economy.digital_productivity_gain
    saving = firms.wage_bill * gain / (1.0 + gain)
    affordable = (cost <= 0) | (spare >= cost)
    net_gain = saving * economy.digital_payback_months - cost
    could_apply = firms.alive & ~firms.digital & ~chance & affordable
    chance |= advisory.diagnose(model, could_apply, net_gain)
    adopt = chance & affordable & (net_gain >= 0)
    paid = np.where(adopt, cost, 0.0)
    firms.cash -= paid
    model.ledger.outflow("firm_investment", np.add.reduce(paid))
    model.add_flow("firm_investment", np.add.reduce(paid))
    model.events["digital_chances_declined"] += int(np.count_nonzero(chance & ~adopt))
    firms.digital |= adopt
    firms.productivity = np.where(
        firms.digital,
        firms.base_productivity * (1.0 + economy.digital_productivity_gain),
        firms.base_productivity,
    )
    model.events["digital_adoptions"] += int(np.count_nonzero(adopt))
