"""Tests for the public cost of levers (``public_cost``, ``public_cost_total``; issue 15,
item 2): the state's programmes, the regions' advisory service, territorial platforms' costs
and top-ups, and grant changes, in EUR of the whole territory."""

from __future__ import annotations

import numpy as np
import pytest

from platsim.core.model import TerritoryModel
from platsim.core.phases import public
from platsim.core.phases.observation import PUBLIC_COST_FLOWS, public_cost

SMALL = {"territory.n_municipalities": 30, "simulation.panel_every": 0}


def run(steps: int, **overrides) -> TerritoryModel:
    model = TerritoryModel(seed=1, overrides={**SMALL, **overrides})
    model.run_for(steps)
    return model


def test_the_baseline_costs_nothing_and_the_total_is_the_running_sum() -> None:
    frame = run(24).metrics_frame()
    assert (frame["public_cost"] == 0).all() and (frame["public_cost_total"] == 0).all()
    frame = run(24, **{"public.broadband_programme": 5.0, "simulation.policy_start": 6})
    frame = frame.metrics_frame()
    np.testing.assert_allclose(frame["public_cost_total"], frame["public_cost"].cumsum())


def test_the_broadband_programme_costs_the_states_offer_and_its_match_in_real_euros() -> None:
    """From policy_start the State offers ``broadband_programme`` a month per inhabitant of
    the rural municipalities (``1 / working_age_share`` inhabitants per working-age
    resident, the model's money unit) and pays half of the works; the municipalities pay the
    other half; an agent stands for ``inhabitants_per_agent`` working-age residents."""
    model = run(
        10,
        **{
            "public.broadband_programme": 5.0,
            "simulation.policy_start": 6,
            "mobility.relocation_rate": 0.0,  # the residents the offer is computed on
        },
    )
    frame, scenario = model.metrics_frame(), model.scenario
    rural = ~model.territory.urban
    offer = 5.0 / scenario.population.working_age_share * model.municipalities.residents[rural]
    per_month = offer.sum() / 0.5 * scenario.population.inhabitants_per_agent
    assert (frame["public_cost"].iloc[:6] == 0).all()
    np.testing.assert_allclose(frame["public_cost"].iloc[6:], per_month, rtol=1e-12)


@pytest.mark.parametrize("inhabitants", [5.0, 40.0])
def test_territorial_platforms_cost_what_the_state_pays_for_them(inhabitants) -> None:
    """Every step, the public cost of a territorial goods marketplace (one per region, opening
    at policy_start) equals the state's subsidy of the platforms' costs (ledger inflow
    ``platform_subsidy``) times the residents an agent stands for (no earnings floor, so no
    top-up)."""
    model = TerritoryModel(
        seed=1,
        overrides={
            **SMALL,
            "population.inhabitants_per_agent": inhabitants,
            "simulation.policy_start": 2,
            "platforms.catalogue": {
                "territorial": {
                    "kind": "territorial",
                    "segment": "goods",
                    "start": "policy_start",
                    "commission": 0.05,
                    "partner_share": 0.3,
                }
            },
        },
    )
    costs = []
    for _ in range(8):
        model.step()
        subsidy = model.ledger.inflows.get("platform_subsidy", 0.0)
        assert model.outcomes["public_cost"] == pytest.approx(subsidy * inhabitants, rel=1e-12)
        costs.append(model.outcomes["public_cost"])
    assert costs[0] == 0.0 and min(costs[2:]) > 0


def test_the_integration_grant_is_a_public_cost_per_unit_of_integration_above_the_baseline():
    """Under conditional funding, a municipality whose EPCI deepened receives
    ``integration_grant`` per inhabitant and unit of integration above ``epci_integration``
    (model money: per working-age resident / working_age_share); the others nothing. The
    grants are the month's ``public_grant_change`` and its whole public cost."""
    model = TerritoryModel(
        seed=1,
        overrides={
            **SMALL,
            "simulation.policy_start": 0,
            "public.pooling": "epci",
            "public.conditional_funding": True,
            "public.integration_grant": 8.0,
        },
    )
    munis, config = model.municipalities, model.scenario.public
    deepened = np.arange(model.territory.n) % 3 == 0
    munis.integration = np.where(deepened, 0.57, config.epci_integration)
    model.flows = {}
    public.collect_taxes_and_grants(model)
    people = model.scenario.population
    grant = 8.0 * 0.2 / people.working_age_share * munis.residents[deepened].sum()
    assert model.flows["public_grant_change"] == pytest.approx(grant, rel=1e-9)
    assert grant > 0
    assert set(model.flows) & set(PUBLIC_COST_FLOWS) == {"public_grant_change"}
    assert public_cost(model) == pytest.approx(grant * people.inhabitants_per_agent, rel=1e-9)


def test_territorial_platforms_pay_top_ups_count_as_public_cost() -> None:
    """Only territorial platforms, an earnings floor above what their gig pools pay: every
    step the public cost is the State's subsidy of their costs plus their gig-pay top-ups
    (all of the ledger's ``platform_topups``, as no other platform exists), in real euros."""
    model = TerritoryModel(
        seed=1,
        overrides={
            **SMALL,
            "simulation.policy_start": 1,
            "platforms.catalogue": {
                "territorial": {
                    "kind": "territorial",
                    "segment": "local_services",
                    "commission": 0.05,
                }
            },
            "platforms.entry_rate": 0.0,
            "labour.earnings_floor": 9000.0,  # above what the pools pay (about 3,000 EUR)
        },
    )
    ipa = model.scenario.population.inhabitants_per_agent
    top_ups = 0.0
    for _ in range(6):
        model.step()
        inflows = model.ledger.inflows
        subsidy, paid = inflows.get("platform_subsidy", 0.0), inflows.get("platform_topups", 0.0)
        assert model.outcomes["public_cost"] == pytest.approx((subsidy + paid) * ipa, rel=1e-12)
        top_ups += paid
    assert top_ups > 0
