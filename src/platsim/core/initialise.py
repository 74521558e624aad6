"""Initialisation: the territory, households, firms and the first jobs, from a scenario.

The start is built near a stationary state so that runs settle quickly: initial jobs are
allocated in two passes (the second sizes local-services firms to the demand they face,
households' steady spending including the dividends of resident owners), the external demand
of traded sectors is calibrated so that each traded firm's first sales pay for its first
workforce, and firms' cash and households' savings start at the levels where the payout and
spending rules of :mod:`platsim.core.rules` keep them constant.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from platsim.core.agents import (
    EMPLOYEE,
    KNOWLEDGE,
    LOCAL_SERVICES,
    NO_EMPLOYER,
    TRADITIONAL,
    UNEMPLOYED,
    Firms,
    Municipalities,
    Workers,
)
from platsim.core.rules import (
    agglomeration,
    distribute_local_demand,
    draw_productivity,
    owner_receipts,
    sector_shares,
    steady_cash,
    steady_savings,
    wage_offer,
)
from platsim.errors import InputError
from platsim.numerics.sampling import (
    sample_rows,
    sample_weighted_rows,
    sample_within_groups,
    stochastic_round,
)
from platsim.schema import sections as sc
from platsim.schema.scenario import Scenario
from platsim.territory import Territory, generate_territory, load_territory
from platsim.territory.france import france_territory, select_communes
from platsim.territory.limits import check_worker_agents


def build_territory(config: sc.Territory, rng: np.random.Generator) -> Territory:
    """Generate the territory, load it from ``config.file``, or build it from INSEE codes.

    The section's fields, less ``file`` and those that choose INSEE communes
    (:data:`~platsim.schema.sections.INSEE_FIELDS`), are the generator's keyword parameters,
    name for name (a field the generator lacks raises TypeError); the loader and the INSEE
    builder take the subsets below.
    """
    settings = config.model_dump(exclude={"file", *sc.INSEE_FIELDS})
    network = {
        name: settings[name]
        for name in (
            "detour_factor",
            "commute_km",
            "gravity_d0_km",
            "urban_connectivity",
            "rural_connectivity_low",
            "rural_connectivity_high",
        )
    }
    source = config.resolved_source
    if source == "insee":
        communes = select_communes(
            regions=config.regions,
            departements=config.departements,
            epcis=config.epcis,
            communes=config.communes,
        )
        return france_territory(communes, urban_density=config.urban_density, rng=rng, **network)
    if source == "file":
        assert config.file is not None  # the section's validator ensures it
        return load_territory(
            config.file,
            rng=rng,
            n_regions=settings["n_regions"],
            urban_threshold=settings["urban_threshold"],
            **network,
        )
    return generate_territory(rng=rng, **settings)


def beta_with_mean(mean: np.ndarray, concentration: float, rng: np.random.Generator) -> np.ndarray:
    """Draw Beta variates with the given means and concentration a + b."""
    mean = np.clip(mean, 0.02, 0.98)
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def create_workers(
    territory: Territory, config: sc.Population, rng: np.random.Generator
) -> Workers:
    """Create the worker agents: counts from populations, skills and literacy by urbanity.

    Raises:
        InputError: Before anything is allocated, if the territory would give no worker
            agent or more than the model can hold
            (:func:`~platsim.territory.limits.check_worker_agents`), naming the territory
            file if there is one; and if the stochastic rounding drew no worker agent at all.
    """
    check_worker_agents(
        territory.population,
        working_age_share=config.working_age_share,
        inhabitants_per_agent=config.inhabitants_per_agent,
        file=territory.source,
    )
    expected = territory.population * config.working_age_share / config.inhabitants_per_agent
    counts = stochastic_round(expected, rng)
    if not counts.any():
        raise InputError(
            f"the territory drew no worker agent (expected {expected.sum():.3g}; each "
            "municipality's count is rounded at random)",
            file=territory.source,
            field="population" if territory.source is not None else "territory",
            value=float(territory.population.sum()),
            allowed="a population giving several worker agents (population x "
            "working_age_share / inhabitants_per_agent)",
        )
    home = np.repeat(np.arange(territory.n), counts)
    workers = Workers.empty(len(home))
    workers.home = home
    urban = territory.urban[home]
    skill_mean = np.where(urban, config.skill_mean_urban, config.skill_mean_rural)
    workers.skill = beta_with_mean(skill_mean, config.trait_concentration, rng)
    literacy_mean = np.where(urban, config.literacy_mean_urban, config.literacy_mean_rural)
    literacy_mean = literacy_mean + 0.5 * (workers.skill - skill_mean)
    workers.literacy = beta_with_mean(literacy_mean, config.trait_concentration, rng)
    return workers


def create_firms(
    territory: Territory,
    residents: np.ndarray,
    n_workers: int,
    economy: sc.Economy,
    rng: np.random.Generator,
) -> Firms:
    """Create firms: sector by the sector shares, place by residents^(1 + agglomeration)."""
    n_firms = max(1, round(n_workers * economy.firms_per_worker))
    firms = Firms.empty(0)
    rows = firms.allocate(n_firms)
    firms.alive[rows] = True
    firms.sector[rows] = rng.choice(3, size=n_firms, p=sector_shares(economy))
    weights = residents[None, :].astype(float) ** (1.0 + agglomeration(economy)[:, None])
    if weights.sum() == 0:
        weights = np.ones_like(weights)
    place = sp.csr_matrix(weights)
    firms.municipality[rows] = sample_rows(place, firms.sector[rows].astype(np.int64), rng)
    firms.base_productivity[rows] = draw_productivity(firms.sector[rows], economy, rng)
    connectivity = territory.connectivity[firms.municipality[rows]]
    adopt_probability = np.clip(economy.digital_initial_share * connectivity / 0.7, 0, 1)
    firms.digital[rows] = rng.random(n_firms) < adopt_probability
    firms.productivity[rows] = firms.base_productivity[rows] * np.where(
        firms.digital[rows], 1.0 + economy.digital_productivity_gain, 1.0
    )
    return firms


def allocate_jobs(
    workers: Workers,
    firms: Firms,
    firm_weight: np.ndarray,
    commute_weight,
    employed: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Give each worker flagged ``employed`` a job at a firm of its commuting zone.

    The municipality is drawn with probability ∝ gravity weight x the firms' total weight
    there, then the firm ∝ its weight. Workers whose zone has no firm stay unemployed.
    """
    by_municipality = np.bincount(
        firms.municipality, weights=firm_weight, minlength=commute_weight.shape[0]
    )
    seekers = np.flatnonzero(employed)
    destination = sample_weighted_rows(commute_weight, by_municipality, workers.home[seekers], rng)
    found = destination >= 0
    firm = np.full(len(seekers), NO_EMPLOYER, dtype=np.int64)
    firm[found] = sample_within_groups(firms.municipality, firm_weight, destination[found], rng)
    hired = seekers[firm >= 0]
    workers.employer[:] = NO_EMPLOYER
    workers.status[:] = UNEMPLOYED
    workers.employer[hired] = firm[firm >= 0]
    workers.status[hired] = EMPLOYEE


def median_access(firms: Firms) -> np.ndarray:
    """Median market access of each traded sector's firms (1 where a sector has none)."""
    access = np.ones(3)
    for sector in (TRADITIONAL, KNOWLEDGE):
        members = firms.alive & (firms.sector == sector)
        if members.any():
            access[sector] = float(np.median(firms.market_access[members]))
    access[LOCAL_SERVICES] = 0.0
    return access


def initialise_economy(
    territory: Territory,
    workers: Workers,
    firms: Firms,
    municipalities: Municipalities,
    scenario: Scenario,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Allocate first jobs, wages, incomes, firm accounts and budgets.

    Returns:
        The calibrated external demand of each sector (EUR / month) and the sector's
        access-weighted mean productivity it corresponds to, both indexed by Sector.
    """
    economy, population, public = scenario.economy, scenario.population, scenario.public
    employed = rng.random(len(workers)) >= population.initial_unemployment
    alive = firms.alive

    # Pass 1: every firm equally attractive; gives the income level and where it is spent.
    allocate_jobs(workers, firms, alive.astype(float), territory.commute_weight, employed, rng)
    _set_incomes(workers, firms, economy)
    target_jobs = employed.sum()
    wage_level = economy.wage_level

    local_revenue, local_jobs = _steady_local_demand(
        territory, workers, firms, municipalities, scenario, target_jobs
    )
    is_local = alive & (firms.sector == LOCAL_SERVICES)
    traded = alive & ~is_local

    # Pass 2: local-services firms sized to their demand, traded firms share the rest.
    traded_jobs = max(target_jobs - local_jobs[is_local].sum(), 0.0)
    weight = np.where(is_local, local_jobs, 0.0)
    if traded.any():
        weight[traded] = traded_jobs / traded.sum()
    allocate_jobs(workers, firms, weight, territory.commute_weight, employed, rng)
    firms.recount_employees(workers.employer)
    _set_incomes(workers, firms, economy)

    # Traded firms: external market access = first workforce, demand pays it exactly.
    firms.market_access[:] = np.where(traded, np.maximum(firms.employees, 0.5), 0.0)
    external_demand = np.zeros(3)
    reference_productivity = np.ones(3)
    for sector in (TRADITIONAL, KNOWLEDGE):
        members = traded & (firms.sector == sector)
        access = firms.market_access[members]
        external_demand[sector] = (access * firms.productivity[members] * wage_level).sum()
        if access.sum() > 0:
            reference_productivity[sector] = (
                access * firms.productivity[members]
            ).sum() / access.sum()
    firms.planned_revenue[:] = np.where(
        alive,
        np.where(is_local, local_revenue, firms.market_access * firms.productivity * wage_level),
        0.0,
    )
    _set_steady_money(territory, workers, firms, economy)

    grants = public.grant_per_capita * municipalities.residents
    municipalities.service_budget[:] = grants + np.bincount(
        workers.home, weights=workers.tax, minlength=territory.n
    )
    municipalities.budget[:] = municipalities.service_budget
    return external_demand, reference_productivity


def _wage_bill(workers: Workers, firms: Firms) -> np.ndarray:
    """Each firm's monthly wage bill (EUR)."""
    employee = workers.status == EMPLOYEE
    return np.bincount(
        workers.employer[employee], weights=workers.wage[employee], minlength=len(firms)
    )


def _steady_local_demand(
    territory: Territory,
    workers: Workers,
    firms: Firms,
    municipalities: Municipalities,
    scenario: Scenario,
    target_jobs: int,
    iterations: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """Local firms' revenue and jobs where households spend their steady income; firms that
    would not cover their costs there are not created.

    In the steady state households spend all their disposable income, dividends included
    (:func:`~platsim.core.rules.household_spending` at steady savings), so local demand
    depends on firms' profits, which depend on local demand: a fixed point, found by
    iteration (the feedback, local share x resident owners' share x profit margin, is well
    below 1). Each firm's wage bill is estimated as its jobs x the wage of a worker of the
    employed workers' mean skill term; traded firms share equally the jobs that local firms
    leave, and sell what their workforce produces (as calibrated in
    :func:`initialise_economy`). A firm whose steady profit is negative would close within
    months (7.3, voluntary closure), so at each iteration such firms are removed (``alive``
    set to False), unless none would be left; their demand goes to the others.

    Returns:
        Revenue and jobs of each firm (zero for traded firms).
    """
    economy, public = scenario.economy, scenario.public
    n = territory.n
    alive = firms.alive
    wage_level, productivity = economy.wage_level, firms.productivity
    employee = workers.status == EMPLOYEE
    skill_term = (
        float(np.mean(wage_offer(workers.skill[employee], np.ones(int(employee.sum())), economy)))
        if employee.any()
        else wage_level
    )
    income_by_home = np.bincount(workers.home, weights=workers.income, minlength=n)
    grants = public.grant_per_capita * municipalities.residents
    owners = np.zeros(n)
    disposable = 1.0 - economy.income_tax_rate
    for _ in range(iterations):
        is_local = alive & (firms.sector == LOCAL_SERVICES)
        traded = alive & ~is_local
        local_demand = economy.local_share * disposable * (income_by_home + owners) + grants
        revenue, _ = distribute_local_demand(
            local_demand, productivity * is_local, firms.municipality, territory.commute_weight
        )
        jobs = revenue / (productivity * wage_level)
        per_traded = max(target_jobs - jobs[is_local].sum(), 0.0) / max(traded.sum(), 1)
        jobs = np.where(traded, per_traded, jobs)
        sales = np.where(traded, jobs * productivity * wage_level, revenue)
        wage_bill = jobs * skill_term * productivity**economy.wage_productivity_elasticity
        profit = np.where(alive, sales - wage_bill - economy.fixed_cost, 0.0)
        paid = economy.resident_owner_share * _after_tax(profit, economy)
        received = owner_receipts(paid, firms.municipality, workers.home, workers.income, n)
        owners = np.bincount(workers.home, weights=received, minlength=n)
        losing = alive & (profit < 0)
        if losing.any() and not losing[alive].all():
            alive[losing] = False
    is_local = alive & (firms.sector == LOCAL_SERVICES)
    return revenue, np.where(is_local, jobs, 0.0)


def _after_tax(profit: np.ndarray, economy: sc.Economy) -> np.ndarray:
    """Positive profit after the profit tax (what a profitable firm pays out when steady)."""
    return (1.0 - economy.profit_tax_rate) * np.maximum(profit, 0.0)


def _set_steady_money(
    territory: Territory, workers: Workers, firms: Firms, economy: sc.Economy
) -> None:
    """Firms' cash, households' income and savings at the steady levels of the rules.

    With its planned revenue and first wage bill, a firm's steady after-tax profit is all
    paid out: its cash starts at :func:`~platsim.core.rules.steady_cash`. Resident owners
    receive their share of these payouts as :func:`~platsim.core.rules.owner_receipts` does
    at steady savings (within a municipality, in proportion to income); the month's income
    includes it, and savings start at :func:`~platsim.core.rules.steady_savings` of it.
    """
    wage_bill = _wage_bill(workers, firms)
    alive = firms.alive
    profit = np.where(alive, firms.planned_revenue - wage_bill - economy.fixed_cost, 0.0)
    after_tax = _after_tax(profit, economy)
    firms.cash[:] = np.where(alive, steady_cash(after_tax, wage_bill, economy), 0.0)
    received = owner_receipts(
        economy.resident_owner_share * after_tax,
        firms.municipality,
        workers.home,
        workers.income,
        territory.n,
    )
    workers.income[:] += received
    workers.tax[:] = economy.income_tax_rate * workers.income
    workers.savings[:] = steady_savings(workers.income, economy)


def _set_incomes(workers: Workers, firms: Firms, economy: sc.Economy) -> None:
    """Wages for employees, a benefit for the others; the month's tax."""
    employee = workers.status == EMPLOYEE
    employer = np.where(employee, workers.employer, 0)
    wage = wage_offer(workers.skill, firms.productivity[employer], economy)
    typical = wage_offer(
        workers.skill, np.full(len(workers), economy.productivity_traditional), economy
    )
    workers.wage[:] = np.where(employee, wage, typical)
    benefit = np.maximum(economy.replacement_rate * workers.wage, economy.minimum_income)
    workers.income[:] = np.where(employee, workers.wage, benefit)
    workers.tax[:] = economy.income_tax_rate * workers.income
