"""Tests for phase 8, observation: every outcome against a direct recomputation, the panel."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from platsim.core.agents import Sector, Status
from platsim.core.model import TerritoryModel
from platsim.core.phases import observation
from platsim.numerics import metrics
from platsim.schema.outcomes import OUTCOMES
from platsim.schema.segments import SEGMENTS
from platsim.simulation import run


def recompute(model) -> dict[str, float]:
    """The outcomes, recomputed with plain masks (platform outcomes only when declared)."""
    workers, firms, munis, territory = (
        model.workers,
        model.firms,
        model.municipalities,
        model.territory,
    )
    status = workers.status
    n = len(workers)
    employee = status == Status.EMPLOYEE
    employed = employee | (status == Status.PLATFORM)
    unemployed = status == Status.UNEMPLOYED
    training = status == Status.TRAINING
    urban_home = territory.urban[workers.home]
    alive = firms.alive
    vacancies = firms.vacancies[alive].sum()
    residents = np.array([(workers.home == m).sum() for m in range(territory.n)], dtype=float)
    income = np.array([workers.income[workers.home == m].sum() for m in range(territory.n)])
    per_head = np.where(residents > 0, income / np.maximum(residents, 1), 0.0)
    theil = metrics.theil_decomposition(per_head, residents, territory.urban)
    rural, urban = ~territory.urban, territory.urban
    spending = model.flows.get("household_spending", 0.0)

    def share(mask: np.ndarray, within: np.ndarray | None = None) -> float:
        within = np.ones(n, dtype=bool) if within is None else within
        return mask[within].sum() / within.sum()

    expected = {
        "employment_rate": share(employed),
        "unemployment_rate": unemployed.sum() / (n - training.sum()),
        "vacancies": float(vacancies),
        "vacancy_rate": vacancies / (employee.sum() + vacancies),
        "mean_wage": workers.wage[employee].mean(),
        "mean_income": workers.income.mean(),
        "digital_literacy": workers.literacy.mean(),
        "training_share": share(training),
        "gini_income": metrics.gini(workers.income),
        "theil_municipal": theil.total,
        "theil_between": theil.between,
        "theil_within": theil.within,
        "rural_urban_income_ratio": (income[rural].sum() / residents[rural].sum())
        / (income[urban].sum() / residents[urban].sum()),
        "rural_urban_employment_gap": share(employed, urban_home) - share(employed, ~urban_home),
        "rural_service_access": np.average(munis.services[rural], weights=residents[rural]),
        "urban_service_access": np.average(munis.services[urban], weights=residents[urban]),
        "rural_population_share": share(~urban_home),
        "mean_connectivity": np.average(munis.connectivity, weights=residents),
        "firms": float(alive.sum()),
        "firm_entry": float(model.events["firm_entry"]),
        "firm_exit": float(model.events["firm_exit"]),
        "digital_adoption": firms.digital[alive].mean(),
        # revenue of the firms active when sales were booked (exits and entries come later);
        # checked independently in test_local_value_added_includes_firms_that_exit_this_month
        "local_value_added": model.flows.get("firm_revenue", 0.0)
        - model.ledger.outflows.get("fixed_costs", 0.0),
        "external_sales": model.ledger.inflows.get("external_sales", 0.0),
        "household_spending": spending,
        "import_share": model.flows.get("household_leakage", 0.0) / spending
        if spending
        else math.nan,
    }
    if "rural_local_revenue" in OUTCOMES:
        local = alive & (firms.sector == Sector.LOCAL_SERVICES)
        rural_firm = ~territory.urban[firms.municipality]
        expected["rural_local_revenue"] = (
            firms.revenue[local & rural_firm].sum() / (~urban_home).sum()
        )
    platforms = [p for p in getattr(model, "platforms", []) if p.active]
    if "platform_work_share" in OUTCOMES:
        gig = (status == Status.PLATFORM).sum()
        expected["platform_work_share"] = gig / employed.sum()
        expected["active_platforms"] = float(len(platforms))
        expected["firms_on_platforms"] = (firms.platforms[alive] != 0).mean()
        expected["platform_spending_share"] = (
            model.flows.get("platform_spending", 0.0) / spending if spending else math.nan
        )
        # household platform spending leaving the territory, whatever the platform's kind
        expected["leakage_share"] = (
            model.flows.get("platform_leakage", 0.0) / spending if spending else math.nan
        )
        for name, numerator, denominator in (
            ("goods", "goods_platform_spending", "goods_spending"),
            ("local_services", "local_platform_spending", "local_spending"),
        ):
            total = model.flows.get(denominator, 0.0)
            expected[f"platform_share_{name}"] = (
                model.flows.get(numerator, 0.0) / total if total else math.nan
            )
        transactions = np.array([p.last_transactions for p in platforms])
        commissions = np.array([p.commission for p in platforms])
        segment = np.array([p.segment for p in platforms])
        # per segment: HHI and top share of its platforms' transactions (missing without any;
        # see test_a_segment_without_transactions_has_no_concentration); overall: their
        # means weighted by the segments' transactions
        weights, hhis, tops = [], [], []
        for name in SEGMENTS:
            values = transactions[segment == name]
            total = values.sum()
            shares = values / total if total > 0 else np.zeros(0)
            hhis.append(float(((100 * shares) ** 2).sum()))
            tops.append(float(shares.max()) if len(shares) else 0.0)
            weights.append(total)
            expected[f"hhi_{name}"] = hhis[-1] if total > 0 else math.nan
            expected[f"top_share_{name}"] = tops[-1] if total > 0 else math.nan
        if sum(weights) > 0:
            expected["hhi"] = float(np.dot(weights, hhis) / sum(weights))
            expected["top_share"] = float(np.dot(weights, tops) / sum(weights))
        else:
            expected["hhi"] = expected["top_share"] = math.nan
        if transactions.sum() > 0:
            market_share = transactions / transactions.sum()
            # each transaction pays its platform's commission
            expected["mean_commission"] = float((market_share * commissions).sum())
        elif platforms:
            expected["mean_commission"] = float(commissions.mean())
        else:
            expected["mean_commission"] = 0.0
        data = np.array([p.data for p in platforms])
        if data.sum() > 0:
            expected["data_hhi"] = float(((100 * data / data.sum()) ** 2).sum())
        gig_paid = sum(p.gig_paid for p in platforms)
        expected["platform_pay_ratio"] = (
            (gig_paid / gig) / expected["mean_wage"] if gig and model.steps > 0 else math.nan
        )
    return expected


def assert_outcomes_match(model) -> None:
    expected = recompute(model)
    outcomes = model.outcomes
    for name, value in expected.items():
        assert name in outcomes, name
        if math.isnan(value):
            assert math.isnan(outcomes[name]), name
        else:
            assert outcomes[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_outcomes_are_declared_with_unit_and_direction(small_model) -> None:
    missing = set(recompute(small_model)) - set(OUTCOMES)
    assert not missing, f"outcomes of the brief not declared: {missing}"
    assert "accounts_residual" in OUTCOMES
    for name, outcome in OUTCOMES.items():
        assert outcome.better in ("higher", "lower", None), name
        assert outcome.unit, name


def test_measure_returns_every_declared_outcome_as_float(small_model) -> None:
    measured = observation.measure(small_model)
    assert set(measured) == set(OUTCOMES)
    assert all(isinstance(value, float) for value in measured.values())


def test_outcomes_equal_direct_recomputation_at_start(small_model) -> None:
    assert_outcomes_match(small_model)


def test_outcomes_equal_direct_recomputation_every_step(make_model) -> None:
    model = make_model(seed=4, overrides={"mobility.relocation_rate": 0.05}, n=25)
    for _ in range(6):
        model.step()
        assert_outcomes_match(model)
        assert observation.measure(model) == model.outcomes
        collected = model.datacollector.get_model_vars_dataframe().iloc[-1]
        for name in OUTCOMES:
            np.testing.assert_equal(collected[name], model.outcomes[name])


def test_platform_outcomes_equal_direct_recomputation_with_three_platforms(make_model) -> None:
    """Platforms with different commissions and sizes: the transaction-weighted mean
    commission, the data HHI and the gig pay ratio differ from their naive versions."""
    catalogue = {
        "private": {"kind": "global", "segment": "goods", "initial_share": 0.6},
        "coop": {
            "kind": "cooperative",
            "segment": "goods",
            "commission": 0.08,
            "outside_supplier_share": 0.0,
            "initial_share": 0.4,
        },
        "terr": {"kind": "territorial", "segment": "local_services", "commission": 0.05},
        "freelance": {"kind": "global", "segment": "freelance"},
    }
    model = make_model(
        seed=4,
        overrides={
            "platforms.catalogue": catalogue,
            "platforms.acquisition_rate": 0.0,
            "platforms.entry_rate": 0.0,
        },
        n=25,
    )
    for _ in range(4):
        model.step()
        assert_outcomes_match(model)
    active = [p for p in model.platforms if p.active]
    commissions = [p.commission for p in active]
    assert len(set(commissions)) == 4  # one territorial platform per region
    plain = float(np.mean(commissions))
    assert model.outcomes["mean_commission"] != pytest.approx(plain, rel=1e-3)
    gig = (model.workers.status == Status.PLATFORM).sum()
    assert gig > 0 and not math.isnan(model.outcomes["platform_pay_ratio"])


def test_theil_between_plus_within_is_total(make_model) -> None:
    model = make_model(seed=2)
    for _ in range(3):
        model.step()
        outcomes = model.outcomes
        assert outcomes["theil_municipal"] > 0
        assert outcomes["theil_between"] + outcomes["theil_within"] == pytest.approx(
            outcomes["theil_municipal"], rel=1e-9
        )


def test_gini_and_rates_respond_to_the_state(small_model) -> None:
    model = small_model
    workers = model.workers
    workers.income[:] = 1000.0
    workers.status[:] = Status.UNEMPLOYED
    workers.employer[:] = -1
    measured = observation.measure(model)
    assert measured["gini_income"] == pytest.approx(0.0, abs=1e-12)
    assert measured["unemployment_rate"] == 1.0
    assert measured["employment_rate"] == 0.0
    workers.status[: len(workers) // 4] = Status.TRAINING
    measured = observation.measure(model)
    assert measured["unemployment_rate"] == 1.0, "trainees are outside the denominator"
    assert measured["training_share"] == pytest.approx((len(workers) // 4) / len(workers))


def test_panel_rows_one_per_municipality(make_model) -> None:
    model = make_model(n=25)
    model.run_for(2)
    panel = observation.panel_rows(model)
    n = model.territory.n
    assert len(panel) == n
    assert (panel["step"] == model.steps).all()
    np.testing.assert_array_equal(panel["workers"], model.municipalities.residents)
    assert panel["firms"].sum() == model.firms.alive.sum()
    population = model.scenario.population
    scale = population.inhabitants_per_agent / population.working_age_share
    assert panel["population"].sum() == pytest.approx(len(model.workers) * scale)
    inhabited = panel["workers"] > 0
    employed = (model.workers.status == Status.EMPLOYEE) | (model.workers.status == Status.PLATFORM)
    for municipality in np.flatnonzero(inhabited)[:10]:
        here = model.workers.home == municipality
        assert panel["employment_rate"].iloc[municipality] == pytest.approx(employed[here].mean())
    assert panel.loc[~inhabited, "employment_rate"].isna().all()
    for column in ("employment_rate", "unemployment_rate", "services", "connectivity"):
        values = panel.loc[inhabited, column]
        assert ((values >= 0) & (values <= 1)).all(), column


def test_panel_is_recorded_every_panel_every_steps(make_model) -> None:
    model = make_model(overrides={"simulation.panel_every": 3}, n=20)
    model.run_for(7)
    panel = model.panel_frame()
    assert sorted(panel["step"].unique()) == [0, 3, 6]
    assert len(panel) == 3 * model.territory.n


def test_no_panel_when_panel_every_is_zero(make_model) -> None:
    model = make_model(overrides={"simulation.panel_every": 0}, n=20)
    model.run_for(3)
    panel = model.panel_frame()
    assert len(panel) == 0
    assert "municipality" in panel.columns


def test_local_value_added_includes_firms_that_exit_this_month(make_model) -> None:
    # no entry, so no firm row is reused and every row keeps this month's revenue
    model = make_model(overrides={"economy.exogenous_exit_rate": 0.2, "economy.entry_rate": 0.0})
    model.step()
    firms = model.firms
    assert model.events["firm_exit"] > 50
    revenue = firms.revenue.sum()  # rows dead before this month hold no revenue
    expected = revenue - model.ledger.outflows["fixed_costs"]
    assert model.outcomes["local_value_added"] == pytest.approx(expected, rel=1e-9)


def test_segment_concentration_is_metrics_hhi_of_its_transactions_and_hhi_their_mean(
    make_model,
) -> None:
    """Default catalogue (three segments): each ``hhi_<segment>``/``top_share_<segment>`` is
    metrics.hhi/top_share of that segment's platforms' transactions of the month; ``hhi`` and
    ``top_share`` are their means weighted by the segments' transactions, not plain means."""
    model = make_model(seed=3, n=25)
    for _ in range(3):
        model.step()
        active = [p for p in model.platforms if p.active]
        weights, hhis, tops = [], [], []
        for segment in SEGMENTS:
            values = np.array([p.last_transactions for p in active if p.segment == segment])
            assert len(values) >= 2 and values.sum() > 0, segment
            assert model.outcomes[f"hhi_{segment}"] == pytest.approx(metrics.hhi(values))
            assert model.outcomes[f"top_share_{segment}"] == pytest.approx(
                metrics.top_share(values)
            )
            weights.append(values.sum())
            hhis.append(metrics.hhi(values))
            tops.append(metrics.top_share(values))
        assert model.outcomes["hhi"] == pytest.approx(np.average(hhis, weights=weights))
        assert model.outcomes["top_share"] == pytest.approx(np.average(tops, weights=weights))
        assert min(hhis) < model.outcomes["hhi"] < max(hhis)
        assert model.outcomes["hhi"] != pytest.approx(np.mean(hhis), rel=1e-3)


def test_leakage_share_is_the_platform_leakage_flow_over_household_spending(make_model) -> None:
    model = make_model(seed=2, n=25)
    for _ in range(3):
        model.step()
        leakage = model.flows["platform_leakage"]
        assert 0 < leakage < model.flows["platform_spending"]
        assert model.outcomes["leakage_share"] == pytest.approx(
            leakage / model.flows["household_spending"], rel=1e-12
        )


#: Outcomes missing at step 0.
MISSING_AT_STEP_0 = set(observation.UNDEFINED_AT_STEP_0)


def test_step_zero_misses_exactly_the_outcomes_declared_undefined_there() -> None:
    outputs = run("baseline", seed=3, steps=3, overrides={"territory.n_municipalities": 30})
    metrics_frame = outputs.metrics.set_index("step")[list(OUTCOMES)]
    missing = set(metrics_frame.columns[metrics_frame.loc[0].isna()])
    assert missing == MISSING_AT_STEP_0 | set(observation.UNDEFINED_WITHOUT_SHOCK)
    assert {"hhi", "top_share", "leakage_share", "platform_share_goods"} <= missing
    # every later step is defined, but the shock's outcomes in a run without it
    assert set(metrics_frame.columns[metrics_frame.loc[1:].isna().any()]) == set(
        observation.UNDEFINED_WITHOUT_SHOCK
    )
    assert np.isfinite(metrics_frame.loc[0].drop(list(missing)).to_numpy()).all()


def test_platform_pay_ratio_is_missing_at_step_zero() -> None:
    model = TerritoryModel(seed=3, overrides={"territory.n_municipalities": 30})
    assert (model.workers.status == Status.PLATFORM).any()
    assert math.isnan(model.outcomes["platform_pay_ratio"])


def test_a_segment_without_transactions_has_no_concentration() -> None:
    model = TerritoryModel(seed=3, overrides={"territory.n_municipalities": 30})
    assert math.isnan(model.outcomes["hhi"])
    for segment in SEGMENTS:
        assert math.isnan(model.outcomes[f"hhi_{segment}"]), segment
        assert math.isnan(model.outcomes[f"top_share_{segment}"]), segment


def test_missing_values_are_written_as_nulls_never_as_nan(tmp_path) -> None:
    outputs = run("baseline", seed=3, steps=2, overrides={"territory.n_municipalities": 30})
    paths = outputs.save(tmp_path)
    for table in ("metrics", "panel", "platforms", "lorenz"):
        data = pq.read_table(paths[table])
        for name, column in zip(data.column_names, data.columns, strict=True):
            if pa.types.is_floating(column.type):
                assert not pc.any(pc.is_nan(column)).as_py(), f"{table}.{name} holds NaN"
    metrics_table = pq.read_table(paths["metrics"]).to_pandas()
    nulls = {name for name in OUTCOMES if metrics_table[name].isna().any()}
    assert nulls == MISSING_AT_STEP_0 | set(observation.UNDEFINED_WITHOUT_SHOCK)
    assert pq.read_table(paths["metrics"]).column("import_share").null_count == 1  # step 0


# --------------------------------------------------------------------------------------------
# Concentration within regions


def test_sales_by_region_add_up_to_each_platforms_transactions(make_model) -> None:
    model = make_model(seed=4, n=30)
    for _ in range(4):
        model.step()
        for platform in model.platforms:
            assert platform.last_by_region.shape == (model.territory.n_regions,)
            assert (platform.last_by_region >= 0).all()
            assert platform.last_by_region.sum() == pytest.approx(
                platform.last_transactions, rel=1e-9, abs=1e-6
            )
        # a platform that serves one region sells in that region only
        for platform in model.platforms:
            if platform.active and platform.region >= 0:
                outside = np.arange(model.territory.n_regions) != platform.region
                assert platform.last_by_region[outside].sum() == 0.0


def test_regional_hhi_is_the_sales_weighted_mean_of_each_regions_hhi(make_model) -> None:
    """Default catalogue: ``hhi_<segment>_regional`` is metrics.hhi of each region's sales
    of the segment's platforms, averaged with the regions' sales as weights; the panel gives
    each municipality its region's value."""
    model = make_model(seed=5, n=30, overrides={"simulation.panel_every": 1})
    for _ in range(3):
        model.step()
    active = [p for p in model.platforms if p.active]
    panel = model.panel_frame()
    panel = panel[panel.step == model.steps]
    for segment in SEGMENTS:
        table = np.array([p.last_by_region for p in active if p.segment == segment])
        per_region = [metrics.hhi(table[:, r]) for r in range(table.shape[1])]
        weights = table.sum(axis=0)
        assert (weights > 0).all()
        assert model.outcomes[f"hhi_{segment}_regional"] == pytest.approx(
            np.average(per_region, weights=weights), rel=1e-12
        )
        expected = np.array(per_region)[model.territory.region]
        np.testing.assert_allclose(panel[f"hhi_{segment}"].to_numpy(), expected, rtol=1e-12)
        assert model.outcomes[f"active_platforms_{segment}"] == len(table)


def test_regional_platforms_are_each_a_monopoly_in_their_own_region(make_model) -> None:
    """Goods served by one territorial platform per region only: each region's market has one
    seller, so ``hhi_goods_regional`` is 10,000 exactly, while ``hhi_goods``, over the
    territory, counts the regional platforms as rivals and stays below it."""
    model = make_model(
        seed=6,
        n=30,
        overrides={
            "territory.n_regions": 2,
            "platforms.catalogue": {
                "terr": {
                    "kind": "territorial",
                    "segment": "goods",
                    "commission": 0.05,
                    "initial_share": 0.5,
                }
            },
            "platforms.entry_rate": 0.0,
        },
    )
    for _ in range(3):
        model.step()
    goods = [p for p in model.platforms if p.active and p.segment == "goods"]
    assert len(goods) == 2 and all(p.last_transactions > 0 for p in goods)
    assert model.outcomes["hhi_goods_regional"] == pytest.approx(10_000.0, rel=1e-12)
    assert model.outcomes["hhi_goods"] < 10_000.0 - 100
