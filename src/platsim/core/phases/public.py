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
- Service level moves towards what spending per head buys at the cost per head
  ``c(P) = c0 P^-theta`` of the population ``P`` served (economies of scale): the
  municipality's own, and its EPCI's for the part spent jointly.
- Training: programmes last ``training_months``; at the end literacy closes
  ``training_literacy_gain`` of its gap to 1 and the worker searches again (with the skills
  platform, skill also closes ``skills_training_gain`` of its gap, and its users whom one
  path brings to the skill requirement take the free places first).

Every municipality spends ``public.epci_integration`` of its service budget jointly within
its EPCI, at the EPCI's scale and coordination cost (:mod:`platsim.core.phases.intermunicipal`).

Levers, from policy_start: deeper integration (``public.pooling: epci``: each EPCI's members
vote once on raising it to ``pooling_share``), the State's integration grant
(``conditional_funding``), a State fibre programme co-financed by municipalities whose lines
connect with a delay (:mod:`platsim.core.phases.broadband`), state-funded training places,
and municipal data services (open data or a trusted third party, each municipality deciding
whether to take part: :mod:`platsim.core.phases.data_service`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import N_STATUSES, TRAINING, UNEMPLOYED
from platsim.core.phases import broadband, data_service, intermunicipal, transition
from platsim.core.phases.firms import owner_income
from platsim.numerics.sampling import stochastic_round

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Run public action in order: transfers, taxes, grants, training, budgets, the
    integration vote (on the budgets just allocated), services."""
    pay_benefits(model)
    age_unemployment_spells(model)
    collect_taxes_and_grants(model)
    finish_training(model)
    allocate_budgets(model)
    intermunicipal.vote_on_deepening(model)
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
    # the State's reward for deeper integration within EPCIs (public cost; 0 without it)
    integration = intermunicipal.integration_grants(model, munis.integration)
    receipts = workers.sum_by_home(workers.tax, n) + grants + integration
    munis.budget += receipts
    munis.receipts += receipts
    model.ledger.inflow("grants", np.add.reduce(grants) + np.add.reduce(integration))
    model.add_flow("public_grant_change", np.add.reduce(integration))


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
    chosen = transition.choose_trainees(model, candidates, free)
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


def service_cost_per_head(model: TerritoryModel, inhabitants: np.ndarray) -> np.ndarray:
    """c(P) = c0 P^-theta (EUR / head)."""
    public = model.scenario.public
    return public.service_cost * np.maximum(inhabitants, 1.0) ** (-public.service_scale_elasticity)


def update_services(model: TerritoryModel) -> None:
    """Move service levels towards what spending per head buys, alone and jointly.

    Each municipality spends its integration ``kappa_m`` of its service budget jointly
    within its EPCI, at the cost per head of the EPCI's whole population times its
    coordination factor, and the rest alone at its own cost per head
    (:mod:`platsim.core.phases.intermunicipal`).
    """
    public, munis = model.scenario.public, model.municipalities
    population = munis.residents * intermunicipal.inhabitants_per_resident(model)
    heads = munis.residents.astype(float)
    budget, integration = munis.service_budget, munis.integration
    affordable = intermunicipal.own_levels(
        model, integration, budget, heads, population
    ) + intermunicipal.joint_levels(model, integration, budget, heads, population)
    model.service_affordable = affordable  # before data savings: read by data_service.decide
    if data_service.active(model):  # data services lower the cost of all it buys
        affordable = affordable / data_service.service_cost_factor(model)
    munis.services += public.service_adjustment * (
        np.minimum(np.maximum(affordable, 0.0), 1.0) - munis.services
    )
