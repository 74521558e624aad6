"""The sector shock (automotive transition), skill requirements in matching and the skills
platform (:mod:`platsim.core.phases.transition`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.conftest import check_accounts

from platsim.core.agents import EMPLOYEE, KNOWLEDGE, TRADITIONAL, UNEMPLOYED
from platsim.core.model import TerritoryModel
from platsim.core.phases import firms as firm_phase
from platsim.core.phases import labour, transition

SHOCK = {
    "simulation.policy_start": 0,
    "labour.transition_job_loss": 0.2,
    "labour.transition_job_creation": 0.45,
    "labour.transition_months": 96,
    "labour.transition_skill_requirement": 0.6,
}


def test_the_shock_moves_demand_from_the_traditional_to_the_knowledge_sector(make_model) -> None:
    model = make_model(overrides=SHOCK)
    model.steps = 48  # half way through the 96 months (steps counted from policy_start 0)
    factor = transition.demand_factor(model)
    loss = 0.2 * 49 / 96
    assert factor[TRADITIONAL] == pytest.approx(1.0 - loss, rel=1e-12)
    jobs = model.external_demand / model.reference_productivity
    created = 0.45 * loss * jobs[TRADITIONAL]  # knowledge jobs created, at the reference
    assert (factor[KNOWLEDGE] - 1.0) * jobs[KNOWLEDGE] == pytest.approx(created, rel=1e-12)
    assert factor[0] == 1.0
    model.steps = 500
    assert transition.demand_factor(model)[TRADITIONAL] == pytest.approx(0.8, rel=1e-12)


def test_nothing_is_in_force_by_default(make_model) -> None:
    model = make_model(overrides={"simulation.policy_start": 0})
    model.step()
    assert transition.demand_factor(model) is None
    assert transition.vacancy_requirement(model) is None
    assert not transition.searches_differently(model)
    assert math.isnan(model.outcomes["displaced_reemployment_rate"])
    assert math.isnan(model.outcomes["displaced_job_finding_rate"])


def test_only_qualified_workers_fill_knowledge_vacancies(make_model) -> None:
    model = make_model(overrides={**SHOCK, "labour.transition_skill_requirement": 0.7})
    workers, firms = model.workers, model.firms
    required = 0.7
    for _ in range(6):
        before = workers.employer.copy()
        model.step()
        sector = workers.at_employer(firms.sector, -1)
        new = (workers.employer != before) & (workers.status == EMPLOYEE)
        assert (workers.skill[new & (sector == KNOWLEDGE)] >= required).all()
        assert model.events["applications_rejected_for_skill"] > 0  # blind applicants


def test_platform_users_apply_only_where_they_qualify(make_model) -> None:
    """Displaced, literate job seekers below the requirement: with the platform none of their
    applications is rejected; without it some are."""
    rejected = {}
    for platform in (False, True):
        model = make_model(overrides={**SHOCK, "labour.skills_platform": platform})
        model.step()
        workers = model.workers
        seeking = labour.searching(workers).nonzero()[0]
        state = transition._state(model)
        state["displaced"][seeking] = True
        workers.literacy[seeking] = 1.0
        workers.skill[seeking] = 0.3
        model.firms.vacancies[:] = np.where(model.firms.alive, 3, 0)
        model.events.clear()
        lucky, firm = transition.search(model, seeking, labour.apply_to_firms)
        assert (workers.skill[lucky] >= transition.vacancy_requirement(model)[firm]).all()
        rejected[platform] = model.events["applications_rejected_for_skill"]
    assert rejected[True] == 0 < rejected[False]


def test_employees_at_risk_move_job_to_job_with_the_platform(make_model) -> None:
    model = make_model(
        overrides={**SHOCK, "labour.skills_platform": True, "labour.on_the_job_search": 1.0}
    )
    model.step()
    firms, workers = model.firms, model.workers
    traditional = firms.alive & (firms.sector == TRADITIONAL)
    firms.planned_revenue[traditional] *= 0.5  # their labour demand halves: employees at risk
    risk = transition.at_risk(model)
    assert len(risk) > 0
    assert (
        firm_phase.labour_demand(model)[workers.employer[risk]]
        < firms.employees[workers.employer[risk]]
    ).all()
    old = workers.employer[risk].copy()
    vacancies = firms.vacancies.copy()
    model.events.clear()
    labour.match(model)
    moved = workers.employer[risk] != old
    assert moved.any() and (workers.status[risk] == EMPLOYEE).all()
    assert model.events["job_to_job_moves"] == np.count_nonzero(moved)
    # the old positions are not reopened; the counts follow the workers
    assert (firms.vacancies <= vacancies).all()
    left = np.bincount(old[moved], minlength=len(firms))
    assert np.array_equal(
        firms.employees, np.bincount(workers.employer[workers.employer >= 0], minlength=len(firms))
    )
    assert left.sum() == np.count_nonzero(moved)


def test_training_places_go_first_to_users_one_path_brings_to_the_requirement(make_model) -> None:
    model = make_model(overrides={**SHOCK, "labour.skills_platform": True})
    model.step()
    workers = model.workers
    candidates = (workers.status == UNEMPLOYED).nonzero()[0]
    state = transition._state(model)
    state["displaced"][:] = False
    steered = candidates[::4]
    state["displaced"][steered] = True
    workers.literacy[candidates] = 1.0
    workers.skill[candidates] = 0.2  # too far: one path does not reach 0.6
    workers.skill[steered] = 0.58  # 0.58 + 0.1 * 0.42 >= 0.6
    free = np.bincount(workers.home[steered], minlength=model.territory.n)
    chosen = transition.choose_trainees(model, candidates, free)
    assert set(chosen) == set(steered)


def test_displaced_workers_are_those_losing_a_traditional_job(make_model) -> None:
    """With the platform and the State's training places too: the money identity holds."""
    model = make_model(
        overrides={
            **SHOCK,
            "labour.transition_job_loss": 0.6,
            "labour.transition_months": 1,
            "labour.skills_platform": True,
            "public.training_programme": 2.0,
        }
    )
    workers = model.workers
    model.step()  # records who works in the traditional sector
    exposed = transition._state(model)["exposed"].copy()
    for _ in range(3):
        stock = model.money_stock()
        model.step()
        check_accounts(model, stock)
        exposed |= transition._state(model)["exposed"]
    displaced = transition._state(model)["displaced"]
    assert displaced.sum() > 0.05 * exposed.sum()
    assert not (displaced & ~exposed).any()
    employed = np.isin(workers.status[displaced], (EMPLOYEE, 1))
    assert model.outcomes["displaced_reemployment_rate"] == pytest.approx(employed.mean())
    assert 0.0 <= model.outcomes["displaced_job_finding_rate"] <= 1.0


def interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and 95% interval (Student t, 10 pairs) of paired differences."""
    array = np.asarray(values)
    half = 2.262 * array.std(ddof=1) / np.sqrt(len(array))
    return array.mean(), array.mean() - half, array.mean() + half


@pytest.mark.slow
def test_the_skills_platform_and_the_re_employment_of_displaced_workers() -> None:
    """Paired seeds 1-10, the automotive transition with and without the skills platform, both
    with the same State training programme (2 places per 1,000 workers), 60 months.

    Criterion: the platform acts through its own channels in every pair: job-to-job moves
    happen only with it, and a larger share of the displaced workers meets the new jobs'
    skill requirement at month 60 (steered training paths). The re-employment of displaced
    workers is printed with a 95% interval: the mean over months 13-60 of their monthly
    re-employment hazard (+0.009, interval from -0.003 to +0.020 when written) and the share
    employed at month 60 (+0.039, +0.017 to +0.061). The effect is small at these magnitudes
    (docs/ODD.md 7.4): the test requires only that the hazard's interval does not lie below 0.
    """
    hazard, stock, qualified = [], [], []
    for seed in range(1, 11):
        arms = {}
        for name, overrides in (
            ("automotive_transition", {"public.training_programme": 2.0}),
            ("skills_platform", {}),
        ):
            model = TerritoryModel(scenario=name, seed=seed, overrides=overrides)
            moves = 0
            for _ in range(60):
                model.step()
                moves += model.events["job_to_job_moves"]
            displaced = transition._state(model)["displaced"]
            share = np.mean(model.workers.skill[displaced] >= 0.6)
            arms[name] = (model.metrics_frame(), moves, share)
        (without, moves_without, share_without), (with_, moves_with, share_with) = arms.values()
        assert moves_without == 0 < moves_with
        column = "displaced_job_finding_rate"
        hazard.append(np.nanmean(with_[column][13:]) - np.nanmean(without[column][13:]))
        stock.append(
            with_["displaced_reemployment_rate"].iloc[-1]
            - without["displaced_reemployment_rate"].iloc[-1]
        )
        qualified.append(share_with - share_without)
    for label, values in (("hazard", hazard), ("employed", stock), ("qualified", qualified)):
        print("{}: {:+.4f} [{:+.4f}, {:+.4f}]".format(label, *interval(values)))
    assert min(qualified) > 0
    assert interval(hazard)[2] > 0
