"""A traded sector's transition and the sector HR platform (``labour.transition_*``,
``labour.skills_platform``), the case of the automotive sector's skills platform (PIA 2).

- The shock (from ``policy_start``): the traditional sector's external demand falls by
  ``transition_job_loss`` (reached linearly over ``transition_months``), the knowledge
  sector's rises by ``transition_job_creation`` jobs per job lost. Firms lay off, close and
  open vacancies through their own rules (phase 3).
- Skill requirements: a knowledge vacancy can be filled only by a worker of skill at least
  ``transition_skill_requirement``. Without the platform, job seekers apply blindly to the
  vacancies of their commuting zone and an application to a vacancy they do not qualify for
  is rejected. With the platform, its users see the requirements: their job-finding
  probability comes from the vacancies they qualify for, and they apply only to those
  (directed search).
- With the platform, employees of traditional firms that employ more than their labour
  demand (at risk of layoff) search while employed, with ``on_the_job_search`` times the
  job-finding probability; one who is hired moves job to job, and the position is not
  reopened.
- The platform's users are the sector's workers (displaced by the shock, or employees at
  risk) with the literacy to use it (``gig_literacy_threshold``).
- With the platform, training places go first to its unemployed users whom one path brings
  to the requirement, and a training path raises skill (``public.finish_training``).
- Workers displaced by the shock (laid off by, or employed at the closure of, a traditional
  firm from ``policy_start``) are followed: ``displaced_reemployment_rate`` is the share of
  them employed now, ``displaced_job_finding_rate`` the share of those out of work at the
  start of the month who are employed at its end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import EMPLOYEE, KNOWLEDGE, PLATFORM, TRADITIONAL, UNEMPLOYED
from platsim.numerics.sampling import select_per_group
from platsim.numerics.sparse import matvec

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def shock_active(model: TerritoryModel) -> bool:
    """Whether the sector shock is in force (a job loss set, from ``policy_start``)."""
    return model.policy_active and model.scenario.labour.transition_job_loss > 0


def platform_active(model: TerritoryModel) -> bool:
    """Whether the skills platform is in force (from ``policy_start``)."""
    return model.policy_active and model.scenario.labour.skills_platform


def shock_progress(model: TerritoryModel) -> float:
    """Share of the shock reached this month: ``min(1, (t - policy_start + 1) / months)``."""
    labour = model.scenario.labour
    elapsed = model.steps - model.scenario.simulation.policy_start + 1
    return min(1.0, max(elapsed, 0) / labour.transition_months)


def demand_factor(model: TerritoryModel) -> np.ndarray | None:
    """Factor on each sector's external demand this month (None without the shock).

    The traditional sector's demand is ``1 - loss``, ``loss = job_loss * progress``; the
    knowledge sector gains ``creation`` of the lost jobs: with ``D_s`` the initial demand and
    ``phi_s`` the reference productivity, a sector's jobs are ``D_s / (phi_s w0)``, so its
    demand rises by ``creation * loss * (D_trad / phi_trad) / (D_know / phi_know)``.
    """
    if not shock_active(model):
        return None
    labour = model.scenario.labour
    loss = labour.transition_job_loss * shock_progress(model)
    jobs = model.external_demand / model.reference_productivity
    factor = np.ones(3)
    factor[TRADITIONAL] = 1.0 - loss
    if jobs[KNOWLEDGE] > 0:
        factor[KNOWLEDGE] = 1.0 + labour.transition_job_creation * loss * (
            jobs[TRADITIONAL] / jobs[KNOWLEDGE]
        )
    return factor


def vacancy_requirement(model: TerritoryModel) -> np.ndarray | None:
    """Skill each firm's vacancies require (None when no firm requires any)."""
    required = model.scenario.labour.transition_skill_requirement
    if not model.policy_active or required <= 0:
        return None
    return np.where(model.firms.sector == KNOWLEDGE, required, 0.0)


def searches_differently(model: TerritoryModel) -> bool:
    """Whether matching needs :func:`search` (requirements or the platform in force)."""
    return vacancy_requirement(model) is not None or platform_active(model)


def at_risk(model: TerritoryModel) -> np.ndarray:
    """Employees (indices) of traditional firms employing more than their labour demand."""
    from platsim.core.phases.firms import labour_demand

    firms, workers = model.firms, model.workers
    shrinking = (firms.sector == TRADITIONAL) & (firms.employees > np.rint(labour_demand(model)))
    return (workers.at_employer(shrinking, False) & (workers.status == EMPLOYEE)).nonzero()[0]


def users(model: TerritoryModel, workers_at: np.ndarray, employed_from: int) -> np.ndarray:
    """Which of ``workers_at`` (indices) use the platform: the sector's workers, i.e. those
    displaced by the shock and (positions from ``employed_from`` on) the employees at risk,
    with the digital literacy to use it (``labour.gig_literacy_threshold``)."""
    workers = model.workers
    literate = workers.literacy[workers_at] >= model.scenario.labour.gig_literacy_threshold
    sector = _state(model)["displaced"][workers_at]
    sector[employed_from:] = True
    return literate & sector


#: ``labour.apply_to_firms``: (model, finders, allowed firms or None) to (applicants, firms).
Apply = Callable[["TerritoryModel", np.ndarray, np.ndarray | None], tuple[np.ndarray, np.ndarray]]


def search(
    model: TerritoryModel, seekers: np.ndarray, apply: Apply
) -> tuple[np.ndarray, np.ndarray]:
    """Job search with skill requirements, directed for platform users, and on-the-job
    search of employees at risk.

    Args:
        model: The model.
        seekers: The unemployed and gig workers (indices).
        apply: ``labour.apply_to_firms``: (model, finders, allowed firms) to (applicants,
            firm applied to).

    Returns:
        The applicants whose application stands (the requirement met) and their firms.
    """
    economy, labour = model.scenario.economy, model.scenario.labour
    workers, firms = model.workers, model.firms
    n = model.territory.n
    weight = model.territory.commute_weight
    requirement = vacancy_requirement(model)
    if requirement is None:
        requirement = np.zeros(len(firms))
    platform = platform_active(model)
    employed = at_risk(model) if platform else np.zeros(0, dtype=np.int64)
    employed = employed[workers.literacy[employed] >= labour.gig_literacy_threshold]  # users
    searchers = np.concatenate([seekers, employed])
    intensity = np.concatenate(
        [np.ones(len(seekers)), np.full(len(employed), labour.on_the_job_search)]
    )
    home = workers.home[searchers]
    zone_searchers = matvec(weight, np.bincount(home, weights=intensity, minlength=n))
    open_to_all = requirement <= 0
    posted = firms.vacancies * firms.alive
    zone_all = matvec(weight, np.bincount(firms.municipality, weights=posted, minlength=n))
    zone_open = matvec(
        weight, np.bincount(firms.municipality, weights=posted * open_to_all, minlength=n)
    )
    level = requirement.max() if len(requirement) else 0.0
    informed = (
        users(model, searchers, len(seekers)) if platform else np.zeros(len(searchers), dtype=bool)
    )
    directed = informed & (workers.skill[searchers] < level)  # they see only open vacancies
    seen = np.where(directed, zone_open[home], zone_all[home])
    searching = zone_searchers[home]
    tightness = np.divide(seen, searching, out=np.zeros(len(home)), where=searching > 0)
    alpha = economy.matching_elasticity
    probability = np.minimum(1.0, economy.matching_efficiency * tightness ** (1.0 - alpha))
    found = model.rng.random(len(searchers)) < probability * intensity
    blind_lucky, blind_firm = apply(model, searchers[found & ~directed], None)
    directed_lucky, directed_firm = apply(model, searchers[found & directed], open_to_all)
    lucky = np.concatenate([blind_lucky, directed_lucky])
    firm = np.concatenate([blind_firm, directed_firm])
    qualified = workers.skill[lucky] >= requirement[firm]
    model.events["applications_rejected_for_skill"] += int(np.count_nonzero(~qualified))
    stands = qualified & (workers.employer[lucky] != firm)  # not to one's own employer
    return lucky[stands], firm[stands]


def leave_old_jobs(model: TerritoryModel, hired: np.ndarray) -> None:
    """The hired who were employees leave their job (job to job; not reopened)."""
    workers = model.workers
    movers = hired[workers.status[hired] == EMPLOYEE]
    if len(movers):
        model.firms.add_employees(workers.employer[movers], -1)
        model.events["job_to_job_moves"] += len(movers)


def _state(model: TerritoryModel) -> dict[str, np.ndarray]:
    """Per-worker flags: ``exposed`` (employed at a traditional firm at the end of the last
    labour phase) and ``displaced`` (lost such a job to a layoff or closure since the shock)."""
    state = getattr(model, "_transition", None)
    if state is None:
        size = len(model.workers)
        state = {"exposed": np.zeros(size, dtype=bool), "displaced": np.zeros(size, dtype=bool)}
        model._transition = state
    return state


def record_displaced(model: TerritoryModel) -> None:
    """Flag the workers displaced by this month's firm phase (start of the labour phase).

    A worker employed at a traditional firm at the end of last month's labour phase who is
    now unemployed with a spell of 0 lost the job in this month's firm phase (a layoff or a
    closure): a job lost by moving home has a spell of 1 (7.7), one left for freelance work
    is platform work.
    """
    if not shock_active(model):
        return
    workers = model.workers
    state = _state(model)
    lost = (workers.status == UNEMPLOYED) & (workers.months_unemployed == 0)
    state["displaced"] |= state["exposed"] & lost
    state["out_of_work"] = state["displaced"] & (workers.status >= UNEMPLOYED)  # or training


def remember_exposed(model: TerritoryModel) -> None:
    """Record who works at a traditional firm now (end of the labour phase)."""
    if not shock_active(model):
        return
    workers = model.workers
    sector = workers.at_employer(model.firms.sector, -1)
    _state(model)["exposed"] = (workers.status == EMPLOYEE) & (sector == TRADITIONAL)


def reemployment_rate(model: TerritoryModel) -> float:
    """Share of the workers displaced by the shock who are employed (employees or platform
    workers) now; NaN while none has been displaced."""
    displaced = getattr(model, "_transition", {}).get("displaced")
    if displaced is None or not displaced.any():
        return np.nan
    status = model.workers.status[displaced]
    employed = np.count_nonzero((status == EMPLOYEE) | (status == PLATFORM))
    return employed / np.count_nonzero(displaced)


def job_finding_rate(model: TerritoryModel) -> float:
    """Share of the displaced workers out of work (unemployed or in training) at the start of
    this month's labour phase who are employed now: their monthly re-employment hazard; NaN
    when none was out of work."""
    out = getattr(model, "_transition", {}).get("out_of_work")
    if out is None or not out.any():
        return np.nan
    status = model.workers.status[out]
    return np.count_nonzero((status == EMPLOYEE) | (status == PLATFORM)) / np.count_nonzero(out)


def choose_trainees(model: TerritoryModel, candidates: np.ndarray, free: np.ndarray) -> np.ndarray:
    """The candidates (indices, unemployed) who take this month's free training places.

    Without the platform, drawn at random within each municipality. With it, its unemployed
    users (the displaced) whom one path brings to the skill requirement (below it now, at
    least at it after ``skills_training_gain``) take the places first (drawn at random among
    them), the others the places left.
    """
    rng = model.rng
    home = model.workers.home
    required = model.scenario.labour.transition_skill_requirement
    if not platform_active(model):
        return candidates[select_per_group(home[candidates], free, rng)]
    skill = model.workers.skill[candidates]
    after = skill + model.scenario.labour.skills_training_gain * (1.0 - skill)
    steered = users(model, candidates, len(candidates)) & (skill < required) & (after >= required)
    first = candidates[steered][select_per_group(home[candidates[steered]], free, rng)]
    left = free - np.bincount(home[first], minlength=len(free))
    rest = candidates[~steered]
    second = rest[select_per_group(home[rest], left, rng)]
    return np.sort(np.concatenate([first, second]))
