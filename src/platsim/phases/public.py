"""Phase 6, public action: benefits, local taxes, grants, training, broadband, services.

- Workers who earned nothing this month receive a benefit from national insurance (outside
  the territory): ``replacement_rate`` x last wage for ``benefit_months``, never less than
  ``minimum_income``, which is all that remains afterwards. Trainees keep their benefit.
- Households pay the local income tax to their municipality and save what they neither
  spent nor paid.
- Municipalities receive a per-head state grant, then allocate everything they hold:
  ``broadband_share`` to broadband (bought outside; it closes part of the connectivity gap),
  up to ``training_share`` to training places (``training_cost`` per trainee and month,
  bought outside), and the rest to services, bought from local firms next month.
- Service level moves towards what the pool's spending per head buys at the cost per head
  ``c(P) = c0 P^-theta`` of the pooled population ``P`` (economies of scale).
- Training: programmes last ``training_months``; at the end literacy closes
  ``training_literacy_gain`` of its gap to 1 and the worker searches again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.agents import Status
from platsim.sampling import select_per_group

if TYPE_CHECKING:
    from platsim.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Run public action in order: transfers, taxes, grants, training, budget allocation."""
    pay_benefits(model)
    collect_taxes_and_grants(model)
    finish_training(model)
    allocate_budgets(model)
    update_services(model)


def pay_benefits(model: TerritoryModel) -> None:
    """Benefit or minimum income to every worker without earnings this month."""
    economy, workers = model.scenario.economy, model.workers
    no_earnings = workers.income <= 0.0
    insured = workers.months_unemployed < economy.benefit_months
    benefit = np.where(
        insured,
        np.maximum(economy.replacement_rate * workers.wage, economy.minimum_income),
        economy.minimum_income,
    )
    paid = np.where(no_earnings, benefit, 0.0)
    workers.income = workers.income + paid
    model.ledger.inflow("benefits", paid.sum())


def collect_taxes_and_grants(model: TerritoryModel) -> None:
    """Local income tax from residents and the state grant per resident."""
    workers, munis = model.workers, model.municipalities
    n = model.territory.n
    workers.tax = model.scenario.economy.income_tax_rate * workers.income
    workers.savings += workers.income - workers.tax
    grants = model.scenario.public.grant_per_capita * munis.residents
    receipts = np.bincount(workers.home, weights=workers.tax, minlength=n) + grants
    munis.budget += receipts
    munis.receipts += receipts
    model.ledger.inflow("grants", grants.sum())


def finish_training(model: TerritoryModel) -> None:
    """Advance training programmes; graduates gain literacy and search again."""
    workers = model.workers
    training = workers.status == Status.TRAINING
    workers.training_left[training] -= 1
    done = training & (workers.training_left <= 0)
    gain = model.scenario.public.training_literacy_gain
    workers.literacy[done] += gain * (1.0 - workers.literacy[done])
    workers.status[done] = Status.UNEMPLOYED
    workers.training_left[done] = 0
    model.events["trainees_graduated"] += int(done.sum())


def allocate_budgets(model: TerritoryModel) -> None:
    """Broadband, training places, and the service budget spent next month."""
    public, workers, munis = model.scenario.public, model.workers, model.municipalities
    n = model.territory.n
    available = np.maximum(munis.budget, 0.0)

    broadband = public.broadband_share * available
    heads = np.maximum(munis.residents, 1)
    closed = np.minimum(1.0, broadband / (heads * public.broadband_cost))
    munis.connectivity += closed * (1.0 - munis.connectivity)

    places = np.floor(public.training_share * available / public.training_cost).astype(np.int64)
    in_training = np.bincount(workers.home[workers.status == Status.TRAINING], minlength=n)
    free = np.maximum(places - in_training, 0)
    candidates = np.flatnonzero(workers.status == Status.UNEMPLOYED)
    chosen = candidates[select_per_group(workers.home[candidates], free, model.rng)]
    workers.status[chosen] = Status.TRAINING
    workers.training_left[chosen] = public.training_months
    trainees = np.bincount(workers.home[workers.status == Status.TRAINING], minlength=n)
    training_cost = trainees * public.training_cost

    spent_outside = broadband + training_cost
    munis.budget -= spent_outside
    model.ledger.outflow("public_purchases", spent_outside.sum())
    munis.service_budget = munis.budget.copy()
    munis.receipts[:] = 0.0
    model.events["trainees_enrolled"] += len(chosen)


def update_services(model: TerritoryModel) -> None:
    """Move service levels towards what each pool's spending per head can buy."""
    public, munis = model.scenario.public, model.municipalities
    pool = munis.pool
    pools = int(pool.max()) + 1
    spending = np.bincount(pool, weights=munis.service_budget, minlength=pools)
    heads = np.bincount(pool, weights=munis.residents, minlength=pools)
    inhabitants = np.bincount(pool, weights=model.territory.population, minlength=pools)
    per_head = np.divide(spending, heads, out=np.zeros(pools), where=heads > 0)
    cost = public.service_cost * np.maximum(inhabitants, 1.0) ** (-public.service_scale_elasticity)
    affordable = np.clip(per_head / cost, 0.0, 1.0)[pool]
    munis.services += public.service_adjustment * (affordable - munis.services)
