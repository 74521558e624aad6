"""Tests for phase 1, consumption: spending, the gravity split of local demand, imports."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from platsim.core.agents import Sector
from platsim.core.phases import consumption
from platsim.core.phases.platform_market import seller_eligible
from platsim.core.rules import distribute_local_demand
from platsim.core.spending import spending_budgets, split_by_platform
from platsim.schema.segments import FREELANCE, GOODS, LOCAL_SERVICES

# Three municipalities: 0 and 1 share a commuting zone, 2 is isolated.
W = sp.csr_matrix(np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]]))


def test_three_municipalities_analytic_shares() -> None:
    # firm 0 in municipality 0 (weight 1), firms 1 and 2 in municipality 1 (weights 2 and 1)
    demand = np.array([100.0, 200.0, 50.0])
    weight = np.array([1.0, 2.0, 1.0])
    place = np.array([0, 1, 1])
    revenue, unplaced = distribute_local_demand(demand, weight, place, W)
    # attraction A = (1, 3, 0); reach_0 = 1*1 + 0.5*3 = 2.5, reach_1 = 0.5*1 + 1*3 = 3.5
    to_0 = 100 * 1 / 2.5 + 200 * 0.5 / 3.5
    to_1 = 100 * 1.5 / 2.5 + 200 * 3 / 3.5
    np.testing.assert_allclose(revenue, [to_0, to_1 * 2 / 3, to_1 / 3], rtol=1e-12)
    # municipality 2 has no firm in its zone: its demand is unplaced
    np.testing.assert_allclose(unplaced, [0.0, 0.0, 50.0])
    assert revenue.sum() + unplaced.sum() == pytest.approx(demand.sum(), rel=1e-12)


def test_demand_goes_only_to_firms_with_weight() -> None:
    demand = np.array([10.0, 0.0, 5.0])
    weight = np.array([0.0, 3.0, 0.0])  # firm 0 and 2 do not sell locally
    place = np.array([0, 1, 2])
    revenue, unplaced = distribute_local_demand(demand, weight, place, W)
    np.testing.assert_allclose(revenue, [0.0, 10.0, 0.0])
    np.testing.assert_allclose(unplaced, [0.0, 0.0, 5.0])


def test_no_firm_at_all_leaves_everything_unplaced() -> None:
    demand = np.array([1.0, 2.0, 3.0])
    revenue, unplaced = distribute_local_demand(demand, np.zeros(2), np.array([0, 1]), W)
    np.testing.assert_array_equal(revenue, [0.0, 0.0])
    np.testing.assert_array_equal(unplaced, demand)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 15), k=st.integers(1, 30))
def test_distribution_conserves_demand(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, n)) * (rng.random((n, n)) < 0.4)
    dense = np.maximum(dense, dense.T) + np.eye(n)
    matrix = sp.csr_matrix(dense)
    demand = rng.random(n) * 1000
    weight = rng.random(k) * (rng.random(k) < 0.7)
    place = rng.integers(0, n, size=k)
    revenue, unplaced = distribute_local_demand(demand, weight, place, matrix)
    assert (revenue >= 0).all() and (unplaced >= 0).all()
    assert revenue.sum() + unplaced.sum() == pytest.approx(demand.sum(), rel=1e-9)
    assert (revenue[weight == 0] == 0).all()
    # an origin is unplaced exactly when no firm with weight is in its zone
    attraction = np.bincount(place, weights=weight, minlength=n)
    unserved = dense @ attraction <= 0
    np.testing.assert_allclose(unplaced, np.where(unserved, demand, 0.0))


def test_step_spends_shares_of_disposable_income_and_savings(make_model, no_platforms) -> None:
    model = make_model(overrides=no_platforms)
    economy = model.scenario.economy
    workers = model.workers
    workers.savings[::7] = -500.0  # in debt: nothing spent out of wealth
    income, tax, savings = workers.income.copy(), workers.tax.copy(), workers.savings.copy()
    model.ledger.reset()
    consumption.step(model)
    expected = economy.consumption_share * np.maximum(
        income - tax, 0.0
    ) + economy.wealth_consumption_share * np.maximum(savings, 0.0)
    np.testing.assert_allclose(workers.spending, expected, rtol=1e-12)
    np.testing.assert_allclose(workers.savings, savings - expected, rtol=1e-12)
    flows = model.flows
    assert flows["household_spending"] == pytest.approx(expected.sum(), rel=1e-12)
    # every origin in a small territory has a local-services firm in reach: leakage is the
    # non-local share exactly
    assert flows["household_leakage"] == pytest.approx(
        (1 - economy.local_share) * expected.sum(), rel=1e-9
    )


def test_step_public_budget_is_spent_and_revenue_balances(small_model) -> None:
    # holds with or without platforms: their member firms' sales are household_to_firms
    model = small_model
    munis, firms = model.municipalities, model.firms
    service_budget = munis.service_budget.copy()
    budget = munis.budget.copy()
    assert service_budget.sum() > 0
    model.ledger.reset()
    consumption.step(model)
    np.testing.assert_allclose(munis.budget, budget - service_budget)
    assert (munis.service_budget == 0).all()
    flows = model.flows
    assert flows["public_spending"] == pytest.approx(service_budget.sum())
    assert firms.revenue_local.sum() == pytest.approx(
        flows["household_to_firms"] + flows["public_to_firms"], rel=1e-9
    )
    unplaced_public = flows["public_spending"] - flows["public_to_firms"]
    assert model.ledger.outflows["public_purchases"] == pytest.approx(unplaced_public, abs=1e-6)
    # live local-services firms sell to households and municipalities; other firms only
    # through the goods platforms they are on
    sells = firms.alive & (firms.sector == Sector.LOCAL_SERVICES)
    on_goods = np.zeros(len(firms), dtype=bool)
    for platform in model.market[GOODS].platforms:
        on_goods |= ((firms.platforms >> platform.index) & 1).astype(bool)
    assert (firms.revenue_local[~(sells | on_goods)] == 0).all()
    assert (firms.revenue_local[~firms.alive] == 0).all()
    assert (firms.revenue_local[sells] > 0).mean() > 0.9
    traded = firms.alive & on_goods & (firms.sector == Sector.TRADITIONAL)
    assert traded.any() and (firms.revenue_local[traded] > 0).all()


def test_money_leaving_equals_money_not_received(make_model, no_platforms) -> None:
    model = make_model(overrides=no_platforms)
    before = model.money_stock()
    model.ledger.reset()
    consumption.step(model)
    after_households_and_munis = model.money_stock()
    # consumption moves money to firms' revenue (not yet cash): the stock falls by all spending
    spent = model.flows["household_spending"] + model.flows["public_spending"]
    assert before - after_households_and_munis == pytest.approx(spent, rel=1e-12)
    received = model.firms.revenue_local.sum()
    left = model.ledger.outflows["imports"] + model.ledger.outflows["public_purchases"]
    assert received + left == pytest.approx(spent, rel=1e-9)


def test_local_share_zero_sends_all_household_spending_outside(make_model, no_platforms) -> None:
    model = make_model(overrides={"economy.local_share": 0.0, **no_platforms})
    model.ledger.reset()
    consumption.step(model)
    flows = model.flows
    assert flows["household_to_firms"] == pytest.approx(0.0, abs=1e-6)
    assert flows["household_leakage"] == pytest.approx(flows["household_spending"])
    assert model.firms.revenue_local.sum() == pytest.approx(flows["public_to_firms"])


def test_zone_without_local_firm_sends_demand_outside(make_model, no_platforms) -> None:
    model = make_model(overrides=no_platforms)
    firms = model.firms
    firms.alive[firms.sector == Sector.LOCAL_SERVICES] = False
    model.ledger.reset()
    consumption.step(model)
    flows = model.flows
    assert (firms.revenue_local == 0).all()
    assert flows["household_to_firms"] == pytest.approx(0.0, abs=1e-6)
    assert flows["public_to_firms"] == pytest.approx(0.0, abs=1e-6)
    assert model.ledger.outflows["imports"] == pytest.approx(flows["household_spending"])
    assert model.ledger.outflows["public_purchases"] == pytest.approx(flows["public_spending"])


# -- segments and platforms (issue 14) ---------------------------------------------------------

ONE_SHOP = {
    "platforms.catalogue": {
        "shop": {
            "kind": "global",
            "segment": "goods",
            "commission": 0.1,
            "pricing": "fixed",
            "outside_supplier_share": 0.2,
        },
        "gigs": {
            "kind": "global",
            "segment": "freelance",
            "commission": 0.15,
            "pricing": "fixed",
            "outside_supplier_share": 0.25,
        },
    },
    "platforms.entry_rate": 0.0,
    "goods.task_share": 0.05,
}


def one_shop(make_model):
    model = make_model(overrides=ONE_SHOP)
    shop = next(p for p in model.platforms if p.name == "shop")
    gigs = next(p for p in model.platforms if p.name == "gigs")
    assert model.market[GOODS].platforms == [shop]
    for platform in (shop, gigs):
        platform.transactions = platform.gig_pool = 0.0
    model.ledger.reset()
    return model, shop, gigs


def test_budgets_split_goods_and_local_services_by_local_share(make_model) -> None:
    model, _, _ = one_shop(make_model)
    economy = model.scenario.economy
    spending = np.linspace(0.0, 900.0, len(model.workers))
    budgets = spending_budgets(model, spending)
    np.testing.assert_allclose(budgets[LOCAL_SERVICES], economy.local_share * spending)
    np.testing.assert_allclose(budgets[GOODS], (1 - economy.local_share) * spending)
    firms = model.firms
    expected = model.scenario.freelance.budget_share * economy.fixed_cost * firms.alive
    np.testing.assert_allclose(budgets[FREELANCE], expected)


def test_goods_platform_sales_go_to_member_firms_by_productivity(make_model) -> None:
    model, shop, _ = one_shop(make_model)
    firms = model.firms
    consumption.step(model)
    budget = spending_budgets(model, model.workers.spending)[GOODS]
    (who, spent), *rest = list(split_by_platform(model, GOODS, model.market[GOODS], budget))
    assert rest == [] and spent.shape == (1, len(who))  # one chunk, one platform
    sales = spent.sum()
    assert sales > 0 and shop.transactions == pytest.approx(sales, rel=1e-12)
    assert model.flows["goods_platform_spending"] == pytest.approx(sales, rel=1e-12)
    goods = sales * (1 - 0.2 - 0.05)
    # traded firms on the shop earn only its goods sales, in proportion to productivity
    member = seller_eligible(model, GOODS) & ((firms.platforms >> shop.index) & 1).astype(bool)
    traded = member & (firms.sector == Sector.TRADITIONAL)
    assert traded.sum() >= 2
    weight = firms.productivity * member
    np.testing.assert_allclose(
        firms.revenue_local[traded],
        goods * 0.9 * weight[traded] / weight.sum(),
        rtol=1e-9,
    )
    # commission on goods and tasks; the tasks' net value into the gig pool
    assert shop.commissions == pytest.approx(0.1 * (goods + 0.05 * sales), rel=1e-9)
    assert shop.gig_pool == pytest.approx(0.05 * sales * 0.9, rel=1e-9)
    # offline goods are imports
    flows = model.flows
    assert flows["goods_spending"] == pytest.approx(budget.sum(), rel=1e-12)
    assert flows["platform_outside"] == pytest.approx(0.2 * sales, rel=1e-9)


def test_freelance_work_bought_by_firms_goes_to_the_gig_pool_less_commission_and_outside(
    make_model,
) -> None:
    model, _, gigs = one_shop(make_model)
    firms = model.firms
    buyers = ((firms.platforms >> gigs.index) & 1).astype(bool) & firms.alive
    assert buyers.any()
    consumption.step(model)
    bought = firms.platform_purchases
    assert (bought[~buyers] == 0).all() and (bought[buyers] > 0).all()
    # a firm's logit share of its freelance budget (taste 1 for firms)
    market = model.market[FREELANCE]
    budget = spending_budgets(model, np.zeros(len(model.workers)))[FREELANCE]
    e = market.attraction[0][firms.municipality]
    expected = budget * e / (np.exp(market.offline) + e)
    np.testing.assert_allclose(bought[buyers], expected[buyers], rtol=1e-12)
    sales = bought.sum()
    assert gigs.transactions == pytest.approx(sales, rel=1e-12)
    assert gigs.commissions == pytest.approx(0.15 * sales, rel=1e-12)
    assert gigs.gig_pool == pytest.approx(0.85 * 0.75 * sales, rel=1e-12)


def test_household_spending_identity_with_the_gig_pools(make_model) -> None:
    model, shop, _ = one_shop(make_model)
    consumption.step(model)
    flows = model.flows
    destinations = (
        flows["household_to_firms"]
        + flows["household_leakage"]
        + flows["platform_commissions"]
        + shop.gig_pool
    )
    assert shop.gig_pool > 0
    assert destinations == pytest.approx(flows["household_spending"], rel=1e-12)


def test_the_household_gig_pools_are_a_flow(make_model) -> None:
    model, shop, _ = one_shop(make_model)
    consumption.step(model)
    assert model.flows["platform_gig_pools"] == pytest.approx(shop.gig_pool, rel=1e-12)
