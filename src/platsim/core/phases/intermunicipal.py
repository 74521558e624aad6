"""Inter-municipal integration within EPCIs: joint services, their coordination cost, the
members' vote on deepening, and the State's integration grant (docs/ODD.md 7.6).

Every municipality belongs to an EPCI (France's compulsory inter-municipal bodies; a
generated territory has EPCIs around its largest towns,
:func:`platsim.territory.network.generated_epcis`). A share ``kappa`` of each member's
service budget (its integration, ``public.epci_integration`` from step 0, the integration
coefficient of French EPCIs) is spent jointly, at the cost per head of the EPCI's whole
population times a coordination factor that grows with its members and their distance to
the seat. The coordination cost is calibrated so that pooling saves nothing in an average
EPCI (the evidence: Frère, Leprince & Paty 2014), so who gains from deeper integration is
decided by the members' own costs: small, expensive municipalities gain, the seat loses.

The lever (``public.pooling: epci``, from ``policy_start``): each EPCI's members vote once
on raising its integration to ``public.pooling_share``; each member votes for it iff the
service level its budget buys rises, and the EPCI deepens at the qualified majority of the
French code of local authorities (art. L5211-5: two thirds of the members representing
more than half of the population, or half of the members representing two thirds). Under
``conditional_funding`` the State adds ``integration_grant`` per inhabitant and unit of
integration above the baseline, which members count in their vote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel
    from platsim.territory.network import Territory


def coordination_factors(
    territory: Territory,
    epci: np.ndarray,
    count: int,
    per_member: float,
    per_km: float,
    detour: float,
) -> np.ndarray:
    """Each EPCI's multiplier of the joint cost per head: ``1 + per_member (members - 1) +
    per_km d``, ``d`` the members' mean road distance to the seat (its most populous member),
    weighted by population (km: planar distance times ``detour``).

    Args:
        territory: The territory (coordinates and initial population).
        epci: The EPCI of each municipality.
        count: Number of EPCIs.
        per_member: ``public.coordination_per_member``.
        per_km: ``public.coordination_per_km``.
        detour: Road length over straight-line distance.
    """
    population = np.asarray(territory.population, dtype=float)
    members = np.bincount(epci, minlength=count)
    seat = most_populous(population, epci, count)
    dx = territory.x_km - territory.x_km[seat[epci]]
    dy = territory.y_km - territory.y_km[seat[epci]]
    distance = detour * np.hypot(dx, dy)
    weight = np.bincount(epci, weights=population, minlength=count)
    mean_km = np.divide(
        np.bincount(epci, weights=population * distance, minlength=count),
        weight,
        out=np.zeros(count),
        where=weight > 0,
    )
    return 1.0 + per_member * np.maximum(members - 1, 0) + per_km * mean_km


def most_populous(population: np.ndarray, epci: np.ndarray, count: int) -> np.ndarray:
    """The most populous member of each EPCI (ties: the lowest index): its seat, and the
    member whose vote can be a veto."""
    order = np.lexsort((np.arange(len(epci)), -np.asarray(population), epci))
    first = np.r_[True, epci[order][1:] != epci[order][:-1]] if len(order) else order
    largest = np.zeros(count, dtype=np.int64)
    largest[epci[order][first]] = order[first]
    return largest


def joint_levels(
    model: TerritoryModel,
    integration: np.ndarray,
    service_budget: np.ndarray,
    heads: np.ndarray,
    population: np.ndarray,
) -> np.ndarray:
    """The service level each municipality gets from its EPCI's joint spending: the
    members' ``integration x service_budget`` per head of the EPCI, over the EPCI's cost per
    head (of its whole population, times its coordination factor).
    """
    from platsim.core.phases.public import service_cost_per_head

    count, epci = model.epci_count, model.epci
    spending = np.bincount(epci, weights=integration * service_budget, minlength=count)
    epci_heads = np.bincount(epci, weights=heads, minlength=count)
    inhabitants = np.bincount(epci, weights=population, minlength=count)
    per_head = np.divide(spending, epci_heads, out=np.zeros(count), where=epci_heads > 0)
    cost = service_cost_per_head(model, inhabitants) * model.coordination
    return (per_head / cost)[epci]


def own_levels(
    model: TerritoryModel,
    integration: np.ndarray,
    service_budget: np.ndarray,
    heads: np.ndarray,
    population: np.ndarray,
) -> np.ndarray:
    """The service level each municipality buys alone with the rest of its budget."""
    from platsim.core.phases.public import service_cost_per_head

    own = np.divide(
        (1.0 - integration) * service_budget, heads, out=np.zeros(len(heads)), where=heads > 0
    )
    return own / service_cost_per_head(model, population)


def integration_grants(model: TerritoryModel, integration: np.ndarray) -> np.ndarray:
    """The State's integration grant to each municipality this month (model money): under
    ``conditional_funding`` from ``policy_start``, ``integration_grant`` per inhabitant and
    unit of integration above ``epci_integration`` (0 elsewhere)."""
    public = model.scenario.public
    n = model.territory.n
    if not (model.policy_active and public.conditional_funding):
        return np.zeros(n)
    per_resident = public.integration_grant / model.scenario.population.working_age_share
    above = np.maximum(integration - public.epci_integration, 0.0)
    return per_resident * above * model.municipalities.residents


def qualified_majority(
    yes: np.ndarray, population: np.ndarray, epci: np.ndarray, count: int
) -> np.ndarray:
    """Whether each EPCI's members approve (CGCT art. L5211-5 II, which art. L5211-17 applies
    to transfers of competences): two thirds of the members representing more than half of
    the population, or half of the members representing two thirds of it, and in either case
    the most populous member if it holds more than a quarter of the population.

    Args:
        yes: Each municipality's vote.
        population: Each municipality's population (the weight of its vote).
        epci: The EPCI of each municipality.
        count: Number of EPCIs.
    """
    members = np.bincount(epci, minlength=count).astype(float)
    ayes = np.bincount(epci, weights=yes.astype(float), minlength=count)
    people = np.bincount(epci, weights=population, minlength=count)
    aye_people = np.bincount(epci, weights=population * yes, minlength=count)
    two_thirds_of_members = (3 * ayes >= 2 * members) & (2 * aye_people > people)
    half_of_members = (2 * ayes >= members) & (3 * aye_people >= 2 * people)
    largest = most_populous(population, epci, count)  # its veto
    vetoed = (4 * population[largest] > people) & ~yes[largest] if count else np.zeros(0, bool)
    return (two_thirds_of_members | half_of_members) & (ayes > 0) & ~vetoed


def vote_on_deepening(model: TerritoryModel) -> None:
    """Once, in the first step from ``policy_start`` under ``pooling: epci``: every EPCI's
    members vote on raising its integration to ``pooling_share``; where the qualified
    majority approves, every member's integration rises (competences transferred bind all
    members); an EPCI of one member has nobody to pool with and does not vote. Each member
    compares the services its money buys (uncapped: the model's service index saturates at 1,
    but a town whose budget buys more than that still loses purchasing power by sharing it),
    alone and jointly, at the present integration and at the proposed one, with this month's
    service budgets and the integration grant it would receive (:func:`integration_grants`,
    counted whole although the grant, first paid the next month, goes through the budget's
    broadband and training shares first); it votes for it iff that rises."""
    public, munis = model.scenario.public, model.municipalities
    if model.integration_voted or not model.policy_active or public.pooling == "none":
        return
    model.integration_voted = True
    heads = munis.residents.astype(float)
    population = heads * inhabitants_per_resident(model)
    budget = munis.service_budget
    now = munis.integration
    proposed = np.full(len(now), public.pooling_share)

    def level(integration: np.ndarray) -> np.ndarray:
        # the grant is paid with the others and spent like the rest of the budget
        spent = budget + integration_grants(model, integration)
        return own_levels(model, integration, spent, heads, population) + joint_levels(
            model, integration, spent, heads, population
        )

    # a member votes for it iff its budget buys more (ties, e.g. a member alone: against)
    yes = level(proposed) > level(now)
    approve = qualified_majority(yes, population, model.epci, model.epci_count)
    approve &= np.bincount(model.epci, minlength=model.epci_count) >= 2  # nobody to pool with
    munis.integration = np.where(approve[model.epci], proposed, now)
    model.events["epcis_deepened"] += int(np.count_nonzero(approve))
    model.events["municipalities_voting_for"] += int(np.count_nonzero(yes))


def inhabitants_per_resident(model: TerritoryModel) -> float:
    """Inhabitants a worker agent stands for."""
    population = model.scenario.population
    return population.inhabitants_per_agent / population.working_age_share
