"""Tests for platforms' quality investment (platsim.core.phases.platform_quality), issue 14:
each platform buys quality capital up to where a euro of it pays for itself, and data make
quality cheaper (Prüfer & Schottmüller 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from platsim.core.model import TerritoryModel
from platsim.core.phases import platform_market as pm
from platsim.core.phases import platform_quality as pq
from platsim.schema.segments import GOODS

SMALL = {"territory.n_municipalities": 30, "simulation.panel_every": 0}


def build(seed: int = 1, **overrides: Any) -> TerritoryModel:
    return TerritoryModel(seed=seed, overrides={**SMALL, **overrides})


def one_platform(kind: str, commission: float = 0.2) -> TerritoryModel:
    """A territory whose goods segment has one platform of ``kind`` (and no entry)."""
    model = build(
        **{
            "platforms.catalogue": {"only": {"kind": kind, "segment": GOODS, "commission": 0.2}},
            "platforms.entry_rate": 0.0,
        }
    )
    platform = model.platforms[0]
    platform.commission = commission
    return model


def test_cost_advantage_is_the_data_ratio_to_the_power_phi():
    effective = np.array([0.0, 1.0, 8.0])  # mean 3: (1 + E) / 4 = 0.25, 0.5, 2.25
    np.testing.assert_allclose(pq.cost_advantage(effective, 0.5), [0.5, 0.5**0.5, 1.5])
    np.testing.assert_allclose(pq.cost_advantage(effective, 0.0), [1.0, 1.0, 1.0])


def test_at_the_target_a_euro_of_capital_pays_for_itself():
    """At K*, the discounted commission revenue of one more euro of capital (its quality
    gain eta p / (u + K) times d S / d q = S (1 - sigma), times m / (delta + r)) is 1."""
    model = one_platform("global")
    platform, config = model.platforms[0], model.scenario.platforms
    unit = pq.money_unit(model)
    sales, spending, advantage = 400.0 * unit, 5_000.0 * unit, 1.3
    target = pq.target_capital(model, platform, advantage, sales, spending)
    marginal = (
        config.quality_capital_effect
        * advantage
        / (unit + target)
        * sales
        * (1 - sales / spending)
        * platform.commission
        / (config.quality_depreciation + config.discount_rate)
    )
    assert target > 0
    assert marginal == pytest.approx(1.0, rel=1e-12)
    # a platform whose first euro of capital does not pay for itself buys none
    assert pq.target_capital(model, platform, advantage, 0.01 * unit, spending) == 0.0


def test_capital_converges_to_its_target_and_spending_to_the_steady_share_of_revenue():
    """Two platforms of a segment at fixed sales, one with 9 times the other's effective
    data (so p = 1.34 and 0.45). K_t+1 = K_t + lambda (K* - K_t) converges to K*; spending
    then replaces depreciation: delta K* / p a month, which is eta (1 - sigma) delta /
    (delta + r) of commission revenue less delta u / (p m S) (analytic: p cancels in the
    first term, so both spend nearly the same share; the one with more data holds more
    capital)."""
    model = build(
        **{
            "platforms.catalogue": {
                "rich": {"kind": "global", "segment": GOODS, "commission": 0.2},
                "poor": {"kind": "global", "segment": GOODS, "commission": 0.2},
            },
            "platforms.entry_rate": 0.0,
        }
    )
    config = model.scenario.platforms
    rich, poor = model.platforms[0], model.platforms[1]
    unit = pq.money_unit(model)
    spending = 3_000.0 * unit
    model.flows = {"goods_spending": spending}
    for platform, data in ((rich, 89.0), (poor, 9.0)):
        platform.commission = 0.2
        platform.last_transactions, platform.effective_data = 300.0 * unit, data
    for _ in range(600):
        pq.invest_in_quality(model, {GOODS: [rich, poor]})
    advantage = pq.cost_advantage(np.array([89.0, 9.0]), config.data_quality_elasticity)
    np.testing.assert_allclose(advantage, [(90 / 50) ** 0.5, (10 / 50) ** 0.5])
    delta, r = config.quality_depreciation, config.discount_rate
    eta, sigma = config.quality_capital_effect, 0.1
    for platform, per_euro in zip((rich, poor), advantage, strict=True):
        target = pq.target_capital(model, platform, per_euro, platform.last_transactions, spending)
        assert platform.quality_capital == pytest.approx(target, rel=1e-9)
        revenue = platform.commission * platform.last_transactions
        expected = eta * (1 - sigma) * delta / (delta + r) - delta * unit / (per_euro * revenue)
        assert platform.quality_spending / revenue == pytest.approx(expected, rel=1e-9)
        print(f"p {per_euro:.2f}: spends {platform.quality_spending / revenue:.3f} of revenue")
    assert rich.quality_capital > poor.quality_capital
    assert rich.quality > poor.quality


@pytest.mark.parametrize(
    ("kind", "inflow", "cash_falls"),
    [("global", None, False), ("territorial", "platform_subsidy", False), ("entrant", None, True)],
)
def test_who_pays_for_quality(kind, inflow, cash_falls):
    """A global platform's spending is outside the accounts; the State pays a territorial
    platform's; an entrant pays from its cash, at most the cash it has."""
    model = one_platform(kind)
    platform = next(p for p in model.platforms if p.active)
    unit = pq.money_unit(model)
    platform.last_transactions, platform.effective_data = 300.0 * unit, 50.0
    platform.quality_capital, platform.cash = 0.0, 100.0
    model.flows = {"goods_spending": 3_000.0 * unit}
    model.ledger.reset()
    pq.invest_in_quality(model, {GOODS: [platform]})
    outlay = platform.quality_spending
    assert outlay > 0
    paid = model.ledger.outflows.get("platform_costs", 0.0)
    if kind == "global":
        assert paid == 0.0 and platform.cash == 100.0
    elif inflow:
        assert paid == pytest.approx(outlay) == model.ledger.inflows[inflow]
    if cash_falls:
        assert outlay == 100.0 and platform.cash == 0.0 and paid == 100.0
    platform.cash = -5.0  # no cash: no spending, the capital depreciates
    capital = platform.quality_capital
    pq.invest_in_quality(model, {GOODS: [platform]})
    if cash_falls:
        assert platform.quality_spending == 0.0
        assert platform.quality_capital == pytest.approx(
            (1 - model.scenario.platforms.quality_depreciation) * capital
        )


def data_leaders_capital_per_revenue(seed: int, elasticity: float) -> tuple[float, float]:
    """Goods segment, 24 months: the quality capital per euro of commission revenue of the
    platform with the most effective data, relative to the segment's; and ``hhi_goods``."""
    model = build(
        seed,
        **{"platforms.entry_rate": 0.0, "platforms.data_quality_elasticity": elasticity},
    )
    model.run_for(24)
    platforms = pm.active_platforms(model, GOODS)
    capital = np.array([p.quality_capital for p in platforms])
    revenue = np.array([p.commission * p.last_transactions for p in platforms])
    top = int(np.argmax([p.effective_data for p in platforms]))
    ratio = (capital[top] / revenue[top]) / (capital.sum() / revenue.sum())
    return float(ratio), float(model.metrics_frame().hhi_goods.iloc[-1])


def test_data_lower_the_cost_of_quality_so_the_data_leader_invests_more_per_euro():
    """Paired seeds 1-6, phi 0.5 against 0. Criterion: the data leader's quality capital per
    euro of commission revenue, relative to its segment's, is higher when data lower the
    cost of quality (paired 95% t-interval of the difference above 0)."""
    pairs = [
        (data_leaders_capital_per_revenue(seed, 0.5), data_leaders_capital_per_revenue(seed, 0.0))
        for seed in range(1, 7)
    ]
    difference = np.array([with_data[0] - without[0] for with_data, without in pairs])
    hhi = np.array([with_data[1] - without[1] for with_data, without in pairs])
    low, high = stats.t.interval(
        0.95, len(difference) - 1, loc=difference.mean(), scale=stats.sem(difference)
    )
    print(
        f"data leader's relative capital per euro, phi 0.5 - 0: {difference.mean():+.3f} "
        f"[{low:+.3f}, {high:+.3f}]; hhi_goods at month 24: {hhi.mean():+.0f} "
        f"(seeds {hhi.min():+.0f} to {hhi.max():+.0f})"
    )
    assert low > 0
