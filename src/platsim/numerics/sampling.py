"""Vectorised random choices used by several phases.

All functions take the model's ``numpy.random.Generator`` and never loop in Python over
agents, so they cost O(n log n) at most whatever the number of agents or municipalities.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp


def sample_rows(matrix: sp.csr_matrix, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one column per requested row, with probability proportional to the row's entries.

    Args:
        matrix: CSR matrix with non-negative entries (sorted or not).
        rows: Row index of each draw (repeats allowed).
        rng: Random generator.

    Returns:
        Column index of each draw, -1 where the row has no positive entry.
    """
    return sample_csr(matrix.data, matrix.indices, matrix.indptr, rows, rng)


def sample_csr(
    data: np.ndarray,
    indices: np.ndarray,
    indptr: np.ndarray,
    rows: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """:func:`sample_rows` on raw CSR arrays (avoids building a scipy matrix on hot paths)."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.empty(0, dtype=np.int64)
    # cumulative[k] = data[0] + ... + data[k - 1]: a row's mass is a difference of two entries
    # (ufunc methods and array methods rather than np.cumsum, np.searchsorted and np.clip:
    # their Python wrappers cost more than the work on a month's few hundred draws)
    cumulative = np.empty(len(data) + 1)
    cumulative[0] = 0.0
    np.add.accumulate(data, dtype=np.float64, out=cumulative[1:])
    start = indptr[rows]
    stop = indptr[rows + 1]
    base = cumulative[start]
    total = cumulative[stop] - base
    target = base + rng.random(len(rows)) * total
    # the entry whose cumulative interval holds the target (kept inside the row for round-off)
    position = cumulative.searchsorted(target, side="right") - 1
    position = np.minimum(np.maximum(position, start), np.maximum(stop - 1, start))
    if len(indices) == 0:  # every row is empty
        return np.full(len(rows), -1, dtype=np.int64)
    # a row has mass only if it has entries (total > 0 implies stop > start); an empty row's
    # position may lie past the end, hence the clipped take
    return np.where(total > 0, indices.take(position, mode="clip"), np.int64(-1))


def sample_weighted_rows(
    matrix: sp.csr_matrix,
    column_weight: np.ndarray,
    rows: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw, for each requested row r, a column j with probability ∝ matrix[r, j] * weight[j].

    Only the requested rows are touched (their distinct rows are gathered first), so the cost
    grows with the draws, not with the whole matrix: the commuting matrix of a
    35,000-municipality territory has millions of entries.

    Returns:
        Column index per draw, -1 where the row has no positive weighted entry.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.empty(0, dtype=np.int64)
    if matrix.nnz <= _WHOLE_MATRIX_ENTRIES:  # small territory: weighting every entry is cheaper
        data = matrix.data * column_weight[matrix.indices]
        return sample_csr(data, matrix.indices, matrix.indptr, rows, rng)
    # distinct rows (sorted) and each draw's position among them, as np.unique would give,
    # by marking rows in a table of the matrix's height (no sort)
    present = np.zeros(matrix.shape[0], dtype=bool)
    present[rows] = True
    unique = present.nonzero()[0]
    inverse = (np.cumsum(present) - 1)[rows]
    starts = matrix.indptr[unique].astype(np.int64)
    lengths = matrix.indptr[unique + 1] - starts
    sub_indptr = np.concatenate([[0], np.cumsum(lengths)])
    positions = np.repeat(starts - sub_indptr[:-1], lengths) + np.arange(sub_indptr[-1])
    sub_indices = matrix.indices[positions]
    sub_data = matrix.data[positions] * column_weight[sub_indices]
    return sample_csr(sub_data, sub_indices, sub_indptr, inverse, rng)


# Up to this many entries sample_weighted_rows weights the whole matrix; above it, only the
# requested rows (a 35,000-municipality commuting matrix has millions of entries).
_WHOLE_MATRIX_ENTRIES = 50_000


def sample_within_groups(
    group_of_item: np.ndarray,
    weight_of_item: np.ndarray,
    requested_groups: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """For each requested group, draw one item of that group with probability ∝ its weight.

    Args:
        group_of_item: Group of each item (e.g. the municipality of each firm).
        weight_of_item: Non-negative weight of each item (e.g. its vacancies).
        requested_groups: One group per draw.
        rng: Random generator.

    Returns:
        Item index per draw, -1 where the group has no item of positive weight.
    """
    requested_groups = np.asarray(requested_groups, dtype=np.int64)
    n_groups = int(max(group_of_item.max(initial=-1), requested_groups.max(initial=-1))) + 1
    # numpy's stable sort is a radix sort for 16-bit integers: O(n) instead of a merge sort
    keys = group_of_item.astype(np.uint16) if n_groups <= 1 << 16 else group_of_item
    order = keys.argsort(kind="stable")
    indptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.add.accumulate(np.bincount(group_of_item, minlength=n_groups), out=indptr[1:])
    data = np.asarray(weight_of_item, dtype=np.float64)[order]
    return sample_csr(data, order, indptr, requested_groups, rng)


def bernoulli_indices(n: int, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``range(n)`` each kept independently with ``probability``, increasing.

    The same distribution as ``np.flatnonzero(rng.random(n) < probability)``, drawn as the
    gaps between kept indices, which are geometric: ``1 + floor(E / -ln(1 - p))`` with ``E``
    standard exponential (numpy's ziggurat, a few nanoseconds a draw). The cost grows with
    the kept indices (about ``n * probability``), not with ``n`` — a month's separations or
    movers among all households.
    """
    if n <= 0 or probability <= 0.0:
        return np.empty(0, dtype=np.int64)
    if probability >= 1.0:
        return np.arange(n, dtype=np.int64)
    scale = -1.0 / math.log1p(-probability)
    expected = n * probability
    batch = int(expected + 6.0 * math.sqrt(expected) + 16)
    positions = _gap_positions(rng, batch, scale)
    while positions[-1] < n:  # rarely: the batch ended before the last index
        more = _gap_positions(rng, batch, scale)
        positions = np.concatenate([positions, more + positions[-1] + 1])
    return positions[: positions.searchsorted(n)].astype(np.int64)


def _gap_positions(rng: np.random.Generator, batch: int, scale: float) -> np.ndarray:
    """Positions (as floats) after ``batch`` geometric gaps, the first at 0 + its gap."""
    gaps = rng.standard_exponential(batch)
    gaps *= scale
    np.floor(gaps, out=gaps)
    np.add.accumulate(gaps, out=gaps)
    gaps += np.arange(batch)
    return gaps


def gumbel(rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
    """Standard Gumbel draws (the noise of logit choices), as ``-ln E`` with ``E`` standard
    exponential.

    The same distribution as ``rng.gumbel(size=shape)`` (``P(-ln E <= x) = exp(-e^-x)``), three
    times faster: numpy draws exponentials with a ziggurat, Gumbels with two logarithms.
    """
    return -np.log(rng.standard_exponential(shape))


def logit_best(
    attraction: np.ndarray,
    place: np.ndarray,
    rng: np.random.Generator,
    penalty: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logit choices among a few options (Gumbel-max).

    Chooser ``i``, living in municipality ``place[i]``, takes the option ``k`` that maximises
    ``attraction[k, place[i]] - penalty[i, k] + G[i, k]``, with ``G`` standard Gumbel noise
    drawn as an (choosers, options) table; ``-inf`` attraction marks an option out of reach.

    With a single option the noise cannot change the choice, so it is drawn (the generator's
    stream stays that of the general case) but not added.

    Args:
        attraction: Utility of each option in each municipality, shape (options, n).
        place: Municipality of each chooser.
        rng: Random generator.
        penalty: Optional (choosers, options) costs subtracted before the noise.

    Returns:
        The chosen option of each chooser (an index into ``attraction``'s rows) and whether
        that option is in reach (its utility is finite).
    """
    if attraction.shape[0] == 1:
        rng.standard_exponential(len(place))
        return np.zeros(len(place), dtype=np.intp), np.isfinite(attraction[0].take(place))
    utility = attraction[:, place].T
    if penalty is not None:
        utility -= penalty
    utility += gumbel(rng, utility.shape)
    best = utility.argmax(axis=1)
    return best, np.isfinite(utility[np.arange(len(place)), best])


def sample_categorical(probability: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` indices with the given probabilities (inverse CDF, one uniform each).

    The same draws as ``rng.choice(len(probability), size, p=probability)`` without its
    input checks, which cost more than the draws for a hundred municipalities; the caller
    guarantees non-negative probabilities with a positive sum.
    """
    cdf = np.add.accumulate(probability, dtype=np.float64)
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right").astype(np.int64)


def sample_dense_rows(
    weights: np.ndarray, rows: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each requested row of a small dense table, draw a column ∝ the row's weights.

    Returns -1 where the row's total weight is zero.
    """
    n_rows, n_columns = weights.shape
    cumulative = np.add.accumulate(weights, axis=1)
    total = cumulative[:, -1]
    # the rows' cumulative weights end to end, each row shifted by the totals of the rows
    # before it, make one non-decreasing sequence: one binary search for all draws
    shift = np.zeros(n_rows)
    np.add.accumulate(total[:-1], out=shift[1:])
    flat = (cumulative + shift[:, None]).ravel()
    row_total = total[rows]
    target = rng.random(len(rows)) * row_total + shift[rows]
    found = flat.searchsorted(target, side="right") - rows * n_columns
    return np.where(row_total > 0, np.minimum(found, n_columns - 1), -1).astype(np.int64)


def select_per_group(
    group_of_candidate: np.ndarray, quota: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Pick ``quota[g]`` candidates uniformly at random in each group ``g``.

    Args:
        group_of_candidate: Group of each candidate (non-negative ints).
        quota: Number to pick per group (indexed by group); more than available picks all.
        rng: Random generator.

    Returns:
        Boolean mask over candidates: True for the picked ones.
    """
    n = len(group_of_candidate)
    picked = np.zeros(n, dtype=bool)
    if n == 0:
        return picked
    keys = rng.random(n)
    if len(quota) <= 1 << 16:
        # lexsort's order (by group, then key) from one sort of group + key: the key is in
        # [0, 1), and rounding the sum is monotone, so the order within a group is the keys'
        # unless two keys of a group round to the same sum (keys 2^-36 apart or closer)
        order = (group_of_candidate + keys).argsort()
    else:
        order = np.lexsort((keys, group_of_candidate))
    sorted_groups = group_of_candidate[order]
    first = sorted_groups.searchsorted(sorted_groups, side="left")
    rank = np.arange(n) - first
    picked[order] = rank < quota[sorted_groups]
    return picked


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round non-negative reals to integers, up with probability equal to the fraction.

    The expectation is preserved, which keeps totals unbiased when counts are small.
    """
    floor = np.floor(values)
    return (floor + (rng.random(values.shape) < values - floor)).astype(np.int64)
