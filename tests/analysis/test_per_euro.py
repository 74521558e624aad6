"""Tests of platsim.analysis.per_euro: the scorecard's effects per million EUR of public cost."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from platsim.analysis import per_euro, scorecard
from platsim.analysis.compare import At, compare, t_interval
from platsim.analysis.report import build_report, register_arms
from platsim.experiment.results import open as open_results
from platsim.experiment.runner import run_batch

#: broadband costs public money (the state's programme), open_data none.
EXPERIMENT = """
name: euro
scenarios: [baseline, broadband, open_data]
replications: 3
steps: 12
seed: 5
overrides:
  territory.n_municipalities: 20
  simulation.policy_start: 4
outputs:
  panel_every: 0
"""

#: t(0.975, 2), the 95% quantile of two-pair intervals over three replications.
T2 = 4.302652729749462


def test_ratio_of_means_and_delta_interval_by_hand() -> None:
    # d = (2, 4, 6), c = (1, 2, 2): R = 4 / (5/3) = 2.4; residuals d - R c = (-0.4, -0.8, 1.2),
    # their variance (0.16 + 0.64 + 1.44) / 2 = 1.12; se = sqrt(1.12) / (sqrt(3) * 5/3).
    ratio, low, high = per_euro.ratio_of_means([2, 4, 6], [1, 2, 2])
    se = math.sqrt(1.12) / (math.sqrt(3) * 5 / 3)
    assert ratio == pytest.approx(2.4, abs=1e-12)
    assert se == pytest.approx(0.366606, abs=1e-6)
    assert low == pytest.approx(2.4 - T2 * se, abs=1e-12)  # 0.8226
    assert high == pytest.approx(2.4 + T2 * se, abs=1e-12)  # 3.9774
    assert low == pytest.approx(0.82263, abs=1e-5) and high == pytest.approx(3.97737, abs=1e-5)
    # not the mean of the per-replication ratios (2 + 2 + 3) / 3
    assert ratio != pytest.approx(7 / 3)


def test_constant_cost_divides_the_effects_interval() -> None:
    d = np.array([-3.0, -1.0, -2.5, -1.5])
    ratio, low, high = per_euro.ratio_of_means(d, np.full(4, 2.0))
    mean, dlow, dhigh = t_interval(d)
    assert (ratio, low, high) == pytest.approx((mean / 2, dlow / 2, dhigh / 2), abs=1e-12)


def test_ratio_drops_pairs_with_nan_and_needs_a_cost() -> None:
    # pairs (1, 1) and (2, 1): R = 1.5, residuals (-0.5, 0.5), sd 1/sqrt(2), se 0.5
    half = 12.706204736174694 * 0.5  # t(0.975, 1)
    assert per_euro.ratio_of_means([1, 2, math.nan], [1, 1, 5]) == pytest.approx(
        (1.5, 1.5 - half, 1.5 + half), abs=1e-12
    )
    assert all(math.isnan(v) for v in per_euro.ratio_of_means([1, 2], [1, -1]))
    ratio, low, high = per_euro.ratio_of_means([3.0], [2.0])
    assert ratio == 1.5 and math.isnan(low) and math.isnan(high)


def test_cost_status() -> None:
    assert per_euro.cost_status([0.0, 0.0, 0.0]) == per_euro.FREE
    assert per_euro.cost_status([1e6, 1.1e6, 0.9e6]) == per_euro.COSTS
    assert per_euro.cost_status([-1e6, -1.2e6, -0.8e6]) == per_euro.SAVES
    assert per_euro.cost_status([1e6, -1e6, 0.5e6]) == per_euro.UNCLEAR
    assert per_euro.cost_status([2.0]) == per_euro.COSTS  # one pair: its sign


def _runs(arm: str, outcome: list[float], cost: list[float], first: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": [f"r{first + i}" for i in range(3)],
            "arm": arm,
            "scenario": arm,
            "design_point": 0,
            "replication": [0, 1, 2],
            "unemployment_rate": outcome,
            per_euro.COST: cost,
        }
    )


def test_rates_by_hand_with_cost_saving_free_and_unclear_scenarios() -> None:
    base = _runs("baseline", [0.10, 0.12, 0.11], [0.0, 0.0, 0.0], 0)
    values = pd.concat(
        [
            base,
            # paired d = (-0.02, -0.04, -0.06), c = (1, 2, 2) M EUR: the hand example / 1e8
            _runs("costly", [0.08, 0.08, 0.05], [1e6, 2e6, 2e6], 3),
            # saves (1, 2, 2) M EUR and raises unemployment by (0.02, 0.04, 0.06)
            _runs("saver", [0.12, 0.16, 0.17], [-1e6, -2e6, -2e6], 6),
            _runs("free", [0.05, 0.05, 0.05], [0.0, 0.0, 0.0], 9),
            _runs("unclear", [0.05, 0.05, 0.05], [1e6, -1e6, 0.5e6], 12),
        ],
        ignore_index=True,
    )
    effects = [("employment", "unemployment_rate")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero
        frame = per_euro.rates(values, base, ["design_point", "replication"], effects)
    frame = frame.set_index("arm")
    assert list(frame.index) == ["costly", "saver", "free", "unclear"]
    costly = frame.loc["costly"]
    assert costly["status"] == per_euro.COSTS
    assert costly["cost"] == pytest.approx(5e6 / 3)
    assert costly["diff"] == pytest.approx(-0.04)
    # per M EUR: -0.04 / (5/3) = -0.024, interval (-2.4 -+ T2 se) / 100
    se = math.sqrt(1.12) / (math.sqrt(3) * 5 / 3) / 100
    assert costly["rate"] == pytest.approx(-0.024, abs=1e-12)
    assert costly["rate_low"] == pytest.approx(-0.024 - T2 * se, abs=1e-12)
    assert costly["rate_high"] == pytest.approx(-0.024 + T2 * se, abs=1e-12)
    assert costly["verdict"] == "better"  # lower unemployment, interval below 0
    saver = frame.loc["saver"]
    assert saver["status"] == per_euro.SAVES and saver["cost"] == pytest.approx(-5e6 / 3)
    # per M EUR saved, the effect's sign kept: +0.024 points... worse
    assert saver["rate"] == pytest.approx(0.024, abs=1e-12)
    assert saver["rate_low"] == pytest.approx(0.024 - T2 * se, abs=1e-12)
    assert saver["verdict"] == "worse"
    assert frame.loc["free", "status"] == per_euro.FREE
    assert math.isnan(frame.loc["free", "rate"])
    assert frame.loc["free", "verdict"] == "no public cost"
    assert frame.loc["unclear", "status"] == per_euro.UNCLEAR
    assert math.isnan(frame.loc["unclear", "rate"])

    assert per_euro.free_arms(frame.reset_index()) == ["free"]
    phrases = per_euro.phrases(frame.reset_index())  # "free": the scorecard says it
    assert phrases == {
        # -2.4 -+ 1.577 points, the bounds in the rate's decimals
        "costly": "per M EUR spent: unemployment \u22122.4 points [\u22124.0, \u22120.8]",
        "saver": "per M EUR saved: unemployment +2.4 points [+0.8, +4.0]",
        "unclear": "public cost not clearly different from 0 (no rate per euro)",
    }
    table = per_euro.rates_table(frame.reset_index(), "to step 12")
    rows = dict(re.findall(r"<tr><th>(\w+)</th>(.*?)</tr>", table))
    assert rows["costly"].startswith("<td>1.67 M EUR [")
    assert "saves 1.67 M EUR" in rows["saver"] and "per M EUR saved" in rows["saver"]
    assert "free" not in rows  # named in one line after the table instead
    assert table.endswith(
        '</table><p class="note">No public cost (no rate; their effects are in the scorecard): '
        "free.</p>"
    )
    assert "not clearly different from 0" in rows["unclear"]
    only_free = per_euro.rates_table(frame.reset_index().query("arm == 'free'"), "to step 12")
    assert only_free.startswith('<p class="note">') and "<table" not in only_free


def test_format_rate() -> None:
    assert per_euro.format_rate("share", -1.7e-4) == "\u22120.017 points"
    assert per_euro.format_rate("0-10,000", -12.34, -15.0, -9.6) == "\u221212 [\u221215, \u221210]"
    assert per_euro.format_rate("", 0.00123, 0.0, 0.0025) == "+0.0012 [0.0000, +0.0025]"
    assert per_euro.format_rate("share", math.nan) == "–"
    # below 0.001 in the unit shown: e-notation, 2 significant digits, bounds alike
    assert per_euro.format_rate("", -2.6e-6, -3.94e-6, 1.4e-7) == (
        "\u22122.6e\u22126 [\u22123.9e\u22126, +1.4e\u22127]"
    )
    assert per_euro.format_rate("share", 8e-6) == "+8.0e\u22124 points"


def test_cost_is_taken_at_the_comparisons_end_step() -> None:
    assert per_euro.cost_at(At("end")) == At("end")
    assert per_euro.cost_at(At("step", 60)) == At("step", 60)
    assert per_euro.cost_at(At("mean", 60, 120)) == At("step", 120)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("euro")
    (folder / "euro.yaml").write_text(EXPERIMENT)
    assert run_batch(folder / "euro.yaml", folder / "results", executor="local").exit_code == 0
    return folder / "results"


def test_rates_of_a_batch_are_the_scorecards_differences_over_the_cost(
    results_dir: Path,
) -> None:
    table = compare(results_dir)
    results = open_results(results_dir)
    try:
        runs, _ = register_arms(results)
        frame = per_euro.per_euro(results, table, runs, "baseline", At("end"))
        total = results.df(
            "SELECT r.scenario, m.public_cost_total FROM metrics m JOIN runs r USING (run_id) "
            "WHERE m.step = 12"
        )
    finally:
        results.close()
    assert frame is not None
    broadband = frame[frame["arm"] == "broadband"]
    assert set(broadband["status"]) == {per_euro.COSTS}
    assert len(broadband) == 4  # concentration, value retention, employment, cohesion
    spent = total[total["scenario"] == "broadband"]["public_cost_total"].mean()
    assert spent > 0
    assert broadband["cost"].iloc[0] == pytest.approx(spent, rel=1e-12)
    for row in broadband.itertuples(index=False):
        diff = table.query("arm == 'broadband' and outcome == @row.outcome")["diff"].iloc[0]
        assert row.rate == pytest.approx(diff / spent * 1e6, rel=1e-9, abs=1e-15)
    assert set(frame[frame["arm"] == "open_data"]["status"]) == {per_euro.FREE}

    text, _ = build_report(results_dir)
    first = text.split("</h1>", 1)[1].split("<h2>")[1]  # the scorecard's section
    assert "<h3>Effects per euro</h3>" in first
    assert first.index('<table class="scorecard">') < first.index('<table class="per-euro">')
    sentence = re.search(r"<li>broadband: [^<]*</li>", first).group(0)
    assert "per M EUR spent" in sentence
    assert re.search(r"<li>open_data: [^<]*; no public cost\.</li>", first)
    assert "public cost no clear difference" not in first
    row = first.split('<table class="scorecard">')[1].split("<tr><th>open_data</th>")[1]
    assert 'data-outcome="public_cost"' in row.split("</tr>")[0]
    assert ">no public cost</td>" in row.split("</tr>")[0]
    cells = scorecard.cells(table, no_cost=["open_data"]).set_index(["arm", "column"])
    assert cells.loc[("open_data", "public cost"), "verdict"] == scorecard.NO_COST
    assert math.isnan(cells.loc[("open_data", "public cost"), "goodness"])  # grey
    assert cells.loc[("broadband", "public cost"), "verdict"] == "worse"  # it spends
    assert "to step 12" in first


def test_no_section_without_public_cost() -> None:
    assert per_euro.section(None, "baseline", "to step 12") == ""


def test_a_window_comparison_divides_by_the_cost_at_the_windows_end(results_dir: Path) -> None:
    table = compare(results_dir, at="mean:6-10")
    results = open_results(results_dir)
    try:
        runs, _ = register_arms(results)
        frame = per_euro.per_euro(results, table, runs, "baseline", At("mean", 6, 10))
        spent = results.df(
            "SELECT avg(m.public_cost_total) AS c FROM metrics m JOIN runs r USING (run_id) "
            "WHERE m.step = 10 AND r.scenario = 'broadband'"
        )["c"].iloc[0]
        assert per_euro.end_words(results, At("mean", 6, 10)) == "to step 10"
        assert per_euro.end_words(results, At("end")) == "to step 12"
    finally:
        results.close()
    broadband = frame[frame["arm"] == "broadband"].set_index("outcome")
    assert broadband["cost"].iloc[0] == pytest.approx(spent, rel=1e-12)
    diffs = table[table["arm"] == "broadband"].set_index("outcome")["diff"]
    for outcome, row in broadband.iterrows():
        diff = diffs[outcome]
        assert row["diff"] == pytest.approx(diff, rel=1e-12, abs=1e-15)
        assert row["rate"] == pytest.approx(diff / spent * 1e6, rel=1e-9, abs=1e-15)


def test_a_missing_value_drops_its_pair_from_the_rate_not_from_the_cost() -> None:
    base = _runs("baseline", [0.10, 0.12, 0.11], [0.0, 0.0, 0.0], 0)
    # d = (-0.02, nan, -0.06), c = (1, 2, 2) M EUR: rate over pairs 1 and 3 = -0.04 / 1.5
    arm = _runs("costly", [0.08, math.nan, 0.05], [1e6, 2e6, 2e6], 3)
    values = pd.concat([base, arm], ignore_index=True)
    frame = per_euro.rates(
        values, base, ["design_point", "replication"], [("employment", "unemployment_rate")]
    )
    row = frame.iloc[0]
    assert row["pairs"] == 2 and row["status"] == per_euro.COSTS
    assert row["cost"] == pytest.approx(5e6 / 3)  # the arm's cost, every pair
    assert row["rate"] == pytest.approx(-0.04 / 1.5, abs=1e-12)


def _arm(arm: str, cost: list[float], first: int, **outcomes: list[float]) -> pd.DataFrame:
    """One run per replication of ``arm`` (design point 0) with the given outcomes."""
    n = len(cost)
    return pd.DataFrame(
        {
            "run_id": [f"r{first + i}" for i in range(n)],
            "arm": arm,
            "scenario": arm,
            "design_point": 0,
            "replication": list(range(n)),
            **outcomes,
            per_euro.COST: cost,
        }
    )


def test_cost_status_of_one_pair_small_costs_and_another_level() -> None:
    # one pair: its sign, whatever its size
    assert per_euro.cost_status([0.5]) == per_euro.COSTS
    assert per_euro.cost_status([-2.0]) == per_euro.SAVES
    assert per_euro.cost_status([-0.5, math.nan]) == per_euro.SAVES  # NaN pairs dropped
    assert per_euro.cost_status([math.nan]) == per_euro.UNCLEAR  # nothing left
    # half a euro in every replication is a cost (the interval [0.5, 0.5] is above 0)
    assert per_euro.cost_status([0.5, 0.5, 0.5]) == per_euro.COSTS
    assert per_euro.cost_status([-0.5, -0.5, -0.5]) == per_euro.SAVES
    # an interval from below 0 to a little above: unclear, not a saving
    assert per_euro.cost_status([0.1, -0.1, 0.05]) == per_euro.UNCLEAR
    # (1, 2, 3): 2 -+ 4.30 / sqrt(3) at 95% includes 0; 2 -+ 0.816 / sqrt(3) at 50% does not
    assert per_euro.cost_status([1.0, 2.0, 3.0]) == per_euro.UNCLEAR
    assert per_euro.cost_status([1.0, 2.0, 3.0], level=0.5) == per_euro.COSTS
    assert per_euro.cost_status([-1.0, -2.0, -3.0], level=0.5) == per_euro.SAVES
    # an interval touching 0 does not exclude it: (-1, 1) at level 0 is [0, 0]
    assert per_euro.cost_status([-1.0, 1.0], level=0.0) == per_euro.UNCLEAR


def test_rates_against_a_baseline_that_spends_too_are_the_extra_cost() -> None:
    # the baseline spends 1 M EUR in each replication, the arm (2, 3, 3) M EUR: the extra cost
    # is the hand example's c = (1, 2, 2) M EUR, d = (-0.02, -0.04, -0.06)
    base = _arm("baseline", [1e6, 1e6, 1e6], 0, unemployment_rate=[0.10, 0.12, 0.11])
    arm = _arm("costly", [2e6, 3e6, 3e6], 3, unemployment_rate=[0.08, 0.08, 0.05])
    values = pd.concat([base, arm], ignore_index=True)
    frame = per_euro.rates(values, base, ["replication"], [("employment", "unemployment_rate")])
    row = frame.iloc[0]
    assert row["cost"] == pytest.approx(5e6 / 3)
    assert row["rate"] == pytest.approx(-0.024, abs=1e-12)
    se = math.sqrt(1.12) / (math.sqrt(3) * 5 / 3) / 100
    assert row["rate_low"] == pytest.approx(-0.024 - T2 * se, abs=1e-12)


def test_rates_at_another_confidence_level() -> None:
    base = _arm("baseline", [0.0] * 3, 0, unemployment_rate=[0.10, 0.12, 0.11])
    # c = (1, 2, 3) M EUR: a cost at 50% (2 -+ 0.47 M EUR), unclear at 95%
    arm = _arm("costly", [1e6, 2e6, 3e6], 3, unemployment_rate=[0.08, 0.07, 0.05])
    values = pd.concat([base, arm], ignore_index=True)
    effects = [("employment", "unemployment_rate")]
    keys = ["design_point", "replication"]
    assert per_euro.rates(values, base, keys, effects)["status"].iloc[0] == per_euro.UNCLEAR
    row = per_euro.rates(values, base, keys, effects, level=0.5).iloc[0]
    assert row["status"] == per_euro.COSTS
    t50 = 0.8164965809277259  # t(0.75, 2)
    assert row["cost"] == pytest.approx(2e6)
    assert row["cost_low"] == pytest.approx(2e6 - t50 * 1e6 / math.sqrt(3))
    assert row["cost_high"] == pytest.approx(2e6 + t50 * 1e6 / math.sqrt(3))
    # d = (-0.02, -0.05, -0.06), c = (1, 2, 3) M EUR: R = -0.13 / 6 per M EUR, residuals
    # d - R c = (0.00167, -0.00667, 0.005)
    rate = -0.13 / 6
    se = math.sqrt(((0.02 - 0.13 / 6) ** 2 + (0.05 - 0.26 / 6) ** 2 + (0.06 - 0.39 / 6) ** 2) / 2)
    se /= math.sqrt(3) * 2
    assert row["rate"] == pytest.approx(rate, abs=1e-12)
    assert row["rate_low"] == pytest.approx(rate - t50 * se, abs=1e-12)
    assert row["rate_high"] == pytest.approx(rate + t50 * se, abs=1e-12)


def test_a_scenario_that_changes_nothing_has_no_clear_effect_per_euro() -> None:
    # d = (0, 0, 0) for a cost (1, 2, 2) M EUR: rate 0 with the interval [0, 0]
    base = _arm("baseline", [0.0] * 3, 0, unemployment_rate=[0.10, 0.12, 0.11])
    arm = _arm("costly", [1e6, 2e6, 2e6], 3, unemployment_rate=[0.10, 0.12, 0.11])
    values = pd.concat([base, arm], ignore_index=True)
    effects = [("employment", "unemployment_rate")]
    row = per_euro.rates(values, base, ["design_point", "replication"], effects).iloc[0]
    assert (row["rate"], row["rate_low"], row["rate_high"]) == (0.0, 0.0, 0.0)
    assert row["verdict"] == "no clear difference"
    assert per_euro.phrases(pd.DataFrame([row])) == {"costly": "per M EUR spent: no clear effect"}
    assert per_euro.format_rate(row["unit"], 0.0, 0.0, 0.0) == "0.00 points [0.00, 0.00]"


def test_one_pair_gives_a_rate_without_an_interval_and_no_verdict() -> None:
    base = _arm("baseline", [0.0], 0, unemployment_rate=[0.10])
    arm = _arm("costly", [2e6], 1, unemployment_rate=[0.06])
    values = pd.concat([base, arm], ignore_index=True)
    effects = [("employment", "unemployment_rate")]
    row = per_euro.rates(values, base, ["replication"], effects).iloc[0]
    assert row["status"] == per_euro.COSTS  # a single positive cost
    assert row["rate"] == pytest.approx(-0.02, abs=1e-12)
    assert math.isnan(row["rate_low"]) and math.isnan(row["rate_high"])
    assert row["verdict"] == "no clear difference"


def test_an_outcome_without_a_better_direction_goes_higher_or_lower() -> None:
    # vacancies (declared, no better direction) and an outcome platsim does not declare
    base = _arm("baseline", [0.0] * 3, 0, vacancies=[10.0, 12.0, 11.0], custom=[1.0, 1.0, 1.0])
    arm = _arm("costly", [1e6, 2e6, 2e6], 3, vacancies=[12.0, 16.0, 17.0], custom=[0.8, 0.6, 0.4])
    values = pd.concat([base, arm], ignore_index=True)
    effects = [("jobs", "vacancies"), ("other", "custom")]
    frame = per_euro.rates(values, base, ["replication"], effects).set_index("outcome")
    # vacancies: d = (2, 4, 6), the hand example's rate 2.4 per M EUR, interval above 0
    assert frame.loc["vacancies", "rate"] == pytest.approx(2.4, abs=1e-9)
    assert frame.loc["vacancies", "verdict"] == "higher"
    assert frame.loc["vacancies", "unit"] == "positions"
    # custom: d = (-0.2, -0.4, -0.6): -0.24 per M EUR, interval below 0, no unit
    assert frame.loc["custom", "rate"] == pytest.approx(-0.24, abs=1e-9)
    assert frame.loc["custom", "verdict"] == "lower"
    assert frame.loc["custom", "unit"] == ""
    # neither is "clear" for the sentence (no better way), and the label is the outcome's name
    phrase = per_euro.phrases(frame.reset_index())["costly"]
    # (the bounds in the rate's decimals)
    assert phrase == (
        "per M EUR spent: vacancies +2.4 [+0.8, +4.0], custom \u22120.24 [\u22120.40, \u22120.08]"
    )


def test_rates_of_free_arms_only_and_of_the_baseline_alone() -> None:
    base = _arm("baseline", [0.0] * 3, 0, unemployment_rate=[0.10, 0.12, 0.11])
    free = _arm("free", [0.0] * 3, 3, unemployment_rate=[0.05, 0.05, 0.05])
    effects = [("employment", "unemployment_rate")]
    keys = ["replication"]
    frame = per_euro.rates(pd.concat([base, free], ignore_index=True), base, keys, effects)
    assert frame["rate"].dtype == float and frame["rate"].isna().all()
    alone = per_euro.rates(base, base, keys, effects)
    assert alone.empty and list(alone.columns) == per_euro.COLUMNS


def test_an_outcome_missing_in_every_pair_has_no_difference_and_no_warning() -> None:
    base = _arm("baseline", [0.0] * 3, 0, unemployment_rate=[math.nan] * 3)
    arm = _arm("costly", [1e6, 2e6, 2e6], 3, unemployment_rate=[0.08, 0.08, 0.05])
    values = pd.concat([base, arm], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice"
        frame = per_euro.rates(values, base, ["replication"], [("e", "unemployment_rate")])
    row = frame.iloc[0]
    assert row["pairs"] == 0 and math.isnan(row["diff"]) and math.isnan(row["rate"])


def test_phrases_of_an_unclear_arm_then_a_costly_one_with_two_clear_rates() -> None:
    rows = [
        {
            "arm": "unclear",
            "status": per_euro.UNCLEAR,
            "outcome": "unemployment_rate",
            "unit": "share",
            "rate": math.nan,
            "rate_low": math.nan,
            "rate_high": math.nan,
            "verdict": per_euro.UNCLEAR,
        },
        {
            "arm": "costly",
            "status": per_euro.COSTS,
            "outcome": "unemployment_rate",
            "unit": "share",
            "rate": -2e-4,
            "rate_low": -3e-4,
            "rate_high": -1e-4,
            "verdict": "better",
        },
        {
            "arm": "costly",
            "status": per_euro.COSTS,
            "outcome": "hhi_goods",
            "unit": "0-10,000",
            "rate": 12.0,
            "rate_low": 9.0,
            "rate_high": 15.0,
            "verdict": "worse",
        },
    ]
    assert per_euro.phrases(pd.DataFrame(rows)) == {
        "unclear": "public cost not clearly different from 0 (no rate per euro)",
        "costly": "per M EUR spent: unemployment \u22120.020 points [\u22120.030, \u22120.010], "
        "goods HHI +12 [+9, +15]",
    }


def test_format_rate_of_zero_one_and_the_small_threshold() -> None:
    assert per_euro.format_rate("", 0.0) == "0.00"
    assert per_euro.format_rate("", 1.0) == "+1.0"
    assert per_euro.format_rate("", 1e-3) == "+0.0010"  # SMALL itself: not e-notation
    # a bound of exactly 0 next to a small rate is written 0
    assert per_euro.format_rate("", 5e-6, 0.0, 1e-5) == "+5.0e\u22126 [0, +1.0e\u22125]"
    # an interval is shown only with both bounds
    assert per_euro.format_rate("", 1.0, math.nan, 2.0) == "+1.0"
    assert per_euro.format_rate("", 1.0, 0.5, math.nan) == "+1.0"


def test_format_cost_of_a_saving_gives_the_saved_interval_in_order() -> None:
    row = {"status": per_euro.SAVES, "cost": -1.5e6, "cost_low": -2.0e6, "cost_high": -1.2e6}
    assert per_euro.format_cost(row) == "saves 1.50 M EUR [1.20, 2.00]"
    row = {"status": per_euro.COSTS, "cost": 1.5e6, "cost_low": 1.2e6, "cost_high": 2.0e6}
    assert per_euro.format_cost(row) == "1.50 M EUR [1.20, 2.00]"
    row = {"status": per_euro.UNCLEAR, "cost": 1e5, "cost_low": -2e5, "cost_high": 4e5}
    assert per_euro.format_cost(row) == (
        "not clearly different from 0 (+0.10 M EUR [\u22120.20, +0.40])"
    )
    assert per_euro.format_cost({**row, "status": per_euro.FREE}) == "no public cost"


def test_pairing_is_compares() -> None:
    # a scenario baseline pairs by design point and replication; a grid arm of one design
    # point by replication only (its design point differs from the other arms'); an arm of
    # several design points by both
    runs = pd.DataFrame(
        {
            "run_id": [f"r{i}" for i in range(8)],
            "scenario": ["s"] * 4 + ["t"] * 4,
            "arm": ["s@p0", "s@p0", "s@p1", "s@p1", "t", "t", "t", "t"],
            "design_point": [0, 0, 1, 1, 0, 0, 1, 1],
            "replication": [0, 1] * 4,
        }
    )
    base, keys = per_euro._pairing(runs, "t")
    assert list(base["run_id"]) == ["r4", "r5", "r6", "r7"]
    assert keys == ["design_point", "replication"]
    base, keys = per_euro._pairing(runs, "s@p1")
    assert list(base["run_id"]) == ["r2", "r3"] and keys == ["replication"]
    several = runs.assign(arm=["a"] * 4 + ["t"] * 4)
    base, keys = per_euro._pairing(several, "a")
    assert list(base["run_id"]) == ["r0", "r1", "r2", "r3"]
    assert keys == ["design_point", "replication"]


class _FakeResults:
    """The two things end_words reads: the manifest and the last step of the metrics."""

    def __init__(self, manifest: dict, last_step: float) -> None:
        self.manifest = manifest
        self.last_step = last_step
        self.queries: list[str] = []

    def df(self, sql: str) -> pd.DataFrame:
        self.queries.append(sql)
        assert sql == "SELECT max(step) AS s FROM metrics"
        return pd.DataFrame({"s": [self.last_step]})


def test_end_words_of_the_last_step_the_experiments_else_the_runs() -> None:
    # the experiment's steps, even when the runs stopped earlier (an interrupted batch)
    results = _FakeResults({"steps": 120}, 60.0)
    assert per_euro.end_words(results, At("end")) == "to step 120"
    assert results.queries == []
    # a manifest without steps: the last step recorded
    assert per_euro.end_words(_FakeResults({}, 60.0), At("end")) == "to step 60"
    # nothing recorded
    assert per_euro.end_words(_FakeResults({}, math.nan), At("end")) == "to the last step"
    # a step asked, or a window's end: that step, without reading anything
    results = _FakeResults({"steps": 120}, 60.0)
    assert per_euro.end_words(results, At("step", 24)) == "to step 24"
    assert per_euro.end_words(results, At("mean", 6, 10)) == "to step 10"
    assert results.queries == []


def _rgb(shade: float) -> str:
    return ",".join(str(round(255 * x)) for x in scorecard.colour(shade)[:3])


def test_rates_table_cells_headers_and_note() -> None:
    def row(
        arm: str,
        status: str,
        outcome: str,
        column: str,
        unit: str,
        rate: float,
        low: float,
        high: float,
        verdict: str,
    ) -> dict:
        return {
            "arm": arm,
            "column": column,
            "outcome": outcome,
            "unit": unit,
            "pairs": 3,
            "cost": 2e6 if status == per_euro.COSTS else -2e6,
            "cost_low": 1e6 if status == per_euro.COSTS else -3e6,
            "cost_high": 3e6 if status == per_euro.COSTS else -1e6,
            "status": status,
            "diff": 0.0,
            "rate": rate,
            "rate_low": low,
            "rate_high": high,
            "verdict": verdict,
        }

    frame = pd.DataFrame(
        [
            # "zeta" first: rows in the frame's order, not sorted
            row(
                "zeta",
                per_euro.SAVES,
                "unemployment_rate",
                "employment",
                "share",
                2e-4,
                1e-4,
                3e-4,
                "worse",
            ),
            row("zeta", per_euro.SAVES, "custom", "other", "", 5.0, 1.0, 9.0, "higher"),
            row(
                "alpha",
                per_euro.COSTS,
                "unemployment_rate",
                "employment",
                "share",
                -2e-4,
                -3e-4,
                -1e-4,
                "better",
            ),
            row(
                "alpha",
                per_euro.COSTS,
                "custom",
                "other",
                "",
                1.0,
                -1.0,
                3.0,
                "no clear difference",
            ),
        ]
    )
    free = pd.DataFrame(
        [{**frame.iloc[0].to_dict(), "arm": a, "status": per_euro.FREE} for a in ("f1", "f2")]
    )
    table = per_euro.rates_table(pd.concat([frame, free], ignore_index=True), "to step 12")
    head = re.search(r'<table class="per-euro"><tr>(.*?)</tr>', table).group(1)
    assert head == (
        "<th>scenario</th><th>cumulative public cost<br><small>to step 12</small></th>"
        "<th>employment per M EUR<br><small>unemployment</small></th>"
        "<th>other per M EUR<br><small>custom</small></th>"
    )
    rows = re.findall(r"<tr><th>(\w+)</th><td>([^<]*)</td>(.*?)</tr>", table)
    assert [(arm, cost) for arm, cost, _ in rows] == [
        ("zeta", "saves 2.00 M EUR [1.00, 3.00]"),
        ("alpha", "2.00 M EUR [1.00, 3.00]"),
    ]
    cell = (
        r'<td class="rate" data-outcome="(\w+)" data-rate="([^"]+)" style="([^"]+)">'
        r"((?:[^<]|<br>|</?small>)*)</td>"
    )
    zeta, alpha = (re.findall(cell, cells) for _, _, cells in rows)
    assert zeta == [
        (
            "unemployment_rate",
            "0.0002",
            f"background:rgb({_rgb(-0.35)});color:#000000",
            "+0.020 points [+0.010, +0.030] per M EUR saved",
        ),
        # no better direction: not coloured
        (
            "custom",
            "5.0",
            f"background:rgb({_rgb(math.nan)});color:#555555",
            "+5.0 [+1.0, +9.0] per M EUR saved",
        ),
    ]
    assert alpha == [
        (
            "unemployment_rate",
            "-0.0002",
            f"background:rgb({_rgb(0.35)});color:#000000",
            "\u22120.020 points [\u22120.030, \u22120.010]",
        ),
        (
            "custom",
            "1.0",
            f"background:rgb({_rgb(math.nan)});color:#555555",
            "no clear difference<br><small>+1.0 [\u22121.0, +3.0]</small>",
        ),
    ]
    assert _rgb(0.35) != _rgb(-0.35) != _rgb(math.nan)
    for _, _, cells in rows:  # nothing but the cells
        assert re.fullmatch(f"(?:{cell})+", cells)
    assert table.count("<tr>") == 3  # the head and two scenarios
    assert table.count("</tr><tr>") == 2
    # a clear change of an outcome without a better direction, either way: not coloured
    lower = frame.iloc[[1]].assign(rate=-5.0, rate_low=-9.0, rate_high=-1.0, verdict="lower")
    text = per_euro.rates_table(lower, "to step 12")
    assert f"background:rgb({_rgb(math.nan)});color:#555555" in text
    assert ">\u22125.0 [\u22129.0, \u22121.0] per M EUR saved</td>" in text
    assert table.endswith(
        '</tr></table><p class="note">No public cost (no rate; their effects are in the '
        "scorecard): f1, f2.</p>"
    )
    # without free arms no note; an unclear arm has one cell spanning the rate columns
    unclear = frame.assign(status=per_euro.UNCLEAR)
    text = per_euro.rates_table(unclear, "to step 12")
    assert text.endswith("</table>")
    assert text.count('<td class="rate unclear" colspan="2">no rate per euro</td>') == 2


def test_section_is_the_table_then_its_explanation() -> None:
    base = _arm("baseline", [0.0] * 3, 0, unemployment_rate=[0.10, 0.12, 0.11])
    arm = _arm("costly", [1e6, 2e6, 2e6], 3, unemployment_rate=[0.08, 0.08, 0.05])
    values = pd.concat([base, arm], ignore_index=True)
    frame = per_euro.rates(values, base, ["replication"], [("employment", "unemployment_rate")])
    text = per_euro.section(frame, "base<1>", "to step 12")
    head = "<h3>Effects per euro</h3>" + per_euro.rates_table(frame, "to step 12") + "<p>"
    assert text.startswith(head) and text.endswith("</p>")
    explanation = text[len(head) :]
    assert "(to step 12, whole territory, the difference from base&lt;1&gt;'s)" in explanation
    assert per_euro.section(frame.iloc[:0], "baseline", "to step 12") == ""
