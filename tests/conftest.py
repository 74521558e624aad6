"""Shared fixtures for the model tests: small fast territories, state invariants, replications.

Tests marked ``slow`` are skipped unless selected with ``-m slow``.

Every model built here is small (20-40 municipalities, a few thousand worker agents), so a
step costs a few milliseconds and a 60-step run a fraction of a second.

Fixtures:
    make_model: factory ``make_model(seed=1, overrides=None, n=30, steps=None)``.
    small_model: a fresh 30-municipality model (seed 1), not yet stepped.
    assert_invariants: ``assert_invariants(model)`` checks the state bookkeeping.
    assert_accounts: ``assert_accounts(model, stock_before)`` checks the step's money flows.
    checked_phases: re-wires :data:`platsim.core.model.PHASES` so every phase is followed by the
        state checks (and consumption by its flow identities); returns the log of phases run.
    simulate: ``simulate(seed, overrides, steps, n=30, record=None)`` runs a model and returns
        ``(model, metrics frame, [record(model) after each step])``.
    paired: ``paired(statistic, a, b, seeds, steps, n=30)`` returns, per seed, the statistic
        of the run with overrides ``b`` minus that of the run with overrides ``a``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import platsim.core.model as model_module
from platsim.core.agents import Status
from platsim.core.model import TerritoryModel
from platsim.schema import Scenario
from platsim.schema.outcomes import OUTCOMES

#: A small territory: about 7,000 worker agents and 600 firms.
SMALL: dict[str, Any] = {"territory.n_municipalities": 30}

#: Overrides that switch platforms off (when the scenario schema has them), so that tests of
#: the offline economy can use exact analytic values.
NO_PLATFORMS: dict[str, Any] = (
    {"platforms.catalogue": {}, "platforms.entry_rate": 0.0}
    if "platforms" in Scenario.model_fields
    else {}
)

#: Whether :func:`check_state` checks platforms' gig-worker counts by default.
GIG_COUNTS_CHECKED = True

#: Outcomes that are shares or indices bounded by [0, 1].
BOUNDED_OUTCOMES = tuple(
    name for name, outcome in OUTCOMES.items() if outcome.unit in ("share", "index 0-1")
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked slow unless a ``-m`` expression mentions them (``-m slow``)."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def build_model(
    seed: int = 1,
    overrides: Mapping[str, Any] | None = None,
    n: int = 30,
    steps: int | None = None,
) -> TerritoryModel:
    """A small model: ``n`` municipalities plus the given dotted-path overrides."""
    merged = {"territory.n_municipalities": n, **(overrides or {})}
    return TerritoryModel(seed=seed, overrides=merged, steps=steps)


def in_zone(model: TerritoryModel, origin: np.ndarray, destination: np.ndarray) -> np.ndarray:
    """Whether ``destination`` is in the commuting zone of ``origin`` (read off the matrix)."""
    if len(origin) == 0:
        return np.zeros(0, dtype=bool)
    weight = model.territory.commute_weight
    return np.asarray(weight[np.asarray(origin), np.asarray(destination)]).ravel() > 0


def check_state(
    model: TerritoryModel,
    member_counts: bool = True,
    firm_counts: bool = False,
    gig_counts: bool = GIG_COUNTS_CHECKED,
) -> None:
    """Assert every bookkeeping invariant of the workers, firms and municipalities.

    ``member_counts``: also check the member counts platforms keep, which are refreshed by
    the platform phases and mobility, not by the labour phase's hires (true between steps).
    ``firm_counts``: also check the firms each platform counts (refreshed by the platform
    market only: firms that die later in the month keep being counted until then).
    ``gig_counts``: also check the gig workers each platform counts (see
    :data:`GIG_COUNTS_CHECKED`).
    """
    workers, firms, munis = model.workers, model.firms, model.municipalities
    n = model.territory.n

    # each worker in exactly one valid status; employer set iff employee
    assert np.isin(workers.status, [int(s) for s in Status]).all(), "unknown status code"
    employee = workers.status == Status.EMPLOYEE
    np.testing.assert_array_equal(workers.employer >= 0, employee, "employer >= 0 iff EMPLOYEE")
    assert (workers.employer >= -1).all()
    employer = workers.employer[employee]
    assert (employer < len(firms)).all(), "employer index out of range"
    assert firms.alive[employer].all(), "a worker is employed by a dead firm"

    # training status and the months left agree
    training = workers.status == Status.TRAINING
    np.testing.assert_array_equal(workers.training_left > 0, training, "training_left vs status")
    assert (workers.months_unemployed >= 0).all()

    # head counts, vacancies
    np.testing.assert_array_equal(
        firms.employees, np.bincount(employer, minlength=len(firms)), "employees != bincount"
    )
    assert (firms.vacancies >= 0).all(), "negative vacancies"
    assert (firms.vacancies[~firms.alive] == 0).all(), "vacancies at a dead firm"

    # residents, and the cached household-to-home incidence behind per-municipality sums
    np.testing.assert_array_equal(munis.residents, np.bincount(workers.home, minlength=n))
    assert munis.residents.sum() == len(workers)
    assert ((workers.home >= 0) & (workers.home < n)).all()
    np.testing.assert_array_equal(workers.count_by_home(n), munis.residents, "stale incidence")
    np.testing.assert_array_equal(
        workers.sum_by_home(workers.skill, n),
        np.bincount(workers.home, weights=workers.skill, minlength=n),
        "sum_by_home differs from bincount",
    )

    # every job is within the commuting zone of the worker's home
    assert in_zone(model, workers.home[employee], firms.municipality[employer]).all(), (
        "an employee works outside the commuting zone of their home"
    )

    # bounded attributes
    for name, values in (
        ("skill", workers.skill),
        ("literacy", workers.literacy),
        ("connectivity", munis.connectivity),
        ("services", munis.services),
    ):
        assert np.isfinite(values).all(), name
        assert ((values >= 0) & (values <= 1 + 1e-12)).all(), f"{name} outside [0, 1]"
    assert (workers.wage >= 0).all()
    assert (workers.income >= 0).all()

    # platforms (Core model II), when the model has them
    platforms = getattr(model, "platforms", None)
    if platforms is not None and hasattr(workers, "gig_platform"):
        active = np.array([p.active for p in platforms], dtype=bool)
        gig = workers.status == Status.PLATFORM
        np.testing.assert_array_equal(workers.gig_platform >= 0, gig, "gig_platform vs status")
        assert active[workers.gig_platform[gig]].all(), "a gig worker on a closed platform"
        bits = np.int64(0)
        for platform in platforms:
            if platform.active:
                bits |= np.int64(1) << platform.index
        assert (workers.platforms & ~bits == 0).all(), "a household on a closed platform"
        assert (firms.platforms[~firms.alive] == 0).all(), "a dead firm on a platform"
        assert (firms.platforms & ~bits == 0).all(), "a firm on a closed platform"
        # the member counts platforms keep (their market shares, capacities) are up to date
        for platform in platforms if member_counts else ():
            if gig_counts:
                assert platform.gig_workers == np.count_nonzero(
                    workers.gig_platform == platform.index
                ), f"stale gig-worker count of {platform.name}"
            on = (workers.platforms >> platform.index) & 1
            assert platform.households == np.count_nonzero(on), (
                f"stale household count of {platform.name}"
            )
            if firm_counts:
                sells = ((firms.platforms >> platform.index) & 1).astype(bool) & firms.alive
                assert platform.firms == np.count_nonzero(sells), (
                    f"stale firm count of {platform.name}"
                )
    assert np.isfinite(firms.cash[firms.alive]).all()


def household_gig_pools(model: TerritoryModel) -> float:
    """What the household segments' platforms (goods, local services) put into their gig pools
    this month: their part of household spending (the tasks, net of commission)."""
    return model.flows.get("platform_gig_pools", 0.0)


def household_destinations(flows: Mapping[str, float], gig_pools: float) -> float:
    """Where household spending went: firms, leakage, platforms' commissions and gig pools."""
    return (
        flows["household_to_firms"]
        + flows["household_leakage"]
        + flows.get("platform_commissions", 0.0)
        + gig_pools
    )


def check_consumption_flows(model: TerritoryModel) -> None:
    """Identities of the consumption phase, checked right after it ran."""
    flows, ledger, firms = model.flows, model.ledger, model.firms
    spending = flows["household_spending"]
    assert spending == pytest.approx(model.workers.spending.sum(), rel=1e-9)
    assert spending == pytest.approx(
        household_destinations(flows, household_gig_pools(model)), rel=1e-9, abs=1e-6
    )
    assert firms.revenue_local.sum() == pytest.approx(
        flows["household_to_firms"] + flows["public_to_firms"], rel=1e-9, abs=1e-6
    )
    assert ledger.outflows["imports"] + flows.get("platform_outside", 0.0) == pytest.approx(
        flows["household_leakage"], rel=1e-9
    )
    assert (firms.revenue_local[~firms.alive] == 0).all()
    assert flows["household_leakage"] >= -1e-6
    assert flows["household_to_firms"] >= -1e-6


def check_accounts(model: TerritoryModel, stock_before: float) -> None:
    """Money identity of the step just run, from the ledger and independently."""
    change = model.money_stock() - stock_before
    inflow = sum(model.ledger.inflows.values())
    outflow = sum(model.ledger.outflows.values())
    scale = max(abs(stock_before), inflow + outflow, 1.0)
    assert abs(change - (inflow - outflow)) <= 1e-9 * scale, (
        f"money stock changed by {change!r} but net inflow is {inflow - outflow!r}"
    )
    assert abs(model.accounts_residual) <= 1e-9
    assert abs(model.outcomes["accounts_residual"]) <= 1e-9
    # the gig pools are paid out by now: what is left of household spending is the tasks' net
    # value, between 0 and the largest task share of the household platform spending
    flows = model.flows
    tasks = flows["household_spending"] - household_destinations(flows, 0.0)
    scenario = model.scenario
    task_share = max(scenario.goods.task_share, scenario.local_services.task_share)
    scale = 1e-9 * max(flows["household_spending"], 1.0)
    assert -scale <= tasks <= task_share * flows.get("platform_spending", 0.0) + scale, tasks
    for name in BOUNDED_OUTCOMES:
        value = model.outcomes[name]
        assert np.isnan(value) or -1e-12 <= value <= 1 + 1e-12, f"{name} = {value}"


@pytest.fixture
def make_model() -> Callable[..., TerritoryModel]:
    return build_model


@pytest.fixture
def no_platforms() -> dict[str, Any]:
    return dict(NO_PLATFORMS)


@pytest.fixture
def small_model() -> TerritoryModel:
    return build_model(seed=1)


@pytest.fixture
def assert_invariants() -> Callable[[TerritoryModel], None]:
    return check_state


@pytest.fixture
def assert_accounts() -> Callable[[TerritoryModel, float], None]:
    return check_accounts


@pytest.fixture
def checked_phases(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Check the state after every phase of every step (and consumption's flows)."""
    log: list[str] = []

    def wrap(name: str, phase: Callable[[TerritoryModel], None]):
        def checked(model: TerritoryModel) -> None:
            phase(model)
            try:
                check_state(
                    model,
                    member_counts=name != "labour",
                    firm_counts=name == "platform_market",
                )
                if name == "consumption":
                    check_consumption_flows(model)
            except AssertionError as error:
                raise AssertionError(
                    f"after phase {name!r} of step {model.steps}: {error}"
                ) from error
            log.append(name)

        return checked

    wrapped = tuple((name, wrap(name, phase)) for name, phase in model_module.PHASES)
    monkeypatch.setattr(model_module, "PHASES", wrapped)
    return log


def run_simulation(
    seed: int,
    overrides: Mapping[str, Any] | None,
    steps: int,
    n: int = 30,
    record: Callable[[TerritoryModel], Any] | None = None,
) -> tuple[TerritoryModel, pd.DataFrame, list[Any]]:
    model = build_model(seed=seed, overrides=overrides, n=n)
    records = []
    for _ in range(steps):
        model.step()
        if record is not None:
            records.append(record(model))
    return model, model.metrics_frame(), records


def paired_differences(
    statistic: Callable[[TerritoryModel, pd.DataFrame, list[Any]], float],
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    seeds: Iterable[int],
    steps: int,
    n: int = 30,
    record: Callable[[TerritoryModel], Any] | None = None,
) -> np.ndarray:
    """statistic(run with ``b``) - statistic(run with ``a``), one per seed (common seeds)."""
    out = []
    for seed in seeds:
        low = statistic(*run_simulation(seed, a, steps, n, record))
        high = statistic(*run_simulation(seed, b, steps, n, record))
        out.append(high - low)
    return np.asarray(out)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Two-sided t confidence interval of the mean of ``values``."""
    values = np.asarray(values, dtype=float)
    mean = values.mean()
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(mean - half), float(mean + half)


@pytest.fixture
def simulate() -> Callable[..., tuple[TerritoryModel, pd.DataFrame, list[Any]]]:
    return run_simulation


@pytest.fixture
def paired() -> Callable[..., np.ndarray]:
    return paired_differences


@pytest.fixture
def confidence_interval() -> Callable[..., tuple[float, float]]:
    return t_interval


@pytest.fixture
def without_lorenz() -> Callable[[Path, Path], Path]:
    """Copy a results directory to a target as written before the Lorenz files existed: no
    ``lorenz`` folder, status files that list no lorenz file and hold no checks."""

    def copy(results_dir: Path, target: Path) -> Path:
        shutil.copytree(results_dir, target)
        shutil.rmtree(target / "lorenz")
        for path in (target / "status").glob("*.json"):
            record = json.loads(path.read_text())
            record["files"] = [kind for kind in record["files"] if kind != "lorenz"]
            del record["checks"]
            path.write_text(json.dumps(record))
        return target

    return copy


@pytest.fixture
def closed_results(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The directories of the results objects closed during the test, in order (it records
    every call of ``Results.close``, which still closes)."""
    from platsim.experiment.results import Results

    closed: list[Path] = []
    close = Results.close

    def record(self: Results) -> None:
        closed.append(self.directory)
        close(self)

    monkeypatch.setattr(Results, "close", record)
    return closed
