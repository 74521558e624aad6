"""Tests for the regions' advisory service for firms' digital transformation
(platsim.core.phases.advisory; issue 15, the Auvergne-Rhône-Alpes Ma Solution Numérique and
Ile-de-France Smart Services case): capacity, budget, policy_start, and the paired effect on
digital adoption and productivity through the firms' own decision."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from platsim.core.model import TerritoryModel
from platsim.core.phases import advisory

SMALL = {"territory.n_municipalities": 30, "simulation.panel_every": 0}
#: AURA's ratio (230 advisers for about 600,000 firms), from month 4.
SERVICE = {"public.advisory_advisers": 0.38, "simulation.policy_start": 4}


def build(seed: int = 1, **overrides: Any) -> TerritoryModel:
    return TerritoryModel(seed=seed, overrides={**SMALL, **overrides})


def test_nothing_happens_before_policy_start() -> None:
    """Before policy_start no adviser is paid, no firm is diagnosed and the run is the
    baseline's bit for bit (no random draw is taken)."""
    with_service, without = build(**SERVICE), build(**{"simulation.policy_start": 4})
    for _ in range(3):  # steps 1-3 (the model counts a step before running it)
        with_service.step()
        without.step()
        assert not advisory.advisers(with_service).any()
        assert with_service.events["advisory_diagnostics"] == 0
        assert with_service.outcomes["public_cost"] == 0.0
    np.testing.assert_array_equal(with_service.firms.digital, without.firms.digital)
    np.testing.assert_array_equal(with_service.workers.savings, without.workers.savings)
    with_service.step()  # step 4: the service opens
    assert with_service.outcomes["public_cost"] > 0


def test_served_firms_never_exceed_the_places_and_are_applicants() -> None:
    """In each region the firms served are at most the places ``advisers * diagnostics``
    (rounded up), at least the applicants up to the places rounded down, and all applicants."""
    model = build(**{**SERVICE, "public.advisory_advisers": 20.0, "simulation.policy_start": 0})
    model.run_for(3)
    firms, territory = model.firms, model.territory
    eligible = firms.alive & ~firms.digital
    net_gain = np.where(np.arange(len(firms)) % 3 == 0, 0.0, 10_000.0)  # a third do not apply
    asking = advisory.applicants(model, eligible, net_gain)
    region = territory.region[firms.municipality]
    places = advisory.advisers(model) * model.scenario.public.advisory_diagnostics
    served = advisory.diagnose(model, eligible, net_gain)
    assert not (served & ~asking).any()
    by_region = np.bincount(region[served], minlength=territory.n_regions)
    applying = np.bincount(region[asking], minlength=territory.n_regions)
    assert (by_region <= np.ceil(places)).all()
    assert (by_region >= np.minimum(applying, np.floor(places))).all()
    assert (applying > np.ceil(places)).any()  # capacity binds somewhere: the test bites


def test_the_budget_is_the_advisers_cost_and_the_public_cost() -> None:
    """Every month from policy_start the region's money (inflow ``advisory_funding``) is the
    advisers' cost, spent outside (``public_purchases``), and the public cost is that cost
    times the firms an agent stands for; the accounts balance."""
    model = build(**SERVICE)
    public = model.scenario.public
    ipa = model.scenario.population.inhabitants_per_agent
    for step in range(10):
        model.step()
        assert abs(model.accounts_residual) < 1e-9
        funding = model.ledger.inflows.get("advisory_funding", 0.0)
        assert model.flows.get("public_advisory", 0.0) == pytest.approx(funding, rel=1e-12)
        assert model.outcomes["public_cost"] == pytest.approx(funding * ipa, rel=1e-12)
        if step < 3:  # steps 1-3
            assert funding == 0.0
        else:
            advisers = funding / public.advisory_adviser_cost
            alive = np.count_nonzero(model.firms.alive)
            # the advisers paid follow the active firms (entry and exit move them a little)
            assert advisers == pytest.approx(0.38 / 1_000 * alive, rel=0.05)
            assert model.events["advisory_diagnostics"] <= model.events["advisory_places"]


def test_no_firm_applies_when_digitising_does_not_pay_yet_the_advisers_are_paid() -> None:
    """The service acts only through the firms' decision: at 200,000 EUR per employee no
    firm can pay for or recover the investment, so none applies and none is diagnosed,
    while the advisers still cost the region their pay."""
    model = build(**SERVICE, **{"economy.digital_investment": 200_000.0})
    diagnosed = applied = 0
    for _ in range(12):
        model.step()
        diagnosed += model.events["advisory_diagnostics"]
        applied += model.events["advisory_applicants"]
    assert diagnosed == applied == 0
    assert model.public_cost_total > 0


@pytest.mark.slow
def test_the_service_raises_digital_adoption_and_productivity_paired_seeds() -> None:
    """Paired seeds 1-10, default territory, 120 months, policy from month 12: the service at
    AURA's capacity (0.38 advisers per 1,000 firms, 2 diagnostics a month each) against no
    service. Criterion: the share of digitised firms at month 120 is higher, the 95% interval
    of the paired difference above 0; mean productivity is higher too (same criterion)."""
    digital, productivity, per_million = [], [], []
    for seed in range(1, 11):
        arms = []
        for advisers in (0.0, 0.38):
            model = TerritoryModel(
                seed=seed,
                overrides={"simulation.panel_every": 0, "public.advisory_advisers": advisers},
            )
            model.run_for(120)
            alive = model.firms.alive
            arms.append(
                (
                    model.firms.digital[alive].mean(),
                    model.firms.productivity[alive].mean(),
                    np.count_nonzero(alive) * model.scenario.population.inhabitants_per_agent,
                    model.public_cost_total,
                )
            )
        (d0, p0, _, _), (d1, p1, firms, cost) = arms
        digital.append(d1 - d0)
        productivity.append(p1 / p0 - 1.0)
        per_million.append((d1 - d0) * firms / (cost / 1e6))

    def interval(values: list[float]) -> tuple[float, float, float]:
        x = np.asarray(values)
        half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
        return x.mean(), x.mean() - half, x.mean() + half

    share, relative, efficiency = interval(digital), interval(productivity), interval(per_million)
    print(
        f"digitised share +{share[0]:.4f} [{share[1]:.4f}, {share[2]:.4f}]; mean productivity "
        f"{relative[0]:+.2%} [{relative[1]:+.2%}, {relative[2]:+.2%}]; extra digitised firms "
        f"per M EUR of public cost {efficiency[0]:.0f} [{efficiency[1]:.0f}, {efficiency[2]:.0f}]"
    )
    assert share[1] > 0
    assert relative[1] > 0
