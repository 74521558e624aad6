"""Samplers: sizes (grid product, LHS N, Saltelli N(2D+2), Morris N(D+1)), bounds, structure,
determinism and the common signature."""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest

from platsim.experiment.samplers import (
    SAMPLER_MODULES,
    Parameter,
    get_sampler,
    grid,
    lhs,
    morris,
    sobol,
)

RANGES = (
    Parameter("data.share", low=0.0, high=1.0),
    Parameter("competition.commission_cap", low=0.05, high=0.3),
    Parameter("labour.earnings_floor", low=0.0, high=1500.0),
)


def assert_within_bounds(design, parameters) -> None:
    for parameter in parameters:
        column = design[parameter.name]
        assert column.min() >= parameter.low and column.max() <= parameter.high, parameter.name


def test_every_sampler_has_the_same_signature() -> None:
    for method in SAMPLER_MODULES:
        names = list(inspect.signature(get_sampler(method)).parameters)[:3]
        assert names == ["parameters", "samples", "rng_or_seed"], method


def test_grid_holds_every_combination_once_first_parameter_slowest() -> None:
    parameters = (
        Parameter("data.regime", values=("closed", "trusted_third_party", "open", "portability")),
        Parameter("data.share", values=(0.0, 0.5, 1.0)),
        Parameter("competition.multihoming", values=(False, True)),
    )
    design = grid.sample(parameters, None, None)
    assert len(design) == 4 * 3 * 2
    assert design.index.name == "design_point" and list(design.index) == list(range(24))
    rows = list(design.itertuples(index=False, name=None))
    assert rows == list(itertools.product(*(p.values for p in parameters)))
    assert len(set(rows)) == len(rows)
    assert list(design["data.regime"][:6]) == ["closed"] * 6


@pytest.mark.parametrize("samples", [1, 7, 50])
def test_lhs_has_one_point_per_stratum_of_every_parameter(samples: int) -> None:
    design = lhs.sample(RANGES, samples, 3)
    assert len(design) == samples
    assert_within_bounds(design, RANGES)
    for parameter in RANGES:
        unit = (design[parameter.name] - parameter.low) / (parameter.high - parameter.low)
        strata = np.floor(unit.to_numpy() * samples).astype(int)
        assert sorted(strata) == list(range(samples)), parameter.name


@pytest.mark.parametrize("samples", [8, 64])
def test_sobol_saltelli_sizes_and_structure(samples: int) -> None:
    dimensions = len(RANGES)
    design = sobol.sample(RANGES, samples, 11)
    assert len(design) == samples * (2 * dimensions + 2)
    assert_within_bounds(design, RANGES)
    block = design.to_numpy()[: 2 * dimensions + 2]
    a, b = block[0], block[-1]
    for k in range(dimensions):  # A with column k from B
        expected = a.copy()
        expected[k] = b[k]
        np.testing.assert_array_equal(block[1 + k], expected)
    first_order = sobol.sample(RANGES, samples, 11, second_order=False)
    assert len(first_order) == samples * (dimensions + 2)


def test_morris_sizes_levels_and_one_factor_at_a_time() -> None:
    dimensions, trajectories, levels = len(RANGES), 6, 4
    design = morris.sample(RANGES, trajectories, 5, levels=levels)
    assert len(design) == trajectories * (dimensions + 1)
    assert_within_bounds(design, RANGES)
    values = design.to_numpy()
    for parameter_index, parameter in enumerate(RANGES):
        position = (values[:, parameter_index] - parameter.low) / (parameter.high - parameter.low)
        np.testing.assert_allclose(position * (levels - 1), np.round(position * (levels - 1)))
    for start in range(0, len(values), dimensions + 1):
        trajectory = values[start : start + dimensions + 1]
        changed = (np.diff(trajectory, axis=0) != 0).sum(axis=1)
        assert (changed == 1).all()


@pytest.mark.parametrize("method", ["lhs", "sobol", "morris"])
def test_same_seed_same_design_other_seed_other_design(method: str) -> None:
    sample = get_sampler(method)
    first = sample(RANGES, 8, 123)
    assert first.equals(sample(RANGES, 8, 123))
    assert first.equals(sample(RANGES, 8, np.random.default_rng(123)))
    assert not first.equals(sample(RANGES, 8, 124))


@pytest.mark.parametrize("method", ["lhs", "sobol", "morris"])
def test_integer_parameters_are_whole_numbers_within_bounds(method: str) -> None:
    parameters = (
        Parameter("economy.exit_months", low=3, high=12, integer=True),
        Parameter("data.share", low=0.0, high=1.0),
    )
    design = get_sampler(method)(parameters, 16, 1)
    months = design["economy.exit_months"]
    assert months.dtype == np.int64
    assert months.min() >= 3 and months.max() <= 12
    assert months.nunique() > 2
    assert design["data.share"].dtype == np.float64


def test_a_range_sampler_refuses_a_parameter_without_bounds() -> None:
    with pytest.raises(ValueError, match="low and high"):
        lhs.sample((Parameter("data.regime", values=("open",)),), 4, 0)
    with pytest.raises(ValueError, match="values"):
        grid.sample((Parameter("data.share", low=0.0, high=1.0),), None, None)
