"""Phase 5, platform work: gig workers and freelancers join, quit and are paid.

- Each platform's gig pool (its tasks' value net of commission, collected in phase 1) is
  shared among its gig workers: over-supply lowers pay. Without gig workers the tasks are
  done by contractors from outside the territory.
- Eligible: workers whose home has connectivity >= ``gig_connectivity_threshold``, with
  literacy >= ``gig_literacy_threshold`` and a platform in reach: unemployed ones, and
  employees with a taste for autonomy, for task platforms (goods, local services), skilled
  ones (skill >= ``freelance_skill_threshold``), employed or not, for freelance platforms.
  Each month a share ``gig_entry_rate`` of them look at the platforms in reach (logit on log
  expected pay) and take the work when the expected pay, valued with their rights and taste
  for autonomy (:mod:`platsim.core.phases.worker_protection`), is at least
  ``gig_reservation`` x their benefit (unemployed) or their wage x (1 +
  ``freelance_premium``) (employees, who leave their job).
- Gig workers quit at ``gig_exit_rate``, and half of those paid below their reservation quit
  each month; they keep searching for jobs in the labour market. A share ``revision_share``
  compares the platforms in reach by expected pay and may switch (switching cost applies).
- Worker protection (from policy_start): with a minimum pay per task m (task platforms), an
  earnings floor F and a social contribution rate sc, a platform pays each gig worker
  ``max(pool / n / (1 + sc), m tasks / n, F)`` plus the contribution, and tops pay up from
  its owners' money when needed; under a floor it takes no more gig workers than
  ``pool / (F (1 + sc))``. The contribution accrues to the gig workers as social rights.
- A cooperative returns its surplus (its cash above its members' capital) to its gig
  workers with their pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.agents import EMPLOYEE, PLATFORM, UNEMPLOYED
from platsim.core.phases import worker_protection
from platsim.core.phases.platform_market import (
    active_platforms,
    expected_sales,
    segment_config,
    switching_cost,
)
from platsim.numerics.codes import count_codes
from platsim.numerics.sampling import bernoulli_indices, gumbel, logit_best, select_per_group
from platsim.schema.platforms import COOPERATIVE, GLOBAL, TERRITORIAL
from platsim.schema.segments import FREELANCE

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def step(model: TerritoryModel) -> None:
    """Quit, join, then pay gig workers."""
    platforms = active_platforms(model)
    if not platforms:
        return
    gig = quit_gig_work(model)
    revise_gig_platforms(model, platforms, gig)
    join_gig_work(model, platforms)
    pay_gig_workers(model, platforms)


#: Capacity of a platform without an earnings floor (np.iinfo is slow to build every step).
UNBOUNDED = np.iinfo(np.int64).max // 4


def protection(model: TerritoryModel) -> tuple[float, float]:
    """Earnings floor and social contribution rate in force."""
    labour = model.scenario.labour
    if not model.policy_active:
        return 0.0, 0.0
    return labour.earnings_floor, labour.social_contribution


def benefit_level(model: TerritoryModel, workers_index: np.ndarray) -> np.ndarray:
    """Benefit each of these workers would receive out of work this month (EUR)."""
    economy, workers = model.scenario.economy, model.workers
    insured = workers.months_unemployed[workers_index] <= economy.benefit_months
    return np.where(
        insured,
        np.maximum(economy.replacement_rate * workers.wage[workers_index], economy.minimum_income),
        economy.minimum_income,
    )


def expected_pay(model: TerritoryModel, platforms: list, extra: int) -> np.ndarray:
    """Pay per gig worker on each platform if ``extra`` more workers joined (EUR)."""
    floor, contribution = protection(model)
    minimum = worker_protection.minimum_task_pay(model)
    # a few platforms: Python floats (the same IEEE operations as numpy, fewer calls)
    pay = []
    for platform in platforms:
        heads = platform.gig_workers + extra
        per_head = platform.gig_pool / heads if heads > 0 else 0.0
        paid = max(per_head / (1.0 + contribution), floor)
        if minimum > 0 and heads > 0:
            paid = max(paid, minimum * worker_protection.tasks(model, platform) / heads)
        pay.append(paid)
    return np.array(pay, dtype=float)


def capacity(model: TerritoryModel, platforms: list) -> np.ndarray:
    """Most gig workers each platform takes (unbounded without an earnings floor)."""
    floor, contribution = protection(model)
    pools = np.array([p.gig_pool for p in platforms])
    if floor <= 0:
        return np.full(len(platforms), UNBOUNDED)
    return np.floor(pools / (floor * (1.0 + contribution))).astype(np.int64)


def quit_gig_work(model: TerritoryModel) -> np.ndarray:
    """Quits at the exit rate, by under-paid workers, and beyond a platform's capacity.

    Returns:
        The workers still in gig work, in increasing order.
    """
    workers, labour, rng = model.workers, model.scenario.labour, model.rng
    gig = (workers.status == PLATFORM).nonzero()[0]
    if len(gig) == 0:
        _recount(model, gig)  # the last gig workers may have been hired since the last count
        return gig
    last_pay = np.zeros(len(model.platforms))
    for platform in model.platforms:
        if platform.gig_workers:
            last_pay[platform.index] = platform.gig_paid / platform.gig_workers
    valued = last_pay[workers.gig_platform[gig]]
    factor = worker_protection.value_factor(model, gig, protection(model)[1])
    if factor is not None:  # their rights and taste for autonomy
        valued = valued * factor
    underpaid = valued < labour.gig_reservation * benefit_level(model, gig)
    leaving = (rng.random(len(gig)) < labour.gig_exit_rate) | (
        underpaid & (rng.random(len(gig)) < 0.5)
    )
    _leave(model, gig[leaving])
    gig = gig[~leaving]
    floor, _ = protection(model)
    if floor > 0:  # without an earnings floor capacity is unbounded
        platforms = active_platforms(model)
        size = len(model.platforms)
        counts = np.bincount(workers.gig_platform[gig], minlength=size)
        limit = np.full(size, UNBOUNDED)
        limit[[p.index for p in platforms]] = capacity(model, platforms)
        excess = np.maximum(counts - limit, 0)
        if excess.any():
            dropped = select_per_group(workers.gig_platform[gig], excess, rng)
            _leave(model, gig[dropped])
            gig = gig[~dropped]
    _recount(model, gig)
    return gig


def _leave(model: TerritoryModel, leaving: np.ndarray) -> None:
    workers = model.workers
    workers.status[leaving] = UNEMPLOYED
    workers.gig_platform[leaving] = -1


def _recount(model: TerritoryModel, gig: np.ndarray | None = None) -> None:
    """Set each platform's gig-worker count (``gig``: the gig workers, when known)."""
    workers = model.workers
    if gig is None:
        chosen = workers.gig_platform[workers.gig_platform >= 0]
    else:
        chosen = workers.gig_platform[gig]
    counts = count_codes(chosen, len(model.platforms))
    for platform in model.platforms:
        platform.gig_workers = int(counts[platform.index])


def revise_gig_platforms(
    model: TerritoryModel, platforms: list, gig: np.ndarray | None = None
) -> None:
    """A share ``revision_share`` of gig workers compare the platforms of their segment in
    reach by expected pay.

    The choice is a logit on 3 ln(pay) minus the switching cost for another platform; a move
    happens only where the chosen platform has room under an earnings floor. ``gig``: the gig
    workers in increasing order, when the caller has them.
    """
    workers, rng = model.workers, model.rng
    if gig is None:
        gig = (workers.status == PLATFORM).nonzero()[0]
    revising = gig[rng.random(len(gig)) < model.scenario.platforms.revision_share]
    if len(revising) == 0 or len(platforms) < 2:
        return
    index = np.array([p.index for p in platforms])
    pay_if_joining = expected_pay(model, platforms, extra=1)
    pay_if_staying = expected_pay(model, platforms, extra=0)
    current = workers.gig_platform[revising]
    here = index[None, :] == current[:, None]
    pay = np.where(here, pay_if_staying[None, :], pay_if_joining[None, :])
    reach = np.array([p.reach for p in platforms])[:, workers.home[revising]].T
    # gig workers move between platforms of their own segment only
    segment = np.array([p.segment_code for p in model.platforms])
    same = np.array([p.segment_code for p in platforms])[None, :] == segment[current][:, None]
    utility = np.where(reach & same & (pay > 0), 3.0 * np.log(np.maximum(pay, 1.0)), -np.inf)
    utility = utility - switching_cost(model) * ~here + gumbel(rng, utility.shape)
    best = utility.argmax(axis=1)
    moving = (index[best] != current) & np.isfinite(utility[np.arange(len(revising)), best])
    if not np.count_nonzero(moving):
        return
    room = np.maximum(capacity(model, platforms) - np.array([p.gig_workers for p in platforms]), 0)
    allowed = select_per_group(best[moving], room, rng)
    movers = revising[moving][allowed]
    workers.gig_platform[movers] = index[best[moving][allowed]]
    model.events["gig_switches"] += len(movers)
    _recount(model, gig)


def join_gig_work(model: TerritoryModel, platforms: list) -> None:
    """Eligible workers take gig work or freelance work on the platform that pays best in
    reach: unemployed workers, and employees with a taste for autonomy, on task platforms
    (goods, local services); skilled workers, employed or not, on freelance platforms (an
    employee leaves the job for it)."""
    workers, labour, rng = model.workers, model.scenario.labour, model.rng
    connectivity = model.municipalities.connectivity
    # the month's few candidates first (one draw per worker), then their eligibility
    drawn = bernoulli_indices(len(workers), labour.gig_entry_rate, rng)
    drawn = drawn[
        (connectivity[workers.home[drawn]] >= labour.gig_connectivity_threshold)
        & (workers.literacy[drawn] >= labour.gig_literacy_threshold)
    ]
    tasks = [p for p in platforms if p.segment != FREELANCE]
    freelance = [p for p in platforms if p.segment == FREELANCE]
    if tasks:
        status = workers.status[drawn]
        if model.protection.has_taste:  # employees who value autonomy look at tasks too
            looking = drawn[
                (status == UNEMPLOYED)
                | ((status == EMPLOYEE) & (model.protection.autonomy[drawn] > 0))
            ]
            reservation = np.where(
                workers.status[looking] == EMPLOYEE,
                workers.wage[looking] * (1.0 + labour.freelance_premium),
                labour.gig_reservation * benefit_level(model, looking),
            )
            _join(model, tasks, looking, reservation, "quits_for_tasks")
        else:
            unemployed = drawn[status == UNEMPLOYED]
            reservation = labour.gig_reservation * benefit_level(model, unemployed)
            _join(model, tasks, unemployed, reservation, "quits_for_tasks")
    if freelance:
        status = workers.status[drawn]  # after the task platforms' joins
        skilled = drawn[
            ((status == UNEMPLOYED) | (status == EMPLOYEE))
            & (workers.skill[drawn] >= labour.freelance_skill_threshold)
        ]
        employed = workers.status[skilled] == EMPLOYEE
        reservation = np.where(
            employed,
            workers.wage[skilled] * (1.0 + labour.freelance_premium),
            labour.gig_reservation * benefit_level(model, skilled),
        )
        _join(model, freelance, skilled, reservation, "quits_for_freelance")


def _join(
    model: TerritoryModel,
    platforms: list,
    candidates: np.ndarray,
    reservation: np.ndarray,
    event: str,
) -> None:
    """Candidates take work on the platform in reach that pays best (logit on 3 ln pay) when
    its pay, valued with their rights and taste for autonomy, is at least their
    ``reservation`` (EUR), within capacity under an earnings floor. ``event``: the counter
    of employees who leave a job for it."""
    workers, rng = model.workers, model.rng
    if len(candidates) == 0:
        return
    home = workers.home[candidates]
    pay = expected_pay(model, platforms, extra=1)
    # 3 ln(pay) per (platform, municipality) where the platform reaches and pays, then one
    # column per worker
    attraction = np.where(
        np.array([p.reach for p in platforms]) & (pay[:, None] > 0),
        3.0 * np.log(np.maximum(pay, 1.0))[:, None],
        -np.inf,
    )
    best, possible = logit_best(attraction, home, rng)
    valued = pay[best]
    factor = worker_protection.value_factor(model, candidates, protection(model)[1])
    if factor is not None:
        valued = valued * factor
    worth_it = valued >= reservation
    applicants = candidates[possible & worth_it]
    chosen = best[possible & worth_it]
    if len(applicants) == 0:
        return
    floor, _ = protection(model)
    if floor > 0:  # without an earnings floor there is room for everyone
        room = np.maximum(capacity(model, platforms) - [p.gig_workers for p in platforms], 0)
        if (np.bincount(chosen, minlength=len(platforms)) > room).any():
            taken = select_per_group(chosen, room, rng)
            applicants, chosen = applicants[taken], chosen[taken]
    model.events[event] += leave_jobs(model, applicants)
    index = np.array([p.index for p in platforms])
    workers.status[applicants] = PLATFORM
    workers.gig_platform[applicants] = index[chosen]
    workers.months_unemployed[applicants] = 0
    model.events["gig_entries"] += len(applicants)
    joined = np.bincount(chosen, minlength=len(platforms))
    for platform, count in zip(platforms, joined.tolist(), strict=True):
        platform.gig_workers += count


def leave_jobs(model: TerritoryModel, who: np.ndarray) -> int:
    """The employees among ``who`` leave their job for platform work: each employer loses
    the employee and reopens the position.

    Returns:
        How many left a job.
    """
    workers = model.workers
    quitting = who[workers.status[who] == EMPLOYEE]
    if len(quitting):
        employer = workers.employer[quitting]
        model.firms.vacancies += np.bincount(employer, minlength=len(model.firms))
        model.firms.add_employees(employer, -1)
        workers.employer[quitting] = -1
    return len(quitting)


def seed_gig_workers(model: TerritoryModel) -> None:
    """Month 0: each platform starts with as many gig workers (tasks) or freelancers as its
    expected gig pool pays at the reservation pay of the eligible unemployed in its reach
    (``gig_reservation`` x their mean benefit: the pay at which entry stops), drawn at random
    among the eligible workers: unemployed ones for tasks, skilled ones, employed or not, for
    freelance work (an employee leaves the job)."""
    workers, labour, rng = model.workers, model.scenario.labour, model.rng
    sales = expected_sales(model, reach_gain=False)  # reach-gain sales carry no tasks
    connected = model.municipalities.connectivity[workers.home] >= labour.gig_connectivity_threshold
    able = (
        connected & (workers.literacy >= labour.gig_literacy_threshold) & (workers.gig_platform < 0)
    )
    unemployed = workers.status == UNEMPLOYED
    for platform in active_platforms(model):
        rate = platform.commission
        in_reach = able & platform.reach[workers.home]
        if platform.segment == FREELANCE:
            pool = (
                sales[platform.index] * (1.0 - rate) * (1.0 - platform.spec.outside_supplier_share)
            )
            skilled = workers.skill >= labour.freelance_skill_threshold
            eligible = in_reach & skilled & (unemployed | (workers.status == EMPLOYEE))
            marginal = in_reach & skilled & unemployed
        else:
            task_share = segment_config(model, platform.segment).task_share
            pool = sales[platform.index] * task_share * (1.0 - rate)
            eligible = marginal = in_reach & unemployed
        if not marginal.any():
            continue
        pay = labour.gig_reservation * float(benefit_level(model, marginal.nonzero()[0]).mean())
        candidates = eligible.nonzero()[0]
        count = min(int(pool // max(pay, 1.0)), len(candidates))
        if count <= 0:
            continue
        chosen = rng.choice(candidates, size=count, replace=False)
        leave_jobs(model, chosen)
        workers.status[chosen] = PLATFORM
        workers.gig_platform[chosen] = platform.index
        able[chosen] = False
        platform.gig_workers += count


def pay_gig_workers(model: TerritoryModel, platforms: list) -> None:
    """Share each platform's gig pool among its gig workers, with any minimum pay per task,
    floor and contribution; the contributions accrue to the gig workers as rights."""
    workers, ledger = model.workers, model.ledger
    floor, contribution = protection(model)
    minimum = worker_protection.minimum_task_pay(model)
    gig = (workers.gig_platform >= 0).nonzero()[0]
    counts = np.bincount(workers.gig_platform[gig], minlength=len(model.platforms))
    pay_by_platform = np.zeros(len(model.platforms))
    for platform in platforms:
        count = int(counts[platform.index])
        reserve = platform.spec.capital * model.reference_spending
        if platform.kind == COOPERATIVE and platform.cash > reserve and count > 0:
            # the cooperative's surplus over its members' capital goes to its workers
            platform.gig_pool += platform.cash - reserve
            platform.cash = reserve
        tasks = platform.tasks = worker_protection.tasks(model, platform)
        sales = platform.last_transactions  # this month's household sales included
        # at most 0.99: an heir's task sales include its acquisition's, and the commission
        # rule divides by 1 - share (worker_protection.commission_target)
        platform.task_sales_share = min(platform.tasks_value / sales, 0.99) if sales > 0 else 0.0
        platform.tasks_value = 0.0
        if count == 0:
            platform.pay_pool_outside()
            platform.gig_paid = 0.0
            continue
        pool = platform.gig_pool
        platform.gig_pool = 0.0
        pay = max(pool / count / (1.0 + contribution), floor)
        if minimum > 0:
            pay = max(pay, minimum * tasks / count)
        cost = pay * (1.0 + contribution) * count
        top_up = max(cost - pool, 0.0)
        if top_up > 0:
            if platform.kind in (GLOBAL, TERRITORIAL):
                ledger.inflow("platform_topups", top_up)
                if platform.kind == TERRITORIAL:  # paid by the state
                    model.add_flow("public_platform_topups", top_up)
            else:
                platform.cash -= top_up
        if contribution > 0:
            ledger.outflow("social_contributions", contribution * pay * count)
        pay_by_platform[platform.index] = pay
        platform.gig_paid = pay * count
    paid = pay_by_platform[workers.gig_platform[gig]]
    workers.income[gig] += paid
    if contribution > 0:
        worker_protection.accrue_rights(model, gig, contribution * paid)
