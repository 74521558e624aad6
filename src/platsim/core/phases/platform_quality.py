"""Platforms' quality: data and a quality stock that platforms invest in, where data lower
the cost of quality (Prüfer & Schottmüller 2021).

A platform's quality is ``q = q0 + beta_s ln(1 + E) + eta ln(1 + K / u)``: ``E`` its
effective data (:func:`platsim.core.phases.platform_data.effective_data`), ``K`` its
quality capital (EUR of quality bought, depreciating at ``delta`` a month) and ``u`` the
money unit of data (``data_unit`` x the initial monthly household spending, so that the
term does not depend on the territory's scale).

Each month every open platform chooses its quality spending. One euro buys
``p_i = ((1 + E_i) / (1 + mean E))^phi`` euros of capital (``mean E`` over its segment's open
platforms): a platform with more effective data than its rivals buys quality cheaper. Its
target stock is where one more euro of capital pays for itself in discounted commission
revenue; with logit demand ``d ln S_i / d q_i = 1 - sigma_i``, so

    u + K*_i = eta p_i m_i S_i (1 - sigma_i) / (delta + r),

``m_i`` its commission, ``S_i`` the sales through it recorded since the last platform-market
phase (this month's household spending, last month's reach-gain external sales), ``sigma_i``
their share of the segment's spending of the month, online and offline (capped at 1; the
reach-gain sales are not in the denominator), and ``r`` the monthly discount rate. It spends
``(delta K + lambda (K* - K)) / p_i`` (never below 0), bought outside the territory; a
platform that pays from its own cash (cooperative, entrant) spends at most its cash, a
territorial platform's spending is paid by the State like its other costs, a global
platform's is outside the territory's accounts. At the target, quality spending is
``eta (1 - sigma_i) delta / (delta + r) - delta u / (p_i m_i S_i)`` of commission revenue
(``p_i`` cancels in the first term): ``eta`` is set from platforms' R&D intensity
(docs/ODD.md 7.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.platforms import Platform
from platsim.schema.platforms import GLOBAL, TERRITORIAL
from platsim.schema.segments import FREELANCE, GOODS, LOCAL_SERVICES

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel

#: The consumption flow holding each household segment's spending of the month (EUR).
SEGMENT_FLOWS = {GOODS: "goods_spending", LOCAL_SERVICES: "local_spending"}


def money_unit(model: TerritoryModel) -> float:
    """``u``: the money unit of data and quality capital (EUR)."""
    return model.scenario.platforms.data_unit * model.reference_spending


def quality(model: TerritoryModel, platform: Platform) -> float:
    """``q0 + beta_s ln(1 + E) + eta ln(1 + K / u)`` of a platform at its current effective
    data and quality capital."""
    beta = getattr(model.scenario, platform.segment).data_effect
    eta = model.scenario.platforms.quality_capital_effect
    return (
        platform.spec.quality
        + beta * float(np.log1p(platform.effective_data))
        + eta * float(np.log1p(platform.quality_capital / money_unit(model)))
    )


def cost_advantage(effective: np.ndarray, elasticity: float) -> np.ndarray:
    """``p_i = ((1 + E_i) / (1 + mean E))^phi``: capital one euro of quality spending buys,
    for each platform of a segment (a start-up without data still buys some)."""
    effective = np.asarray(effective, dtype=float)
    return ((1.0 + effective) / (1.0 + effective.mean())) ** elasticity


def segment_spending(model: TerritoryModel, segment: str) -> float:
    """This month's spending of a segment, online and offline (EUR; consumption, the phase
    before the platform market, recorded it): households' goods or local-services spending,
    or firms' budget for outside skilled services (freelance)."""
    if segment == FREELANCE:
        firms = model.firms
        n_firms = int(np.count_nonzero(firms.alive))
        return model.scenario.freelance.budget_share * model.scenario.economy.fixed_cost * n_firms
    return float(model.flows.get(SEGMENT_FLOWS[segment], 0.0))


def target_capital(
    model: TerritoryModel, platform: Platform, advantage: float, sales: float, spending: float
) -> float:
    """``K*``: the quality capital at which one more euro of capital pays for itself in
    discounted commission revenue (EUR; 0 when even the first euro does not)."""
    config = model.scenario.platforms
    share = min(sales / spending, 1.0) if spending > 0 else 0.0
    value = (
        config.quality_capital_effect
        * advantage
        * platform.commission
        * sales
        * (1.0 - share)
        / (config.quality_depreciation + config.discount_rate)
    )
    return max(value - money_unit(model), 0.0)


def invest_in_quality(model: TerritoryModel, segments: dict[str, list[Platform]]) -> None:
    """Each open platform buys quality capital towards its target and pays for it (the
    module docstring); its quality is updated."""
    config = model.scenario.platforms
    delta, adjustment = config.quality_depreciation, config.quality_adjustment
    for segment, platforms in segments.items():
        advantage = cost_advantage(
            [p.effective_data for p in platforms], config.data_quality_elasticity
        )
        spending = segment_spending(model, segment)
        for platform, per_euro in zip(platforms, advantage.tolist(), strict=True):
            capital = platform.quality_capital
            target = target_capital(model, platform, per_euro, platform.last_transactions, spending)
            outlay = max(delta * capital + adjustment * (target - capital), 0.0) / per_euro
            if platform.kind not in (GLOBAL, TERRITORIAL):
                outlay = min(outlay, max(platform.cash, 0.0))
            platform.buy_outside(outlay)
            platform.quality_spending = outlay
            platform.quality_capital = (1.0 - delta) * capital + per_euro * outlay
            platform.quality = quality(model, platform)


def set_up_capital(
    model: TerritoryModel, segments: dict[str, list[Platform]], sales: dict[int, float]
) -> None:
    """Month 0: each incumbent holds its target capital at the expected sales (the steady
    stock of its quality spending), with no segment share known yet (``sigma`` 0)."""
    elasticity = model.scenario.platforms.data_quality_elasticity
    for platforms in segments.values():
        advantage = cost_advantage([p.effective_data for p in platforms], elasticity)
        for platform, per_euro in zip(platforms, advantage.tolist(), strict=True):
            platform.quality_capital = target_capital(
                model, platform, per_euro, sales[platform.index], 0.0
            )
            platform.quality = quality(model, platform)
