"""Worker protection for platform workers and their taste for autonomy (used by phase 5,
platform work, and by the platforms' pricing in phase 2).

The case: Conseil d'Etat 2017 (annual study "Puissance publique et plateformes numériques:
accompagner l'ubérisation") and Institut Montaigne 2019 ("Travailleurs des plateformes:
liberté oui, protection aussi"): protect platform workers while keeping their autonomy.

- Tasks: a task platform's tasks this month are its task sales (gross of commission) over
  ``labour.task_value``; each takes ``labour.task_hours`` hours of activity. Its gig workers
  share the tasks equally.
- Minimum pay (from ``policy_start``): a task platform pays at least ``minimum_hourly_pay x
  task_hours`` per task (the ARPE's minimum per hour of activity), topping its gig pool up.
  The top-up is the platform's cost. Bound by the minimum, a platform keeps the same margin
  on a euro of task sales whatever its commission, so its own pricing rule, applied to the
  margin left, sets the commission (:func:`commission_target`). Buyers see one price, the
  commission, on everything they buy on a platform (the model has no separate delivery
  fee), so a binding minimum lowers the commission rather than raising a task price: read
  the task and gig-worker responses with that limitation (docs/ODD.md 10.4).
- Social contributions (from ``policy_start``): the rate ``social_contribution`` on gig pay
  leaves the territory for national social insurance and accrues to each gig worker as
  rights (accident cover, pension rights: :attr:`ProtectionState.rights`, EUR of
  contributions); gig workers value them at ``contribution_value`` per euro.
- Autonomy: a share ``autonomy_share`` of workers, drawn at set-up, value platform work at
  ``1 + a_i`` times its pay (``a_i`` exponential with mean ``autonomy_taste``); only they
  consider task work while employed. Without any taste (the default) nothing is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel
    from platsim.core.platforms import Platform


@dataclass
class ProtectionState:
    """Per-worker state of the protection and autonomy mechanism.

    Attributes:
        rights: Social rights accrued by each worker: the contributions paid on its gig pay
            since step 0 (EUR; accident cover and pension rights, paid after the horizon or
            on events the model does not draw).
        autonomy: Each worker's taste for autonomy (share of pay; 0 for most).
        has_taste: Whether any worker has a taste for autonomy.
    """

    rights: np.ndarray
    autonomy: np.ndarray
    has_taste: bool


def set_up(model: TerritoryModel) -> ProtectionState:
    """The state at step 0: no rights; tastes drawn from ``model.rng`` only when
    ``autonomy_share > 0`` (so runs without autonomy draw nothing here)."""
    labour, n = model.scenario.labour, len(model.workers)
    autonomy = np.zeros(n)
    if labour.autonomy_share > 0 and labour.autonomy_taste > 0:
        having = model.rng.random(n) < labour.autonomy_share
        autonomy[having] = model.rng.exponential(labour.autonomy_taste, int(having.sum()))
    return ProtectionState(np.zeros(n), autonomy, bool(autonomy.any()))


def minimum_task_pay(model: TerritoryModel) -> float:
    """The minimum pay per task in force (EUR; 0 before ``policy_start`` or without one)."""
    labour = model.scenario.labour
    if not model.policy_active or labour.minimum_hourly_pay <= 0:
        return 0.0
    return labour.minimum_hourly_pay * labour.task_hours


def tasks(model: TerritoryModel, platform: Platform) -> float:
    """The platform's tasks this month: its task sales over ``task_value`` (0 for freelance
    platforms, whose sales are not tasks)."""
    return platform.tasks_value / model.scenario.labour.task_value


def value_factor(model: TerritoryModel, who: np.ndarray, contribution: float) -> np.ndarray | None:
    """What a euro of gig pay is worth to each of ``who``: ``(1 + contribution_value x sc)
    (1 + a_i)``; None when it is 1 for everyone (no contribution, no taste)."""
    state: ProtectionState = model.protection
    if contribution <= 0 and not state.has_taste:
        return None
    rights = 1.0 + model.scenario.labour.contribution_value * contribution
    return rights * (1.0 + state.autonomy[who])


def accrue_rights(model: TerritoryModel, gig: np.ndarray, contributions: np.ndarray) -> None:
    """Add this month's contributions on their pay (EUR) to the gig workers' rights."""
    model.protection.rights[gig] += contributions


def commission_target(
    model: TerritoryModel, platform: Platform, cost: float, markup: float
) -> float:
    """The commission a platform aims at under a minimum pay per task (its pricing rule's
    ``cost + markup`` without one, or on a platform that sold no task last month).

    Bound by the minimum, the platform pays ``k = m (1 + sc) / task_value`` per euro of task
    sales whatever its commission, so it earns ``tau (1 - t) + t (1 - k) - cost`` per euro of
    sales (``t``: last month's task share of its sales). The rule applied to that margin gives
    ``B = (cost - t (1 - k)) / (1 - t) + markup``; the minimum binds when ``tau > 1 - k``.
    The target is ``A = cost + markup`` if it leaves the minimum slack, else ``B`` if it binds
    at ``B``, else the kink ``1 - k`` (where the pool just pays the minimum).

    Args:
        model: The model.
        platform: The platform.
        cost: Its cost per euro of sales in its pricing rule (EUR / EUR).
        markup: Its markup over that cost (0 for cost-covering members' pricing).
    """
    minimum = minimum_task_pay(model)
    share = platform.task_sales_share
    slack = cost + markup
    if minimum <= 0 or share <= 0:
        return slack
    labour = model.scenario.labour
    k = minimum * (1.0 + labour.social_contribution) / labour.task_value
    if slack <= 1.0 - k:
        return slack
    bound = (cost - share * (1.0 - k)) / max(1.0 - share, 1e-6) + markup
    return bound if bound >= 1.0 - k else 1.0 - k
