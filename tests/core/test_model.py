"""Tests for platsim.core.model: invariants after every phase and step, the money identity,
determinism, Mesa compatibility and the model's arguments."""

from __future__ import annotations

import random

import mesa
import numpy as np
import pandas as pd
import pytest

import platsim.core.model as model_module
from platsim.core.model import LORENZ_SHARES, PHASES, TerritoryModel
from platsim.errors import InputError
from platsim.numerics import metrics
from platsim.schema import Scenario, bundled_scenarios
from platsim.schema.outcomes import OUTCOMES

SMALL = {"territory.n_municipalities": 30}

#: High entry, exit and relocation rates to stress the bookkeeping of rows and head counts.
STRESS = {
    "economy.entry_rate": 0.2,
    "economy.exogenous_exit_rate": 0.1,
    "economy.exit_months": 2,
    "economy.fixed_cost": 8_000.0,
    "mobility.relocation_rate": 0.2,
}
if "platforms" in Scenario.model_fields:  # Core model II: platforms enter and close too
    STRESS |= {"platforms.entry_rate": 0.5, "simulation.policy_start": 3}


def run_checked(model, steps, assert_invariants, assert_accounts) -> None:
    n_workers = len(model.workers)
    assert_invariants(model)
    for _ in range(steps):
        stock = model.money_stock()
        model.step()
        assert len(model.workers) == n_workers, "workers created or removed"
        assert_invariants(model)
        assert_accounts(model, stock)


def test_phase_order_matches_the_brief() -> None:
    names = [name for name, _ in PHASES]
    core = ["consumption", "firms", "labour", "public", "mobility", "observation"]
    assert [name for name in names if name in core] == core
    assert names[-1] == "observation"


def test_initial_state_is_consistent(small_model, assert_invariants) -> None:
    model = small_model
    assert_invariants(model)
    assert model.steps == 0
    assert model.outcomes["accounts_residual"] == 0.0
    assert 0.05 < model.outcomes["unemployment_rate"] < 0.12


def test_invariants_after_every_phase_and_step(
    small_model, checked_phases, assert_invariants, assert_accounts
) -> None:
    run_checked(small_model, 24, assert_invariants, assert_accounts)
    assert checked_phases.count("consumption") == 24
    assert len(checked_phases) == 24 * len(PHASES)
    frame = small_model.metrics_frame()
    assert frame["accounts_residual"].abs().max() <= 1e-9


def test_invariants_under_high_entry_exit_and_relocation(
    make_model, checked_phases, assert_invariants, assert_accounts
) -> None:
    model = make_model(seed=3, overrides=STRESS)
    run_checked(model, 24, assert_invariants, assert_accounts)
    frame = model.metrics_frame()
    # the stress test did stress: many entries, exits, moves and reused firm rows
    assert frame["firm_entry"].iloc[1:].sum() > 500
    assert frame["firm_exit"].iloc[1:].sum() > 500
    assert len(model.firms) > frame["firms"].iloc[0]


@pytest.mark.parametrize(
    "overrides",
    [
        {"economy.separation_rate": 0.2, "economy.matching_efficiency": 2.0},
        {"economy.matching_efficiency": 0.0, "public.training_share": 0.5},
        {"public.pooling": "epci", "simulation.policy_start": 0},
        {"economy.local_share": 1.0, "economy.consumption_share": 1.0},
    ],
    ids=["churn", "no-matching-much-training", "pooling", "all-local"],
)
def test_invariants_in_corner_settings(
    make_model, overrides, assert_invariants, assert_accounts
) -> None:
    run_checked(
        make_model(seed=5, overrides=overrides, n=20), 12, assert_invariants, assert_accounts
    )


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_invariants_in_every_bundled_scenario(name, assert_invariants, assert_accounts) -> None:
    # policies switch on early so that every lever acts within the 15 months
    model = TerritoryModel(
        scenario=name,
        seed=2,
        overrides={"territory.n_municipalities": 25, "simulation.policy_start": 3},
    )
    run_checked(model, 15, assert_invariants, assert_accounts)


def test_money_stock_counts_live_firms_only(small_model) -> None:
    model = small_model
    stock = model.money_stock()
    dead = np.flatnonzero(~model.firms.alive)
    rows = model.firms.allocate(1) if len(dead) == 0 else dead[:1]
    model.firms.cash[rows] = 1e6  # cash in a dead row is not money in the territory
    assert model.money_stock() == pytest.approx(stock)
    model.workers.savings[0] += 10.0
    model.municipalities.budget[0] += 5.0
    assert model.money_stock() == pytest.approx(stock + 15.0)


def test_accounts_residual_detects_money_created_from_nothing(small_model) -> None:
    model = small_model
    model.step()
    assert abs(model.accounts_residual) <= 1e-9
    model.workers.savings[0] += 1e6  # money appears without a ledger entry
    assert model.accounts_residual > 1e-6


# --------------------------------------------------------------------------------------------
# Determinism


def run_frames(seed: int, steps: int = 15, overrides=None):
    model = TerritoryModel(
        seed=seed, overrides={**SMALL, "simulation.panel_every": 5, **(overrides or {})}
    )
    model.run_for(steps)
    return model, model.metrics_frame(), model.panel_frame()


def test_same_seed_same_run() -> None:
    first, metrics_a, panel_a = run_frames(11)
    second, metrics_b, panel_b = run_frames(11)
    pd.testing.assert_frame_equal(metrics_a, metrics_b, check_exact=True)
    pd.testing.assert_frame_equal(panel_a, panel_b, check_exact=True)
    for name in first.workers.columns():
        np.testing.assert_array_equal(getattr(first.workers, name), getattr(second.workers, name))
    for name in first.firms.columns():
        np.testing.assert_array_equal(getattr(first.firms, name), getattr(second.firms, name))


def test_different_seed_different_run() -> None:
    _, metrics_a, panel_a = run_frames(11)
    _, metrics_b, panel_b = run_frames(12)
    assert not metrics_a["unemployment_rate"].equals(metrics_b["unemployment_rate"])
    assert not panel_a["income_per_head"].equals(panel_b["income_per_head"])


def test_run_does_not_use_global_random_state() -> None:
    np.random.seed(1)  # noqa: NPY002
    random.seed(1)
    _, metrics_a, panel_a = run_frames(21, steps=8)
    np.random.seed(999)  # noqa: NPY002
    random.seed(999)
    np.random.random(1234)  # noqa: NPY002
    _, metrics_b, panel_b = run_frames(21, steps=8)
    pd.testing.assert_frame_equal(metrics_a, metrics_b, check_exact=True)
    pd.testing.assert_frame_equal(panel_a, panel_b, check_exact=True)


def test_model_does_not_consume_global_random_state() -> None:
    np.random.seed(5)  # noqa: NPY002
    random.seed(5)
    expected = (np.random.random(), random.random())  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002
    random.seed(5)
    run_frames(3, steps=3)
    assert (np.random.random(), random.random()) == expected  # noqa: NPY002


def test_seed_none_draws_a_seed_and_records_it() -> None:
    model = TerritoryModel(overrides=SMALL)
    assert isinstance(model.seed, int)
    again = TerritoryModel(seed=model.seed, overrides=SMALL)
    model.run_for(3)
    again.run_for(3)
    pd.testing.assert_frame_equal(model.metrics_frame(), again.metrics_frame())


# --------------------------------------------------------------------------------------------
# Lorenz curve of household income


def lorenz_run(seed: int = 3, every: int = 5, steps: int = 12) -> TerritoryModel:
    model = TerritoryModel(
        seed=seed, steps=steps, overrides={**SMALL, "simulation.panel_every": every}
    )
    while model.running:
        model.step()
    return model


def expected_lorenz(income: np.ndarray) -> np.ndarray:
    """The exact Lorenz curve at LORENZ_SHARES, from first principles: the income of the
    poorest ``p n`` households (a fraction of the next one when ``p n`` is not whole)."""
    x = np.sort(income)
    cumulative = np.concatenate([[0.0], np.cumsum(x)])
    whole = np.floor(LORENZ_SHARES * len(x)).astype(int)
    fraction = LORENZ_SHARES * len(x) - whole
    nxt = np.concatenate([x, [0.0]])[whole]
    return (cumulative[whole] + fraction * nxt) / cumulative[-1]


def test_lorenz_points_form_a_lorenz_curve_and_give_the_gini() -> None:
    model = lorenz_run()
    frame = model.lorenz_frame()
    assert list(frame.columns) == ["step", "population_share", "income_share"]
    for step, points in frame.groupby("step"):
        share = points["population_share"].to_numpy()
        income = points["income_share"].to_numpy()
        np.testing.assert_array_equal(share, LORENZ_SHARES)
        assert (share[0], income[0]) == (0.0, 0.0), step
        assert (share[-1], income[-1]) == (1.0, 1.0), step
        assert (np.diff(income) >= 0).all(), step  # non-decreasing
        assert (np.diff(income, 2) >= -1e-12).all(), step  # convex
        assert (income <= share + 1e-12).all() and (income[1:-1] < share[1:-1]).all(), step
    last = frame[frame["step"] == model.max_steps]
    income = last["income_share"].to_numpy()
    np.testing.assert_allclose(income, expected_lorenz(model.workers.income), atol=1e-12)
    implied = 1 - 2 * np.trapezoid(income, LORENZ_SHARES)
    exact = metrics.gini(model.workers.income)
    assert exact == model.metrics_frame()["gini_income"].iloc[-1]
    assert implied <= exact + 1e-12  # chords of a convex curve lie above it
    assert implied == pytest.approx(exact, abs=0.005)


def test_lorenz_is_recorded_at_panel_steps_and_the_final_step() -> None:
    assert sorted(lorenz_run(every=5, steps=12).lorenz_frame()["step"].unique()) == [0, 5, 10, 12]
    assert sorted(lorenz_run(every=4, steps=8).lorenz_frame()["step"].unique()) == [0, 4, 8]
    assert lorenz_run(every=4, steps=8).lorenz_frame().groupby("step").size().eq(21).all()
    no_panel = lorenz_run(every=0, steps=6)
    assert len(no_panel.panel_frame()) == 0
    assert sorted(no_panel.lorenz_frame()["step"].unique()) == [6]
    model = TerritoryModel(seed=3, overrides={**SMALL, "simulation.panel_every": 0})
    assert len(model.lorenz_frame()) == 0  # nothing recorded: columns still there
    assert list(model.lorenz_frame().columns) == ["step", "population_share", "income_share"]


def test_step_zero_lorenz_is_the_initial_income_distribution() -> None:
    model = TerritoryModel(seed=4, overrides={**SMALL, "simulation.panel_every": 5})
    first = model.lorenz_frame()
    assert list(first["step"].unique()) == [0]
    np.testing.assert_allclose(
        first["income_share"].to_numpy(), expected_lorenz(model.workers.income), atol=1e-12
    )


def test_lorenz_is_computed_only_when_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = model_module.lorenz_columns

    def counting(model):
        calls.append(model.steps)
        return original(model)

    monkeypatch.setattr(model_module, "lorenz_columns", counting)
    lorenz_run(every=5, steps=12)
    assert calls == [0, 5, 10, 12]


def test_lorenz_is_deterministic_and_leaves_the_run_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, again = lorenz_run(seed=11), lorenz_run(seed=11)
    pd.testing.assert_frame_equal(first.lorenz_frame(), again.lorenz_frame(), check_exact=True)
    other = lorenz_run(seed=12)
    assert not first.lorenz_frame()["income_share"].equals(other.lorenz_frame()["income_share"])
    monkeypatch.setattr(model_module, "record_lorenz", lambda model: None)
    unrecorded = lorenz_run(seed=11)
    assert len(unrecorded.lorenz_frame()) == 0
    pd.testing.assert_frame_equal(
        first.metrics_frame(), unrecorded.metrics_frame(), check_exact=True
    )
    pd.testing.assert_frame_equal(first.panel_frame(), unrecorded.panel_frame(), check_exact=True)


# --------------------------------------------------------------------------------------------
# Mesa compatibility and model arguments


def test_mesa_batch_run() -> None:
    results = mesa.batch_run(
        TerritoryModel,
        parameters={
            "economy__matching_efficiency": [0.2, 0.4],
            "territory__n_municipalities": 20,
        },
        iterations=1,
        max_steps=3,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 4  # two parameter values, steps 0-3
    assert sorted(frame["economy__matching_efficiency"].unique()) == [0.2, 0.4]
    assert sorted(frame["Step"].unique()) == [0, 1, 2, 3]
    assert set(OUTCOMES) <= set(frame.columns)
    assert frame["unemployment_rate"].between(0, 1).all()


def test_keyword_parameters_reach_the_scenario() -> None:
    model = TerritoryModel(
        seed=1, economy__matching_efficiency=0.45, territory__n_municipalities=20
    )
    assert model.scenario.economy.matching_efficiency == 0.45
    assert model.territory.n == 20


def test_bad_keyword_and_bad_value_raise_input_errors() -> None:
    with pytest.raises(InputError):
        TerritoryModel(seed=1, matching_efficiency=0.3)
    with pytest.raises(InputError) as info:
        TerritoryModel(seed=1, economy__matching_efficiency=-1)
    assert "economy.matching_efficiency" in str(info.value)
    with pytest.raises(InputError):
        TerritoryModel(seed=1, overrides={"economy.no_such_parameter": 1})


def test_collector_keeps_reporters_a_user_adds_or_replaces(make_model) -> None:
    model = make_model(seed=2)
    collector = model.datacollector
    collector._new_model_reporter("double_firms", lambda m: 2 * m.outcomes["firms"])
    collector.model_reporters["vacancies"] = lambda m: -1.0
    model.run_for(2)
    collected = collector.model_vars  # the new reporter's column starts when it was added
    assert collected["double_firms"] == [2 * firms for firms in collected["firms"][1:]]
    assert collected["vacancies"][1:] == [-1.0, -1.0]
    assert all(len(collected[name]) == 3 for name in OUTCOMES)


def test_steps_argument_stops_running(make_model) -> None:
    model = make_model(steps=4, n=20)
    count = 0
    while model.running:
        model.step()
        count += 1
        assert count <= 4
    assert count == 4 and model.steps == 4
    model.run_for(2)  # run_for ignores running
    assert model.steps == 6


def test_frames(small_model) -> None:
    model = small_model
    model.run_for(3)
    metrics = model.metrics_frame()
    assert list(metrics["step"]) == [0, 1, 2, 3]
    assert set(OUTCOMES) <= set(metrics.columns)
    workers = model.workers.frame()
    assert len(workers) == len(model.workers)
    assert set(model.workers.columns()) == set(workers.columns)
    record = model.workers[0]
    assert record.home == workers.loc[0, "home"]
    munis = model.municipality_frame()
    assert len(munis) == model.territory.n
    assert munis["residents"].sum() == len(model.workers)
    assert {"x_km", "y_km", "urban", "services", "connectivity"} <= set(munis.columns)


def test_solaraviz_accepts_the_model_signature() -> None:
    """Mesa's SolaraViz refuses a model whose ``**`` argument is not named ``kwargs``."""
    solara_viz = pytest.importorskip("mesa.visualization.solara_viz")
    solara_viz._check_model_params(
        TerritoryModel.__init__, {"seed": 1, "economy__matching_efficiency": 0.3}
    )
