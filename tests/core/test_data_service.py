"""Tests for municipal data services (platsim.core.phases.data_service; issue 15, the cases of
Le Perray-en-Yvelines' local data service with open data and of the FNCCR's trusted third
party): the decision (a municipality takes part iff its expected gain beats its cost), its
timing, its cost booked as public cost, the saving and its spillover, and a paired test that
the services of members (and, with open data, of their neighbours) improve through this
channel, differently under open data and a trusted third party."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from platsim.core.model import TerritoryModel
from platsim.core.phases import data_service, platform_data
from platsim.core.phases.observation import PUBLIC_COST_FLOWS, public_cost

SMALL = {"territory.n_municipalities": 30, "simulation.panel_every": 0}
OPEN = {"data.regime": "open", "simulation.policy_start": 3}
THIRD_PARTY = {"data.regime": "trusted_third_party", "simulation.policy_start": 3}


def build(seed: int = 1, **overrides: Any) -> TerritoryModel:
    return TerritoryModel(seed=seed, overrides={**SMALL, **overrides})


def test_the_monthly_cost_in_model_money():
    """Open: 15,000 EUR a year per municipality is 15,000 / 12 / 20 model EUR a month (a worker
    agent stands for 20 working-age residents). Third party: 1,000 / 12 / 20 per member plus
    0.5 EUR per inhabitant a year, 0.5 / 12 / 0.62 per resident agent."""
    model = build(**OPEN)
    np.testing.assert_allclose(data_service.monthly_cost(model), 15_000 / 12 / 20)
    model = build(**THIRD_PARTY)
    residents = model.municipalities.residents
    np.testing.assert_allclose(
        data_service.monthly_cost(model), 1_000 / 12 / 20 + 0.5 / 12 / 0.62 * residents
    )


def test_the_expected_gain_is_the_services_the_saving_buys_below_full():
    """g = 0.005 + 0.008 (third party, all utility data). Below full services the saving buys
    S g / (1 - g) more; a municipality whose services are full gains nothing; one just below
    full gains only what takes it to full."""
    model = build(**THIRD_PARTY)
    g = 0.013
    assert data_service.gain_share(model) == pytest.approx(g)
    model.service_affordable = np.array([0.5, 0.9, 1.0, 2.0, 0.995, 0.0])
    money = np.array([100.0, 100.0, 100.0, 100.0, 100.0, 100.0])
    gain = data_service.expected_gain(model, money)
    below = 100.0 * g / (1 - g)
    np.testing.assert_allclose(gain, [below, below, 0.0, 0.0, 100.0 * 0.005 / 0.995, 0.0])
    assert data_service.gain_share(build(**OPEN)) == pytest.approx(0.005)
    no_utilities = build(**THIRD_PARTY, **{"data.utility_data": 0.25})
    assert data_service.gain_share(no_utilities) == pytest.approx(0.005 + 0.25 * 0.008)


def test_a_municipality_takes_part_iff_its_expected_gain_beats_its_cost():
    model = build(**OPEN)
    model.run_for(2)
    n = model.territory.n
    model.service_affordable = np.full(n, 0.5)
    cost = data_service.monthly_cost(model)
    # money at which the gain S g / (1 - g) equals the cost, then a little above and below
    even = cost * (1 - 0.005) / 0.005
    money = np.where(np.arange(n) % 2 == 0, even * 1.01, even * 0.99)
    data_service.decide(model, money)
    np.testing.assert_array_equal(model.data_members, np.arange(n) % 2 == 0)
    model.service_affordable = np.full(n, 1.5)  # full services: no gain, nobody takes part
    data_service.decide(model, money)
    assert not model.data_members.any()


@pytest.mark.parametrize("overrides", [OPEN, THIRD_PARTY])
def test_nothing_happens_before_policy_start(overrides):
    """Before policy_start nobody takes part, nothing is paid, no saving, no public data for
    the platforms, and the run is bit for bit the closed regime's."""
    model = build(**overrides, **{"data.data_service_cost": 0.0})
    closed = build(**{**overrides, "data.regime": "closed"})
    for _ in range(2):
        model.step()
        closed.step()
        assert not model.data_members.any()
        assert "public_data_service" not in model.flows
        assert not data_service.saving(model).any()
        assert data_service.member_share(model) == 0.0
        np.testing.assert_array_equal(model.municipalities.services, closed.municipalities.services)
        np.testing.assert_array_equal(model.workers.savings, closed.workers.savings)
    model.step()  # policy_start: the first decision
    assert model.data_members.any()


@pytest.mark.parametrize("every", [0, 12])
def test_municipalities_decide_at_policy_start_then_every_decision_months(every):
    model = build(**THIRD_PARTY, **{"data.decision_months": every})
    decided = []
    for _ in range(30):
        model.step()
        decided.append(data_service.decision_due(model))
    steps = [step for step, due in enumerate(decided, start=1) if due]
    assert steps == ([3] if every == 0 else [3, 15, 27])


def test_the_cost_is_paid_from_budgets_and_booked_as_public_cost():
    """Each member pays its monthly cost (every member can: it joined because its gain, a
    small share of its service money, beats it); the flow public_data_service is their sum,
    part of the public cost; the accounts balance. (Mobility off: the fee per inhabitant is
    paid on the residents of the public phase, and households move after it.)"""
    model = build(**THIRD_PARTY, **{"mobility.relocation_rate": 0.0})
    assert "public_data_service" in PUBLIC_COST_FLOWS
    for _ in range(6):
        model.step()
        assert abs(model.accounts_residual) <= 1e-9
    members = model.data_members
    assert members.any() and not members.all()
    expected = np.add.reduce(data_service.monthly_cost(model)[members])
    assert model.flows["public_data_service"] == pytest.approx(expected, rel=1e-12)
    others = sum(model.flows.get(name, 0.0) for name in PUBLIC_COST_FLOWS) - expected
    assert public_cost(model) == pytest.approx((expected + others) * 20, rel=1e-12)


def test_the_saving_spills_to_neighbours_by_commuting_weight():
    """Open: a non-member gets spillover x the commuting-weighted mean of its neighbours' own
    saving; third party: non-members get nothing, members their own plus spillover."""
    for regime in ("open", "trusted_third_party"):
        model = build(**{**OPEN, "data.regime": regime})
        model.run_for(3)
        n = model.territory.n
        model.data_members = np.arange(n) % 3 == 0
        g = data_service.gain_share(model)
        weight = model.territory.commute_weight.toarray()
        np.fill_diagonal(weight, 0.0)
        own = g * model.data_members
        totals = weight.sum(axis=1)
        mean = np.divide(weight @ own, totals, out=np.zeros(n), where=totals > 0)
        reached = model.data_members if regime == "trusted_third_party" else np.ones(n, bool)
        expected = own + 0.5 * mean * reached
        np.testing.assert_allclose(data_service.saving(model), expected, rtol=1e-12)
        assert (data_service.saving(model) < 2 * g + 1e-15).all()


def test_platforms_use_the_public_data_of_members_and_of_utilities_through_the_third_party():
    """Open data add share x the municipal part of the public data (1 - utility_share) x the
    members' population share to every platform; a trusted third party also gets the
    utilities' part (utility_share x utility_data) whoever joins."""
    model = build(**OPEN)
    model.run_for(3)
    n = model.territory.n
    model.data_members = np.arange(n) < n // 2
    residents = model.municipalities.residents
    share = residents[: n // 2].sum() / residents.sum()
    assert data_service.member_share(model) == pytest.approx(share)
    platforms = [p for p in model.platforms if p.active and p.segment == "goods"]
    stock = np.array([p.data for p in platforms])
    effective = platform_data.effective_data(model, platforms)
    public = 0.5 * 300.0 * share
    np.testing.assert_allclose(effective, stock + 0.5 * (stock.sum() - stock + public))
    third = build(**THIRD_PARTY, **{"data.utility_data": 0.8})
    third.run_for(3)
    third.data_members[:] = False
    assert data_service.public_data(third) == pytest.approx(0.5 * 300.0 * 0.8)
    third.data_members[:] = True
    assert data_service.public_data(third) == pytest.approx(0.5 * 300.0 * (1.0 + 0.8))


# --------------------------------------------------------------------------------------------
# Paired replications: the mechanism acts through its own channel

#: Mobility off so residents, hence service money per head, stay put (the channel is read, not
#: the households' response to it); no public data for the platforms (that channel is 7.2's);
#: 100 municipalities; policy from month 3, services read 9 months later.
PAIRED = {
    "territory.n_municipalities": 100,
    "simulation.policy_start": 3,
    "mobility.relocation_rate": 0.0,
    "data.public_data": 0.0,
}
SEEDS = range(1, 9)


def service_gains(seed: int, overrides: dict[str, Any]) -> dict[str, float]:
    """Service level at month 12 with municipalities free to take part minus without (same
    seed), averaged over members and over non-member neighbours (municipalities in a member's
    commuting zone whose services are not full)."""
    runs = []
    for participate in (True, False):
        model = build(
            seed, **{**PAIRED, **overrides, "data.municipalities_participate": participate}
        )
        model.run_for(12)
        runs.append(model)
    taking_part, without = runs
    members = taking_part.data_members
    weight = taking_part.territory.commute_weight.copy()
    weight.setdiag(0.0)
    near = (weight @ members.astype(float) > 0) & ~members & (taking_part.service_affordable < 1)
    gap = taking_part.municipalities.services - without.municipalities.services
    return {
        "members": float(gap[members].mean()) if members.any() else np.nan,
        "neighbours": float(gap[near].mean()) if near.any() else np.nan,
        "count": float(members.sum()),
    }


def interval(values: np.ndarray) -> tuple[float, float]:
    return stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))


@pytest.mark.slow
def test_services_improve_through_the_data_service_differently_under_open_data_and_a_third_party():
    """Paired seeds 1-8. Open data at the low end of its cost range (5,000 EUR a year: at the
    central 15,000 no municipality of the generated territory takes it up, see 7.6) and the
    third party at its real fee. Criteria (paired 95% t-intervals): members' services rise
    under both; non-member neighbours' rise under open data (published data spill over) and
    not under the third party (its data stay with members); members gain more under the third
    party (crossing with the networks' data) than under open data."""
    open_data = [service_gains(s, {**OPEN, "data.data_service_cost": 5_000.0}) for s in SEEDS]
    third = [service_gains(s, THIRD_PARTY) for s in SEEDS]
    result = {}
    for name, rows in (("open", open_data), ("third party", third)):
        for key in ("members", "neighbours"):
            values = np.array([row[key] for row in rows])
            result[name, key] = (values, interval(values))
            low, high = result[name, key][1]
            print(
                f"{name}: {key}' service level {values.mean():+.5f} [{low:+.5f}, {high:+.5f}]"
                f" ({np.mean([row['count'] for row in rows]):.1f} members of 100)"
            )
    assert result["open", "members"][1][0] > 0
    assert result["third party", "members"][1][0] > 0
    assert result["open", "neighbours"][1][0] > 0
    low, high = result["third party", "neighbours"][1]
    assert low < 0 < high or abs(result["third party", "neighbours"][0].mean()) < 1e-4
    difference = result["third party", "members"][0] - result["open", "members"][0]
    low, high = interval(difference)
    print(f"third party - open, members: {difference.mean():+.5f} [{low:+.5f}, {high:+.5f}]")
    assert low > 0
