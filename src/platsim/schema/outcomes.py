"""The outcomes a run reports every step, declared once: description, unit, which direction is
better (read by comparisons and reports) and family (how reports group them).
:func:`platsim.core.phases.observation.measure` computes exactly these, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from platsim.schema.segments import SEGMENTS


@dataclass(frozen=True)
class Outcome:
    """An outcome reported every step."""

    description: str
    unit: str
    better: Literal["higher", "lower"] | None
    family: str


OUTCOMES: dict[str, Outcome] = {
    "employment_rate": Outcome("Employed / labour force", "share", "higher", "employment"),
    "unemployment_rate": Outcome(
        "Unemployed / (labour force - trainees)", "share", "lower", "employment"
    ),
    "vacancies": Outcome("Open vacancies", "positions", None, "employment"),
    "vacancy_rate": Outcome("Vacancies / (employees + vacancies)", "share", None, "employment"),
    "mean_wage": Outcome("Mean wage of employees", "EUR / month", "higher", "employment"),
    "mean_income": Outcome("Mean household income", "EUR / month", "higher", "employment"),
    "digital_literacy": Outcome("Mean digital literacy", "index 0-1", "higher", "employment"),
    "training_share": Outcome("Workers in training", "share", None, "employment"),
    "displaced_reemployment_rate": Outcome(
        "Workers displaced by the sector shock (laid off or closed down by a traditional "
        "firm since policy_start) who are employed now / workers displaced",
        "share",
        "higher",
        "employment",
    ),
    "displaced_job_finding_rate": Outcome(
        "Displaced workers out of work (unemployed or in training) at the start of the month "
        "who are employed at its end / those out of work: their re-employment hazard",
        "share per month",
        "higher",
        "employment",
    ),
    "gini_income": Outcome("Gini of household income", "index 0-1", "lower", "cohesion"),
    "theil_municipal": Outcome(
        "Theil T of municipal income per head (population-weighted)",
        "index",
        "lower",
        "cohesion",
    ),
    "theil_between": Outcome("Theil between urban and rural", "index", "lower", "cohesion"),
    "theil_within": Outcome("Theil within urban and rural", "index", "lower", "cohesion"),
    "rural_urban_income_ratio": Outcome(
        "Rural / urban income per head", "ratio", "higher", "cohesion"
    ),
    "rural_urban_employment_gap": Outcome(
        "Urban minus rural employment rate", "share points", "lower", "cohesion"
    ),
    "rural_service_access": Outcome(
        "Service level of rural municipalities (population-weighted)",
        "index 0-1",
        "higher",
        "cohesion",
    ),
    "urban_service_access": Outcome(
        "Service level of urban municipalities (population-weighted)",
        "index 0-1",
        "higher",
        "cohesion",
    ),
    "rural_population_share": Outcome(
        "Share of households living in rural municipalities", "share", "higher", "cohesion"
    ),
    "mean_connectivity": Outcome(
        "Broadband connectivity (population-weighted)", "index 0-1", "higher", "cohesion"
    ),
    "firms": Outcome("Active firms", "firms", "higher", "economy"),
    "rural_local_revenue": Outcome(
        "Revenue of local-services firms in rural municipalities per rural household",
        "EUR / month",
        "higher",
        "economy",
    ),
    "firm_entry": Outcome("Firms entering this month", "firms", None, "economy"),
    "firm_exit": Outcome("Firms exiting this month", "firms", None, "economy"),
    "digital_adoption": Outcome("Share of firms digitised", "share", "higher", "economy"),
    "local_value_added": Outcome(
        "Firm revenue minus outside purchases", "EUR / month", "higher", "economy"
    ),
    "external_sales": Outcome("Sales outside the territory", "EUR / month", "higher", "economy"),
    "household_spending": Outcome("Household consumption", "EUR / month", None, "economy"),
    "import_share": Outcome(
        "Household spending bought outside the territory", "share", "lower", "economy"
    ),
    "public_cost": Outcome(
        "Public money spent on the levers this month (state programmes, territorial "
        "platforms' costs and top-ups, grant changes), for the whole territory",
        "EUR / month",
        "lower",
        "public cost",
    ),
    "public_cost_total": Outcome(
        "Public money spent on the levers since step 0, for the whole territory",
        "EUR",
        "lower",
        "public cost",
    ),
    "hhi": Outcome(
        "Herfindahl-Hirschman index of platforms' transactions: the segments' HHIs weighted by "
        "their transactions",
        "0-10,000",
        "lower",
        "concentration",
    ),
    "top_share": Outcome(
        "Largest platform's share of its segment's transactions, weighted like hhi",
        "share",
        "lower",
        "concentration",
    ),
    **{
        f"{measure}_{segment}": Outcome(
            f"{label} of the {segment.replace('_', '-')} segment's platform transactions",
            unit,
            "lower",
            "concentration",
        )
        for segment in SEGMENTS
        for measure, label, unit in (
            ("hhi", "Herfindahl-Hirschman index", "0-10,000"),
            ("top_share", "Largest platform's share", "share"),
        )
    },
    "data_hhi": Outcome(
        "Herfindahl-Hirschman index of platforms' data stocks", "0-10,000", "lower", "concentration"
    ),
    "active_platforms": Outcome("Platforms open", "platforms", None, "concentration"),
    "mean_commission": Outcome(
        "Transaction-weighted commission", "share", "lower", "concentration"
    ),
    "leakage_share": Outcome(
        "Household platform spending leaving the territory (outside suppliers, commissions of "
        "platforms owned outside, tasks done by outside contractors) / household spending",
        "share",
        "lower",
        "concentration",
    ),
    "platform_spending_share": Outcome(
        "Household spending made on platforms", "share", None, "concentration"
    ),
    **{
        f"active_platforms_{segment}": Outcome(
            f"Platforms open in the {segment.replace('_', '-')} segment",
            "platforms",
            None,
            "concentration",
        )
        for segment in SEGMENTS
    },
    **{
        f"hhi_{segment}_regional": Outcome(
            f"Herfindahl-Hirschman index of the {segment.replace('_', '-')} segment within each "
            "region (sales by the buyers' region), weighted by the regions' sales",
            "0-10,000",
            "lower",
            "concentration",
        )
        for segment in SEGMENTS
    },
    **{
        f"platform_share_{segment}": Outcome(
            f"Share of the {segment.replace('_', '-')} segment's spending made on platforms",
            "share",
            None,
            "concentration",
        )
        for segment in SEGMENTS
    },
    "platform_work_share": Outcome("Platform workers / employed", "share", None, "employment"),
    "platform_pay_ratio": Outcome("Mean gig pay / mean wage", "ratio", "higher", "employment"),
    "firms_on_platforms": Outcome("Share of firms selling on a platform", "share", None, "economy"),
    "accounts_residual": Outcome(
        "Money-identity error of the step, relative to the money stock (should be ~1e-15)",
        "ratio",
        None,
        "checks",
    ),
}
