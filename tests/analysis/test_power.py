"""Tests of platsim.analysis.power: the detectable difference and the replications needed,
checked against the exact power of the paired t-test (noncentral t)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from platsim.analysis.power import MAX_REPLICATIONS, detectable, statement, summary


def exact_power(difference: float, sd: float, n: int, level: float = 0.95) -> float:
    """Power of the two-sided paired t-test of ``n`` pairs for a true mean ``difference``."""
    critical = stats.t.ppf(0.5 + level / 2, n - 1)
    shift = difference / (sd / math.sqrt(n))
    return float(stats.nct.sf(critical, n - 1, shift) + stats.nct.cdf(-critical, n - 1, shift))


def table(
    rows: list[tuple[int, float, float]], verdict: str = "no clear difference"
) -> pd.DataFrame:
    """Comparison rows ``(pairs, diff, sd of the paired differences)`` as compare writes them."""
    frame = pd.DataFrame(rows, columns=["pairs", "diff", "sd"])
    half = stats.t.ppf(0.975, frame["pairs"] - 1) * frame["sd"] / np.sqrt(frame["pairs"])
    return frame.assign(
        outcome=[f"o{i}" for i in range(len(frame))],
        unit="share",
        baseline_mean=10.0,
        diff_low=frame["diff"] - half,
        diff_high=frame["diff"] + half,
        verdict=verdict,
    ).drop(columns="sd")


@pytest.mark.parametrize("n", [3, 4, 10, 30])
def test_detectable_difference_has_the_power_asked(n: int) -> None:
    rows = detectable(table([(n, 0.5, 2.0)]))
    assert rows["sd"].iloc[0] == pytest.approx(2.0)
    power = exact_power(rows["detectable"].iloc[0], 2.0, n)
    assert 0.75 <= power <= 0.82, power  # the t-quantile approximation, close from below


@pytest.mark.parametrize(("difference", "sd"), [(0.5, 2.0), (1.0, 1.0), (0.05, 0.5)])
def test_replications_needed_are_the_fewest_with_the_power_asked(
    difference: float, sd: float
) -> None:
    needed = int(detectable(table([(4, difference, sd)]))["needed"].iloc[0])
    assert exact_power(difference, sd, needed) >= 0.79
    assert exact_power(difference, sd, needed - 1) < 0.8
    # about (z_0.975 + z_0.8)^2 (sd / difference)^2
    assert needed == pytest.approx((2.8 * sd / difference) ** 2, rel=0.1, abs=3)


def test_baseline_rows_single_pairs_and_zero_differences() -> None:
    rows = pd.concat(
        [
            table([(4, 0.0, 0.0)], verdict="baseline"),
            table([(1, 0.3, 1.0)]),  # one pair: no interval, no power
            table([(4, 0.0, 1.0), (4, 1e-9, 1.0)]),
        ],
        ignore_index=True,
    )
    rows.loc[1, ["diff_low", "diff_high"]] = np.nan
    result = detectable(rows)
    assert len(result) == 2
    assert math.isnan(result["needed"].iloc[0])  # a difference of 0 is never told apart
    assert result["needed"].iloc[1] == MAX_REPLICATIONS + 1
    text, shown = summary(rows)
    assert "With 4 paired replications" in text and "2 of the 2 comparisons" in text
    assert list(shown["no clear difference"]) == ["1 of 1", "1 of 1"]
    assert list(shown["replications to tell them"]) == ["–", f"{MAX_REPLICATIONS + 1:,}"]
    assert summary(rows.iloc[:2])[0] == "" and statement(detectable(rows.iloc[:2])) == ""
