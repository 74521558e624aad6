"""Tests for platsim.core.agents: the array populations, their records, frames and bookkeeping."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from platsim.core import agents
from platsim.core.agents import NO_EMPLOYER, Firms, Municipalities, Sector, Status, Workers


def test_status_codes_are_distinct_small_ints() -> None:
    codes = [int(s) for s in Status]
    assert len(set(codes)) == len(codes) == 4
    assert {s.name for s in Status} == {"EMPLOYEE", "PLATFORM", "UNEMPLOYED", "TRAINING"}
    assert max(codes) <= np.iinfo(np.int8).max
    assert [int(s) for s in Sector] == [0, 1, 2]


def test_plain_int_codes_match_the_enums() -> None:
    for code in (*Status, *Sector):
        plain = getattr(agents, code.name)
        assert type(plain) is int and plain == int(code), code.name
    assert agents.N_STATUSES == len(Status)


def test_empty_workers_are_unemployed_without_employer() -> None:
    workers = Workers.empty(5)
    assert len(workers) == 5
    for name in Workers.columns():
        assert len(getattr(workers, name)) == 5, name
    assert (workers.status == Status.UNEMPLOYED).all()
    assert (workers.employer == NO_EMPLOYER).all()
    assert (workers.home == 0).all()
    assert len(Workers.empty(0)) == 0


def test_record_is_a_copy_with_every_column() -> None:
    workers = Workers.empty(3)
    workers.skill[:] = [0.1, 0.2, 0.3]
    workers.employer[2] = 7
    record = workers[2]
    assert record.index == 2
    assert record.skill == pytest.approx(0.3)
    assert record.employer == 7
    assert record._fields == ("index", *Workers.columns())
    workers.skill[2] = 0.9
    assert record.skill == pytest.approx(0.3), "record must not be a view"
    assert workers[-1].index == 2
    assert workers[-3].index == 0
    with pytest.raises(IndexError):
        workers[3]
    with pytest.raises(IndexError):
        workers[-4]


def test_frame_is_a_copy_with_one_row_per_agent() -> None:
    firms = Firms.empty(4)
    frame = firms.frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == Firms.columns()
    assert len(frame) == 4
    frame.loc[0, "cash"] = 123.0
    assert firms.cash[0] == 0.0, "frame must not share memory with the arrays"


def test_make_unemployed_returns_former_employers_and_keeps_wage() -> None:
    workers = Workers.empty(5)
    workers.status[:] = [Status.EMPLOYEE, Status.EMPLOYEE, Status.UNEMPLOYED, Status.EMPLOYEE, 3]
    workers.employer[:] = [4, 2, NO_EMPLOYER, 4, NO_EMPLOYER]
    workers.wage[:] = 2000.0
    workers.months_unemployed[:] = 5
    mask = np.array([True, False, True, True, False])
    former = workers.make_unemployed(mask)
    assert sorted(former.tolist()) == [4, 4]
    assert (workers.status[mask] == Status.UNEMPLOYED).all()
    assert (workers.employer[mask] == NO_EMPLOYER).all()
    assert (workers.months_unemployed[mask] == 0).all()
    assert (workers.wage == 2000.0).all(), "the last wage stays for the benefit"
    # untouched workers
    assert workers.status[1] == Status.EMPLOYEE and workers.employer[1] == 2
    assert workers.status[4] == Status.TRAINING
    assert workers.months_unemployed[1] == 5


def test_allocate_reuses_dead_rows_first_and_resets_them() -> None:
    firms = Firms.empty(4)
    firms.alive[[0, 2]] = True
    firms.cash[:] = [1.0, 2.0, 3.0, 4.0]
    firms.employees[:] = [5, 6, 7, 8]
    firms.digital[3] = True
    rows = firms.allocate(2)
    assert sorted(rows.tolist()) == [1, 3]
    assert len(firms) == 4
    assert (firms.cash[rows] == 0).all()
    assert (firms.employees[rows] == 0).all()
    assert not firms.digital[rows].any()
    assert not firms.alive[rows].any(), "the caller switches new rows on"
    # live rows untouched
    assert firms.cash[0] == 1.0 and firms.cash[2] == 3.0
    assert firms.employees[0] == 5 and firms.employees[2] == 7


def test_allocate_grows_every_column_when_needed() -> None:
    firms = Firms.empty(3)
    firms.alive[:] = True
    firms.cash[:] = 9.0
    rows = firms.allocate(5)
    assert len(rows) == 5 and len(set(rows.tolist())) == 5
    assert (rows >= 3).all()
    size = len(firms)
    assert size >= 8
    for name in Firms.columns():
        assert len(getattr(firms, name)) == size, name
    assert (firms.cash[:3] == 9.0).all()
    assert firms.alive[:3].all() and not firms.alive[3:].any()
    # repeated growth keeps the arrays consistent
    firms.alive[rows] = True
    more = firms.allocate(40)
    assert len(np.intersect1d(more, np.flatnonzero(firms.alive))) == 0
    assert len({len(getattr(firms, name)) for name in Firms.columns()}) == 1


def test_recount_and_add_employees() -> None:
    firms = Firms.empty(4)
    employer = np.array([0, 2, 2, NO_EMPLOYER, 3, 2])
    firms.recount_employees(employer)
    np.testing.assert_array_equal(firms.employees, [1, 0, 3, 1])
    firms.add_employees(np.array([1, 1, 3]))
    np.testing.assert_array_equal(firms.employees, [1, 2, 3, 2])
    firms.add_employees(np.array([2, 2]), -1)
    np.testing.assert_array_equal(firms.employees, [1, 2, 1, 2])
    firms.add_employees(np.array([], dtype=np.int64))
    np.testing.assert_array_equal(firms.employees, [1, 2, 1, 2])


def test_revenue_is_local_plus_external() -> None:
    firms = Firms.empty(2)
    firms.revenue_local[:] = [1.0, 2.0]
    firms.revenue_external[:] = [10.0, 0.5]
    np.testing.assert_allclose(firms.revenue, [11.0, 2.5])


def test_municipalities_population_behaves_like_the_others() -> None:
    munis = Municipalities(
        residents=np.array([3, 4]),
        connectivity=np.array([0.5, 0.9]),
        services=np.array([0.2, 0.8]),
        budget=np.zeros(2),
        receipts=np.zeros(2),
        service_budget=np.zeros(2),
        integration=np.array([0.37, 0.37]),
    )
    assert len(munis) == 2
    assert munis[1].residents == 4
    assert list(munis.frame().columns) == Municipalities.columns()


def test_model_populations_frames_and_records(small_model) -> None:
    model = small_model
    frame = model.workers.frame()
    assert len(frame) == len(model.workers) > 1000
    np.testing.assert_array_equal(frame["home"].to_numpy(), model.workers.home)
    first = model.workers[0]
    assert first.home == model.workers.home[0]
    assert first.status in {int(s) for s in Status}
    assert len(model.firms.frame()) == len(model.firms)
    munis = model.municipality_frame()
    assert len(munis) == model.territory.n
    np.testing.assert_array_equal(munis["residents"], model.municipalities.residents)


@pytest.mark.parametrize("n_municipalities", [1, 7, 100])
def test_sum_by_home_equals_bincount_bit_for_bit(n_municipalities: int) -> None:
    rng = np.random.default_rng(n_municipalities)
    workers = Workers.empty(2_000)
    workers.home = np.sort(rng.integers(0, n_municipalities, 2_000))  # as created: sorted
    values = rng.lognormal(7.0, 1.0, 2_000)
    expected = np.bincount(workers.home, weights=values, minlength=n_municipalities)
    np.testing.assert_array_equal(workers.sum_by_home(values, n_municipalities), expected)
    flags = rng.random(2_000) < 0.3
    np.testing.assert_array_equal(
        workers.sum_by_home(flags, n_municipalities),
        np.bincount(workers.home, weights=flags, minlength=n_municipalities),
    )
    np.testing.assert_array_equal(
        workers.count_by_home(n_municipalities),
        np.bincount(workers.home, minlength=n_municipalities),
    )


def test_homes_change_only_by_relocation_which_refreshes_the_sums() -> None:
    rng = np.random.default_rng(3)
    workers = Workers.empty(500)
    workers.home = rng.integers(0, 10, 500)
    values = rng.random(500)
    before = workers.sum_by_home(values, 10)
    with pytest.raises(ValueError, match="read-only"):
        workers.home[0] = 9
    movers = np.flatnonzero(workers.home == 2)
    workers.relocate(movers, 7)
    after = workers.sum_by_home(values, 10)
    assert after[2] == 0.0
    assert after[7] == pytest.approx(before[7] + before[2])
    np.testing.assert_array_equal(after, np.bincount(workers.home, weights=values, minlength=10))
    # more municipalities than before (a new index), and a copy that lost the read-only flag
    assert len(workers.sum_by_home(values, 12)) == 12
    clone = copy.deepcopy(workers)
    clone.home[:5] = 0  # writable again after the copy: the next sum notices
    np.testing.assert_array_equal(
        clone.sum_by_home(values, 10), np.bincount(clone.home, weights=values, minlength=10)
    )
    assert not clone.home.flags.writeable


def test_at_employer_reads_each_employees_firm_and_a_default_for_the_others() -> None:
    workers = Workers.empty(5)
    workers.employer[:] = [2, -1, 0, 2, -1]
    per_firm = np.array([10, 20, 30])
    np.testing.assert_array_equal(workers.at_employer(per_firm, -7), [30, -7, 10, 30, -7])
    flags = workers.at_employer(np.array([False, False, True]), False)
    assert flags.dtype == bool
    np.testing.assert_array_equal(flags, [True, False, False, True, False])
