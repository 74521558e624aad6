"""Tests of platsim.analysis.scorecard: the report's first section, from compare's numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from platsim.analysis import scorecard
from platsim.analysis.compare import compare
from platsim.analysis.report import build_report
from platsim.experiment.runner import run_batch


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close the figures a test made (the tests that replace ``png`` keep them open)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


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


def _row(
    arm: str,
    outcome: str,
    unit: str,
    better: str | None,
    diff: float,
    low: float,
    high: float,
    rel: float,
    verdict: str,
) -> dict:
    return {
        "arm": arm,
        "outcome": outcome,
        "unit": unit,
        "better": better,
        "diff": diff,
        "diff_low": low,
        "diff_high": high,
        "rel_change": rel,
        "verdict": verdict,
    }


def _hand_table() -> pd.DataFrame:
    """A comparison of two scenarios, ``zeta`` listed before ``alpha``, without concentration."""
    rows = [
        _row("base", o, u, b, 0.0, 0.0, 0.0, 0.0, "baseline")
        for o, u, b in (
            ("leakage_share", "share", "lower"),
            ("unemployment_rate", "share", "lower"),
            ("theil_municipal", "index", "lower"),
            ("public_cost", "EUR / month", None),
        )
    ]
    rows += [
        _row("zeta", "leakage_share", "share", "lower", 0.037, 0.036, 0.038, 0.25, "worse"),
        _row("zeta", "unemployment_rate", "share", "lower", -0.006, -0.009, -0.004, -0.1, "better"),
        _row(
            "zeta",
            "theil_municipal",
            "index",
            "lower",
            0.001,
            -0.001,
            0.003,
            0.02,
            "no clear difference",
        ),
        _row("zeta", "public_cost", "EUR / month", None, 4e5, 3.5e5, 4.5e5, 0.5, "higher"),
        _row(
            "alpha",
            "leakage_share",
            "share",
            "lower",
            0.0,
            -0.001,
            0.001,
            0.0,
            "no clear difference",
        ),
        _row(
            "alpha",
            "unemployment_rate",
            "share",
            "lower",
            0.0,
            -0.001,
            0.001,
            0.0,
            "no clear difference",
        ),
        _row("alpha", "theil_municipal", "index", "lower", -0.05, -0.06, -0.04, math.nan, "better"),
        _row(
            "alpha",
            "public_cost",
            "EUR / month",
            None,
            0.0,
            0.0,
            0.0,
            math.nan,
            "no clear difference",
        ),
    ]
    return pd.DataFrame(rows)


def test_text_is_white_on_deep_colours_only() -> None:
    assert scorecard.text_colour(1.0) == "#ffffff"  # a change of 20% or more, better
    assert scorecard.text_colour(-1.0) == "#ffffff"  # worse
    assert scorecard.text_colour(0.3) == "#000000"  # the smallest clear change
    assert scorecard.text_colour(-0.3) == "#000000"
    assert scorecard.text_colour(math.nan) == "#555555"  # grey on grey


def test_sentences_by_hand_in_the_tables_order() -> None:
    table = _hand_table()
    sentences = scorecard.sentences(
        table, extra={"zeta": "per M EUR spent: no clear effect"}, no_cost=["alpha"]
    )
    assert list(sentences) == ["zeta", "alpha"]  # the table's order
    assert sentences == {
        # concentration not recorded: left out; the relative change is not in the sentence
        "zeta": "zeta: leakage +3.7 points [+3.6, +3.8]; unemployment \u22120.6 points "
        "[\u22120.9, \u22120.4]; municipal Theil no clear difference; monthly public cost "
        "+0.40 M EUR [+0.35, +0.45]; per M EUR spent: no clear effect.",
        "alpha": "alpha: leakage no clear difference; unemployment no clear difference; "
        "municipal Theil \u22120.0500 [\u22120.0600, \u22120.0400]; no public cost.",
    }
    # without no_cost, alpha's public cost is an effect like the others
    plain = scorecard.sentences(table)
    assert plain["alpha"].endswith("; monthly public cost no clear difference.")
    assert plain["zeta"].endswith("monthly public cost +0.40 M EUR [+0.35, +0.45].")


def test_scorecard_figure_and_table_by_hand() -> None:
    import matplotlib.pyplot as plt

    table = _hand_table()
    figure, text = scorecard.scorecard(table, no_cost=["alpha"])
    try:
        (ax,) = figure.axes
        nan = math.nan
        # goodness: leakage worse by 25% (full), unemployment better by 10% (0.3 + 0.7 / 2),
        # public cost higher, lower is better: worse by 50%; alpha: theil better without a
        # relative change (full), public cost free (grey)
        expected = [[nan, -1.0, 0.65, nan, -1.0], [nan, nan, nan, 1.0, nan]]
        grid = np.asarray(ax.images[0].get_array())
        assert grid.shape == (2, 5, 4)
        for i, row in enumerate(expected):
            for j, value in enumerate(row):
                assert tuple(grid[i, j]) == pytest.approx(scorecard.colour(value)), (i, j)
        # each text at the centre of its cell
        assert {(t.get_ha(), t.get_va()) for t in ax.texts} == {("center", "center")}
        texts = {(t.get_position(), t.get_text(), t.get_color()) for t in ax.texts}
        assert texts == {
            ((0, 0), "not recorded", "#555555"),
            ((1, 0), "+3.7 points\n[+3.6, +3.8] (+25.0%)", "#ffffff"),
            ((2, 0), "\u22120.6 points\n[\u22120.9, \u22120.4] (\u221210.0%)", "#ffffff"),
            ((3, 0), "no clear difference", "#555555"),
            ((4, 0), "+0.40 M EUR\n[+0.35, +0.45] (+50.0%)", "#ffffff"),
            ((0, 1), "not recorded", "#555555"),
            ((1, 1), "no clear difference", "#555555"),
            ((2, 1), "no clear difference", "#555555"),
            ((3, 1), "\u22120.0500\n[\u22120.0600, \u22120.0400]", "#ffffff"),
            ((4, 1), "no public cost", "#555555"),
        }
        assert [t.get_text() for t in ax.get_xticklabels()] == [
            "concentration",
            "value retention\n(leakage)",
            "employment\n(unemployment)",
            "cohesion\n(municipal Theil)",
            "public cost\n(monthly public cost)",
        ]
        assert list(ax.get_xticks()) == [0, 1, 2, 3, 4]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["zeta", "alpha"]
        assert list(ax.get_yticks()) == [0, 1]
        # white lines between the cells
        assert list(ax.get_xticks(minor=True)) == [0.5, 1.5, 2.5, 3.5]
        assert list(ax.get_yticks(minor=True)) == [0.5]
    finally:
        plt.close(figure)
    head = re.search(r'<table class="scorecard"><tr>(.*?)</tr>', text).group(1)
    assert head == (
        "<th>scenario</th><th>concentration</th>"
        "<th>value retention<br><small>leakage_share</small></th>"
        "<th>employment<br><small>unemployment_rate</small></th>"
        "<th>cohesion<br><small>theil_municipal</small></th>"
        "<th>public cost<br><small>public_cost</small></th>"
    )
    cell = (
        r'<td class="([^"]+)" data-outcome="(\w*)" data-diff="([^"]+)" style="([^"]+)">'
        r"((?:[^<]|<br>|</?small>)*)</td>"
    )
    rows = re.findall(r"<tr><th>(\w+)</th>(<td.*?)</tr>", text)
    assert [arm for arm, _ in rows] == ["zeta", "alpha"]
    assert text.count("</tr><tr>") == 2
    assert all(re.fullmatch(f"(?:{cell})+", cells) for _, cells in rows)

    def style(value: float) -> str:
        rgb = ",".join(str(round(255 * x)) for x in scorecard.colour(value)[:3])
        return f"background:rgb({rgb});color:{scorecard.text_colour(value)}"

    zeta, alpha = (re.findall(cell, cells) for _, cells in rows)
    assert zeta == [
        ("score unclear", "", "nan", style(nan), "not recorded"),
        ("score worse", "leakage_share", "0.037", style(-1.0), "+3.7 points [+3.6, +3.8] (+25.0%)"),
        (
            "score better",
            "unemployment_rate",
            "-0.006",
            style(0.65),
            "\u22120.6 points [\u22120.9, \u22120.4] (\u221210.0%)",
        ),
        (
            "score unclear",
            "theil_municipal",
            "0.001",
            style(nan),
            "no clear difference<br><small>+0.00100 [\u22120.00100, +0.00300] (+2.0%)</small>",
        ),
        (
            "score worse",
            "public_cost",
            "400000.0",
            style(-1.0),
            "+0.40 M EUR [+0.35, +0.45] (+50.0%)",
        ),
    ]
    assert alpha[3] == (
        "score better",
        "theil_municipal",
        "-0.05",
        style(1.0),
        "\u22120.0500 [\u22120.0600, \u22120.0400]",
    )
    assert alpha[4] == ("score unclear", "public_cost", "0.0", style(nan), "no public cost")


def test_signed() -> None:
    assert scorecard.signed(3.14159, 2) == "+3.14"
    assert scorecard.signed(-3.14159, 2) == "\u22123.14"
    assert scorecard.signed(-1234.5678, 2) == "\u22121,234.57"
    assert scorecard.signed(1234567.8, 0) == "+1,234,568"
    # what rounds to 0 has no sign
    assert scorecard.signed(-0.04, 1) == "0.0"
    assert scorecard.signed(0.04, 1) == "0.0"
    assert scorecard.signed(0.0, 3) == "0.000"


def test_format_effect_by_unit() -> None:
    fmt = scorecard.format_effect
    assert fmt("share", 0.037, 0.036, 0.038) == "+3.7 points [+3.6, +3.8]"
    assert fmt("0-10,000", -436.4, -451.2, -420.0) == "\u2212436 [\u2212451, \u2212420]"
    # money: M EUR from 100,000 EUR (either sign), EUR below
    assert fmt("EUR", 1e5, 9e4, 1.1e5) == "+0.10 M EUR [+0.09, +0.11]"
    assert fmt("EUR", 1_235_001.0, math.nan, math.nan) == "+1.24 M EUR"  # 1.235001 M EUR
    assert fmt("EUR", -2.5e5, -3e5, -2e5) == "\u22120.25 M EUR [\u22120.30, \u22120.20]"
    assert fmt("EUR / month", 99_999.0, 90_000.0, 110_000.0) == ("+99,999 EUR [+90,000, +110,000]")
    # others: 3 significant digits (at most 10 decimals)
    assert fmt("index", 0.01234, 0.01, 0.015) == "+0.0123 [+0.0100, +0.0150]"
    assert fmt("ratio", 1.234, 1.0, 1.5) == "+1.23 [+1.00, +1.50]"
    assert fmt("ratio", 123.4, 100.0, 150.0) == "+123 [+100, +150]"
    assert fmt("firms", -1234.4, -2000.0, -500.0) == "\u22121,234 [\u22122,000, \u2212500]"
    assert fmt("index", 1e-9, math.nan, math.nan) == "+0.0000000010"
    # a zero difference: the interval in the unit's scale
    assert fmt("share", 0.0, -0.01, 0.02) == "0.0 points [\u22121.0, +2.0]"
    assert fmt("index", 0.0, -0.01, 0.02) == "0.000 [\u22120.010, +0.020]"
    # no difference, or no interval
    assert fmt("share", math.nan, 0.0, 1.0) == "\u2013"
    assert fmt("share", 0.037, 0.036, math.nan) == "+3.7 points"
    assert fmt("share", 0.037, math.nan, 0.038) == "+3.7 points"


def test_goodness_grows_with_the_relative_change_up_to_full_scale() -> None:
    def good(verdict: str, rel: float) -> float:
        return scorecard.goodness({"verdict": verdict, "rel_change": rel})

    assert good("better", -0.1) == pytest.approx(0.65)  # half of 20%: 0.3 + 0.7 / 2
    assert good("worse", 0.05) == pytest.approx(-0.475)  # a quarter
    assert good("better", 0.2) == pytest.approx(1.0)
    assert good("worse", -0.5) == pytest.approx(-1.0)  # beyond 20%: full
    assert good("better", 0.0) == pytest.approx(0.3)  # any clear change is coloured
    assert good("worse", math.nan) == -1.0  # no relative change (zero baseline): full
    assert math.isnan(good("higher", 0.1)) and math.isnan(good("no clear difference", 0.1))


def test_colours_blue_better_red_worse_deeper_for_larger_changes() -> None:
    import matplotlib

    grey = scorecard.colour(math.nan)
    assert grey == matplotlib.colors.to_rgba("#d9d9d9")
    palette = matplotlib.colormaps["RdBu"]
    assert scorecard.colour(0.0) == palette(0.5)
    # full scale is 0.92 / 0.08 of the palette: off its darkest ends, where black text is hard
    # to read
    assert scorecard.colour(1.0) == palette(0.92) and scorecard.colour(-1.0) == palette(0.08)
    blue, red = scorecard.colour(0.65), scorecard.colour(-0.65)
    assert blue[2] > blue[0] and red[0] > red[2]
    assert sum(scorecard.colour(1.0)[:3]) < sum(blue[:3]) < sum(scorecard.colour(0.3)[:3])


def test_cells_by_hand() -> None:
    table = _hand_table()
    frame = scorecard.cells(table, no_cost=["alpha"])
    assert list(frame.columns) == [
        "arm",
        "column",
        "outcome",
        "diff",
        "diff_low",
        "diff_high",
        "rel_change",
        "verdict",
        "text",
        "goodness",
    ]
    assert list(frame["arm"]) == ["zeta"] * 5 + ["alpha"] * 5  # not the baseline
    cells = frame.set_index(["arm", "column"])
    missing = cells.loc[("zeta", "concentration")]
    assert missing["outcome"] == "" and missing["verdict"] == "not recorded"
    assert missing["text"] == "not recorded"
    assert all(math.isnan(missing[c]) for c in ("diff", "diff_low", "diff_high", "rel_change"))
    assert math.isnan(missing["goodness"])
    cost = cells.loc[("zeta", "public cost")]
    # public_cost has no better direction in the table: lower is better by default
    assert cost["verdict"] == "worse" and cost["goodness"] == -1.0
    assert (cost["diff"], cost["diff_low"], cost["diff_high"]) == (4e5, 3.5e5, 4.5e5)
    assert cost["text"] == "+0.40 M EUR [+0.35, +0.45] (+50.0%)"
    free = cells.loc[("alpha", "public cost")]
    assert free["verdict"] == scorecard.NO_COST and free["text"] == scorecard.NO_COST
    assert math.isnan(free["goodness"]) and free["outcome"] == "public_cost"
    theil = cells.loc[("alpha", "cohesion")]
    assert theil["text"] == "\u22120.0500 [\u22120.0600, \u22120.0400]"  # no relative change
    # without the public cost column: its own words
    older = scorecard.cells(table[table["outcome"] != "public_cost"]).set_index(["arm", "column"])
    assert older.loc[("zeta", "public cost"), "text"] == scorecard.NOT_RECORDED["public cost"]
    # an arm whose every row is a baseline row is not a scenario of the scorecard; the
    # headline outcome is the first recorded candidate (hhi_goods before hhi)
    extra = [
        _row("zeta", "hhi", "0-10,000", "lower", -100.0, -150.0, -50.0, -0.1, "better"),
        _row("zeta", "hhi_goods", "0-10,000", "lower", 50.0, 20.0, 80.0, 0.05, "worse"),
    ]
    frame = scorecard.cells(pd.concat([table, pd.DataFrame(extra)], ignore_index=True))
    row = frame[(frame["arm"] == "zeta") & (frame["column"] == "concentration")].iloc[0]
    assert row["outcome"] == "hhi_goods" and row["text"] == "+50 [+20, +80] (+5.0%)"


def test_section_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        scorecard, "png", lambda figure, alt="figure": f"[{alt}]" * hasattr(figure, "savefig")
    )
    table = _hand_table()
    table.attrs.update(baseline="base<0>", at="end")
    text = scorecard.section(table, extra={"zeta": "a & b"}, no_cost=["alpha"])
    _, table_html = scorecard.scorecard(table, no_cost=["alpha"])
    items = scorecard.sentences(table, extra={"zeta": "a & b"}, no_cost=["alpha"])
    assert text.startswith("<h2>Scorecard: which scenario changes what</h2>[scorecard]<p>")
    assert "difference from base&lt;0&gt; (end), paired by replication" in text
    assert text.endswith(
        table_html
        + "<ul><li>"
        + items["zeta"].replace("&", "&amp;")
        + "</li><li>"
        + items["alpha"]
        + "</li></ul>"
    )
    assert "; a &amp; b.</li>" in text
    # without attrs: "the baseline", no time point
    assert "difference from the baseline (), paired" in scorecard.section(_hand_table())
    only_baseline = _hand_table().query("arm == 'base'")
    assert scorecard.section(only_baseline) == ""


def test_a_lower_public_cost_is_better_and_a_free_arms_cost_cell_is_grey() -> None:
    table = _hand_table()
    lower = (table["arm"] == "zeta") & (table["outcome"] == "public_cost")
    table.loc[lower, ["diff", "diff_low", "diff_high", "rel_change", "verdict"]] = [
        -4e5,
        -4.5e5,
        -3.5e5,
        -0.5,
        "lower",
    ]
    cost = scorecard.cells(table).set_index(["arm", "column"]).loc[("zeta", "public cost")]
    assert cost["verdict"] == "better" and cost["goodness"] == 1.0
    # a scenario said to spend nothing: its public-cost cell is grey whatever the table says
    free = scorecard.cells(table, no_cost=["zeta"]).set_index(["arm", "column"])
    assert free.loc[("zeta", "public cost"), "verdict"] == scorecard.NO_COST
    assert math.isnan(free.loc[("zeta", "public cost"), "goodness"])


def test_the_tables_direction_turns_higher_and_lower_into_better_and_worse() -> None:
    table = _hand_table()
    rows = (table["arm"] == "zeta") & (table["outcome"] == "unemployment_rate")
    table.loc[rows, "verdict"] = "lower"  # unemployment: lower is better, says the table
    cells = scorecard.cells(table).set_index(["arm", "column"])
    assert cells.loc[("zeta", "employment"), "verdict"] == "better"
    table.loc[rows, "verdict"] = "higher"
    cells = scorecard.cells(table).set_index(["arm", "column"])
    assert cells.loc[("zeta", "employment"), "verdict"] == "worse"
