"""The regions' advisory service for firms' digital transformation (the "phygital" platforms of
the 2019 report: Auvergne-Rhône-Alpes' Ma Solution Numérique, an online diagnostic backed by
230 business advisers; Ile-de-France Smart Services).

From ``policy_start`` each region pays ``public.advisory_advisers`` advisers per 1,000 of its
active firms, at ``advisory_adviser_cost`` EUR a month each; an adviser diagnoses at most
``advisory_diagnostics`` firms a month, so a region has ``advisers * diagnostics`` places a
month (stochastically rounded). A non-digitised firm that did not get the ordinary chance to
digitise this month applies when it could pay the investment from its retained cash and
digitising would gain it, over the payback horizon, more than the diagnostic costs it in its
manager's time (``advisory_time_cost``). Applicants are drawn at random within the places of
their region. A diagnosed firm learns what to digitise and from whom: it gets the chance to
digitise this month, which it takes by its own rule (:func:`platsim.core.phases.
firms.adopt_digital`: affordable and paying back); since it applied because that rule holds,
a diagnosed firm always digitises, so the service's effect is its filled places less the
firms that would have digitised anyway (the decision that matters is the application).
Places left empty are not carried over.

Money: the region's money comes from outside the municipalities' accounts (inflow
``advisory_funding``) and pays the advisers, whose services are bought outside the
territory's accounts (outflow ``public_purchases``), like the State's programmes' spending
(7.6); the whole budget is public cost (flow ``public_advisory``), whether or not the places
are used. Money units: the model's money is per agent, a firm agent standing for
``inhabitants_per_agent`` firms like it, so advisers per firm agent and their cost are the real
ratios per firm, and ``public_cost`` scales them back to real euros.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.numerics.sampling import select_per_group, stochastic_round

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def advisers(model: TerritoryModel) -> np.ndarray:
    """Advisers each region pays this month (model units, fractional: part-time advisers),
    ``advisory_advisers / 1,000`` per active firm of the region; zeros before ``policy_start``
    or without the service."""
    public, territory, firms = model.scenario.public, model.territory, model.firms
    if not model.policy_active or public.advisory_advisers <= 0:
        return np.zeros(territory.n_regions)
    region = territory.region[firms.municipality[firms.alive]]
    count = np.bincount(region, minlength=territory.n_regions).astype(float)
    return public.advisory_advisers / 1_000.0 * count


def applicants(model: TerritoryModel, eligible: np.ndarray, net_gain: np.ndarray) -> np.ndarray:
    """The firms asking for a diagnostic: ``eligible`` ones (the caller's: active, not
    digitised, without this month's ordinary chance, able to pay the investment) whose
    ``net_gain`` (EUR: labour cost saved over the payback horizon minus the investment)
    exceeds the diagnostic's cost in their manager's time."""
    return eligible & (net_gain > model.scenario.public.advisory_time_cost)


def diagnose(model: TerritoryModel, eligible: np.ndarray, net_gain: np.ndarray) -> np.ndarray:
    """Serve this month's applicants within each region's places and pay the advisers.

    Args:
        model: The model (its ``rng`` draws the places' rounding and who is served).
        eligible: Per firm, whether it may apply (see :func:`applicants`).
        net_gain: Per firm, what digitising gains it over the payback horizon (EUR).

    Returns:
        Per firm, whether it was diagnosed this month (all False, and no random draw, before
        ``policy_start`` or without the service).
    """
    served = np.zeros(len(model.firms), dtype=bool)
    paid = advisers(model)
    if not paid.any():
        return served
    public, territory = model.scenario.public, model.territory
    places = stochastic_round(paid * public.advisory_diagnostics, model.rng)
    asking = applicants(model, eligible, net_gain).nonzero()[0]
    region = territory.region[model.firms.municipality[asking]]
    served[asking[select_per_group(region, places, model.rng)]] = True
    budget = float(np.add.reduce(paid)) * public.advisory_adviser_cost
    model.ledger.inflow("advisory_funding", budget)
    model.ledger.outflow("public_purchases", budget)
    model.add_flow("public_advisory", budget)
    model.events["advisory_places"] += int(np.add.reduce(places))
    model.events["advisory_applicants"] += len(asking)
    model.events["advisory_diagnostics"] += int(np.count_nonzero(served))
    return served
