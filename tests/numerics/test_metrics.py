"""Tests for platsim.numerics.metrics against analytic values and independent computations."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from platsim.numerics.metrics import (
    TheilDecomposition,
    gini,
    group_means,
    group_sums,
    hhi,
    lorenz_curve,
    safe_ratio,
    shares,
    theil,
    theil_decomposition,
    top_share,
    weighted_mean,
)

# Positive, well-scaled floats: keep hypothesis away from subnormals and overflow.
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
nonnegative = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


def brute_force_gini(x: np.ndarray) -> float:
    """Mean absolute difference over all ordered pairs / (2 * mean): O(n^2) definition."""
    x = np.asarray(x, dtype=float)
    if x.size == 0 or x.sum() == 0:
        return 0.0
    # divided by n * sum, not n^2 * mean: the mean of tiny values underflows to 0
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size * x.sum()))


# --------------------------------------------------------------------------------------------
# Gini
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_gini_equal_incomes_is_zero(n: int) -> None:
    assert gini(np.full(n, 0.1)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 10, 1000])
def test_gini_one_has_everything(n: int) -> None:
    x = np.zeros(n)
    x[n // 2] = 42.0
    assert gini(x) == pytest.approx((n - 1) / n, rel=1e-12)


def test_gini_small_known_value() -> None:
    # sum (2i - n - 1) x_(i) / (n sum x) = (-3*1 - 1*2 + 1*3 + 3*4) / (4 * 10) = 0.25
    assert gini([4, 2, 3, 1]) == pytest.approx(0.25, rel=1e-12)


def test_gini_exponential_is_one_half() -> None:
    rng = np.random.default_rng(20240601)
    x = rng.exponential(scale=3.0, size=200_000)
    assert gini(x) == pytest.approx(0.5, abs=0.01)


def test_gini_edge_cases() -> None:
    assert gini([]) == 0.0
    assert gini(np.zeros(5)) == 0.0
    assert gini([1.0, 2.0], weights=[0.0, 0.0]) == 0.0
    assert gini([5.0]) == 0.0


@pytest.mark.parametrize("bad", [[1.0, -0.5, 2.0], [1.0, np.nan], [np.inf, 1.0]])
def test_gini_rejects_negative_and_nonfinite(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        gini(bad)


def test_gini_rejects_bad_weights() -> None:
    with pytest.raises(ValueError):
        gini([1.0, 2.0], weights=[1.0, -1.0])
    with pytest.raises(ValueError):
        gini([1.0, 2.0], weights=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError):
        gini(np.ones((2, 2)))


@settings(max_examples=60, deadline=None)
@given(st.lists(nonnegative, min_size=1, max_size=40))
def test_gini_matches_pairwise_definition(values: list[float]) -> None:
    assert gini(values) == pytest.approx(brute_force_gini(np.array(values)), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(nonnegative, st.integers(min_value=0, max_value=6)), min_size=1, max_size=40)
)
def test_weighted_gini_equals_repeated_sample(rows: list[tuple[float, int]]) -> None:
    x = np.array([v for v, _ in rows])
    w = np.array([k for _, k in rows])
    expected = gini(np.repeat(x, w))
    assert gini(x, weights=w) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(nonnegative, min_size=1, max_size=40),
    st.floats(min_value=1e-3, max_value=1e3),
)
def test_gini_scale_and_permutation_invariant(values: list[float], c: float) -> None:
    x = np.array(values)
    g = gini(x)
    assert gini(c * x) == pytest.approx(g, rel=1e-9, abs=1e-12)
    assert gini(x[::-1]) == pytest.approx(g, rel=1e-9, abs=1e-12)
    assert 0.0 <= g <= (x.size - 1) / x.size + 1e-12


# --------------------------------------------------------------------------------------------
# Lorenz curve
# --------------------------------------------------------------------------------------------


def test_lorenz_known_points() -> None:
    pop, val = lorenz_curve([3.0, 1.0, 0.0, 4.0])
    np.testing.assert_allclose(pop, [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(val, [0.0, 0.0, 0.125, 0.5, 1.0])


def test_lorenz_edge_cases() -> None:
    for pop, val in (lorenz_curve([]), lorenz_curve(np.zeros(3))):
        assert pop[0] == val[0] == 0.0
        assert pop[-1] == val[-1] == 1.0
        np.testing.assert_array_equal(pop, val)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(nonnegative, st.floats(min_value=0.0, max_value=100.0)),
        min_size=1,
        max_size=50,
    ),
    st.booleans(),
)
def test_lorenz_endpoints_monotone_and_gini_area(
    rows: list[tuple[float, float]], weighted: bool
) -> None:
    x = np.array([v for v, _ in rows])
    w = np.array([k for _, k in rows]) if weighted else None
    pop, val = lorenz_curve(x, w)
    assert pop.shape == val.shape
    assert pop[0] == 0.0 and val[0] == 0.0
    assert pop[-1] == 1.0 and val[-1] == 1.0
    assert np.all(np.diff(pop) >= 0)
    assert np.all(np.diff(val) >= 0)
    assert np.all(val <= pop + 1e-12)  # Lorenz curve lies below the line of equality
    if not weighted:
        area = np.trapezoid(val, pop)
        assert gini(x) == pytest.approx(1.0 - 2.0 * area, abs=1e-9)


def test_lorenz_area_relation_weighted_example() -> None:
    rng = np.random.default_rng(7)
    x = rng.lognormal(size=500)
    w = rng.integers(1, 5, size=500).astype(float)
    pop, val = lorenz_curve(x, w)
    assert gini(x, w) == pytest.approx(1.0 - 2.0 * np.trapezoid(val, pop), abs=1e-9)


# --------------------------------------------------------------------------------------------
# Theil
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 1000])
def test_theil_equal_incomes_is_zero(n: int) -> None:
    assert theil(np.full(n, 0.1)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 1000])
def test_theil_maximum_is_log_n(n: int) -> None:
    x = np.zeros(n)
    x[0] = 7.0
    assert theil(x) == pytest.approx(math.log(n), rel=1e-12)


def test_theil_small_known_value() -> None:
    # mu = 2: T = 1/2 * (0.5 ln 0.5 + 1.5 ln 1.5)
    expected = 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5))
    assert theil([1.0, 3.0]) == pytest.approx(expected, rel=1e-12)


def test_theil_edge_cases() -> None:
    assert theil([]) == 0.0
    assert theil(np.zeros(4)) == 0.0
    assert theil([1.0, 2.0], weights=[0.0, 0.0]) == 0.0
    with pytest.raises(ValueError):
        theil([1.0, -1.0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(positive, st.integers(min_value=1, max_value=8)), min_size=1, max_size=30)
)
def test_population_weighted_theil_equals_individual_theil(
    rows: list[tuple[float, int]],
) -> None:
    per_capita = np.array([v for v, _ in rows])
    population = np.array([k for _, k in rows])
    individuals = np.repeat(per_capita, population)
    assert theil(per_capita, population) == pytest.approx(theil(individuals), rel=1e-9, abs=1e-12)


group_rows = st.lists(
    st.tuples(
        positive,
        st.floats(min_value=0.01, max_value=1e3),
        st.integers(min_value=0, max_value=4),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(group_rows)
def test_theil_decomposition_adds_up(rows: list[tuple[float, float, int]]) -> None:
    x = np.array([r[0] for r in rows])
    w = np.array([r[1] for r in rows])
    g = np.array([r[2] for r in rows])
    dec = theil_decomposition(x, w, g)
    assert isinstance(dec, TheilDecomposition)
    assert dec.between >= 0.0 and dec.within >= 0.0
    assert dec.between + dec.within == pytest.approx(dec.total, rel=1e-9, abs=1e-12)
    assert dec.total == pytest.approx(theil(x, w), rel=1e-9, abs=1e-12)
    # Between = population-weighted Theil of the group means.
    group_w = np.bincount(g, weights=w)
    present = group_w > 0
    group_mu = np.bincount(g, weights=w * x)[present] / group_w[present]
    assert dec.between == pytest.approx(theil(group_mu, group_w[present]), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(positive, min_size=1, max_size=10), min_size=1, max_size=5),
)
def test_theil_between_is_zero_when_group_means_equal(groups_values: list[list[float]]) -> None:
    # Rescale each group to mean 1 so all group means coincide.
    parts = [np.array(v) / np.mean(v) for v in groups_values]
    x = np.concatenate(parts)
    g = np.repeat(np.arange(len(parts)), [p.size for p in parts])
    dec = theil_decomposition(x, None, g)
    assert dec.between == pytest.approx(0.0, abs=1e-12)
    assert dec.within == pytest.approx(dec.total, rel=1e-9, abs=1e-12)


def test_theil_within_is_zero_when_groups_internally_equal() -> None:
    x = np.array([1.0, 1.0, 1.0, 5.0, 5.0])
    dec = theil_decomposition(x, None, np.array([False, False, False, True, True]))
    assert dec.within == pytest.approx(0.0, abs=1e-12)
    assert dec.between == pytest.approx(theil(x), rel=1e-12)


def test_theil_decomposition_labels_need_not_be_contiguous() -> None:
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=300)
    w = rng.uniform(0.5, 2.0, size=300)
    codes = rng.integers(0, 3, size=300)
    raw = np.array([-7, 75056, 10**12])[codes]
    assert theil_decomposition(x, w, raw) == pytest.approx(
        tuple(theil_decomposition(x, w, codes)), rel=1e-12
    )


def test_theil_decomposition_zero_income_group_and_edge_cases() -> None:
    x = np.array([0.0, 0.0, 2.0, 6.0])
    dec = theil_decomposition(x, None, np.array([0, 0, 1, 1]))
    # Group 0 has no income: s_0 = 0. mu = 2, mu_1 = 4: between = ln 2.
    assert dec.between == pytest.approx(math.log(2.0), rel=1e-12)
    assert dec.total == pytest.approx(theil(x), rel=1e-12)
    assert dec.between + dec.within == pytest.approx(dec.total, rel=1e-12)
    assert theil_decomposition([], None, np.array([], dtype=int)) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        theil_decomposition([1.0, 2.0], None, np.array([0.5, 1.0]))
    with pytest.raises(ValueError):
        theil_decomposition([1.0, 2.0], None, np.array([0, 1, 1]))


# --------------------------------------------------------------------------------------------
# Concentration
# --------------------------------------------------------------------------------------------


def test_hhi_monopoly() -> None:
    assert hhi([123.0]) == pytest.approx(10_000.0)
    assert hhi([0.0, 5.0, 0.0]) == pytest.approx(10_000.0)


@pytest.mark.parametrize("n", [1, 2, 4, 10, 100, 10_000])
def test_hhi_equal_shares(n: int) -> None:
    assert hhi(np.full(n, 3.7)) == pytest.approx(10_000.0 / n, rel=1e-12)


def test_hhi_known_value_and_zero_total() -> None:
    # shares 0.5, 0.3, 0.2 -> 2500 + 900 + 400
    assert hhi([50.0, 30.0, 20.0]) == pytest.approx(3800.0, rel=1e-12)
    assert hhi([]) == 0.0
    assert hhi(np.zeros(3)) == 0.0
    with pytest.raises(ValueError):
        hhi([1.0, -2.0])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(positive, min_size=1, max_size=50),
    st.floats(min_value=1e-3, max_value=1e3),
)
def test_hhi_bounds_and_scale_invariance(values: list[float], c: float) -> None:
    x = np.array(values)
    h = hhi(x)
    assert 10_000.0 / x.size * (1 - 1e-12) <= h <= 10_000.0 * (1 + 1e-12)
    assert hhi(c * x) == pytest.approx(h, rel=1e-9)


def test_top_share() -> None:
    assert top_share([1.0, 3.0, 6.0]) == pytest.approx(0.6)
    assert top_share([2.0]) == 1.0
    assert top_share([]) == 0.0
    assert top_share([0.0, 0.0]) == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(nonnegative, min_size=1, max_size=50))
def test_shares_sum_to_one(values: list[float]) -> None:
    s = shares(values)
    assert s.shape == (len(values),)
    if sum(values) > 0:
        assert s.sum() == pytest.approx(1.0, rel=1e-12)
        assert np.all(s >= 0)
        assert top_share(values) == pytest.approx(s.max())
    else:
        np.testing.assert_array_equal(s, 0.0)


# --------------------------------------------------------------------------------------------
# Means, ratios, group aggregates
# --------------------------------------------------------------------------------------------


def test_weighted_mean() -> None:
    assert weighted_mean([1.0, 2.0, 4.0], [1.0, 1.0, 2.0]) == pytest.approx(2.75)
    assert math.isnan(weighted_mean([1.0, 2.0], [0.0, 0.0]))
    assert math.isnan(weighted_mean([], []))
    with pytest.raises(ValueError):
        weighted_mean([1.0, 2.0], [1.0])


def test_safe_ratio() -> None:
    assert safe_ratio(3, 4) == 0.75
    assert math.isnan(safe_ratio(1.0, 0.0))
    assert safe_ratio(1.0, 0.0, default=0.0) == 0.0
    assert math.isnan(safe_ratio(math.nan, 2.0))


def test_group_sums_and_means_match_pandas() -> None:
    rng = np.random.default_rng(11)
    n, n_groups = 5_000, 12
    values = rng.normal(size=n)
    weights = rng.uniform(0.0, 3.0, size=n)
    groups = rng.integers(0, n_groups - 2, size=n)  # the last two groups stay empty
    frame = pd.DataFrame({"v": values, "w": weights, "g": groups, "wv": weights * values})
    by = frame.groupby("g")
    index = pd.RangeIndex(n_groups)

    expected_sums = by["v"].sum().reindex(index, fill_value=0.0).to_numpy()
    np.testing.assert_allclose(group_sums(values, groups, n_groups), expected_sums, rtol=1e-10)

    expected_means = by["v"].mean().reindex(index).to_numpy()
    np.testing.assert_allclose(
        group_means(values, groups, n_groups), expected_means, rtol=1e-10, equal_nan=True
    )

    expected_wmeans = (by["wv"].sum() / by["w"].sum()).reindex(index).to_numpy()
    np.testing.assert_allclose(
        group_means(values, groups, n_groups, weights=weights),
        expected_wmeans,
        rtol=1e-10,
        equal_nan=True,
    )
    assert np.isnan(group_means(values, groups, n_groups)[-2:]).all()


def test_group_helpers_accept_booleans_and_reject_bad_codes() -> None:
    urban = np.array([True, False, True, True])
    x = np.array([1.0, 2.0, 3.0, 5.0])
    np.testing.assert_allclose(group_sums(x, urban, 2), [2.0, 9.0])
    np.testing.assert_allclose(group_means(x, urban, 2), [2.0, 3.0])
    with pytest.raises(ValueError):
        group_sums(x, np.array([0, 1, 2, 3]), 3)
    with pytest.raises(ValueError):
        group_means(x, np.array([0, -1, 0, 0]), 2)
    with pytest.raises(ValueError):
        group_means(x, np.array([0, 1, 0, 0]), 2, weights=[1.0, 1.0, -1.0, 1.0])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.one_of(st.just(0.0), positive), positive, st.booleans()), max_size=40
    )
)
def test_unchecked_paths_give_the_checked_results(rows: list[tuple[float, float, bool]]) -> None:
    """``check=False`` (the model's path every step) skips validation, nothing else."""
    values = np.array([r[0] for r in rows], dtype=float)
    weights = np.array([r[1] for r in rows], dtype=float)
    groups = np.array([r[2] for r in rows], dtype=bool)
    assert gini(values, check=False) == gini(values)
    assert theil_decomposition(values, weights, groups, check=False) == theil_decomposition(
        values, weights, groups
    )
    assert hhi(values, check=False) == hhi(values)
    assert top_share(values, check=False) == top_share(values)
    np.testing.assert_array_equal(shares(values, check=False), shares(values))


# --------------------------------------------------------------------------------------------
# Input errors name the argument and the problem; small totals are not "no total"
# --------------------------------------------------------------------------------------------


def test_error_messages_name_the_argument_and_what_is_wrong() -> None:
    x = np.array([1.0, 2.0, 3.0])
    cases = [
        (lambda: gini(np.ones((2, 2))), r"^values must be one-dimensional, got shape \(2, 2\)"),
        (lambda: theil([1.0, -1.0]), r"^values must be non-negative"),
        (lambda: lorenz_curve([1.0, np.nan]), r"^values must be finite"),
        (lambda: gini([1.0, 2.0], weights=[1.0, -1.0]), r"^weights must be non-negative"),
        (lambda: theil([1.0, 2.0], weights=[np.inf, 1.0]), r"^weights must be finite"),
        (
            lambda: gini([1.0, 2.0], weights=[1.0]),
            r"^weights must have the same length as values \(1 != 2\)",
        ),
        (lambda: weighted_mean(np.ones((2, 2)), [1.0, 1.0]), r"^values must be one-dimensional"),
        (lambda: group_sums(np.ones((2, 2)), [0, 1], 2), r"^values must be one-dimensional"),
        (lambda: group_means(np.ones((2, 2)), [0, 1], 2), r"^values must be one-dimensional"),
        (lambda: weighted_mean(x, [1.0, -1.0, 1.0]), r"^weights must be non-negative"),
        (
            lambda: group_means(x, [0, 1, 1], 2, weights=[1.0, np.nan, 1.0]),
            r"^weights must be finite",
        ),
        (lambda: shares([1.0, -1.0]), r"^values must be non-negative \(minimum is -1\.0\)$"),
        (lambda: top_share([np.inf, 1.0]), r"^values must be finite"),
        (
            lambda: weighted_mean(x, [1.0, 1.0]),
            r"^weights must have the same length as values \(2 != 3\)",
        ),
        (
            lambda: group_means(x, [0, 1, 1], 2, weights=[1.0, 1.0]),
            r"^weights must have the same length as values \(2 != 3\)",
        ),
        (lambda: group_sums(x, np.zeros((3, 1), int), 2), r"^groups must be one-dimensional"),
        (
            lambda: group_sums(x, [0, 1], 2),
            r"^groups must have the same length as values \(2 != 3\)",
        ),
        (
            lambda: group_means(x, [0.0, 1.0, 1.0], 2),
            r"^groups must be an integer or boolean array, got dtype float64",
        ),
        (lambda: group_sums(x, [0, 4, 1], 3), r"^group codes must be < n_groups=3 \(found 4\)"),
        (lambda: group_means(x, [0, 2, 1], 2), r"^group codes must be < n_groups=2 \(found 2\)"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_a_single_float_label_is_refused_but_no_labels_at_all_are_accepted() -> None:
    with pytest.raises(ValueError, match="integer or boolean"):
        group_sums([1.0], np.array([0.0]), 1)
    # an empty list becomes an empty float array: no observations, nothing to refuse
    np.testing.assert_array_equal(group_sums([], [], 3), np.zeros(3))
    assert np.isnan(group_means([], [], 2)).all()
    assert theil_decomposition([], None, []) == (0.0, 0.0, 0.0)


def test_negative_labels_are_grouped_like_any_other() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    by_codes = theil_decomposition(x, None, np.array([0, 1, 2, 2]))
    assert theil_decomposition(x, None, np.array([-1, 0, 1, 1])) == pytest.approx(
        tuple(by_codes), rel=1e-12
    )


def test_totals_below_one_are_totals() -> None:
    """Weights and incomes summing to less than 1 are ordinary (shares, per-capita units)."""
    pop, val = lorenz_curve([1.0, 3.0], weights=[0.25, 0.25])
    np.testing.assert_allclose(pop, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(val, [0.0, 0.25, 1.0])
    pop, val = lorenz_curve([0.1, 0.3])
    np.testing.assert_allclose(val, [0.0, 0.25, 1.0])
    assert theil([1.0, 3.0], weights=[0.25, 0.25]) == pytest.approx(theil([1.0, 3.0]), rel=1e-12)
    assert theil([0.1, 0.3]) == pytest.approx(theil([1.0, 3.0]), rel=1e-12)
    assert weighted_mean([1.0, 3.0], [0.25, 0.75]) == pytest.approx(2.5, rel=1e-12)
    assert gini([1.0, 3.0], weights=[0.25, 0.25]) == pytest.approx(0.25, rel=1e-12)
    assert gini([0.1, 0.3]) == pytest.approx(0.25, rel=1e-12)
    assert gini([0.1, 0.3], weights=[1.0, 1.0]) == pytest.approx(0.25, rel=1e-12)
    groups = np.array([0, 1])
    expected = tuple(theil_decomposition([1.0, 3.0], None, groups))
    assert expected[0] > 0
    for values, weights in (([1.0, 3.0], [0.25, 0.25]), ([0.1, 0.3], None), ([0.1, 0.3], [1, 1])):
        assert theil_decomposition(values, weights, groups) == pytest.approx(expected, rel=1e-12)
        assert theil_decomposition(
            np.array(values),
            None if weights is None else np.array(weights, float),
            groups,
            check=False,
        ) == pytest.approx(expected, rel=1e-12)


def test_zero_weights_give_the_documented_results_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pop, val = lorenz_curve([1.0, 2.0], weights=[0.0, 0.0])
        np.testing.assert_array_equal(pop, [0.0, 1.0])
        np.testing.assert_array_equal(val, [0.0, 1.0])
        assert math.isnan(weighted_mean([1.0, 2.0], [0.0, 0.0]))
        means = group_means([1.0, 2.0, 3.0], [0, 0, 2], 3, weights=[1.0, 3.0, 0.0])
        assert means[0] == pytest.approx(1.75, rel=1e-12)
        assert np.isnan(means[1:]).all()  # group 1 empty, group 2 of zero weight
        assert np.isnan(group_means([1.0, 2.0], [0, 0], 2)[1])
        # a label with no observation (group 1) is no group, not a 0/0 mean
        gap = theil_decomposition([1.0, 3.0], None, [0, 2])
        assert gap == pytest.approx((theil([1.0, 3.0]), theil([1.0, 3.0]), 0.0), abs=1e-15)
        # positive weights but no income at all: no inequality, the line of equality
        assert gini(np.zeros(3), weights=np.ones(3)) == 0.0
        assert theil(np.zeros(3), weights=np.ones(3)) == 0.0
        assert theil_decomposition(np.zeros(3), np.ones(3), [0, 1, 1]) == (0.0, 0.0, 0.0)
        pop, val = lorenz_curve(np.zeros(2), weights=[1.0, 3.0])
        np.testing.assert_allclose(pop, [0.0, 0.25, 1.0])
        np.testing.assert_array_equal(val, pop)


def test_integer_input_is_computed_in_float64() -> None:
    # the module converts inputs to float64: integer zeros give float shares, and large
    # integers are summed without wrapping around
    zeros = shares(np.array([0, 0], dtype=np.int64))
    assert zeros.dtype == np.float64 and list(zeros) == [0.0, 0.0]
    big = shares(np.array([2**62, 2**62], dtype=np.int64))
    assert big.dtype == np.float64 and list(big) == [0.5, 0.5]
