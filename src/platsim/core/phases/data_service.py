"""Municipal data services: open data run by each municipality (the case of Le
Perray-en-Yvelines' "Vill@ge Lab" in the 2019 report) or a trusted third party crossing
municipal and utility network data (the FNCCR's case), docs/ODD.md 7.6.

From ``policy_start``, under ``data.regime`` ``open`` or ``trusted_third_party`` with
``data.municipalities_participate``, every municipality decides, then again every
``data.decision_months``, whether to take part: it does when the services the saving lets its
service money buy on top (none where services are already full) are worth more than what
taking part costs it a month.

- open: it opens its data and runs its own data service at ``data_service_cost`` a year,
  whatever its size, and saves ``service_saving`` of its service cost. Its data are
  published: every neighbour saves ``neighbour_spillover · service_saving`` times the
  commuting-weighted share of its neighbours that publish.
- trusted third party: it pays ``third_party_fee`` per inhabitant plus
  ``third_party_member_cost`` a year (the cost is pooled); the third party crosses its data
  with its utilities' network data (``utility_data``), so it saves ``service_saving +
  crossing_saving · utility_data``. The data stay confidential: only member neighbours
  share in each other's saving.

The saving lowers the cost of the municipality's services (``public.update_services``); the
cost is bought outside the territory from its budget before services (``fund``, called by
``public.allocate_budgets``). The municipalities that take part also bring their data to the
platforms, and under a trusted third party the utilities bring theirs (:func:`public_data`,
7.2).

Money units: the model's money is per working-age resident, so a yearly cost of ``C`` EUR
per municipality is ``C / 12 / inhabitants_per_agent`` model EUR a month, and a fee of ``f``
EUR per inhabitant ``f / 12 / working_age_share`` per resident agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel

REGIMES = ("open", "trusted_third_party")


def active(model: TerritoryModel) -> bool:
    """Whether municipalities may take part this month (the lever and ``policy_start``)."""
    data = model.scenario.data
    return model.policy_active and data.regime in REGIMES and data.municipalities_participate


def gain_share(model: TerritoryModel) -> float:
    """Share of a member's service cost saved by its own data (no spillover)."""
    data = model.scenario.data
    if data.regime == "trusted_third_party":
        return data.service_saving + data.crossing_saving * data.utility_data
    return data.service_saving


def monthly_cost(model: TerritoryModel) -> np.ndarray:
    """What taking part costs each municipality a month (model EUR, see the module
    docstring): the data service's cost (open) or the fee and the member's cost (trusted
    third party)."""
    data, population = model.scenario.data, model.scenario.population
    residents = model.municipalities.residents
    if data.regime == "trusted_third_party":
        fixed = data.third_party_member_cost / 12.0 / population.inhabitants_per_agent
        fee = data.third_party_fee / 12.0 / population.working_age_share
        return fixed + fee * residents
    return np.full(len(residents), data.data_service_cost / 12.0 / population.inhabitants_per_agent)


def decision_due(model: TerritoryModel) -> bool:
    """Whether municipalities decide this month: in the first month of policy (``policy_start``,
    or step 1 when it is 0), then every ``decision_months`` (never again when it is 0)."""
    since = model.steps - max(model.scenario.simulation.policy_start, 1)
    every = model.scenario.data.decision_months
    return since == 0 if every == 0 else since >= 0 and since % every == 0


def expected_gain(model: TerritoryModel, service_money: np.ndarray) -> np.ndarray:
    """What a municipality expects its data to be worth a month (model EUR): the services the
    saving ``g = gain_share`` lets its service money buy on top, valued at their cost.

    With ``A`` the service level its money bought last month before any data saving
    (``model.service_affordable``, 7.6; above 1 the services are full and more money buys
    nothing) and ``S`` this month's service money, the saving raises what ``S`` buys from
    ``min(A, 1)`` to ``min(A / (1 - g), 1)``: worth ``S (min(A / (1 - g), 1) - min(A, 1)) /
    A``, i.e. ``S g / (1 - g)`` while services stay below full and 0 once they are full.
    """
    g = gain_share(model)
    level = model.service_affordable
    bought = np.minimum(level / (1.0 - g), 1.0) - np.minimum(level, 1.0)
    money = np.maximum(service_money, 0.0)
    return np.divide(money * bought, level, out=np.zeros(len(level)), where=level > 0)


def decide(model: TerritoryModel, service_money: np.ndarray) -> None:
    """Set ``model.data_members``: a municipality takes part iff its expected gain this month
    (:func:`expected_gain`) is larger than its monthly cost (:func:`monthly_cost`)."""
    model.data_members = expected_gain(model, service_money) > monthly_cost(model)


def fund(model: TerritoryModel, available: np.ndarray) -> np.ndarray:
    """Decide when due and pay this month's cost of every member from ``available`` (what is
    left of its budget for services), model EUR per municipality; the caller books it as a
    purchase outside the territory. Adds the flow ``public_data_service`` (public cost)."""
    if not active(model):
        return np.zeros(model.territory.n)
    if decision_due(model):
        decide(model, available)
    paid = np.where(model.data_members, np.minimum(monthly_cost(model), available), 0.0)
    paid = np.maximum(paid, 0.0)
    model.add_flow("public_data_service", np.add.reduce(paid))
    model.add_flow("data_service_members", np.count_nonzero(model.data_members))
    return paid


def saving(model: TerritoryModel) -> np.ndarray:
    """Share of each municipality's service cost saved this month: its own saving if it takes
    part, plus ``neighbour_spillover`` times the commuting-weighted mean saving of its
    neighbours (the other municipalities of its commuting zone) that reaches it: every
    neighbour's under open data, member neighbours' to members only under a third party."""
    n = model.territory.n
    if not active(model):
        return np.zeros(n)
    data = model.scenario.data
    members = model.data_members
    own = gain_share(model) * members
    weight = model.territory.commute_weight
    diagonal = weight.diagonal()
    others = np.asarray(weight.sum(axis=1)).ravel() - diagonal
    from_neighbours = np.divide(
        weight @ own - diagonal * own, others, out=np.zeros(n), where=others > 0
    )
    reached = members if data.regime == "trusted_third_party" else np.ones(n, dtype=bool)
    return own + data.neighbour_spillover * from_neighbours * reached


def service_cost_factor(model: TerritoryModel) -> np.ndarray:
    """What is left of each municipality's service cost after the data services' savings."""
    return 1.0 - saving(model)


def member_share(model: TerritoryModel) -> float:
    """Share of the territory's residents living in municipalities that take part (0 when
    the mechanism is off)."""
    if not active(model):
        return 0.0
    residents = model.municipalities.residents
    total = np.add.reduce(residents)
    return float(np.add.reduce(residents * model.data_members) / total) if total > 0 else 0.0


def public_data(model: TerritoryModel) -> float:
    """The public data the platforms' data regime adds (data units, before ``share`` under
    open data): the municipalities' part, ``(1 - utility_share) · public_data``, times the
    residents' share of the municipalities that take part (:func:`member_share`), and under a
    trusted third party the utilities' part, ``utility_share · public_data ·
    utility_data``, which the utilities bring to it whoever joins. 0 when the mechanism is
    off."""
    if not active(model):
        return 0.0
    data = model.scenario.data
    municipal = (1.0 - data.utility_share) * data.public_data * member_share(model)
    if data.regime == "trusted_third_party":
        return municipal + data.utility_share * data.public_data * data.utility_data
    return municipal
