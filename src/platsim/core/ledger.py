"""Money flows across the territory's border, so that every step's accounts can be checked.

Money is held by households (savings), firms (cash), municipalities (budgets) and platforms
owned in the territory (cash), plus the gig-work pools platforms hold between the month's
sales and the gig workers' pay. Within the territory it only moves between them; it enters
(external sales, benefits, grants, entrants' capital, written-off debts, subsidies and
top-ups of platforms) and leaves (imports, fixed costs paid to outside suppliers, outside
public purchases, dividends paid to owners outside, the outside owners' part of exiting firms'
cash, a global platform's commissions, platforms' outside suppliers and operating, fixed and
quality costs, social contributions, firms' digital investment bought outside) through the
flows recorded here. Dividends and exit payouts to resident owners are internal: they become
household income. The identity checked every step is

    change in money held in the territory = inflows - outflows.

The named flows are also outcomes (e.g. ``leakage_share`` in Core model II).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

INFLOWS = (
    "external_sales",
    "benefits",
    "grants",
    "startup_capital",
    "debt_writeoff",
    "platform_subsidy",
    "platform_topups",
    "advisory_funding",
)
OUTFLOWS = (
    "imports",
    "fixed_costs",
    "public_purchases",
    "exit_payouts",
    "dividends_outside",
    "platform_commissions",
    "platform_costs",
    "outside_suppliers",
    "social_contributions",
    "firm_investment",
)


@dataclass
class Ledger:
    """Flows of the current step, by name (EUR, in agent units)."""

    inflows: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    outflows: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def reset(self) -> None:
        """Forget the previous step's flows."""
        self.inflows = defaultdict(float)
        self.outflows = defaultdict(float)

    def inflow(self, name: str, amount: float) -> None:
        """Record money entering the territory."""
        if name not in INFLOWS:
            raise KeyError(f"unknown inflow {name!r}; known: {', '.join(INFLOWS)}")
        self.inflows[name] += float(amount)

    def outflow(self, name: str, amount: float) -> None:
        """Record money leaving the territory."""
        if name not in OUTFLOWS:
            raise KeyError(f"unknown outflow {name!r}; known: {', '.join(OUTFLOWS)}")
        self.outflows[name] += float(amount)

    @property
    def net(self) -> float:
        """Inflows minus outflows this step."""
        return sum(self.inflows.values()) - sum(self.outflows.values())
