"""Tests of platsim.analysis.scorecard: the report's first section, from compare's numbers."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from platsim.analysis import scorecard
from platsim.analysis.compare import compare
from platsim.analysis.report import build_report
from platsim.experiment.runner import run_batch

#: open_data changes things; `same` is the baseline under another name (no difference at all).
EXPERIMENT = """
name: score
scenarios: [baseline, open_data, same.yaml]
replications: 3
steps: 12
seed: 11
overrides:
  territory.n_municipalities: 20
  simulation.policy_start: 4
outputs:
  panel_every: 6
"""


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("score")
    (folder / "same.yaml").write_text("extends: baseline\nname: same\n")
    (folder / "score.yaml").write_text(EXPERIMENT)
    assert run_batch(folder / "score.yaml", folder / "results", executor="local").exit_code == 0
    result = compare(folder / "results")
    result.attrs["results"] = folder / "results"
    return result


NUMBER = r"[+\u2212]?\d[\d,]*(?:\.\d+)?"


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ""))


def _scale(unit: str) -> tuple[float, int | None]:
    """How a unit is shown: factor and decimals (None: 3 significant digits)."""
    return {"share": (100.0, 1), "0-10,000": (1.0, 0)}.get(unit, (1.0, None))


def _approx(value: float, digits: int | None) -> object:
    if digits is None:
        return pytest.approx(value, rel=5e-3)
    return pytest.approx(value, abs=0.5 * 10**-digits + 1e-9)


def test_scorecard_is_the_first_section_after_the_title(table: pd.DataFrame) -> None:
    text, _ = build_report(Path(table.attrs["results"]))
    after_title = text.split("</h1>", 1)[1]
    assert after_title.startswith("<h2>Scorecard")
    assert after_title.index("Scorecard") < after_title.index("What was run")
    first = after_title.split("<h2>")[1]
    assert 'alt="scorecard" src="data:image/png;base64,' in first
    assert '<table class="scorecard">' in first
    assert 'data-outcome="public_cost"' in first  # public cost, recorded by every run


def test_each_cell_is_compares_difference(table: pd.DataFrame) -> None:
    _, html_text = scorecard.scorecard(table)
    found = re.findall(r"<tr><th>([^<]+)</th>(<td.*?)</tr>", html_text)
    assert [arm for arm, _ in found] == ["open_data", "same"]
    checked = 0
    for arm, row in found:
        for outcome, diff, shown in re.findall(
            r'data-outcome="([^"]*)" data-diff="([^"]+)"[^>]*>(.*?)</td>', row
        ):
            if outcome == "":
                pytest.fail(f"{arm}: a column without an outcome: {shown}")
            expected = table.query("arm == @arm and outcome == @outcome").iloc[0]
            assert float(diff) == pytest.approx(expected["diff"], abs=1e-12)
            factor, digits = _scale(expected["unit"])
            numbers = re.findall(NUMBER, re.sub(r"<[^>]+>", " ", shown))
            assert _number(numbers[0]) == _approx(expected["diff"] * factor, digits), (
                arm,
                outcome,
                shown,
            )
            checked += 1
    assert checked == 10  # 2 scenarios x 5 headline outcomes (public cost included)


def test_identical_scenario_is_greyed_no_clear_difference(table: pd.DataFrame) -> None:
    frame = scorecard.cells(table)
    same = frame[(frame["arm"] == "same") & (frame["outcome"] != "")]
    assert len(same) == 5
    assert (same["verdict"] == "no clear difference").all()
    assert same["goodness"].isna().all()
    _, html_text = scorecard.scorecard(table)
    row = html_text.split("<tr><th>same</th>")[1].split("</tr>")[0]
    assert row.count("no clear difference") == 5
    grey = "background:rgb(217,217,217)"
    assert row.count(grey) == 5  # the four outcomes and public cost
    # open_data changes something clearly, and that cell is coloured
    opened = frame[(frame["arm"] == "open_data") & frame["verdict"].isin(["better", "worse"])]
    assert len(opened) >= 1 and opened["goodness"].notna().all()


def test_interval_touching_zero_is_no_clear_difference() -> None:
    row = {"verdict": "no clear difference", "rel_change": -0.5}
    assert math.isnan(scorecard.goodness(row))
    assert scorecard.colour(scorecard.goodness(row)) == scorecard.colour(math.nan)


def test_sentences_numbers_equal_compares(table: pd.DataFrame) -> None:
    sentences = scorecard.sentences(table)
    assert set(sentences) == {"open_data", "same"}
    assert sentences["same"] == (
        "same: goods HHI no clear difference; leakage no clear difference; "
        "unemployment no clear difference; municipal Theil no clear difference; "
        "monthly public cost no clear difference."
    )
    text = sentences["open_data"]
    assert text.startswith("open_data: ") and text.endswith(".")
    clear = 0
    for label, outcome in (
        ("goods HHI", "hhi_goods"),
        ("leakage", "leakage_share"),
        ("unemployment", "unemployment_rate"),
        ("municipal Theil", "theil_municipal"),
    ):
        part = re.search(rf"{label} ([^;.]*(?:\.\d[^;]*)?)[;.]", text)
        assert part, (label, text)
        expected = table[(table["arm"] == "open_data") & (table["outcome"] == outcome)].iloc[0]
        if expected["verdict"] == "no clear difference":
            assert part.group(1) == "no clear difference"
            continue
        clear += 1
        factor, digits = _scale(expected["unit"])
        numbers = [_number(n) for n in re.findall(NUMBER, part.group(1))]
        for got, want in zip(numbers[:3], ("diff", "diff_low", "diff_high"), strict=True):
            assert got == _approx(expected[want] * factor, digits), (label, text)
    assert clear >= 1


@pytest.mark.parametrize("verdict", ["better", "worse"])
def test_palette_colour_means_the_same_for_either_direction(verdict: str) -> None:
    # unemployment (lower is better) falls by 10% / employment (higher is better) rises by 10%
    lower = pd.Series(
        {"verdict": verdict, "rel_change": -0.1 if verdict == "better" else 0.1, "better": "lower"}
    )
    higher = pd.Series(
        {"verdict": verdict, "rel_change": 0.1 if verdict == "better" else -0.1, "better": "higher"}
    )
    a = scorecard.colour(scorecard.goodness(lower))
    b = scorecard.colour(scorecard.goodness(higher))
    assert a == b
    red, _, blue, _ = a
    assert (blue > red) == (verdict == "better")  # better blue, worse red
    assert a != scorecard.colour(math.nan)


def test_palette_from_compare_rows(table: pd.DataFrame) -> None:
    # A lower-is-better and a higher-is-better outcome, both better: same colour.
    fake = pd.DataFrame(
        [
            {
                **table.iloc[0].to_dict(),
                "arm": "x",
                "outcome": "unemployment_rate",
                "unit": "share",
                "better": "lower",
                "diff": -0.01,
                "diff_low": -0.02,
                "diff_high": -0.005,
                "rel_change": -0.1,
                "verdict": "better",
            },
            {
                **table.iloc[0].to_dict(),
                "arm": "x",
                "outcome": "theil_municipal",
                "unit": "index",
                "better": "lower",
                "diff": 0.01,
                "diff_low": 0.005,
                "diff_high": 0.02,
                "rel_change": 0.1,
                "verdict": "worse",
            },
            {
                **table.iloc[0].to_dict(),
                "arm": "x",
                "outcome": "leakage_share",
                "unit": "share",
                "better": "lower",
                "diff": 0.001,
                "diff_low": -0.001,
                "diff_high": 0.003,
                "rel_change": 0.01,
                "verdict": "no clear difference",
            },
        ]
    )
    frame = scorecard.cells(fake).set_index("outcome")
    assert frame.loc["unemployment_rate", "goodness"] > 0
    assert frame.loc["theil_municipal", "goodness"] < 0
    assert math.isnan(frame.loc["leakage_share", "goodness"])
    assert frame.loc["unemployment_rate", "text"].startswith(
        "\u22121.0 points [\u22122.0, \u22120.5]"
    )


def test_results_made_before_public_cost_existed_say_it_is_not_recorded(
    table: pd.DataFrame,
) -> None:
    older = table[~table["outcome"].str.startswith("public_cost")]
    _, html_text = scorecard.scorecard(older)
    row = html_text.split("<tr><th>open_data</th>")[1].split("</tr>")[0]
    assert scorecard.NOT_RECORDED["public cost"] in row
    assert "public cost" not in scorecard.sentences(older)["open_data"]


def test_public_cost_fills_its_column_once_recorded(table: pd.DataFrame) -> None:
    table = table[~table["outcome"].str.startswith("public_cost")]
    base = table[(table["arm"] == "open_data") & (table["outcome"] == "hhi_goods")].iloc[0]
    cost = {
        **base.to_dict(),
        "outcome": "public_cost",
        "unit": "EUR / month",
        "better": None,
        "diff": 400_000.0,
        "diff_low": 350_000.0,
        "diff_high": 450_000.0,
        "rel_change": 0.5,
        "verdict": "higher",
    }
    with_cost = pd.concat([table, pd.DataFrame([cost])], ignore_index=True)
    frame = scorecard.cells(with_cost)
    row = frame[(frame["arm"] == "open_data") & (frame["column"] == "public cost")].iloc[0]
    assert row["outcome"] == "public_cost" and row["verdict"] == "worse"  # lower is better
    assert row["text"].startswith("+0.40 M EUR [+0.35, +0.45]")
    assert "public cost +0.40 M EUR [+0.35, +0.45]" in scorecard.sentences(with_cost)["open_data"]
    _, html_text = scorecard.scorecard(with_cost)
    row = html_text.split("<tr><th>open_data</th>")[1].split("</tr>")[0]
    assert scorecard.NOT_RECORDED["public cost"] not in row
