"""Tests for platsim.numerics.codes: counts and sums per code equal the bincount's, whatever
the number of codes in use (the comparison path and the bincount path)."""

from __future__ import annotations

import numpy as np
import pytest

from platsim.numerics.codes import count_codes, sum_codes


@pytest.mark.parametrize("size", [1, 3, 8, 9, 20])
def test_count_codes_counts_each_code_and_ignores_none(size: int) -> None:
    codes = np.random.default_rng(size).integers(-1, size, 5_000)
    expected = np.bincount(codes[codes >= 0], minlength=size)
    counts = count_codes(codes, size)
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64 and counts.sum() == np.count_nonzero(codes >= 0)


@pytest.mark.parametrize("size", [1, 3, 8, 9, 20])
def test_sum_codes_sums_each_code_and_ignores_none(size: int) -> None:
    rng = np.random.default_rng(size)
    codes = rng.integers(-1, size, 5_000)
    weights = rng.random(5_000)
    expected = np.bincount(codes[codes >= 0], weights=weights[codes >= 0], minlength=size)
    sums = sum_codes(codes, weights, size)
    np.testing.assert_allclose(sums, expected, rtol=1e-12)
    assert sums.shape == (size,)
    assert sums.sum() == pytest.approx(weights[codes >= 0].sum(), rel=1e-12)


@pytest.mark.parametrize("in_use", [1, 2, 3, 6])
def test_count_and_sum_codes_with_a_known_bound_match_the_bincount(in_use: int) -> None:
    rng = np.random.default_rng(in_use)
    codes = rng.integers(-1, in_use, 5_000)  # every code below the bound may be present
    weights = rng.random(5_000)
    present = codes >= 0
    np.testing.assert_array_equal(
        count_codes(codes, 8, in_use), np.bincount(codes[present], minlength=8)
    )
    np.testing.assert_allclose(
        sum_codes(codes, weights, 8, in_use),
        np.bincount(codes[present], weights=weights[present], minlength=8),
        rtol=1e-12,
    )
