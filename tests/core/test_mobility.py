"""Tests for phase 7, mobility: destinations, conservation of people, jobs lost by moving."""

from __future__ import annotations

import numpy as np
import pytest

from platsim.core.agents import Status
from platsim.core.phases import mobility


def reachable(model, origin: np.ndarray, destination: np.ndarray) -> np.ndarray:
    weight = model.territory.commute_weight
    return np.asarray(weight[origin, destination]).ravel() > 0


def test_destination_probabilities_are_a_distribution(small_model) -> None:
    probability = mobility.destination_probabilities(small_model)
    assert probability.shape == (small_model.territory.n,)
    assert (probability > 0).all()
    assert probability.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("parameter", "attribute"),
    [("mobility.weight_services", "services"), ("mobility.weight_connectivity", "connectivity")],
)
def test_destination_probability_rises_with_attractiveness(
    make_model, parameter: str, attribute: str
) -> None:
    model = make_model(overrides={parameter: 2.0})
    target = int(np.argmin(model.municipalities.residents))
    getattr(model.municipalities, attribute)[target] = 0.0
    low = mobility.destination_probabilities(model)[target]
    getattr(model.municipalities, attribute)[target] = 1.0
    high = mobility.destination_probabilities(model)[target]
    # logit: the odds ratio of the target is exp(weight x change), others nearly unchanged
    assert high > low
    assert high / (1 - high) / (low / (1 - low)) == pytest.approx(np.exp(2.0), rel=1e-9)


def test_everyone_moves_population_conserved_and_far_movers_lose_their_job(make_model) -> None:
    # a connectivity threshold for gig work that some destinations miss (gig workers lost)
    model = make_model(
        overrides={"mobility.relocation_rate": 1.0, "labour.gig_connectivity_threshold": 0.6}
    )
    workers, firms = model.workers, model.firms
    n_workers = len(workers)
    home = workers.home.copy()
    employer = workers.employer.copy()
    status = workers.status.copy()
    gig_platform = workers.gig_platform.copy()
    mobility.step(model)

    assert len(workers) == n_workers
    assert model.municipalities.residents.sum() == n_workers
    np.testing.assert_array_equal(
        model.municipalities.residents, np.bincount(workers.home, minlength=model.territory.n)
    )
    assert model.events["relocations"] == n_workers
    assert (workers.home != home).mean() > 0.5

    was_employee = status == Status.EMPLOYEE
    workplace = firms.municipality[np.maximum(employer, 0)]
    in_reach = reachable(model, workers.home, workplace)
    kept = was_employee & in_reach
    lost = was_employee & ~in_reach
    assert lost.sum() > 0 and kept.sum() > 0
    np.testing.assert_array_equal(workers.employer[kept], employer[kept])
    assert (workers.status[kept] == Status.EMPLOYEE).all()
    assert (workers.status[lost] == Status.UNEMPLOYED).all()
    assert (workers.employer[lost] == -1).all()
    assert model.events["job_losses_by_moving"] == lost.sum()
    # gig workers (seeded at month 0) whose platform does not reach their new home, or whose
    # new home is below the connectivity gig work needs, stop gig work; the others keep
    # their status
    was_gig = status == Status.PLATFORM
    reach = np.array([p.reach for p in model.platforms])
    connected = (
        model.municipalities.connectivity[workers.home]
        >= model.scenario.labour.gig_connectivity_threshold
    )
    gig_kept = was_gig & reach[np.maximum(gig_platform, 0), workers.home] & connected
    gig_lost = was_gig & ~gig_kept
    assert gig_kept.sum() > 0 and gig_lost.sum() > 0
    assert (workers.status[gig_lost] == Status.UNEMPLOYED).all()
    assert (workers.gig_platform[gig_lost] == -1).all()
    np.testing.assert_array_equal(workers.gig_platform[gig_kept], gig_platform[gig_kept])
    others = ~was_employee & ~gig_lost
    np.testing.assert_array_equal(workers.status[others], status[others])
    np.testing.assert_array_equal(
        firms.employees, np.bincount(workers.employer[workers.employer >= 0], minlength=len(firms))
    )


def test_nobody_moves_at_rate_zero(make_model) -> None:
    model = make_model(overrides={"mobility.relocation_rate": 0.0})
    home = model.workers.home.copy()
    model.run_for(3)
    np.testing.assert_array_equal(model.workers.home, home)


def test_destinations_follow_the_logit_probabilities(make_model) -> None:
    # a connectivity threshold for gig work that some destinations miss (gig workers lost)
    model = make_model(
        overrides={"mobility.relocation_rate": 1.0, "labour.gig_connectivity_threshold": 0.6}
    )
    probability = mobility.destination_probabilities(model)
    mobility.step(model)
    counts = np.bincount(model.workers.home, minlength=model.territory.n)
    expected = probability * len(model.workers)
    # binomial counts: each within 5 standard deviations
    sd = np.sqrt(expected * (1 - probability))
    assert (np.abs(counts - expected) <= 5 * sd + 1).all()


def test_population_is_conserved_over_a_run(make_model) -> None:
    model = make_model(overrides={"mobility.relocation_rate": 0.05})
    n_workers = len(model.workers)
    moved = 0
    for _ in range(12):
        model.step()
        moved += model.events["relocations"]
        assert len(model.workers) == n_workers
        assert model.municipalities.residents.sum() == n_workers
    assert moved > 0.5 * 0.05 * 12 * n_workers
