"""Tests for platsim.core.phases.platform_work: who does gig or freelance work, how much it
pays, worker protection (earnings floor, social contribution) and the cooperative's surplus."""

from __future__ import annotations

import numpy as np
import pytest

from platsim.core.agents import Status
from platsim.core.model import TerritoryModel
from platsim.core.phases import firms as firms_phase
from platsim.core.phases import platform_market, platform_work

N = 25
#: Task platforms of the local-services segment (gig workers do their deliveries and rides).
GLOBAL = {"kind": "global", "segment": "local_services", "outside_supplier_share": 0.0}
COOPERATIVE = {
    "kind": "cooperative",
    "segment": "local_services",
    "commission": 0.08,
    "outside_supplier_share": 0.0,
}
FREELANCE = {"kind": "global", "segment": "freelance"}
TWO_PLATFORMS = {"platforms.catalogue": {"private": GLOBAL, "coop": COOPERATIVE}}
#: More gig work than the defaults make, so that every rule is exercised in a short run.
BUSY = {
    "local_services.task_share": 0.6,
    "labour.gig_entry_rate": 0.5,
    "mobility.relocation_rate": 0.0,  # movers keep out-of-reach platforms: see test_platform_market
    "platforms.acquisition_rate": 0.0,
}


def build(seed: int = 1, **overrides) -> TerritoryModel:
    return TerritoryModel(seed=seed, overrides={"territory.n_municipalities": N, **overrides})


def clear_gig_work(model: TerritoryModel) -> None:
    """Send the month-0 gig workers and freelancers (seed_gig_workers) back to unemployment,
    so that a unit test starts from platforms without gig workers."""
    workers = model.workers
    gig = workers.status == Status.PLATFORM
    workers.status[gig] = Status.UNEMPLOYED
    workers.gig_platform[gig] = -1
    for platform in model.platforms:
        platform.gig_workers = 0
        platform.gig_paid = 0.0


def make_gig_workers(model: TerritoryModel, platform, count: int) -> np.ndarray:
    """Turn ``count`` unemployed workers into gig workers on ``platform``."""
    workers = model.workers
    chosen = np.flatnonzero(workers.status == Status.UNEMPLOYED)[:count]
    assert len(chosen) == count
    workers.status[chosen] = Status.PLATFORM
    workers.gig_platform[chosen] = platform.index
    workers.income[chosen] = 0.0
    return chosen


class PayRecorder:
    """Wraps pay_gig_workers: records each active platform's pool and gig workers before pay."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.records: list[dict] = []
        original = platform_work.pay_gig_workers

        def recording(model, platforms):
            workers = model.workers
            before = {
                p.index: (
                    p.gig_pool + (p.cash if p.kind == "cooperative" and p.cash > 0 else 0.0),
                    int((workers.gig_platform == p.index).sum()),
                    p.kind,
                )
                for p in platforms
            }
            original(model, platforms)
            for index, (pool, count, kind) in before.items():
                platform = model.platforms[index]
                self.records.append(
                    {
                        "step": model.steps,
                        "index": index,
                        "kind": kind,
                        "pool": pool,
                        "count": count,
                        "paid": platform.gig_paid,
                        "protection": platform_work.protection(model),
                    }
                )

        monkeypatch.setattr(platform_work, "pay_gig_workers", recording)


def check_gig_state(model: TerritoryModel) -> None:
    workers = model.workers
    labour = model.scenario.labour
    gig = workers.gig_platform >= 0
    np.testing.assert_array_equal(gig, workers.status == Status.PLATFORM, "status vs gig_platform")
    assert (workers.employer[gig] == -1).all(), "a gig worker has an employer"
    active = np.array([p.active for p in model.platforms])
    assert active[workers.gig_platform[gig]].all(), "a gig worker on a closed platform"
    reach = np.array([p.reach for p in model.platforms])
    home = workers.home[gig]
    assert reach[workers.gig_platform[gig], home].all(), "gig work out of the platform's reach"
    assert (model.municipalities.connectivity[home] >= labour.gig_connectivity_threshold).all()
    assert (workers.literacy[gig] >= labour.gig_literacy_threshold).all()
    # each gig worker earned the pay of their platform this month, plus the last wage for
    # those who lost their job this month (a job loser still earns it in the month of the loss),
    # besides what they received as firm owners
    earned = workers.income - firms_phase.owner_income(model)
    for platform in model.platforms:
        on_it = workers.gig_platform == platform.index
        if on_it.any():
            assert platform.gig_workers == on_it.sum()
            pay = platform.gig_paid / on_it.sum()
            income, wage = earned[on_it], workers.wage[on_it]
            assert (
                np.isclose(income, pay, rtol=1e-12) | np.isclose(income, pay + wage, rtol=1e-12)
            ).all(), f"gig income is not the platform's pay on {platform.name}"


# --------------------------------------------------------------------------------------------
# Who does gig work


def test_gig_state_is_consistent_every_step(monkeypatch) -> None:
    model = build(seed=2, **TWO_PLATFORMS, **BUSY)
    recorder = PayRecorder(monkeypatch)
    entries = 0
    for _ in range(15):
        model.step()
        check_gig_state(model)
        entries += model.events["gig_entries"]
    frame = model.metrics_frame()
    assert frame["platform_work_share"].iloc[-1] > 0
    assert entries > 0
    assert len({r["index"] for r in recorder.records if r["count"] > 0}) == 2


def test_only_eligible_unemployed_workers_join() -> None:
    model = build(
        seed=3,
        **{
            **TWO_PLATFORMS,
            "labour.gig_entry_rate": 1.0,
            "labour.gig_reservation": 0.0,
            "labour.gig_connectivity_threshold": 0.55,
        },
    )
    workers, labour = model.workers, model.scenario.labour
    clear_gig_work(model)
    for platform in model.platforms:
        platform.gig_pool = 1e6
    status_before = workers.status.copy()
    platform_work.join_gig_work(model, platform_market.active_platforms(model))
    joined = workers.status == Status.PLATFORM
    assert joined.sum() > 20
    # task platforms (no freelance platform here): only the unemployed join
    assert (status_before[joined] == Status.UNEMPLOYED).all(), "only the unemployed join"
    connectivity = model.municipalities.connectivity[workers.home]
    eligible = (
        (status_before == Status.UNEMPLOYED)
        & (connectivity >= 0.55)
        & (workers.literacy >= labour.gig_literacy_threshold)
    )
    assert not (joined & ~eligible).any()
    reach = np.array([p.reach for p in model.platforms]).any(axis=0)[workers.home]
    # with an entry rate of 1, no floor and a huge pool, every eligible worker in reach joins
    np.testing.assert_array_equal(joined, eligible & reach)
    assert (eligible & ~reach).sum() + (~eligible & (status_before == Status.UNEMPLOYED)).sum() > 0


def test_with_one_platform_eligible_workers_in_reach_join_and_the_noise_is_drawn() -> None:
    model = build(
        seed=5,
        **{
            "platforms.catalogue": {"p": GLOBAL},
            "platforms.entry_rate": 0.0,
            "labour.gig_entry_rate": 1.0,  # every worker is a candidate: no draw for that
            "labour.gig_reservation": 0.0,
            "labour.gig_connectivity_threshold": 0.55,
        },
    )
    workers, labour = model.workers, model.scenario.labour
    platforms = platform_market.active_platforms(model)
    assert len(platforms) == 1
    platform = platforms[0]
    clear_gig_work(model)
    platform.gig_pool = 1e6
    platform.reach[::2] = False
    status_before = workers.status.copy()
    connectivity = model.municipalities.connectivity[workers.home]
    eligible = (
        (status_before == Status.UNEMPLOYED)
        & (connectivity >= 0.55)
        & (workers.literacy >= labour.gig_literacy_threshold)
    )
    expected_rng = np.random.Generator(type(model.rng.bit_generator)())
    expected_rng.bit_generator.state = model.rng.bit_generator.state
    expected_rng.standard_exponential(np.count_nonzero(eligible))  # one draw per candidate
    platform_work.join_gig_work(model, platforms)
    joined = workers.status == Status.PLATFORM
    np.testing.assert_array_equal(joined, eligible & platform.reach[workers.home])
    assert (eligible & ~platform.reach[workers.home]).any()
    assert (workers.gig_platform[joined] == platform.index).all()
    assert model.rng.bit_generator.state == expected_rng.bit_generator.state


def test_no_one_joins_below_the_reservation_pay() -> None:
    model = build(**{"labour.gig_entry_rate": 1.0, "labour.gig_reservation": 1.0})
    clear_gig_work(model)
    glob = model.platforms[0]
    glob.gig_pool = 10.0  # 10 EUR for the lot: below any benefit
    platform_work.join_gig_work(model, [glob])
    assert not (model.workers.status == Status.PLATFORM).any()


def test_every_gig_worker_quits_at_exit_rate_one() -> None:
    model = build(**{"labour.gig_exit_rate": 1.0})
    clear_gig_work(model)
    glob = model.platforms[0]
    chosen = make_gig_workers(model, glob, 7)
    platform_market.count_members(model)
    platform_work.quit_gig_work(model)
    assert (model.workers.status[chosen] == Status.UNEMPLOYED).all()
    assert (model.workers.gig_platform == -1).all()
    assert glob.gig_workers == 0


def test_closing_a_platform_sends_its_gig_workers_to_unemployment() -> None:
    model = build(**TWO_PLATFORMS)
    clear_gig_work(model)
    coop = model.platforms[1]
    chosen = make_gig_workers(model, coop, 5)
    platform_market.close_platform(model, coop)
    assert (model.workers.status[chosen] == Status.UNEMPLOYED).all()
    assert (model.workers.gig_platform[chosen] == -1).all()


# --------------------------------------------------------------------------------------------
# Pay


def test_pay_is_the_pool_shared_among_gig_workers_without_protection() -> None:
    model = build(**TWO_PLATFORMS)
    clear_gig_work(model)
    glob, coop = model.platforms
    model.ledger.reset()
    on_glob = make_gig_workers(model, glob, 4)
    on_coop = make_gig_workers(model, coop, 3)
    glob.gig_pool, coop.gig_pool = 10_000.0, 2_400.0
    platform_work.pay_gig_workers(model, [glob, coop])
    np.testing.assert_allclose(model.workers.income[on_glob], 2_500.0)
    np.testing.assert_allclose(model.workers.income[on_coop], 800.0)
    assert glob.gig_paid == pytest.approx(10_000.0) and coop.gig_paid == pytest.approx(2_400.0)
    assert glob.gig_pool == 0.0 and coop.gig_pool == 0.0
    assert sum(model.ledger.inflows.values()) == 0.0
    assert sum(model.ledger.outflows.values()) == 0.0


def test_a_pool_without_gig_workers_goes_to_outside_contractors() -> None:
    model = build()
    clear_gig_work(model)
    goods, freelance = model.platforms[0], model.platforms[-1]
    assert (goods.segment, freelance.segment) == ("goods", "freelance")
    model.ledger.reset()
    model.flows = {}
    goods.gig_pool, freelance.gig_pool = 900.0, 400.0
    platform_work.pay_gig_workers(model, [goods, freelance])
    assert model.ledger.outflows["outside_suppliers"] == pytest.approx(1_300.0)
    # the goods pool is household spending leaving the territory; the freelance pool is firms'
    assert model.flows["platform_leakage"] == pytest.approx(900.0)
    for platform in (goods, freelance):
        assert platform.gig_paid == 0.0 and platform.gig_pool == 0.0


@pytest.mark.parametrize("kind", ["global", "cooperative"])
def test_earnings_floor_and_contribution_are_paid_by_the_platform(kind) -> None:
    spec = GLOBAL if kind == "global" else COOPERATIVE
    model = build(
        **{
            "simulation.policy_start": 0,
            "labour.earnings_floor": 1_000.0,
            "labour.social_contribution": 0.1,
            "platforms.catalogue": {"p": spec},
        }
    )
    platform = model.platforms[0]
    clear_gig_work(model)
    model.ledger.reset()
    chosen = make_gig_workers(model, platform, 5)
    platform.gig_pool = 3_000.0  # 600 each before protection
    cash = platform.cash
    platform_work.pay_gig_workers(model, [platform])
    np.testing.assert_allclose(model.workers.income[chosen], 1_000.0)
    cost = 1_000.0 * 1.1 * 5
    assert model.ledger.outflows["social_contributions"] == pytest.approx(0.1 * 1_000.0 * 5)
    if kind == "global":
        assert model.ledger.inflows["platform_topups"] == pytest.approx(cost - 3_000.0)
    else:
        assert platform.cash == pytest.approx(cash - (cost - 3_000.0))


def test_protection_applies_from_policy_start_only() -> None:
    model = build(
        **{
            "simulation.policy_start": 5,
            "labour.earnings_floor": 1_000.0,
            "labour.social_contribution": 0.1,
        }
    )
    assert platform_work.protection(model) == (0.0, 0.0)
    glob = model.platforms[0]
    glob.gig_pool = 50_000.0
    assert platform_work.capacity(model, [glob])[0] > 10**12  # unbounded without a floor
    model.run_for(5)
    assert platform_work.protection(model) == (1_000.0, 0.1)


#: A cooperative whose members brought capital (a share of monthly household spending).
CAPITALISED = {"platforms.catalogue": {"coop": {**COOPERATIVE, "capital": 0.01}}}


def test_cooperative_keeps_its_capital_as_reserve_and_pays_the_surplus_above_it() -> None:
    model = build(**CAPITALISED)
    clear_gig_work(model)
    coop = model.platforms[0]
    reserve = 0.01 * model.reference_spending
    assert reserve > 1_000.0
    chosen = make_gig_workers(model, coop, 2)
    coop.cash, coop.gig_pool = reserve + 4_000.0, 1_000.0
    stock = model.money_stock()
    platform_work.pay_gig_workers(model, [coop])
    np.testing.assert_allclose(model.workers.income[chosen], 2_500.0)
    assert coop.cash == pytest.approx(reserve, rel=1e-12) and coop.gig_pool == 0.0
    # the money left the platform's accounts for the workers' income (saved later in the step)
    assert stock - model.money_stock() == pytest.approx(model.workers.income[chosen].sum())


def test_cooperative_below_its_reserve_pays_only_the_pool() -> None:
    model = build(**CAPITALISED)
    clear_gig_work(model)
    coop = model.platforms[0]
    reserve = 0.01 * model.reference_spending
    chosen = make_gig_workers(model, coop, 2)
    coop.cash, coop.gig_pool = reserve - 500.0, 1_000.0
    platform_work.pay_gig_workers(model, [coop])
    np.testing.assert_allclose(model.workers.income[chosen], 500.0)
    assert coop.cash == reserve - 500.0


def test_cooperative_keeps_its_surplus_without_gig_workers() -> None:
    model = build(**CAPITALISED)
    clear_gig_work(model)
    coop = model.platforms[0]
    coop.cash = 0.01 * model.reference_spending + 5_000.0
    cash = coop.cash
    platform_work.pay_gig_workers(model, [coop])
    assert coop.cash == cash


def test_no_protection_pay_equals_pool_per_worker_during_a_run(monkeypatch) -> None:
    model = build(seed=4, **TWO_PLATFORMS, **BUSY)
    recorder = PayRecorder(monkeypatch)
    model.run_for(12)
    paid = [r for r in recorder.records if r["count"] > 0]
    assert len(paid) > 10
    for record in paid:
        assert record["paid"] == pytest.approx(record["pool"], rel=1e-12)


def test_earnings_floor_bounds_pay_and_the_number_of_gig_workers(monkeypatch) -> None:
    floor, contribution = 900.0, 0.15
    model = build(
        seed=5,
        **TWO_PLATFORMS,
        **BUSY,
        **{
            "simulation.policy_start": 3,
            "labour.earnings_floor": floor,
            "labour.social_contribution": contribution,
            "labour.gig_reservation": 0.3,
        },
    )
    recorder = PayRecorder(monkeypatch)
    for _ in range(15):
        model.step()
        check_gig_state(model)
    protected = [r for r in recorder.records if r["step"] >= 3 and r["count"] > 0]
    assert len(protected) >= 10
    binding = 0
    for record in protected:
        pay = record["paid"] / record["count"]
        assert pay >= floor * (1 - 1e-12)
        assert record["count"] <= record["pool"] / (floor * (1 + contribution)) + 1e-9
        binding += record["count"] == int(record["pool"] // (floor * (1 + contribution)))
    assert binding > 0, "the capacity limit never bound: the test does not test it"
    # before policy_start nothing limits them
    early = [r for r in recorder.records if r["step"] < 3 and r["count"] > 0]
    assert all(r["protection"] == (0.0, 0.0) for r in early)


# --------------------------------------------------------------------------------------------
# Freelance work and switching between platforms


def freelance_and_tasks_model():
    """A task platform and a freelance platform; every eligible worker looks each month and
    takes any pay (no reservation, no freelance premium)."""
    return build(
        seed=6,
        **{
            "platforms.catalogue": {"tasks": GLOBAL, "freelance": FREELANCE},
            "platforms.entry_rate": 0.0,
            "labour.gig_entry_rate": 1.0,
            "labour.gig_reservation": 0.0,
            "labour.freelance_premium": 0.0,
        },
    )


def test_skilled_workers_take_freelance_work_and_employees_leave_their_job() -> None:
    model = freelance_and_tasks_model()
    workers, firms, labour = model.workers, model.firms, model.scenario.labour
    clear_gig_work(model)
    tasks, freelance = model.platforms
    tasks.gig_pool, freelance.gig_pool = 0.0, 1e9  # freelance work pays more than any wage
    status, employer = workers.status.copy(), workers.employer.copy()
    employees, vacancies = firms.employees.copy(), firms.vacancies.copy()
    platform_work.join_gig_work(model, [tasks, freelance])
    joined = workers.status == Status.PLATFORM
    able = (
        (model.municipalities.connectivity[workers.home] >= labour.gig_connectivity_threshold)
        & (workers.literacy >= labour.gig_literacy_threshold)
        & freelance.reach[workers.home]
    )
    skilled = workers.skill >= labour.freelance_skill_threshold
    searching = (status == Status.EMPLOYEE) | (status == Status.UNEMPLOYED)
    np.testing.assert_array_equal(joined, able & skilled & searching)
    assert (workers.gig_platform[joined] == freelance.index).all()
    left = joined & (status == Status.EMPLOYEE)
    assert left.sum() > 10 and (joined & (status == Status.UNEMPLOYED)).any()
    # each firm loses the employees who left and gets a vacancy for each
    lost = np.bincount(employer[left], minlength=len(firms.employees))
    np.testing.assert_array_equal(firms.employees, employees - lost)
    np.testing.assert_array_equal(firms.vacancies, vacancies + lost)
    assert (workers.employer[left] == -1).all()
    assert model.events["quits_for_freelance"] == left.sum()
    np.testing.assert_array_equal(
        firms.employees,
        np.bincount(workers.employer[workers.employer >= 0], minlength=len(firms.employees)),
    )


def test_employees_stay_when_freelance_pay_is_below_wage_plus_premium() -> None:
    model = build(
        seed=6,
        **{
            "platforms.catalogue": {"freelance": FREELANCE},
            "platforms.entry_rate": 0.0,
            "labour.gig_entry_rate": 1.0,
            "labour.gig_reservation": 0.0,
            "labour.freelance_premium": 0.5,
        },
    )
    workers, labour = model.workers, model.scenario.labour
    clear_gig_work(model)
    freelance = model.platforms[0]
    status = workers.status.copy()
    skilled_employees = (status == Status.EMPLOYEE) & (
        workers.skill >= labour.freelance_skill_threshold
    )
    # one more freelancer would be paid 1.5 x the median wage of the skilled employees
    pay = 1.5 * float(np.median(workers.wage[skilled_employees]))
    freelance.gig_pool = pay
    platform_work.join_gig_work(model, [freelance])
    joined = workers.status == Status.PLATFORM
    was_employee = joined & (status == Status.EMPLOYEE)
    assert was_employee.sum() > 5
    assert (workers.wage[was_employee] * 1.5 <= pay).all()
    able = (
        model.municipalities.connectivity[workers.home] >= labour.gig_connectivity_threshold
    ) & (workers.literacy >= labour.gig_literacy_threshold)
    stayed = skilled_employees & able & freelance.reach[workers.home] & ~joined
    assert stayed.sum() > 5 and (workers.wage[stayed] * 1.5 > pay).all()
    assert model.events["quits_for_freelance"] == was_employee.sum()


def test_gig_workers_switch_only_between_platforms_of_their_segment() -> None:
    model = build(
        seed=7,
        **{
            "platforms.catalogue": {"a": GLOBAL, "b": GLOBAL, "freelance": FREELANCE},
            "platforms.entry_rate": 0.0,
            "platforms.revision_share": 1.0,
            "competition.switching_cost": 0.0,
        },
    )
    workers = model.workers
    clear_gig_work(model)
    a, b, freelance = model.platforms
    chosen = make_gig_workers(model, a, 60)
    on_freelance = make_gig_workers(model, freelance, 20)
    platform_market.count_members(model)
    # b and the freelance platform pay far more than a
    a.gig_pool, b.gig_pool, freelance.gig_pool = 600.0, 1e7, 1e9
    platform_work.revise_gig_platforms(model, [a, b, freelance])
    moved = workers.gig_platform[chosen] != a.index
    assert moved.sum() > 30, "gig workers in b's reach move to the better pay"
    assert (workers.gig_platform[chosen[moved]] == b.index).all(), "a move across segments"
    assert (workers.gig_platform[on_freelance] == freelance.index).all()
    assert model.events["gig_switches"] == moved.sum()
    assert (a.gig_workers, b.gig_workers) == (60 - moved.sum(), moved.sum())


def test_joining_counts_each_new_gig_worker_once_on_one_platform() -> None:
    model = freelance_and_tasks_model()
    workers = model.workers
    clear_gig_work(model)
    tasks, freelance = model.platforms
    tasks.gig_pool, freelance.gig_pool = 1e9, 1e9
    platform_work.join_gig_work(model, [tasks, freelance])
    joined = workers.status == Status.PLATFORM
    for platform in (tasks, freelance):
        on_it = np.count_nonzero(workers.gig_platform == platform.index)
        assert platform.gig_workers == on_it, platform.name
    assert model.events["gig_entries"] == joined.sum()
