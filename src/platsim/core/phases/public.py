"""Phase 6, public action: benefits, local taxes, grants, training, broadband, services.

- Workers who earned nothing this month receive a benefit from national insurance (outside
  the territory): ``replacement_rate`` x last wage for ``benefit_months`` months, never less
  than ``minimum_income``, which is all that remains afterwards. Trainees keep their benefit.
  Unemployment spells are counted here, after the benefit is paid. Income received as a
  firm owner (phase 3) is not earnings: it neither stops nor reduces the benefit.
- Households pay the local income tax to their municipality and save what they neither
  spent nor paid.
- Municipalities receive a per-head state grant, then allocate everything they hold:
  ``broadband_share`` to broadband (bought outside; it closes part of the connectivity gap),
  up to ``training_share`` to training places (``training_cost`` per trainee and month,
  bought outside), and the rest to services, bought from local firms next month.
- Service level moves towards what the pool's spending per head buys at the cost per head
  ``c(P) = c0 P^-theta`` of the pooled population ``P`` (economies of scale).
- Training: programmes last ``training_months``; at the end literacy closes
  ``training_literacy_gain`` of its gap to 1 and the worker searches again (with the skills
  platform, skill also closes ``skills_training_gain`` of its gap).

Levers, from policy_start: pooling (members spend ``pooling_share`` of their service budget
jointly within their region, or their département or EPCI in a real French territory
(``public.pooling``), at the cost per head of the pool's whole population; a share
``pooling_participation`` joins voluntarily, every municipality when funding is conditional
on it), conditional funding (non-members keep only
``unpooled_grant_factor`` of the grant), a State fibre programme co-financed by
municipalities whose lines connect with a delay (:mod:`platsim.core.phases.broadband`),
state-funded training places, and municipal data services (open data or a trusted third
party, each municipality deciding whether to take part: :mod:`platsim.core.phases.data_service`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import N_STATUSES, TRAINING, UNEMPLOYED
from platsim.core.phases import broadband, data_service
from platsim.core.phases.firms import owner_income
from platsim.numerics.sampling import select_per_group, stochastic_round

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Run public action in order: pools, transfers, taxes, grants, training, budgets."""
    update_pools(model)
    pay_benefits(model)
    age_unemployment_spells(model)
    collect_taxes_and_grants(model)
    finish_training(model)
    allocate_budgets(model)
    update_services(model)


def pay_benefits(model: TerritoryModel) -> None:
    """Benefit or minimum income to every worker without earnings this month (what they
    received as firm owners does not count: it is not earned)."""
    economy, workers = model.scenario.economy, model.workers
    no_earnings = (workers.income - owner_income(model) <= 0.0).nonzero()[0]
    insured = workers.months_unemployed[no_earnings] <= economy.benefit_months
    paid = np.where(
        insured,
        np.maximum(economy.replacement_rate * workers.wage[no_earnings], economy.minimum_income),
        economy.minimum_income,
    )
    workers.income[no_earnings] += paid
    model.ledger.inflow("benefits", np.add.reduce(paid))


# The two out-of-work statuses are the two highest codes: one comparison finds both.
OUT_OF_WORK = UNEMPLOYED
assert {UNEMPLOYED, TRAINING} == set(range(N_STATUSES - 2, N_STATUSES))


def age_unemployment_spells(model: TerritoryModel) -> None:
    """Count the month for everyone out of work: the k-th month of benefit is paid at k.

    A job loser still earns the last wage in the month of the loss (count 0 then); the
    benefit is paid in the months counted 1 to ``benefit_months``.
    """
    workers = model.workers
    workers.months_unemployed += workers.status >= OUT_OF_WORK  # unemployed or in training


def collect_taxes_and_grants(model: TerritoryModel) -> None:
    """Local income tax from residents and the state grant per resident."""
    workers, munis = model.workers, model.municipalities
    n = model.territory.n
    workers.tax = model.scenario.economy.income_tax_rate * workers.income
    workers.savings += workers.income - workers.tax
    grants = model.scenario.public.grant_per_capita * munis.residents
    cut = 0.0
    if model.policy_active and model.scenario.public.conditional_funding:
        pooled = munis.pool < model.pool_count
        factor = model.scenario.public.unpooled_grant_factor
        cut = np.add.reduce(np.where(pooled, 0.0, grants * (1.0 - factor)))
        grants = np.where(pooled, grants, grants * factor)
    receipts = workers.sum_by_home(workers.tax, n) + grants
    munis.budget += receipts
    munis.receipts += receipts
    model.ledger.inflow("grants", np.add.reduce(grants))
    # what conditional funding changes in the state's grants (public cost: 0 or a saving)
    model.add_flow("public_grant_change", -cut)


def finish_training(model: TerritoryModel) -> None:
    """Advance training programmes; graduates gain literacy and search again (next month)."""
    workers = model.workers
    training = workers.status == TRAINING
    workers.training_left -= training
    done = (training & (workers.training_left <= 0)).nonzero()[0]
    gain = model.scenario.public.training_literacy_gain
    workers.literacy[done] += gain * (1.0 - workers.literacy[done])
    labour = model.scenario.labour
    if labour.skills_platform and model.policy_active:
        workers.skill[done] += labour.skills_training_gain * (1.0 - workers.skill[done])
    workers.status[done] = UNEMPLOYED
    workers.training_left[done] = -1  # marks this month's graduates: not re-enrolled at once
    model.events["trainees_graduated"] += len(done)


def allocate_budgets(model: TerritoryModel) -> None:
    """Broadband (own spending and the State programme's co-financed works), training
    places, and the service budget spent next month."""
    public, workers, munis = model.scenario.public, model.workers, model.municipalities
    n = model.territory.n
    available = np.maximum(munis.budget, 0.0)

    own_broadband = public.broadband_share * available
    unemployed = workers.status == UNEMPLOYED
    places = np.floor(public.training_share * available / public.training_cost).astype(np.int64)
    state_places = training_programme_places(model, unemployed)
    in_training = np.bincount(workers.home[workers.status == TRAINING], minlength=n)
    free = np.maximum(places + state_places - in_training, 0)
    candidates = (unemployed & (workers.training_left == 0)).nonzero()[0]
    candidates = candidates[free[workers.home[candidates]] > 0]  # where places are free
    np.maximum(workers.training_left, 0, out=workers.training_left)
    chosen = candidates[select_per_group(workers.home[candidates], free, model.rng)]
    workers.status[chosen] = TRAINING
    workers.training_left[chosen] = public.training_months
    trainees = in_training + np.bincount(workers.home[chosen], minlength=n)
    # Trainees beyond this month's places (e.g. who moved in) finish on their old funding.
    funded = np.minimum(trainees, places + state_places)
    state_paid = np.minimum(funded, state_places) * public.training_cost
    training_cost = funded * public.training_cost - state_paid

    # the programme's works: the State's offer matched from what is left, connecting later
    left = available - own_broadband - training_cost
    state_works, cofinancing = broadband.fund_works(model, left)
    data_costs = data_service.fund(model, left - cofinancing)
    connecting = broadband.works_due(model)
    model.add_flow("broadband_works_connected", np.add.reduce(connecting))
    heads = np.maximum(munis.residents, 1)
    closed = np.minimum(1.0, (own_broadband + connecting) / (heads * public.broadband_cost))
    munis.connectivity += closed * (1.0 - munis.connectivity)

    spent_outside = own_broadband + cofinancing + training_cost + data_costs
    munis.budget -= spent_outside
    state_money = np.add.reduce(state_works) + np.add.reduce(state_paid)
    model.ledger.inflow("grants", state_money)
    model.add_flow("public_broadband_programme", np.add.reduce(state_works))
    model.add_flow("public_broadband_cofinancing", np.add.reduce(cofinancing))
    model.add_flow("public_training_programme", np.add.reduce(state_paid))
    model.ledger.outflow("public_purchases", np.add.reduce(spent_outside) + state_money)
    for platform in model.platforms:
        if platform.active:
            platform.refresh_reach()
    munis.service_budget = np.maximum(munis.budget, 0.0)
    munis.receipts[:] = 0.0
    model.events["trainees_enrolled"] += len(chosen)


def training_programme_places(model: TerritoryModel, unemployed: np.ndarray) -> np.ndarray:
    """State-funded training places per municipality, spread by unemployed residents."""
    public = model.scenario.public
    n = model.territory.n
    if not model.policy_active or public.training_programme <= 0:
        return np.zeros(n, dtype=np.int64)
    total = public.training_programme * len(model.workers) / 1_000.0
    by_home = np.bincount(model.workers.home[unemployed], minlength=n).astype(float)
    if by_home.sum() == 0:
        return np.zeros(n, dtype=np.int64)
    return stochastic_round(total * by_home / by_home.sum(), model.rng)


def update_pools(model: TerritoryModel) -> None:
    """Form the pools (by region, département or EPCI) when pooling switches on (membership
    drawn once)."""
    public, munis = model.scenario.public, model.municipalities
    if model.pools_formed or not model.policy_active or public.pooling == "none":
        return
    n, groups = model.territory.n, model.pool_count
    participation = 1.0 if public.conditional_funding else public.pooling_participation
    member = model.rng.random(n) < participation
    munis.pool = np.where(member, model.pool_group, groups + np.arange(n)).astype(np.int64)
    model.pools_formed = True


def service_cost_per_head(model: TerritoryModel, inhabitants: np.ndarray) -> np.ndarray:
    """c(P) = c0 P^-theta (EUR / head)."""
    public = model.scenario.public
    return public.service_cost * np.maximum(inhabitants, 1.0) ** (-public.service_scale_elasticity)


def update_services(model: TerritoryModel) -> None:
    """Move service levels towards what spending per head buys, own and pooled.

    A pool member puts ``pooling_share`` of its service budget into its group's pool, which
    buys services at the cost per head of the pool's whole population; the rest buys at the
    member's own cost per head. Non-members buy everything alone.
    """
    public, munis = model.scenario.public, model.municipalities
    scale = (
        model.scenario.population.inhabitants_per_agent
        / model.scenario.population.working_age_share
    )
    population = munis.residents * scale  # current inhabitants: mobility changes them
    heads = munis.residents.astype(float)
    member = munis.pool < model.pool_count
    pooled = np.where(member, public.pooling_share, 0.0)
    own_per_head = np.divide(
        (1.0 - pooled) * munis.service_budget, heads, out=np.zeros(len(heads)), where=heads > 0
    )
    affordable = own_per_head / service_cost_per_head(model, population)
    if np.count_nonzero(member):
        pool = munis.pool
        size = int(pool.max()) + 1
        spending = np.bincount(pool, weights=pooled * munis.service_budget, minlength=size)
        pool_heads = np.bincount(pool, weights=heads * member, minlength=size)
        inhabitants = np.bincount(pool, weights=population * member, minlength=size)
        pool_per_head = np.divide(spending, pool_heads, out=np.zeros(size), where=pool_heads > 0)
        pooled_level = pool_per_head / service_cost_per_head(model, inhabitants)
        affordable = affordable + np.where(member, pooled_level[pool], 0.0)
    model.service_affordable = affordable  # before data savings: read by data_service.decide
    if data_service.active(model):  # data services lower the cost of all it buys
        affordable = affordable / data_service.service_cost_factor(model)
    munis.services += public.service_adjustment * (
        np.minimum(np.maximum(affordable, 0.0), 1.0) - munis.services
    )
