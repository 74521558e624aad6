"""The economic rules that the set-up and the phases of every step share: sectors' productivity,
shares and agglomeration, productivity draws, wage offers, the spreading of local demand
over the firms of each commuting zone, households' spending, firms' payouts to their owners
and the steady levels of savings and firm cash these two rules lead to. Pure functions of
arrays and scenario sections.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from platsim.numerics.sparse import matvec
from platsim.schema import sections as sc


def sector_productivity(economy: sc.Economy) -> np.ndarray:
    """Mean productivity of each sector, indexed by :class:`Sector`."""
    return np.array(
        [
            economy.productivity_local_services,
            economy.productivity_traditional,
            economy.productivity_knowledge,
        ]
    )


def sector_shares(economy: sc.Economy) -> np.ndarray:
    """Share of firms in each sector, indexed by :class:`Sector`."""
    return np.array(
        [economy.share_local_services, economy.share_traditional, economy.share_knowledge]
    )


def agglomeration(economy: sc.Economy) -> np.ndarray:
    """Agglomeration elasticity of each sector, indexed by :class:`Sector`."""
    return np.array(
        [
            economy.agglomeration_local_services,
            economy.agglomeration_traditional,
            economy.agglomeration_knowledge,
        ]
    )


def draw_productivity(
    sector: np.ndarray, economy: sc.Economy, rng: np.random.Generator
) -> np.ndarray:
    """Lognormal productivity around each sector's mean (mean-preserving)."""
    sigma = economy.productivity_sigma
    noise = rng.lognormal(-0.5 * sigma**2, sigma, size=len(sector))
    return sector_productivity(economy)[sector] * noise


def wage_offer(skill: np.ndarray, productivity: np.ndarray, economy: sc.Economy) -> np.ndarray:
    """Monthly wage of a worker of ``skill`` at a firm of ``productivity`` (EUR).

    w = wage_level * exp(k (skill - 0.5)) * productivity^e: the skill term is 1 at skill
    0.5 (a log-linear Mincer-type premium), and better firms pay more (rent sharing).
    """
    return (
        economy.wage_level
        * np.exp(economy.wage_skill_premium * (skill - 0.5))
        * productivity**economy.wage_productivity_elasticity
    )


def distribute_local_demand(
    demand_by_origin: np.ndarray,
    firm_weight: np.ndarray,
    firm_municipality: np.ndarray,
    commute_weight: sp.csr_matrix,
) -> tuple[np.ndarray, np.ndarray]:
    """Spread each municipality's local demand over the firms of its commuting zone.

    Args:
        demand_by_origin: Money to spend, per origin municipality (EUR).
        firm_weight: Attraction of each firm (0 for firms that do not sell locally).
        firm_municipality: Municipality of each firm.
        commute_weight: Symmetric gravity weights W (CSR, diagonal included); symmetry lets
            ``W @ x`` stand for ``W.T @ x``.

    Returns:
        Revenue of each firm (EUR), and the demand per origin that found no firm in its
        zone (EUR). Their sums add up to the total demand exactly (up to rounding).
    """
    n = commute_weight.shape[0]
    attraction = np.bincount(firm_municipality, weights=firm_weight, minlength=n)
    reach = matvec(commute_weight, attraction)
    served = reach > 0
    per_reach = np.divide(demand_by_origin, reach, out=np.zeros(n), where=served)
    to_destination = attraction * matvec(commute_weight, per_reach)  # W is symmetric: W.T == W
    per_attraction = np.divide(to_destination, attraction, out=np.zeros(n), where=attraction > 0)
    revenue = per_attraction[firm_municipality] * firm_weight
    unplaced = np.where(served, 0.0, demand_by_origin)
    return revenue, unplaced


def household_spending(
    income: np.ndarray, tax: np.ndarray, savings: np.ndarray, economy: sc.Economy
) -> np.ndarray:
    """Each household's spending this month (EUR): out of income and out of wealth.

    spending = c * max(income - tax, 0) + w * max(savings, 0), with ``c =
    consumption_share`` and ``w = wealth_consumption_share``. With a steady disposable income
    d, savings (which already hold last month's d when households spend) settle where spending
    equals d: ``S* = (1 - c) d / w`` (:func:`steady_savings`).
    """
    return economy.consumption_share * np.maximum(
        income - tax, 0.0
    ) + economy.wealth_consumption_share * np.maximum(savings, 0.0)


def steady_savings(income: np.ndarray, economy: sc.Economy) -> np.ndarray:
    """Savings at which :func:`household_spending` spends a steady gross ``income`` exactly:
    ``(1 - c) (1 - income_tax_rate) income / w`` (EUR)."""
    return (
        (1.0 - economy.consumption_share)
        * (1.0 - economy.income_tax_rate)
        * income
        / economy.wealth_consumption_share
    )


def cash_buffer(wage_bill: np.ndarray, economy: sc.Economy) -> np.ndarray:
    """Cash a firm keeps before paying out: ``cash_buffer_months`` of wage bill + fixed cost."""
    return economy.cash_buffer_months * (wage_bill + economy.fixed_cost)


def owner_payout(cash: np.ndarray, wage_bill: np.ndarray, economy: sc.Economy) -> np.ndarray:
    """What each firm pays its owners this month: ``payout_rate x max(cash - buffer, 0)``."""
    return economy.payout_rate * np.maximum(cash - cash_buffer(wage_bill, economy), 0.0)


def steady_cash(
    after_tax_profit: np.ndarray, wage_bill: np.ndarray, economy: sc.Economy
) -> np.ndarray:
    """Cash before the month's profit at which :func:`owner_payout` pays out a steady
    after-tax profit ``p' > 0`` exactly: ``buffer + p' (1 / payout_rate - 1)``; the buffer
    alone for firms without profit (or when nothing is ever paid out)."""
    buffer = cash_buffer(wage_bill, economy)
    rate = economy.payout_rate
    if rate <= 0:
        return buffer
    return buffer + np.maximum(after_tax_profit, 0.0) * (1.0 / rate - 1.0)


def owner_receipts(
    paid: np.ndarray,
    firm_municipality: np.ndarray,
    home: np.ndarray,
    wealth: np.ndarray,
    n: int,
) -> np.ndarray:
    """Spread the resident owners' part of firms' payouts over the households (EUR each).

    Each firm's payout goes to the households of its municipality in proportion to their
    ``wealth`` (positive savings, a proxy for the wealth that owns firms); where no resident
    has any, in equal parts; the payouts of firms in a municipality without residents go to
    every household of the territory in proportion to its weight. The receipts add up to
    ``paid.sum()`` (up to rounding).

    Args:
        paid: Payout to resident owners of each firm (EUR, >= 0).
        firm_municipality: Municipality of each firm.
        home: Home municipality of each household.
        wealth: Weight of each household (negative values count as 0).
        n: Number of municipalities.
    """
    by_municipality = np.bincount(firm_municipality, weights=paid, minlength=n)
    weight = np.maximum(wealth, 0.0)
    total = np.bincount(home, weights=weight, minlength=n)
    nobody_with_wealth = total[home] <= 0
    if nobody_with_wealth.any():  # there: equal parts
        weight = np.where(nobody_with_wealth, 1.0, weight)
        total = np.bincount(home, weights=weight, minlength=n)
    inhabited = total > 0
    orphan = float(np.add.reduce(by_municipality[~inhabited]))
    per_weight = np.divide(by_municipality, total, out=np.zeros(n), where=inhabited)
    received = per_weight[home] * weight
    if orphan > 0:
        received += orphan * weight / np.add.reduce(weight)
    return received
