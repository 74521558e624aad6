"""Outcome metrics: inequality, concentration and group aggregates.

Every function here is pure and vectorised: it takes array-likes, never mutates them, and
uses only numpy operations (sorting, cumulative sums, :func:`numpy.bincount`), so the cost is
O(n log n) at worst. They are called at every model step on arrays of 10,000 to 700,000
agents, so there are no Python loops over elements.

Conventions shared by all functions:

* Inputs are converted to 1-D ``float64`` arrays (a copy is made only when needed). Anything
  that is not one-dimensional raises :class:`ValueError`, and so does a ``weights`` array
  whose length differs from ``values``.
* Weights are *frequency* weights (a weight of 3 means "three identical individuals") or,
  equivalently, population sizes of groups whose per-capita value is given. They must be
  finite and non-negative.
* Inequality and concentration measures (:func:`gini`, :func:`theil`, :func:`hhi`, ...)
  require finite, non-negative values; a negative or NaN value raises :class:`ValueError`
  rather than silently producing a meaningless number.
* When a measure is undefined because there is nothing to measure (empty input, zero total
  income, zero total weight), inequality and concentration measures return ``0.0`` (no
  inequality, no market) while means return ``nan``. Each docstring states its own rule.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "TheilDecomposition",
    "gini",
    "group_means",
    "group_sums",
    "hhi",
    "lorenz_curve",
    "safe_ratio",
    "shares",
    "theil",
    "theil_decomposition",
    "top_share",
    "weighted_mean",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


# --------------------------------------------------------------------------------------------
# Input helpers
# --------------------------------------------------------------------------------------------


# The sums below are numpy's own (pairwise) sums, called without the Python wrappers of
# ``ndarray.sum`` / ``np.sum``: the model calls these functions every step on small arrays.
_total = np.add.reduce


def _as_1d(x: npt.ArrayLike, name: str) -> FloatArray:
    """Return ``x`` as a 1-D float64 array, raising ValueError for other shapes."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _nonnegative(x: npt.ArrayLike, name: str) -> FloatArray:
    """Return ``x`` as a 1-D float64 array of finite, non-negative numbers."""
    arr = _as_1d(x, name)
    if arr.size == 0:
        return arr
    # Fast check first (called every step on model arrays): NaN propagates through the
    # minimum, so ``low >= 0`` is False for NaN as for negatives; +inf needs the maximum.
    low = np.minimum.reduce(arr)
    if low >= 0 and np.maximum.reduce(arr) < math.inf:
        return arr
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (found NaN or infinity)")
    raise ValueError(f"{name} must be non-negative (minimum is {float(low)!r})")


def _values_and_weights(
    values: npt.ArrayLike, weights: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray | None]:
    """Validate ``values`` (non-negative) and optional ``weights`` (non-negative, same length)."""
    x = _nonnegative(values, "values")
    if weights is None:
        return x, None
    w = _nonnegative(weights, "weights")
    if w.shape != x.shape:
        raise ValueError(
            f"weights must have the same length as values ({w.shape[0]} != {x.shape[0]})"
        )
    return x, w


def _as_groups(groups: npt.ArrayLike, n: int) -> IntArray:
    """Return integer or boolean group labels as a 1-D intp array of length ``n``."""
    g = np.asarray(groups)
    if g.ndim != 1:
        raise ValueError(f"groups must be one-dimensional, got shape {g.shape}")
    if g.shape[0] != n:
        raise ValueError(f"groups must have the same length as values ({g.shape[0]} != {n})")
    if g.dtype == np.bool_ or (g.size == 0 and g.dtype.kind == "f"):
        return g.astype(np.intp)
    if g.dtype.kind not in "iu":
        raise ValueError(f"groups must be an integer or boolean array, got dtype {g.dtype}")
    return g.astype(np.intp, copy=False)


def _compact_groups(g: IntArray) -> IntArray:
    """Map group labels to small non-negative codes suitable for :func:`numpy.bincount`.

    Non-negative labels that are not absurdly large are used as they are (O(n)); negative or
    huge labels (e.g. raw 9-digit municipality codes) are re-coded with :func:`numpy.unique`
    (O(n log n)) so that ``bincount`` does not allocate a gigantic output.
    """
    if g.size == 0:
        return g
    lo, hi = np.minimum.reduce(g), np.maximum.reduce(g)
    if lo >= 0 and hi < 4 * g.size + 1024:
        return g
    _, codes = np.unique(g, return_inverse=True)
    return codes.astype(np.intp, copy=False).reshape(-1)


# --------------------------------------------------------------------------------------------
# Inequality
# --------------------------------------------------------------------------------------------


def gini(
    values: npt.ArrayLike, weights: npt.ArrayLike | None = None, *, check: bool = True
) -> float:
    """Gini coefficient of a non-negative distribution.

    Unweighted, this is the exact *population* Gini (mean absolute difference over all
    ordered pairs, divided by twice the mean, with divisor ``n`` rather than ``n - 1``)::

        G = sum_i (2 i - n - 1) x_(i) / (n * sum_i x_i),   i = 1..n,  x_(1) <= ... <= x_(n)

    With frequency weights ``w`` (``W = sum w``, ``C_i`` the cumulative weight of the sorted
    observations up to and including ``i``)::

        G = sum_i w_i x_(i) (2 C_i - w_i - W) / (W * sum_i w_i x_i)

    which equals the unweighted Gini of the sample in which each row is repeated ``w_i``
    times (for integer weights), and reduces to the formula above when all ``w_i = 1``.
    Ties may be ordered arbitrarily: the result does not depend on it.

    Bounds: ``0 <= G <= (n - 1) / n`` (the maximum when one of ``n`` individuals has
    everything). Scale invariant: ``gini(c * x) == gini(x)`` for ``c > 0``. Cost
    O(n log n) for the sort.

    Args:
        values: Non-negative incomes (or any non-negative quantity), 1-D.
        weights: Optional non-negative frequency weights, same length as ``values``.
        check: Validate the input (the default). ``False`` skips the checks, for callers
            that guarantee 1-D float64 arrays of finite non-negative numbers, such as the
            model's observation phase every step; invalid input then gives undefined results.

    Returns:
        The Gini coefficient in ``[0, 1)``. ``0.0`` for empty input, zero total weight or
        zero total value. Tiny negative round-off is clipped to ``0.0``.

    Raises:
        ValueError: If a value or weight is negative or not finite, if the input is not 1-D,
            or if ``weights`` has a different length.
    """
    x, w = _values_and_weights(values, weights) if check else (values, weights)
    n = x.size
    if n == 0:
        return 0.0
    if w is None:
        total = _total(x)
        if total <= 0:
            return 0.0
        xs = np.sort(x)
        g = float(_total(_rank_coefficients(n) * xs) / (n * total))
    else:
        total_weight = _total(w)
        wx = w * x
        total = _total(wx)
        if total_weight <= 0 or total <= 0:
            return 0.0
        order = np.argsort(x)
        ws = w[order]
        cum = np.cumsum(ws)
        coef = 2.0 * cum - ws - total_weight
        g = float(_total(coef * wx[order]) / (total_weight * total))
    return max(g, 0.0)


@functools.lru_cache(maxsize=4)
def _rank_coefficients(n: int) -> FloatArray:
    """``2i - n - 1`` for ``i = 1..n`` (read-only; cached: the model asks every step)."""
    coef = np.arange(1 - n, n, 2, dtype=np.float64)
    coef.flags.writeable = False
    return coef


def lorenz_curve(
    values: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> tuple[FloatArray, FloatArray]:
    """Lorenz curve of a non-negative distribution.

    Observations are sorted by increasing value; point ``k`` of the curve is the share of
    the population held by the ``k`` poorest observations and the share of the total value
    they hold::

        p_k = sum_{i<=k} w_(i) / W,     L_k = sum_{i<=k} w_(i) x_(i) / sum_i w_i x_i

    with ``w_i = 1`` when unweighted. A leading point ``(0, 0)`` is prepended, so both arrays
    have length ``n + 1``, start at exactly 0 and end at exactly 1, and are non-decreasing.
    The Gini coefficient equals one minus twice the trapezoidal area under this curve
    (exactly, up to round-off, for weighted and unweighted samples alike).

    Args:
        values: Non-negative values, 1-D.
        weights: Optional non-negative frequency weights, same length as ``values``.

    Returns:
        ``(population_share, value_share)``. For empty input or zero total weight, the
        two-point line of equality ``([0, 1], [0, 1])``. When the total value is zero the
        value share is set equal to the population share (line of equality, consistent
        with ``gini == 0``).

    Raises:
        ValueError: As for :func:`gini`.
    """
    x, w = _values_and_weights(values, weights)
    if x.size == 0 or (w is not None and _total(w) <= 0):
        line = np.array([0.0, 1.0])
        return line, line.copy()
    if w is None:
        xs = np.sort(x)
        cum_pop = np.arange(1, x.size + 1, dtype=np.float64)
    else:
        order = np.argsort(x)
        xs = x[order] * w[order]
        cum_pop = np.cumsum(w[order])
    cum_val = np.cumsum(xs)
    pop = np.empty(x.size + 1)
    pop[0] = 0.0
    pop[1:] = cum_pop / cum_pop[-1]
    pop[-1] = 1.0
    if cum_val[-1] <= 0:
        return pop, pop.copy()
    val = np.empty(x.size + 1)
    val[0] = 0.0
    val[1:] = cum_val / cum_val[-1]
    val[-1] = 1.0
    return pop, val


def theil(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    """Theil T index (GE(1)) of a non-negative distribution.

    ::

        T = sum_i (w_i / W) (y_i / mu) ln(y_i / mu),   mu = sum_i w_i y_i / W

    equivalently ``T = sum_i s_i ln(y_i / mu)`` with ``s_i = w_i y_i / sum_j w_j y_j`` the
    income share of observation ``i``. With ``weights`` equal to group populations and
    ``values`` the groups' per-capita incomes, this is the Theil index of the underlying
    individuals when incomes are equal within each group. Zero incomes contribute 0 (the
    limit of ``y ln y`` as ``y -> 0``), so one of ``n`` holding everything gives the
    maximum ``ln(n)`` (``ln(W / w_k)`` when weighted).

    Args:
        values: Non-negative incomes (per-capita incomes when weighted), 1-D.
        weights: Optional non-negative weights (populations), same length as ``values``.

    Returns:
        ``T >= 0``. ``0.0`` for empty input, zero total weight or zero total income.
        Tiny negative round-off is clipped to ``0.0``.

    Raises:
        ValueError: As for :func:`gini`.
    """
    x, w = _values_and_weights(values, weights)
    if x.size == 0:
        return 0.0
    if w is None:
        total_weight = float(x.size)
        wx = x
    else:
        total_weight = _total(w)
        wx = w * x
    total = _total(wx)
    if total_weight <= 0 or total <= 0:
        return 0.0
    mu = total / total_weight
    mask = wx > 0
    t = float(_total(wx[mask] * np.log(x[mask] / mu)) / total)
    return max(t, 0.0)


class TheilDecomposition(NamedTuple):
    """Exact between/within decomposition of the Theil T index.

    Attributes:
        total: Theil T of the whole distribution (same as :func:`theil`).
        between: ``sum_g s_g ln(mu_g / mu)``: inequality between group means.
        within: ``sum_g s_g T_g``: income-share-weighted inequality inside groups.
    """

    total: float
    between: float
    within: float


def theil_decomposition(
    values: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    groups: npt.ArrayLike,
    *,
    check: bool = True,
) -> TheilDecomposition:
    """Decompose the Theil T index into between-group and within-group parts.

    With ``Y_g = sum_{i in g} w_i y_i`` (group income), ``W_g = sum_{i in g} w_i``,
    ``mu_g = Y_g / W_g``, ``mu = Y / W`` and ``s_g = Y_g / Y`` (the group's income share)::

        T_between = sum_g s_g ln(mu_g / mu)
        T_within  = sum_g s_g T_g,    T_g = sum_{i in g} (w_i y_i / Y_g) ln(y_i / mu_g)
        T         = T_between + T_within

    The identity is exact algebraically (``ln(y_i/mu) = ln(y_i/mu_g) + ln(mu_g/mu)``);
    ``total`` is computed independently, as :func:`theil` does, so
    ``between + within`` matches it to round-off (about 1e-15 relative). Groups with zero
    income share (including empty groups and groups of zero-income members) contribute 0 to
    both parts. Group totals use :func:`numpy.bincount`, so the cost is O(n) for small
    non-negative labels (O(n log n) when labels must be re-coded).

    Args:
        values: Non-negative incomes (per-capita when weighted), 1-D.
        weights: Non-negative weights (populations) of the same length, or ``None`` for
            unit weights.
        groups: Integer or boolean group label of each observation (e.g. urban vs rural),
            same length as ``values``. Labels need not be contiguous; negative labels are
            allowed.
        check: Validate the input (the default). ``False`` skips the checks, for callers
            that guarantee 1-D float64 arrays of finite non-negative numbers and small
            non-negative integer or boolean labels, such as the model's observation phase
            every step; invalid input then gives undefined results.

    Returns:
        A :class:`TheilDecomposition` ``(total, between, within)``, all ``>= 0`` (round-off
        below zero is clipped). All zeros for empty input, zero total weight or zero total
        income.

    Raises:
        ValueError: As for :func:`gini`, or if ``groups`` is not a 1-D integer/boolean
            array of the same length as ``values``.
    """
    if check:
        x, w = _values_and_weights(values, weights)
        g = _compact_groups(_as_groups(groups, x.size))
    else:
        x, w, g = values, weights, groups.astype(np.intp)
    zero = TheilDecomposition(0.0, 0.0, 0.0)
    if x.size == 0:
        return zero
    if w is None:
        w = np.ones_like(x)
    wx = w * x
    total_weight = _total(w)
    total = _total(wx)
    if total_weight <= 0 or total <= 0:
        return zero
    mu = total / total_weight

    group_income = np.bincount(g, weights=wx)
    group_weight = np.bincount(g, weights=w, minlength=group_income.size)
    present = group_income > 0  # implies group_weight > 0
    group_mean = np.divide(
        group_income, group_weight, out=np.zeros_like(group_income), where=present
    )

    between = float(_total(group_income[present] * np.log(group_mean[present] / mu)) / total)

    mask = wx > 0
    wx_m = wx[mask]
    x_m = x[mask]
    within = float(_total(wx_m * np.log(x_m / group_mean[g[mask]])) / total)
    overall = float(_total(wx_m * np.log(x_m / mu)) / total)
    return TheilDecomposition(max(overall, 0.0), max(between, 0.0), max(within, 0.0))


# --------------------------------------------------------------------------------------------
# Concentration
# --------------------------------------------------------------------------------------------


def shares(values: npt.ArrayLike, *, check: bool = True) -> FloatArray:
    """Shares of the total: ``values / sum(values)``.

    Args:
        values: Non-negative values (e.g. platform market volumes), 1-D.
        check: Validate the input (the default). ``False`` skips the checks, for callers
            that guarantee 1-D float64 arrays of finite non-negative numbers, such as the
            model's observation phase every step; invalid input then gives undefined results.

    Returns:
        A new float64 array of the same length summing to 1 (up to round-off), or all
        zeros when the total is zero (including empty input, which gives an empty array).

    Raises:
        ValueError: If a value is negative or not finite, or the input is not 1-D.
    """
    x = _nonnegative(values, "values") if check else values
    total = _total(x)
    if total <= 0:
        return np.zeros_like(x)
    return x / total


def hhi(values: npt.ArrayLike, *, check: bool = True) -> float:
    """Herfindahl–Hirschman index on the 0–10,000 scale.

    ::

        HHI = sum_i (100 s_i)^2 = 10_000 * sum_i s_i^2,    s_i = x_i / sum_j x_j

    A monopoly gives 10,000 and ``n`` equal shares give ``10,000 / n``; in general
    ``10,000 / n <= HHI <= 10,000`` for ``n`` firms with positive total. Scale invariant.
    Zero-valued firms do not change the index.

    Args:
        values: Non-negative sizes (sales, users, transactions) of each firm, 1-D.
        check: Validate the input (the default). ``False`` skips the checks, for callers
            that guarantee 1-D float64 arrays of finite non-negative numbers, such as the
            model's observation phase every step; invalid input then gives undefined results.

    Returns:
        The index in ``[0, 10000]``; ``0.0`` when the total is zero or the input is
        empty (no market).

    Raises:
        ValueError: If a value is negative or not finite, or the input is not 1-D.
    """
    s = shares(values, check=check)
    if s.size == 0:
        return 0.0
    return float(10_000.0 * _total(s * s))


def top_share(values: npt.ArrayLike, *, check: bool = True) -> float:
    """Share of the largest element: ``max(values) / sum(values)``.

    Args:
        values: Non-negative sizes, 1-D.
        check: Validate the input (the default). ``False`` skips the checks, for callers
            that guarantee 1-D float64 arrays of finite non-negative numbers, such as the
            model's observation phase every step; invalid input then gives undefined results.

    Returns:
        The largest share in ``[0, 1]``; ``0.0`` for empty input or zero total.

    Raises:
        ValueError: If a value is negative or not finite, or the input is not 1-D.
    """
    x = _nonnegative(values, "values") if check else values
    if x.size == 0:
        return 0.0
    total = _total(x)
    if total <= 0:
        return 0.0
    return float(min(np.maximum.reduce(x) / total, 1.0))


# --------------------------------------------------------------------------------------------
# Means, ratios and group aggregates
# --------------------------------------------------------------------------------------------


def weighted_mean(values: npt.ArrayLike, weights: npt.ArrayLike) -> float:
    """Weighted arithmetic mean ``sum(w * x) / sum(w)`` that never raises on zero weight.

    Args:
        values: Values, 1-D (any sign).
        weights: Non-negative weights of the same length.

    Returns:
        The weighted mean; ``nan`` (without a warning) when the total weight is zero or the
        input is empty. NaN in ``values`` with positive weight propagates to the result.

    Raises:
        ValueError: If shapes differ, the input is not 1-D, or a weight is negative or not
            finite.
    """
    x = _as_1d(values, "values")
    w = _nonnegative(weights, "weights")
    if w.shape != x.shape:
        raise ValueError(
            f"weights must have the same length as values ({w.shape[0]} != {x.shape[0]})"
        )
    total_weight = _total(w)
    if total_weight <= 0:
        return math.nan
    return float(_total(w * x) / total_weight)


def safe_ratio(numerator: float, denominator: float, default: float = math.nan) -> float:
    """``numerator / denominator``, or ``default`` when the denominator is zero.

    Args:
        numerator: Dividend (a scalar).
        denominator: Divisor (a scalar).
        default: Returned when ``denominator == 0`` (``nan`` unless told otherwise).

    Returns:
        The ratio as a Python float. NaN in either argument propagates (``nan`` is not
        zero, so ``default`` is not used for it). The default NaN marks a missing value (a
        share of nothing is undefined, not 0): the model's outputs write it as null.
    """
    num = float(numerator)
    den = float(denominator)
    if den == 0.0:
        return float(default)
    return num / den


def group_sums(values: npt.ArrayLike, groups: npt.ArrayLike, n_groups: int) -> FloatArray:
    """Sum of ``values`` within each group: ``np.bincount(groups, values, n_groups)``.

    Args:
        values: Values, 1-D (any sign).
        groups: Integer or boolean group codes in ``[0, n_groups)``, same length.
        n_groups: Number of groups (length of the result).

    Returns:
        Float64 array of length ``n_groups``; empty groups sum to ``0.0``.

    Raises:
        ValueError: If a code is negative or ``>= n_groups``, or the lengths differ.
    """
    x = _as_1d(values, "values")
    g = _as_groups(groups, x.size)
    sums = np.bincount(g, weights=x, minlength=n_groups)
    if sums.size > n_groups:
        raise ValueError(f"group codes must be < n_groups={n_groups} (found {sums.size - 1})")
    return sums


def group_means(
    values: npt.ArrayLike,
    groups: npt.ArrayLike,
    n_groups: int,
    weights: npt.ArrayLike | None = None,
) -> FloatArray:
    """(Weighted) mean of ``values`` within each group, via :func:`numpy.bincount`.

    ::

        mean_g = sum_{i in g} w_i x_i / sum_{i in g} w_i      (w_i = 1 when unweighted)

    Args:
        values: Values, 1-D (any sign).
        groups: Integer or boolean group codes in ``[0, n_groups)``, same length.
        n_groups: Number of groups (length of the result).
        weights: Optional non-negative weights, same length.

    Returns:
        Float64 array of length ``n_groups``; ``nan`` for empty groups (or groups whose
        total weight is zero), without warnings.

    Raises:
        ValueError: If a code is negative or ``>= n_groups``, the lengths differ, or a
            weight is negative or not finite.
    """
    x = _as_1d(values, "values")
    g = _as_groups(groups, x.size)
    if weights is None:
        num = np.bincount(g, weights=x, minlength=n_groups)
        den = np.bincount(g, minlength=n_groups).astype(np.float64)
    else:
        w = _nonnegative(weights, "weights")
        if w.shape != x.shape:
            raise ValueError(
                f"weights must have the same length as values ({w.shape[0]} != {x.shape[0]})"
            )
        num = np.bincount(g, weights=w * x, minlength=n_groups)
        den = np.bincount(g, weights=w, minlength=n_groups)
    if num.size > n_groups:
        raise ValueError(f"group codes must be < n_groups={n_groups} (found {num.size - 1})")
    out = np.full(n_groups, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out
