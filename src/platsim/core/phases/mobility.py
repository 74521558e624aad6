"""Phase 7, mobility: a few households relocate towards attractive municipalities.

Each month a share ``relocation_rate`` of households moves. Destinations are drawn by a
multinomial logit common to all movers, with utility
``(1 - e) ln(residents + 1) + w_j jobs + w_s services + w_c connectivity``: the log size term
(more housing where more people live) is damped by housing costs rising with density
(elasticity ``e``); ``jobs`` is the commuting zone's jobs (employment plus vacancies) per
resident. A mover keeps its job only if the employer is within the new home's commuting
zone, and its platforms only if they reach the new home (otherwise it chooses again, and a
gig worker stops gig work). Mobility moves people, it never creates or removes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import EMPLOYEE
from platsim.core.phases import platform_market
from platsim.numerics.sampling import bernoulli_indices, sample_categorical
from platsim.numerics.sparse import matvec

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def destination_probabilities(model: TerritoryModel) -> np.ndarray:
    """Logit probabilities of each municipality as a destination."""
    config, firms, munis = model.scenario.mobility, model.firms, model.municipalities
    n = model.territory.n
    weight = model.territory.commute_weight
    jobs = np.bincount(
        firms.municipality,
        weights=(firms.employees + firms.vacancies) * firms.alive,
        minlength=n,
    )
    zone_jobs = matvec(weight, jobs)
    zone_residents = matvec(weight, munis.residents)
    job_ratio = np.divide(zone_jobs, zone_residents, out=np.zeros(n), where=zone_residents > 0)
    utility = (
        (1.0 - config.housing_cost_elasticity) * np.log(munis.residents + 1.0)
        + config.weight_jobs * np.minimum(job_ratio, 2.0)
        + config.weight_services * munis.services
        + config.weight_connectivity * munis.connectivity
    )
    utility -= utility.max()
    probability = np.exp(utility)
    return probability / np.add.reduce(probability)


def keep_platforms_in_reach(model: TerritoryModel, movers: np.ndarray) -> None:
    """Movers lose the platforms that do not reach their new home and choose again (as in a
    monthly revision); gig workers out of their platform's reach (or below the connectivity
    gig work needs) stop gig work."""
    if not model.platforms:
        return
    workers = model.workers
    reach = np.array([p.reach for p in model.platforms])  # platforms x municipalities
    home = workers.home[movers]
    gig = workers.gig_platform[movers]
    threshold = model.scenario.labour.gig_connectivity_threshold
    too_far = (gig >= 0) & (
        ~reach[np.maximum(gig, 0), home] | (model.municipalities.connectivity[home] < threshold)
    )
    size = len(model.platforms)
    if too_far.any():
        leaving = movers[too_far]
        change = -np.bincount(workers.gig_platform[leaving], minlength=size)
        platform_market.leave_gig_work(workers, leaving)
        _update_counts(model, "gig_workers", change)
    bits = workers.platforms[movers]
    index = np.arange(size, dtype=np.int64)
    held = ((bits[:, None] >> index[None, :]) & 1).astype(bool)  # movers x platforms
    lost = (held & ~reach[:, home].T).any(axis=1)
    if lost.any():
        choosing = movers[lost]
        before = held[lost].sum(axis=0)
        # accounts on platforms that reach the new home are kept; the others are lost, and
        # the household chooses again as in a monthly revision (new accounts cost the
        # switching cost)
        reaching = (reach[:, home[lost]].T * (np.int64(1) << index)[None, :]).sum(axis=1)
        workers.platforms[choosing] &= reaching
        platform_market.choose_household_platforms(model, choosing)
        after = ((workers.platforms[choosing][:, None] >> index[None, :]) & 1).sum(axis=0)
        _update_counts(model, "households", after - before)


def _update_counts(model: TerritoryModel, attribute: str, change: np.ndarray) -> None:
    """Add ``change`` to a member count of each platform (its movers, not a full recount)."""
    for platform, delta in zip(model.platforms, change.tolist(), strict=True):
        setattr(platform, attribute, getattr(platform, attribute) + delta)


def step(model: TerritoryModel) -> None:
    """Relocate movers; those moving out of their employer's reach lose their job."""
    workers, firms = model.workers, model.firms
    rng = model.rng
    movers = bernoulli_indices(len(workers), model.scenario.mobility.relocation_rate, rng)
    if len(movers) == 0:
        return
    n = model.territory.n
    destination = sample_categorical(destination_probabilities(model), len(movers), rng)
    employed = workers.status[movers] == EMPLOYEE
    workplace = firms.municipality[workers.employer[movers[employed]]]
    reachable = model.in_commuting_zone(destination[employed], workplace)
    lose_job = movers[employed][~reachable]  # increasing, as movers are
    firms.add_employees(workers.make_unemployed(lose_job), -1)
    # This month's public action is past: the spell already counts this month, so the
    # benefit is paid for months 1..benefit_months like any other job loss.
    workers.months_unemployed[lose_job] = 1
    workers.relocate(movers, destination)
    model.municipalities.residents = workers.count_by_home(n)
    keep_platforms_in_reach(model, movers)
    model.events["relocations"] += len(movers)
    model.events["job_losses_by_moving"] += len(lose_job)
