"""Tests for :mod:`platsim.analysis.patterns`: the pattern table from hand-made run outputs
(values, intervals and verdicts computed by hand) and the pattern file's validation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from platsim.analysis import patterns as pt
from platsim.errors import InputError
from platsim.schema.outcomes import OUTCOMES


def run(steps: int = 5, **columns: list[float] | float) -> pd.DataFrame:
    frame = pd.DataFrame({"step": range(steps)})
    for name, values in columns.items():
        frame[name] = values
    return frame


def pattern(statistic: str, window=(1, 4), target=0.0, tolerance=1.0, name=None) -> pt.Pattern:
    return pt.Pattern(name or statistic, statistic, window, target, tolerance, "hand")


def test_outcome_mean_over_the_window_and_t_interval_over_runs() -> None:
    # run a: steps 1-4 average 0.08 (step 0 left out); run b: 0.06
    a = run(unemployment_rate=[0.50, 0.07, 0.09, 0.08, 0.08])
    b = run(unemployment_rate=[0.50, 0.06, 0.06, 0.05, 0.07])
    table = pt.pattern_table([a, b], [pattern("unemployment_rate", target=0.073, tolerance=0.015)])
    assert list(table.columns) == pt.COLUMNS
    row = table.iloc[0]
    assert row["measured"] == pytest.approx(0.07)
    # two values 0.08 and 0.06: s.d. 0.01 * sqrt(2), half-width t(0.975, 1) * 0.01
    half = stats.t.ppf(0.975, 1) * 0.01
    assert row["low"] == pytest.approx(0.07 - half)
    assert row["high"] == pytest.approx(0.07 + half)
    assert bool(row["passed"])  # |0.070 - 0.073| <= 0.015
    assert row["source"] == "hand"


def test_pass_and_fail_at_the_band() -> None:
    a = run(gini_income=0.30)
    holds = pt.pattern_table([a], [pattern("gini_income", target=0.294, tolerance=0.01)])
    fails = pt.pattern_table([a], [pattern("gini_income", target=0.25, tolerance=0.03)])
    assert bool(holds.iloc[0]["passed"]) and not bool(fails.iloc[0]["passed"])
    assert math.isnan(holds.iloc[0]["low"])  # one run: no interval


def test_firm_entry_and_exit_rates_are_yearly_shares_of_active_firms() -> None:
    a = run(firm_entry=[0, 2, 2, 2, 2], firm_exit=[0, 1, 1, 1, 1], firms=100.0)
    table = pt.pattern_table(
        [a], [pattern("firm_entry_rate", target=0.24), pattern("firm_exit_rate", target=0.12)]
    )
    assert table["measured"].tolist() == pytest.approx([0.24, 0.12])


def test_a_statistic_that_cannot_be_measured_fails_rather_than_crashing() -> None:
    no_firms = run(firm_entry=[0, 0, 0, 0, 0], firm_exit=0.0, firms=0.0)
    missing = run(unemployment_rate=0.07)  # no vacancy_rate, no gini_income
    table = pt.pattern_table(
        [no_firms],
        [pattern("firm_entry_rate", target=0.1, tolerance=1.0), pattern("firm_exit_rate")],
    )
    assert table["measured"].isna().all() and not table["passed"].any()
    table = pt.pattern_table(
        [missing], [pattern("beveridge_correlation", tolerance=2.0), pattern("gini_income")]
    )
    assert table["measured"].isna().all() and not table["passed"].any()


def test_beveridge_correlation() -> None:
    a = run(unemployment_rate=[0.1, 0.1, 0.2, 0.3, 0.4], vacancy_rate=[0.9, 0.4, 0.3, 0.2, 0.1])
    flat = run(unemployment_rate=0.1, vacancy_rate=[0.9, 0.4, 0.3, 0.2, 0.1])
    table = pt.pattern_table([a], [pattern("beveridge_correlation", target=-0.5, tolerance=0.3)])
    assert table.iloc[0]["measured"] == pytest.approx(-1.0)  # steps 1-4: exactly opposite
    assert not bool(table.iloc[0]["passed"])  # -1 is outside -0.8 .. -0.2
    # a constant series has no correlation: NaN, and NaN never passes
    nan = pt.pattern_table([flat], [pattern("beveridge_correlation", tolerance=10)])
    assert math.isnan(nan.iloc[0]["measured"]) and not bool(nan.iloc[0]["passed"])


def test_unemployment_drift_compares_the_window_s_first_and_last_two_years() -> None:
    u = np.r_[np.full(10, 0.5), np.full(24, 0.05), np.full(24, 0.07)]  # steps 0-57
    a = run(58, unemployment_rate=u)
    table = pt.pattern_table([a], [pattern("unemployment_drift", window=(10, 57), tolerance=0.01)])
    assert table.iloc[0]["measured"] == pytest.approx(0.02)
    assert not bool(table.iloc[0]["passed"])


def test_activity_rate_is_the_model_s_100_percent_and_fails_the_bundled_target() -> None:
    bundled = {p.name: p for p in pt.load_patterns()}
    activity = bundled["activity_rate_15_64"]
    table = pt.pattern_table([run(130), run(130)], [activity])
    assert table.iloc[0]["measured"] == 1.0
    assert not bool(table.iloc[0]["passed"])


def test_bundled_patterns_cover_the_issue_s_facts() -> None:
    patterns = pt.load_patterns()
    statistics = {p.statistic for p in patterns}
    assert {
        "unemployment_rate",
        "activity_rate",
        "gini_income",
        "rural_urban_income_ratio",
        "rural_population_share",
        "platform_work_share",
        "platform_share_goods",
        "top_share_goods",
        "firm_entry_rate",
        "firm_exit_rate",
        "beveridge_correlation",
        "unemployment_drift",
    } <= statistics
    for p in patterns:
        assert p.tolerance > 0 and p.source and p.why, p.name
        assert p.statistic in pt.STATISTICS or p.statistic in OUTCOMES
        for name in pt.STATISTICS.get(p.statistic, pt.Statistic(len, 1, ())).reads:
            assert name in OUTCOMES


GOOD = """\
patterns:
  - name: u
    statistic: unemployment_rate
    window: [1, 4]
    target: 0.073
    tolerance: 0.015
    source: INSEE
"""


@pytest.mark.parametrize(
    ("old", "new", "field", "shown"),
    [
        ("tolerance: 0.015", "tolerance: -1", "patterns[0].tolerance", "-1"),
        ("tolerance: 0.015", "tolerance: wide", "patterns[0].tolerance", "'wide'"),
        ("statistic: unemployment_rate", "statistic: nope", "patterns[0].statistic", "'nope'"),
        ("window: [1, 4]", "window: [4, 1]", "patterns[0].window", "[4, 1]"),
        ("window: [1, 4]", "window: 4", "patterns[0].window", "4"),
        ("    source: INSEE\n", "", "patterns[0].source", None),
        ("source: INSEE", "source: INSEE\n    colour: red", "patterns[0].colour", None),
        ("patterns:", "pattern:", "pattern", None),
        (GOOD.removeprefix("patterns:"), " []", "patterns: is empty", None),
    ],
)
def test_a_bad_field_names_file_field_and_value(tmp_path, old, new, field, shown) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(GOOD.replace(old, new))
    with pytest.raises(InputError) as raised:
        pt.load_patterns(file)
    message = raised.value.message()
    assert "\n" not in message
    assert str(file) in message and field in message
    if shown is not None:
        assert f"got {shown}" in message


def test_a_drift_window_shorter_than_two_years_is_refused(tmp_path) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(GOOD.replace("unemployment_rate", "unemployment_drift"))
    with pytest.raises(InputError, match=r"patterns\[0\].window.*at least 48"):
        pt.load_patterns(file)


def test_names_must_differ(tmp_path) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(GOOD + GOOD.removeprefix("patterns:\n"))
    with pytest.raises(InputError, match=r"patterns\[1\].name: name given twice"):
        pt.load_patterns(file)


def test_a_window_past_the_run_s_end_is_refused_before_running() -> None:
    patterns = [pattern("gini_income", window=(1, 4)), pattern("firms", window=(2, 130))]
    pt.check_windows(patterns, 130, None)
    with pytest.raises(InputError, match=r"patterns\[1\].window: ends after .* \(120\)"):
        pt.check_windows(patterns, 120, Path("p.yaml"))
