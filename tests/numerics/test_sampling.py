"""Tests for platsim.numerics.sampling: draws follow their weights, empty rows give -1, quotas
hold."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from platsim.numerics.sampling import (
    bernoulli_indices,
    gumbel,
    logit_best,
    sample_categorical,
    sample_csr,
    sample_dense_rows,
    sample_rows,
    sample_weighted_rows,
    sample_within_groups,
    select_per_group,
    stochastic_round,
)

DRAWS = 40_000
#: A draw test fails when the chi-square p-value is below this (fixed generator: deterministic).
P_MIN = 1e-4


def assert_frequencies(drawn: np.ndarray, columns: np.ndarray, weights: np.ndarray) -> None:
    """Chi-square goodness of fit of ``drawn`` to ``weights`` over ``columns``."""
    weights = np.asarray(weights, dtype=float)
    positive = weights > 0
    assert np.isin(drawn, columns[positive]).all(), "drew a zero-weight or foreign column"
    observed = np.array([(drawn == c).sum() for c in columns[positive]])
    expected = weights[positive] / weights[positive].sum() * len(drawn)
    if len(observed) > 1:
        assert stats.chisquare(observed, expected).pvalue > P_MIN, (observed, expected)


def test_sample_rows_frequencies_match_weights() -> None:
    dense = np.array(
        [
            [1.0, 0.0, 3.0, 6.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 2.0, 0.0, 0.0],
            [0.5, 0.5, 0.0, 9.0],
        ]
    )
    matrix = sp.csr_matrix(dense)
    rng = np.random.default_rng(0)
    columns = np.arange(4)
    for row in (0, 2, 3):
        drawn = sample_rows(matrix, np.full(DRAWS, row), rng)
        assert_frequencies(drawn, columns, dense[row])
    assert (sample_rows(matrix, np.full(10, 1), rng) == -1).all()


def test_sample_rows_interleaved_rows_and_explicit_zeros() -> None:
    # explicit stored zeros, unsorted column indices, rows requested in mixed order
    data = np.array([0.0, 4.0, 1.0, 0.0, 5.0, 0.0])
    indices = np.array([3, 0, 2, 1, 1, 0])
    indptr = np.array([0, 3, 4, 6])
    matrix = sp.csr_matrix((data, indices, indptr), shape=(3, 4))
    rows = np.tile([2, 0, 1], DRAWS // 3)
    drawn = sample_rows(matrix, rows, np.random.default_rng(1))
    assert (drawn[rows == 1] == -1).all(), "a row of explicit zeros has no mass"
    assert (drawn[rows == 2] == 1).all()
    assert_frequencies(drawn[rows == 0], np.arange(4), np.array([4.0, 0.0, 1.0, 0.0]))


def test_sample_csr_empty_requests_and_empty_rows() -> None:
    rng = np.random.default_rng(2)
    data, indices, indptr = np.array([1.0]), np.array([0]), np.array([0, 0, 1, 1])
    assert len(sample_csr(data, indices, indptr, np.array([], dtype=int), rng)) == 0
    np.testing.assert_array_equal(
        sample_csr(data, indices, indptr, np.array([0, 1, 2, 1]), rng), [-1, 0, -1, 0]
    )


def test_sample_within_groups_frequencies_and_empty_groups() -> None:
    group = np.array([2, 0, 2, 1, 2, 0])
    weight = np.array([1.0, 0.0, 2.0, 0.0, 7.0, 0.0])
    rng = np.random.default_rng(3)
    drawn = sample_within_groups(group, weight, np.full(DRAWS, 2), rng)
    assert_frequencies(drawn, np.arange(6), np.where(group == 2, weight, 0.0))
    # groups 0 and 1 have only zero weights; group 5 has no item at all
    np.testing.assert_array_equal(
        sample_within_groups(group, weight, np.array([0, 1, 5]), rng), [-1, -1, -1]
    )


def test_sample_dense_rows_frequencies_and_zero_rows() -> None:
    weights = np.array([[0.0, 1.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0]])
    rng = np.random.default_rng(4)
    rows = np.tile([0, 1, 2], DRAWS // 3)
    drawn = sample_dense_rows(weights, rows, rng)
    assert (drawn[rows == 1] == -1).all()
    assert (drawn[rows == 2] == 0).all()
    assert_frequencies(drawn[rows == 0], np.arange(4), weights[0])


@pytest.mark.parametrize("probability", [0.002, 0.03, 0.4, 0.97])
def test_bernoulli_indices_keep_each_index_independently(probability: float) -> None:
    rng = np.random.default_rng(21)
    n, runs = 400, 3_000
    kept = np.zeros(n)
    sizes = np.empty(runs)
    for run in range(runs):
        drawn = bernoulli_indices(n, probability, rng)
        assert drawn.dtype == np.int64 and (np.diff(drawn) > 0).all()
        assert len(drawn) == 0 or (drawn[0] >= 0 and drawn[-1] < n)
        kept[drawn] += 1
        sizes[run] = len(drawn)
    # the number kept is Binomial(n, p): mean and variance within 5 standard errors
    mean, var = n * probability, n * probability * (1 - probability)
    assert abs(sizes.mean() - mean) < 5 * np.sqrt(var / runs)
    assert abs(sizes.var() / var - 1) < 5 * np.sqrt(2 / runs)
    # every index as likely as any other: first, middle and last tenth alike
    tenths = kept.reshape(10, -1).sum(axis=1)
    assert stats.chisquare(tenths).pvalue > P_MIN


def test_gumbel_draws_are_standard_gumbel() -> None:
    drawn = gumbel(np.random.default_rng(24), (200, 50))
    assert drawn.shape == (200, 50) and np.isfinite(drawn).all()
    assert stats.kstest(drawn.ravel(), stats.gumbel_r.cdf).pvalue > P_MIN
    assert gumbel(np.random.default_rng(25), 7).shape == (7,)


def test_bernoulli_indices_edge_cases() -> None:
    rng = np.random.default_rng(22)
    assert len(bernoulli_indices(0, 0.5, rng)) == 0
    assert len(bernoulli_indices(50, 0.0, rng)) == 0
    np.testing.assert_array_equal(bernoulli_indices(5, 1.0, rng), np.arange(5))


def test_sample_categorical_frequencies_and_zero_probabilities() -> None:
    probability = np.array([0.5, 0.0, 0.2, 0.3, 0.0])
    drawn = sample_categorical(probability, DRAWS, np.random.default_rng(11))
    assert drawn.dtype == np.int64 and len(drawn) == DRAWS
    assert not np.isin(drawn, [1, 4]).any()
    assert_frequencies(drawn, np.arange(5), probability)
    # the inverse CDF on one uniform per draw, as numpy's Generator.choice does
    np.testing.assert_array_equal(
        sample_categorical(probability, 50, np.random.default_rng(3)),
        np.random.default_rng(3).choice(5, size=50, p=probability),
    )


def test_select_per_group_same_picks_with_radix_or_lexsort() -> None:
    groups = np.random.default_rng(12).integers(0, 40, 700)
    quota = np.random.default_rng(13).integers(0, 12, 40)
    small = select_per_group(groups, quota, np.random.default_rng(14))  # radix path
    padded = np.concatenate([quota, np.zeros((1 << 16) + 1, dtype=quota.dtype)])
    large = select_per_group(groups, padded, np.random.default_rng(14))  # lexsort path
    np.testing.assert_array_equal(small, large)
    np.testing.assert_array_equal(
        np.bincount(groups[small], minlength=40),
        np.minimum(quota, np.bincount(groups, minlength=40)),
    )


def test_sample_weighted_rows_whole_matrix_frequencies() -> None:
    matrix = sp.csr_matrix(np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 3.0, 0.0], [0.0] * 4]))
    column_weight = np.array([1.0, 0.5, 2.0, 0.0])
    rows = np.tile([0, 1, 2], DRAWS // 3)
    drawn = sample_weighted_rows(matrix, column_weight, rows, np.random.default_rng(23))
    assert (drawn[rows == 2] == -1).all() and (drawn[rows == 1] == 2).all()
    assert_frequencies(drawn[rows == 0], np.arange(4), np.array([1.0, 1.0, 0.0, 0.0]))


def test_sample_weighted_rows_and_within_groups_match_a_direct_computation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import platsim.numerics.sampling as sampling

    monkeypatch.setattr(sampling, "_WHOLE_MATRIX_ENTRIES", 0)  # the requested-rows path
    matrix = sp.random(30, 30, density=0.2, random_state=15, format="csr")
    column_weight = np.random.default_rng(16).random(30)
    rows = np.random.default_rng(17).integers(0, 30, 500)
    drawn = sample_weighted_rows(matrix, column_weight, rows, np.random.default_rng(18))
    weighted = sp.csr_matrix(matrix.multiply(column_weight[None, :]))
    expected = sample_rows(
        weighted[np.unique(rows)],
        np.unique(rows, return_inverse=True)[1],
        np.random.default_rng(18),
    )
    np.testing.assert_array_equal(drawn, np.where(expected >= 0, expected, -1))
    groups = np.random.default_rng(19).integers(0, 30, 200)
    items = sample_within_groups(groups, column_weight[groups], rows, np.random.default_rng(20))
    found = items >= 0
    assert (groups[items[found]] == rows[found]).all()
    assert set(rows[~found]) <= set(range(30)) - set(groups[column_weight[groups] > 0])


def test_sample_dense_rows_is_the_inverse_cdf_of_each_row() -> None:
    weights = np.random.default_rng(7).random((3, 50)) * (np.arange(50) % 4 != 0)
    weights[1] = 0.0
    rows = np.random.default_rng(8).integers(0, 3, 400)
    drawn = sample_dense_rows(weights, rows, np.random.default_rng(9))
    # reference: the same uniforms searched in each draw's own row
    uniforms = np.random.default_rng(9).random(len(rows))
    cumulative = np.cumsum(weights, axis=1)
    expected = [
        min(np.searchsorted(cumulative[r], u * cumulative[r, -1], side="right"), 49)
        if cumulative[r, -1] > 0
        else -1
        for r, u in zip(rows, uniforms, strict=True)
    ]
    np.testing.assert_array_equal(drawn, expected)
    assert (drawn[rows == 1] == -1).all() and (drawn[rows != 1] >= 0).all()
    assert (weights[rows[rows != 1], drawn[rows != 1]] > 0).all()


@pytest.mark.parametrize("seed", [5, 6])
def test_sampling_is_a_function_of_the_generator(seed: int) -> None:
    matrix = sp.random(20, 30, density=0.3, random_state=seed, format="csr")
    rows = np.arange(20).repeat(5)
    first = sample_rows(matrix, rows, np.random.default_rng(seed))
    second = sample_rows(matrix, rows, np.random.default_rng(seed))
    np.testing.assert_array_equal(first, second)
    for row, column in zip(rows, first, strict=True):
        if column >= 0:
            assert matrix[row, column] > 0


def test_select_per_group_picks_min_of_quota_and_size() -> None:
    rng = np.random.default_rng(7)
    group = rng.integers(0, 6, size=500)
    quota = np.array([0, 3, 1000, 10, 1, 50])
    for _ in range(20):
        picked = select_per_group(group, quota, rng)
        counts = np.bincount(group[picked], minlength=6)
        sizes = np.bincount(group, minlength=6)
        np.testing.assert_array_equal(counts, np.minimum(quota, sizes))


def test_select_per_group_is_uniform_within_a_group() -> None:
    rng = np.random.default_rng(8)
    group = np.array([0] * 5 + [1] * 4)
    quota = np.array([2, 1])
    hits = np.zeros(len(group))
    rounds = 20_000
    for _ in range(rounds):
        hits += select_per_group(group, quota, rng)
    # each member of group 0 is picked with probability 2/5, of group 1 with 1/4
    expected = np.array([2 / 5] * 5 + [1 / 4] * 4) * rounds
    for members in (group == 0, group == 1):
        assert stats.chisquare(hits[members], expected[members]).pvalue > P_MIN


def test_select_per_group_empty_input() -> None:
    picked = select_per_group(np.array([], dtype=np.int64), np.array([3]), np.random.default_rng())
    assert picked.dtype == bool and len(picked) == 0


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.integers(0, 7), min_size=1, max_size=80),
    quota=st.lists(st.integers(0, 12), min_size=8, max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_select_per_group_quota_property(groups: list[int], quota: list[int], seed: int) -> None:
    group = np.array(groups, dtype=np.int64)
    picked = select_per_group(group, np.array(quota), np.random.default_rng(seed))
    counts = np.bincount(group[picked], minlength=8)
    np.testing.assert_array_equal(
        counts, np.minimum(np.array(quota), np.bincount(group, minlength=8))
    )


def test_stochastic_round_is_unbiased_and_stays_between_floor_and_ceiling() -> None:
    rng = np.random.default_rng(9)
    values = np.array([0.0, 0.25, 1.5, 2.0, 7.9])
    draws = np.stack([stochastic_round(values, rng) for _ in range(20_000)])
    assert draws.dtype.kind == "i"
    assert (draws >= np.floor(values)).all() and (draws <= np.ceil(values)).all()
    assert (draws[:, 0] == 0).all() and (draws[:, 3] == 2).all(), "integers stay put"
    # standard error of a Bernoulli(0.5) mean over 20,000 draws is 0.0035
    np.testing.assert_allclose(draws.mean(axis=0), values, atol=0.02)


def test_logit_best_takes_the_largest_noisy_utility_and_flags_unreachable_options() -> None:
    attraction = np.array([[0.0, 1.0, -np.inf], [0.5, -np.inf, -np.inf]])
    place = np.tile([0, 1, 2], 4_000)
    penalty = np.zeros((len(place), 2))
    penalty[:, 1] = 0.25
    best, reachable = logit_best(attraction, place, np.random.default_rng(5), penalty)
    noise = -np.log(np.random.default_rng(5).standard_exponential((len(place), 2)))
    utility = attraction[:, place].T - penalty + noise
    np.testing.assert_array_equal(best, utility.argmax(axis=1))
    np.testing.assert_array_equal(reachable, place != 2)
    assert (best[place == 1] == 0).all()
    # logit shares where both are in reach: P(option 1) = 1 / (1 + e^(0 - (0.5 - 0.25)))
    share = np.mean(best[place == 0] == 1)
    assert share == pytest.approx(1.0 / (1.0 + np.exp(-0.25)), abs=0.03)


def test_logit_best_with_one_option_draws_the_same_noise_without_using_it() -> None:
    attraction = np.array([[0.3, -np.inf, 2.0]])
    place = np.array([0, 1, 2, 2, 1])
    rng = np.random.default_rng(9)
    best, reachable = logit_best(attraction, place, rng)
    np.testing.assert_array_equal(best, np.zeros(5))
    np.testing.assert_array_equal(reachable, [True, False, True, True, False])
    expected = np.random.default_rng(9)
    expected.standard_exponential(5)
    assert rng.bit_generator.state == expected.bit_generator.state
