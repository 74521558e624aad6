"""The economic rules that the set-up and the phases of every step share: sectors' productivity,
shares and agglomeration, productivity draws, wage offers and the spreading of local demand
over the firms of each commuting zone. Pure functions of arrays and scenario sections.
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
