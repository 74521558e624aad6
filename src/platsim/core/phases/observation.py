"""Phase 8, observation: the outcomes of the step, and the municipal panel for maps.

Every outcome is declared once in :data:`platsim.schema.outcomes.OUTCOMES` with its unit and
which direction is better (used by comparisons and reports), computed in :func:`measure` from
the model's arrays with the pure functions of :mod:`platsim.numerics.metrics`, and collected by
Mesa's DataCollector as a model reporter.

Missing values. An outcome that is a ratio whose denominator is empty has no value: it is
missing, NaN in memory (pandas' missing marker) and null in the Parquet files (pyarrow
writes a float NaN as null; DuckDB reads NULL, which ``avg`` and the comparisons skip). It
is never replaced by a made-up number. In a well-formed run this happens only at step 0 for
:data:`UNDEFINED_AT_STEP_0`, and in territories that lack what a ratio is about (rural
outcomes without rural municipality, ``platform_pay_ratio`` in a month without platform
workers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from platsim.core.agents import EMPLOYEE, LOCAL_SERVICES, N_STATUSES, PLATFORM, TRAINING, UNEMPLOYED
from platsim.core.phases import transition
from platsim.numerics import metrics
from platsim.schema.segments import SEGMENTS

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel

#: Panel columns of a territory of INSEE communes (``Territory.places``), after the others and
#: ``code`` (the commune's INSEE code, also its ``municipality`` id).
PLACE_COLUMNS = ("lon", "lat", "epci", "departement", "region_code")


UNDEFINED_AT_STEP_0 = (
    "import_share",
    "leakage_share",
    "platform_spending_share",
    "platform_share_goods",
    "platform_share_local_services",
    "platform_share_freelance",
    "platform_pay_ratio",
    "hhi",
    "top_share",
    *(f"{measure}_{segment}" for segment in SEGMENTS for measure in ("hhi", "top_share")),
    *(f"hhi_{segment}_regional" for segment in SEGMENTS),
)
"""Outcomes missing at step 0 of every run: step 0 is the initial state, before any month,
so there is no spending yet to take a share of (the shares: 0 / 0, not 0), no platform
transaction to measure concentration on (``hhi``, ``top_share`` and their segment values)
and no platform worker paid yet (``platform_pay_ratio``). A segment's concentration is also
missing in a month when its platforms sell nothing."""

#: Outcomes missing in every month of a run without the sector shock (and in the months of
#: the shock before anyone is displaced): no displaced worker to take a share of.
UNDEFINED_WITHOUT_SHOCK = ("displaced_reemployment_rate", "displaced_job_finding_rate")

# measure counts trainees as the workers in none of the other three statuses
assert {EMPLOYEE, PLATFORM, UNEMPLOYED, TRAINING} == set(range(N_STATUSES))


def measure(model: TerritoryModel) -> dict[str, float]:
    """Compute every outcome of :data:`OUTCOMES` for the current state.

    Head counts come from comparisons on the status codes (a bincount over four statuses is
    slower: every worker increments the same few counters; the trainees are the workers in
    none of the other three statuses), municipal and area totals from a few
    :func:`numpy.bincount` calls; inequality and concentration use :mod:`platsim.numerics.metrics`.

    A ratio whose denominator is zero is missing (NaN, see the module docstring), never 0.
    """
    workers, firms, munis, territory = (
        model.workers,
        model.firms,
        model.municipalities,
        model.territory,
    )
    n = territory.n
    status = workers.status
    n_workers = len(status)
    urban = territory.urban
    area = urban.astype(np.int64)  # 0 rural, 1 urban
    urban_home = urban.take(workers.home)
    employee = status == EMPLOYEE
    gig = status == PLATFORM
    employed = employee | gig
    employees = np.count_nonzero(employee)
    gig_workers = np.count_nonzero(gig)
    unemployed = np.count_nonzero(status == UNEMPLOYED)
    training_total = n_workers - employees - gig_workers - unemployed  # the fourth status
    urban_residents = np.count_nonzero(urban_home)
    urban_employed = np.count_nonzero(employed & urban_home)
    employed_total = employees + gig_workers
    residents_by_area = np.array([n_workers - urban_residents, urban_residents])
    employed_by_area = np.array([employed_total - urban_employed, urban_employed])
    employees = float(employees)
    wage_bill = np.add.reduce(workers.wage * employee)  # wages are >= 0
    mean_wage = metrics.safe_ratio(wage_bill, employees)

    residents = munis.residents.astype(float)
    income_by_muni = workers.sum_by_home(workers.income, n)
    income_per_head = np.divide(income_by_muni, residents, out=np.zeros(n), where=residents > 0)
    # the model's arrays are valid by construction: the metrics skip their input checks
    theil = metrics.theil_decomposition(income_per_head, residents, urban, check=False)
    income_by_area = np.bincount(area, weights=income_by_muni, minlength=2)
    heads_by_area = np.bincount(area, weights=residents, minlength=2)
    # population-weighted means by area (metrics.group_means without its checks, every step)
    service_by_area = np.bincount(area, weights=residents * munis.services, minlength=2)
    alive = firms.alive
    n_firms = np.count_nonzero(alive)
    vacancies = float(np.add.reduce(firms.vacancies[alive]))
    rural_local = alive & (firms.sector == LOCAL_SERVICES) & ~urban[firms.municipality]
    spending = model.flows.get("household_spending", 0.0)
    outcomes = {
        "employment_rate": metrics.safe_ratio(employed_total, n_workers),
        "unemployment_rate": metrics.safe_ratio(unemployed, n_workers - training_total),
        "vacancies": vacancies,
        "vacancy_rate": metrics.safe_ratio(vacancies, employees + vacancies),
        "mean_wage": mean_wage,
        "mean_income": metrics.safe_ratio(np.add.reduce(workers.income), n_workers),
        "digital_literacy": metrics.safe_ratio(np.add.reduce(workers.literacy), n_workers),
        "training_share": metrics.safe_ratio(training_total, n_workers),
        "displaced_reemployment_rate": transition.reemployment_rate(model),
        "displaced_job_finding_rate": transition.job_finding_rate(model),
        "gini_income": metrics.gini(workers.income, check=False),
        "theil_municipal": theil.total,
        "theil_between": theil.between,
        "theil_within": theil.within,
        "rural_urban_income_ratio": metrics.safe_ratio(
            metrics.safe_ratio(income_by_area[0], heads_by_area[0]),
            metrics.safe_ratio(income_by_area[1], heads_by_area[1]),
        ),
        "rural_urban_employment_gap": metrics.safe_ratio(employed_by_area[1], residents_by_area[1])
        - metrics.safe_ratio(employed_by_area[0], residents_by_area[0]),
        "rural_service_access": metrics.safe_ratio(service_by_area[0], heads_by_area[0]),
        "urban_service_access": metrics.safe_ratio(service_by_area[1], heads_by_area[1]),
        "rural_population_share": metrics.safe_ratio(residents_by_area[0], n_workers),
        "mean_connectivity": metrics.safe_ratio(
            np.add.reduce(residents * munis.connectivity), np.add.reduce(residents)
        ),
        "firms": float(n_firms),
        "rural_local_revenue": metrics.safe_ratio(
            np.add.reduce(firms.revenue[rural_local]),
            residents_by_area[0],
        ),
        "firm_entry": float(model.events["firm_entry"]),
        "firm_exit": float(model.events["firm_exit"]),
        "digital_adoption": metrics.safe_ratio(np.count_nonzero(firms.digital & alive), n_firms),
        "local_value_added": float(
            model.flows.get("firm_revenue", 0.0) - model.ledger.outflows.get("fixed_costs", 0.0)
        ),
        "external_sales": float(model.ledger.inflows.get("external_sales", 0.0)),
        "household_spending": spending,
        "import_share": metrics.safe_ratio(model.flows.get("household_leakage", 0.0), spending),
        "public_cost": public_cost(model),
        "public_cost_total": model.public_cost_total,
        "accounts_residual": model.accounts_residual,
        **platform_outcomes(model, employed_total, gig_workers, mean_wage),
    }
    return {name: float(value) for name, value in outcomes.items()}


def platform_outcomes(
    model: TerritoryModel, employed: float, gig_workers: float, mean_wage: float
) -> dict[str, float]:
    """Concentration (overall and per segment) and platform-work outcomes of the month.

    A segment's HHI and top share are over its open platforms' transactions of the month;
    the overall ``hhi`` and ``top_share`` are their means weighted by each segment's
    transactions (a segment without transactions weighs nothing; none at all: missing).
    """
    active = [p for p in model.platforms if p.active]
    transactions = np.array([p.last_transactions for p in active], dtype=float)
    commissions = np.array([p.commission for p in active], dtype=float)
    data = np.array([p.data for p in active], dtype=float)
    segment = np.array([p.segment_code for p in active], dtype=np.int64)
    spending = model.flows.get("household_spending", 0.0)
    gig_paid = sum(p.gig_paid for p in active)
    total_transactions = np.add.reduce(transactions)
    firms = model.firms
    n_firms = np.count_nonzero(firms.alive)
    by_segment: dict[str, float] = {}
    weights, hhis, tops = [], [], []
    for code, name in enumerate(SEGMENTS):
        values = transactions[segment == code]
        traded = np.add.reduce(values) > 0  # no month yet (step 0), or nothing sold
        hhi = metrics.hhi(values, check=False) if traded else np.nan
        top = metrics.top_share(values, check=False) if traded else np.nan
        by_segment[f"hhi_{name}"] = hhi
        by_segment[f"top_share_{name}"] = top
        by_segment[f"active_platforms_{name}"] = float(np.count_nonzero(segment == code))
        weights.append(float(np.add.reduce(values)))
        hhis.append(hhi if traded else 0.0)
        tops.append(top if traded else 0.0)
    by_segment |= regional_concentration(model, active)
    weight = np.array(weights)
    weighted = weight.sum() > 0
    budget = model.scenario.freelance.budget_share * model.scenario.economy.fixed_cost * n_firms
    flows = model.flows
    return {
        "hhi": float(np.dot(weight, hhis) / weight.sum()) if weighted else np.nan,
        "top_share": float(np.dot(weight, tops) / weight.sum()) if weighted else np.nan,
        **by_segment,
        "data_hhi": metrics.hhi(data, check=False),
        "active_platforms": float(len(active)),
        "mean_commission": (
            float(np.add.reduce(commissions * transactions) / total_transactions)
            if total_transactions > 0
            else float(commissions.mean())
            if len(active)
            else 0.0
        ),
        "leakage_share": metrics.safe_ratio(flows.get("platform_leakage", 0.0), spending),
        "platform_spending_share": metrics.safe_ratio(
            flows.get("platform_spending", 0.0), spending
        ),
        "platform_share_goods": metrics.safe_ratio(
            flows.get("goods_platform_spending", 0.0), flows.get("goods_spending", 0.0)
        ),
        "platform_share_local_services": metrics.safe_ratio(
            flows.get("local_platform_spending", 0.0), flows.get("local_spending", 0.0)
        ),
        "platform_share_freelance": (
            metrics.safe_ratio(float(np.add.reduce(firms.platform_purchases)), budget)
            if model.steps > 0
            else np.nan
        ),
        "platform_work_share": metrics.safe_ratio(gig_workers, employed),
        "platform_pay_ratio": (
            metrics.safe_ratio(metrics.safe_ratio(gig_paid, gig_workers), mean_wage)
            if model.steps > 0  # gig workers seeded at set-up are paid from month 1
            else np.nan
        ),
        "firms_on_platforms": metrics.safe_ratio(
            np.count_nonzero(firms.platforms[firms.alive]), n_firms
        ),
    }


def regional_hhi(model: TerritoryModel, active: list) -> dict[str, np.ndarray]:
    """Each segment's HHI within each region (NaN where its platforms sold nothing there),
    from last month's sales by the buyers' region."""
    segment = np.array([p.segment_code for p in active], dtype=np.int64)
    table = (
        np.array([p.last_by_region for p in active])
        if active
        else np.zeros((0, model.territory.n_regions))
    )
    out = {}
    for code, name in enumerate(SEGMENTS):
        sales = table[segment == code]  # platforms x regions
        total = sales.sum(axis=0)
        shares = np.divide(sales, total, out=np.zeros_like(sales), where=total > 0)
        out[name] = np.where(total > 0, (10_000.0 * shares**2).sum(axis=0), np.nan)
        out[f"{name}__weight"] = total
    return out


def regional_concentration(model: TerritoryModel, active: list) -> dict[str, float]:
    """``hhi_<segment>_regional``: the mean of a segment's HHI within each region, weighted
    by the region's sales (missing when the segment sold nothing). It differs from
    ``hhi_<segment>`` when platforms serve one region only (territorial platforms,
    start-ups): each competes in its own region, not with the others'."""
    values = regional_hhi(model, active)
    out = {}
    for name in SEGMENTS:
        weight = values[f"{name}__weight"]
        total = float(np.add.reduce(weight))
        hhi = np.nan_to_num(values[name])
        out[f"hhi_{name}_regional"] = float(np.dot(weight, hhi) / total) if total > 0 else np.nan
    return out


def panel_rows(model: TerritoryModel) -> pd.DataFrame:
    """One row per municipality: the state shown on maps."""
    return pd.DataFrame(panel_columns(model))


def panel_columns(model: TerritoryModel) -> dict[str, np.ndarray]:
    """The columns of :func:`panel_rows` as arrays (recorded every ``panel_every`` steps; the
    model builds one DataFrame from them at the end rather than one per recorded step)."""
    workers, firms, munis, territory = (
        model.workers,
        model.firms,
        model.municipalities,
        model.territory,
    )
    n = territory.n
    residents = munis.residents.astype(float)
    status = workers.status
    employed = (status == EMPLOYEE) | (status == PLATFORM)
    unemployed = status == UNEMPLOYED
    training = status == TRAINING

    def per_resident(mask_or_values: np.ndarray) -> np.ndarray:
        total = workers.sum_by_home(mask_or_values, n)
        return np.divide(total, residents, out=np.full(n, np.nan), where=residents > 0)

    active = residents - workers.sum_by_home(training, n)
    alive = firms.alive
    firm_count = np.bincount(firms.municipality[alive], minlength=n)
    digital = np.bincount(firms.municipality[alive], weights=firms.digital[alive], minlength=n)
    scale = (
        model.scenario.population.inhabitants_per_agent
        / model.scenario.population.working_age_share
    )
    columns = {
        "step": np.full(n, model.steps, dtype=np.int64),
        "municipality": territory.ids,
        "name": territory.names,
        "x_km": territory.x_km,
        "y_km": territory.y_km,
        "region": territory.region,
        "urban": territory.urban,
        "population": residents * scale,
        "workers": munis.residents.copy(),
        "employment_rate": per_resident(employed),
        "unemployment_rate": np.divide(
            workers.sum_by_home(unemployed, n),
            active,
            out=np.full(n, np.nan),
            where=active > 0,
        ),
        "income_per_head": per_resident(workers.income),
        "services": munis.services.copy(),
        "connectivity": munis.connectivity.copy(),
        "firms": firm_count,
        "digital_share": np.divide(
            digital, firm_count, out=np.full(n, np.nan), where=firm_count > 0
        ),
    }
    regional = regional_hhi(model, [p for p in model.platforms if p.active])
    for name in SEGMENTS:  # the concentration of each segment within the municipality's region
        columns[f"hhi_{name}"] = regional[name][territory.region]
    if territory.places is not None:  # real French communes: where they are, and their groups
        columns["code"] = territory.ids
        columns |= {name: territory.places[name].to_numpy() for name in PLACE_COLUMNS}
    return columns


#: The model flows (EUR in agent units) whose sum is the public cost of the month: the state's
#: broadband programme and the municipalities' co-financing of it, the state's training
#: programme, the regions' advisory service, the running costs (quality included) and pay
#: top-ups of territorial platforms, and the State's integration grant to EPCIs that
#: deepened. Municipalities' ordinary budgets are not a cost of any lever.
PUBLIC_COST_FLOWS = (
    "public_broadband_programme",
    "public_broadband_cofinancing",
    "public_training_programme",
    "public_advisory",
    "public_platform_costs",
    "public_platform_topups",
    "public_grant_change",
    "public_data_service",
)


def public_cost(model: TerritoryModel) -> float:
    """Public money spent on the scenario's levers this month, in EUR of the whole territory
    (the flows of :data:`PUBLIC_COST_FLOWS` times ``inhabitants_per_agent``: a worker agent
    stands for that many working-age residents)."""
    flows = model.flows
    total = sum(flows.get(name, 0.0) for name in PUBLIC_COST_FLOWS)
    return float(total) * model.scenario.population.inhabitants_per_agent


def step(model: TerritoryModel) -> None:
    """Measure outcomes, collect them, and record the panel when due."""
    model.public_cost_total += public_cost(model)
    model.outcomes = measure(model)
    model.datacollector.collect(model)
    model.platform_rows.extend(platform.row(model.steps) for platform in model.platforms)
    if panel_due(model):
        model.panel.append(panel_columns(model))


def panel_due(model: TerritoryModel) -> bool:
    """Whether this step records the municipal panel: every ``simulation.panel_every`` steps,
    step 0 included; never when ``panel_every`` is 0."""
    every = model.scenario.simulation.panel_every
    return bool(every) and model.steps % every == 0
