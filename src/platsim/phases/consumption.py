"""Phase 1, consumption: households and municipalities buy from local-services firms.

Households spend a share ``c`` of last month's disposable income. A share ``local_share`` of
it goes to local-services firms in the commuting zone, the rest is bought outside the
territory (imports). Municipalities spend the service budget set last month on the same
firms (public procurement). Demand from municipality ``m`` reaches destination ``j`` with
weight ``W[m, j] * A_j`` (gravity weight times the competitiveness of j's local firms), and
within ``j`` each firm gets a share proportional to its productivity. Demand from a zone
without any local firm leaves the territory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from platsim.agents import Sector

if TYPE_CHECKING:
    from platsim.model import TerritoryModel


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
        commute_weight: Symmetric gravity weights W (CSR, diagonal included).

    Returns:
        Revenue of each firm (EUR), and the demand per origin that found no firm in its
        zone (EUR). Their sums add up to the total demand exactly (up to rounding).
    """
    n = commute_weight.shape[0]
    attraction = np.bincount(firm_municipality, weights=firm_weight, minlength=n)
    reach = commute_weight @ attraction
    served = reach > 0
    per_reach = np.divide(demand_by_origin, reach, out=np.zeros(n), where=served)
    to_destination = attraction * (commute_weight.T @ per_reach)
    per_attraction = np.divide(to_destination, attraction, out=np.zeros(n), where=attraction > 0)
    revenue = per_attraction[firm_municipality] * firm_weight
    unplaced = np.where(served, 0.0, demand_by_origin)
    return revenue, unplaced


def step(model: TerritoryModel) -> None:
    """Households and municipalities spend; local-services firms earn; imports leave."""
    economy = model.scenario.economy
    workers, firms, munis = model.workers, model.firms, model.municipalities
    n = model.territory.n

    workers.spending = economy.consumption_share * np.maximum(workers.income - workers.tax, 0.0)
    workers.savings -= workers.spending
    by_home = np.bincount(workers.home, weights=workers.spending, minlength=n)
    household_local = economy.local_share * by_home
    public = munis.service_budget.copy()
    munis.budget -= public
    munis.service_budget[:] = 0.0

    sells_locally = firms.alive & (firms.sector == Sector.LOCAL_SERVICES)
    revenue, unplaced = distribute_local_demand(
        household_local + public,
        firms.productivity * sells_locally,
        firms.municipality,
        model.territory.commute_weight,
    )
    firms.revenue_local = revenue
    total_local = household_local + public
    household_part = np.divide(household_local, total_local, out=np.zeros(n), where=total_local > 0)
    household_unplaced = float((unplaced * household_part).sum())
    public_unplaced = float(unplaced.sum()) - household_unplaced

    household_spending = float(by_home.sum())
    household_imports = household_spending - float(household_local.sum()) + household_unplaced
    model.ledger.outflow("imports", household_imports)
    model.ledger.outflow("public_purchases", public_unplaced)
    model.flows.update(
        household_spending=household_spending,
        household_to_firms=household_spending - household_imports,
        household_leakage=household_imports,
        public_spending=float(public.sum()),
        public_to_firms=float(public.sum()) - public_unplaced,
    )
