"""How large a difference the replications of a comparison can tell apart: a simple power
statement for the report, until a replication protocol sets the differences that matter.

A paired difference over ``n`` replications is told apart from 0 by the two-sided t-test at
level ``1 - alpha`` with power ``1 - beta`` when it exceeds the *detectable difference*
``(t(1 - alpha/2, n - 1) + t(1 - beta, n - 1)) * s / sqrt(n)``, ``s`` the standard deviation
of the paired differences (the usual approximation of the noncentral t). ``s / sqrt(n)`` is
read off the comparison's own interval: its half-width over ``t(1 - alpha/2, n - 1)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from platsim.analysis.compare import format_value

#: Power at which the detectable difference and the replications needed are given.
POWER = 0.8
#: Replications needed are searched up to this many (more reads as "more than").
MAX_REPLICATIONS = 10_000


def _factor(n: np.ndarray, level: float, power: float) -> np.ndarray:
    """``(t(level quantile) + t(power)) / sqrt(n)`` with ``n - 1`` degrees of freedom."""
    return (stats.t.ppf(0.5 + level / 2, n - 1) + stats.t.ppf(power, n - 1)) / np.sqrt(n)


def detectable(table: pd.DataFrame, level: float = 0.95, power: float = POWER) -> pd.DataFrame:
    """The comparison rows against the baseline with their detectable difference and the
    replications the observed difference would need.

    Args:
        table: :func:`platsim.analysis.compare.compare`'s table (``pairs``, ``diff``,
            ``diff_high``, ``verdict``; the baseline's rows are left out).
        level: The confidence level of the table's intervals.
        power: The power asked.

    Returns:
        The rows with ``sd`` (of the paired differences), ``detectable`` (in the outcome's
        unit, at the current number of pairs) and ``needed`` (the fewest paired replications
        telling the observed difference apart from 0 with that power; NaN when the difference
        or its spread is 0 or undefined, ``MAX_REPLICATIONS + 1`` for more than that).
    """
    rows = table[(table["verdict"] != "baseline") & (table["pairs"] >= 2)].copy()
    n = rows["pairs"].to_numpy(dtype=float)
    quantile = stats.t.ppf(0.5 + level / 2, n - 1)
    se = (rows["diff_high"] - rows["diff"]).to_numpy(dtype=float) / quantile
    rows["sd"] = se * np.sqrt(n)
    rows["detectable"] = _factor(n, level, power) * np.sqrt(n) * se
    grid = np.arange(2, MAX_REPLICATIONS + 1, dtype=float)
    factors = _factor(grid, level, power)  # decreasing in n
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(rows["diff"].to_numpy(dtype=float)) / rows["sd"].to_numpy(dtype=float)
        index = np.searchsorted(-factors, -ratio, side="left")  # first n with factor <= ratio
    needed = np.where(index < grid.size, grid[np.minimum(index, grid.size - 1)], np.nan)
    needed[index >= grid.size] = MAX_REPLICATIONS + 1
    needed[~np.isfinite(ratio) | (ratio == 0)] = np.nan
    rows["needed"] = needed
    return rows


def per_outcome(rows: pd.DataFrame) -> pd.DataFrame:
    """:func:`detectable`'s rows summed up per outcome, in the table's order: the median
    detectable difference over the scenarios (in the unit and relative to the baseline mean),
    how many scenarios read "no clear difference" and the median replications they need."""
    unclear = rows["verdict"] == "no clear difference"
    grouped = rows.assign(
        relative=rows["detectable"] / rows["baseline_mean"].abs().replace(0, np.nan),
        unclear=unclear,
        needed_unclear=rows["needed"].where(unclear),
    ).groupby("outcome", sort=False)
    return pd.DataFrame(
        {
            "unit": grouped["unit"].first(),
            "pairs": grouped["pairs"].min(),
            "detectable": grouped["detectable"].median(),
            "relative": grouped["relative"].median(),
            "unclear": grouped["unclear"].sum(),
            "scenarios": grouped.size(),
            "needed": grouped["needed_unclear"].median(),
        }
    ).reset_index()


def statement(rows: pd.DataFrame, power: float = POWER, enough: int = 30) -> str:
    """One paragraph of plain text on what the replications of :func:`detectable`'s rows can
    tell (empty without rows)."""
    if rows.empty:
        return ""
    pairs = rows["pairs"].astype(int)
    n = f"{pairs.min()}" if pairs.min() == pairs.max() else f"{pairs.min()}-{pairs.max()}"
    ratio = float((rows["detectable"] / (rows["diff_high"] - rows["diff"])).median())
    unclear = rows[rows["verdict"] == "no clear difference"]
    needed = unclear["needed"].dropna()
    text = (
        f"With {n} paired replications per scenario, a difference reads as clear (its 95% "
        f"interval excludes 0) with {power:.0%} power only if it is at least about {ratio:.1f} "
        "times the half-width of its interval: the detectable difference below. "
        f'{len(unclear)} of the {len(rows)} comparisons read "no clear difference", which '
        "means no difference as large as the detectable one, not no difference."
    )
    if len(needed):
        text += (
            f" Telling their observed differences apart with {power:.0%} power would take a "
            f"median of {needed.median():,.0f} paired replications: {(needed <= enough).sum()} "
            f"of them {enough} or fewer, {(needed > 1000).sum()} more than 1,000."
        )
    return text


def summary(table: pd.DataFrame, power: float = POWER) -> tuple[str, pd.DataFrame]:
    """The report's power statement of a comparison table and its per-outcome table as text
    columns (``("", empty frame)`` when no scenario has two pairs or more)."""
    rows = detectable(table, power=power)
    if rows.empty:
        return "", pd.DataFrame()
    frame = per_outcome(rows)

    def count(value: float) -> str:
        return "–" if math.isnan(value) else f"{math.ceil(value):,}"

    shown = pd.DataFrame(
        {
            "outcome": frame["outcome"],
            "unit": frame["unit"],
            f"detectable difference ({power:.0%} power)": frame["detectable"].map(format_value),
            "of the baseline mean": [
                "–" if math.isnan(v) else f"{v:.1%}" for v in frame["relative"].astype(float)
            ],
            "no clear difference": [
                f"{u} of {n}" for u, n in zip(frame["unclear"], frame["scenarios"], strict=True)
            ],
            "replications to tell them": frame["needed"].astype(float).map(count),
        }
    )
    return statement(rows, power), shown
