"""Phase 4, labour market: separations, then matching per commuting zone.

- Each employee separates with probability ``separation_rate`` a month; the firm reopens the
  position (replacement hiring).
- Matching: for the unemployed living in municipality ``m``, the commuting zone's
  gravity-weighted unemployed ``U_m = (W u)_m`` and vacancies ``V_m = (W v)_m`` give the
  aggregate matching function ``M = A U^alpha V^(1-alpha)`` (Petrongolo & Pissarides 2001),
  i.e. a job-finding probability ``min(1, A (V_m / U_m)^(1-alpha))``.
- A worker who finds a job picks a destination municipality with probability ∝
  ``W[m, j] x`` the wage-weighted vacancies there, then a firm ∝ its vacancies x its wage
  offer. A firm with more applicants than vacancies takes a random subset; the others stay
  unemployed this month (a coordination friction).
- The wage is set at hiring from skill and the employer's productivity.
- Gig workers (status PLATFORM) keep searching; a hired gig worker leaves platform work.
- With skill requirements or the skills platform in force, search follows
  :func:`platsim.core.phases.transition.search` (requirements, directed search of platform
  users, on-the-job search of employees at risk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import EMPLOYEE, PLATFORM, UNEMPLOYED
from platsim.core.phases import transition
from platsim.core.rules import wage_offer
from platsim.numerics.sampling import (
    bernoulli_indices,
    sample_weighted_rows,
    sample_within_groups,
    select_per_group,
)
from platsim.numerics.sparse import matvec

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Separate, then match job seekers to vacancies."""
    transition.record_displaced(model)
    separate(model)
    match(model)
    transition.remember_exposed(model)


def separate(model: TerritoryModel) -> None:
    """Exogenous separations; each reopens a vacancy at the firm."""
    workers, firms = model.workers, model.firms
    drawn = bernoulli_indices(len(workers), model.scenario.economy.separation_rate, model.rng)
    leaving = drawn[workers.status[drawn] == EMPLOYEE]
    reopened = np.bincount(workers.employer[leaving], minlength=len(firms))
    firms.vacancies += reopened * firms.alive
    firms.add_employees(workers.make_unemployed(leaving), -1)
    model.events["separations"] += len(leaving)


def searching(workers) -> np.ndarray:
    """Job seekers: the unemployed and gig workers."""
    return (workers.status == UNEMPLOYED) | (workers.status == PLATFORM)


def job_finding_probability(model: TerritoryModel, seekers: np.ndarray | None = None) -> np.ndarray:
    """Probability that a job seeker living in each municipality finds a job this month.

    Args:
        model: The model.
        seekers: The job seekers (indices), when the caller already has them.
    """
    economy, workers, firms = model.scenario.economy, model.workers, model.firms
    n = model.territory.n
    weight = model.territory.commute_weight
    if seekers is None:
        seekers = searching(workers).nonzero()[0]
    unemployed = np.bincount(workers.home[seekers], minlength=n).astype(float)
    vacancies = np.bincount(firms.municipality, weights=firms.vacancies * firms.alive, minlength=n)
    zone_unemployed = matvec(weight, unemployed)
    zone_vacancies = matvec(weight, vacancies)
    tightness = np.divide(
        zone_vacancies, zone_unemployed, out=np.zeros(n), where=zone_unemployed > 0
    )
    alpha = economy.matching_elasticity
    return np.minimum(1.0, economy.matching_efficiency * tightness ** (1.0 - alpha))


def match(model: TerritoryModel) -> None:
    """Match unemployed workers to vacancies within commuting zones."""
    economy, workers, firms = model.scenario.economy, model.workers, model.firms
    rng = model.rng
    seekers = searching(workers).nonzero()[0]
    if transition.searches_differently(model):
        lucky, firm = transition.search(model, seekers, apply_to_firms)
    else:
        finding = job_finding_probability(model, seekers)
        probability = finding[workers.home[seekers]]
        lucky = seekers[rng.random(len(seekers)) < probability]
        if len(lucky) == 0:
            return
        lucky, firm = apply_to_firms(model, lucky, None)
    accepted = select_per_group(firm, firms.vacancies, rng)
    hired, firm = lucky[accepted], firm[accepted]
    transition.leave_old_jobs(model, hired)
    workers.status[hired] = EMPLOYEE
    workers.gig_platform[hired] = -1
    workers.employer[hired] = firm
    workers.months_unemployed[hired] = 0
    workers.wage[hired] = wage_offer(workers.skill[hired], firms.productivity[firm], economy)
    firms.vacancies -= np.bincount(firm, minlength=len(firms))
    firms.add_employees(firm)
    model.events["hires"] += len(hired)


def apply_to_firms(
    model: TerritoryModel, lucky: np.ndarray, allowed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Each job finder picks a destination municipality, then a firm there.

    Args:
        model: The model.
        lucky: The job finders (indices).
        allowed: Firms the finders may apply to (boolean per firm), or None for all.

    Returns:
        The finders who applied somewhere and the firm each applied to.
    """
    economy, workers, firms = model.scenario.economy, model.workers, model.firms
    rng = model.rng
    # only firms with vacancies offer anything (the power is computed for them alone; firms
    # without weight could never be drawn, so leaving them out changes no draw)
    posted = firms.vacancies * firms.alive
    hiring = (posted if allowed is None else posted * allowed).nonzero()[0]
    offer = firms.vacancies[hiring] * firms.productivity[hiring] ** (
        economy.wage_productivity_elasticity
    )
    place = firms.municipality[hiring]
    by_municipality = np.bincount(place, weights=offer, minlength=model.territory.n)
    destination = sample_weighted_rows(
        model.territory.commute_weight, by_municipality, workers.home[lucky], rng
    )
    found = destination >= 0
    lucky, destination = lucky[found], destination[found]
    drawn = sample_within_groups(place, offer, destination, rng)
    return lucky[drawn >= 0], hiring[drawn[drawn >= 0]]
