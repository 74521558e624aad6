"""Tests of platsim.analysis.inequality on hand-built tables: the Gini chart, the Lorenz curves of
household income (mean curve, band, difference from the baseline, implied Gini) and of
municipal income per head (communes without income left out and counted)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import duckdb
import matplotlib
import numpy as np
import pandas as pd
import pytest

from platsim.analysis import inequality


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close the figures a test made (the tests that replace ``png`` keep them open)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


matplotlib.use("Agg")


class FakeResults:
    """The views the inequality section reads (``panel``, ``lorenz``, ``arms``), from frames."""

    def __init__(self, panel: pd.DataFrame, lorenz: pd.DataFrame, arms: pd.DataFrame) -> None:
        self.connection = duckdb.connect()
        for name, frame in (("panel", panel), ("lorenz", lorenz), ("arms", arms)):
            self.connection.register(f"{name}_frame", frame)
            self.connection.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_frame")

    @property
    def panel(self) -> duckdb.DuckDBPyRelation:
        return self.connection.table("panel")

    @property
    def lorenz(self) -> duckdb.DuckDBPyRelation:
        return self.connection.table("lorenz")

    def df(self, query: str) -> pd.DataFrame:
        return self.connection.sql(query).df()


ARMS = pd.DataFrame({"run_id": ["a0", "b0", "b1", "c0"], "arm": ["a", "b", "b", "c"]})


def _lorenz() -> pd.DataFrame:
    """Lorenz curves at p = 0, 0.5, 1 (run c0 has none, b0 an older step too)."""
    rows = [
        ("a0", 12, [0.0, 0.25, 1.0]),
        ("b0", 6, [0.0, 0.05, 1.0]),  # not the run's last step: ignored
        ("b0", 12, [0.0, 0.5, 1.0]),
        ("b1", 12, [0.0, 0.1, 1.0]),
    ]
    return pd.DataFrame(
        [
            {"run_id": r, "step": s, "population_share": p, "income_share": y}
            for r, s, shares in rows
            for p, y in zip([0.0, 0.5, 1.0], shares, strict=True)
        ]
    )


def _panel() -> pd.DataFrame:
    """Municipal panel at steps 6 and 12; at 12, arm a has one commune without income."""
    rows = []
    for step in (6, 12):
        for run, arm_values in (
            ("a0", [(10.0, 1.0), (30.0, 1.0), (math.nan, 5.0), (20.0, 2.0)]),
            ("b0", [(10.0, 1.0), (10.0, 3.0)]),
            ("c0", [(5.0, 0.0), (6.0, 0.0)]),  # nobody: no curve
        ):
            for i, (y, w) in enumerate(arm_values):
                shift = 100.0 if step == 6 else 0.0  # step 6 is not read
                rows.append(
                    {
                        "run_id": run,
                        "step": step,
                        "municipality": i,
                        "income_per_head": y + shift,
                        "population": w,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture
def results() -> FakeResults:
    return FakeResults(_panel(), _lorenz(), ARMS)


def test_municipal_lorenz_by_hand(results: FakeResults) -> None:
    curves, left = inequality.municipal_lorenz(results, ["a", "b", "c"])
    assert set(curves) == {"a", "b"}  # c's communes have no inhabitant
    # a at step 12, ranked by income per head: 10 (1 inhabitant), 20 (2), 30 (1); the commune
    # without income (5 inhabitants) left out: population 0, 1/4, 3/4, 1; income 10, 40, 30
    x, y = curves["a"]
    np.testing.assert_allclose(x, [0.0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(y, [0.0, 0.125, 0.625, 1.0])
    x, y = curves["b"]
    np.testing.assert_allclose(x, [0.0, 0.25, 1.0])
    np.testing.assert_allclose(y, [0.0, 0.25, 1.0])  # equal incomes: the diagonal
    assert left == {"rows": 8, "left_out": 1, "population_left_out": 5.0}


def test_municipal_lorenz_without_income_or_population() -> None:
    panel = _panel().drop(columns="population")
    curves, left = inequality.municipal_lorenz(FakeResults(panel, _lorenz(), ARMS), ["a"])
    assert curves == {} and left == {"rows": 0, "left_out": 0, "population_left_out": 0.0}
    panel = _panel().drop(columns="income_per_head")
    curves, _ = inequality.municipal_lorenz(FakeResults(panel, _lorenz(), ARMS), ["a"])
    assert curves == {}


def test_municipal_lorenz_skips_an_arm_without_income() -> None:
    panel = _panel()
    panel.loc[panel["run_id"] == "b0", "income_per_head"] = 0.0
    curves, left = inequality.municipal_lorenz(FakeResults(panel, _lorenz(), ARMS), ["a", "b"])
    assert set(curves) == {"a"} and left["left_out"] == 1


def test_household_lorenz_by_hand(results: FakeResults, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = []
    monkeypatch.setattr(inequality, "png", lambda figure, alt="": figures.append(figure) or "")
    text = inequality._household_lorenz(results, ["a", "b", "c"], "b")
    # a: 0, 0.25, 1: trapezoids (0.25 * 0.5 + 1.25 * 0.5) / 2 = 0.375, Gini 0.25;
    # b: the mean of 0.5 and 0.1 is 0.3: area 0.4, Gini 0.2
    assert "a 0.250; b 0.200." in text
    assert "Household (worker agent) income at step 12:" in text
    assert "minus the mean curve of b." in text
    assert " Only 3 of the 4 runs done ok have Lorenz files" in text
    (figure,) = figures
    curves, gaps = figure.axes[:2]
    lines = {line.get_label(): line for line in curves.get_lines()}
    np.testing.assert_allclose(lines["line of equality"].get_xydata(), [[0, 0], [1, 1]])
    np.testing.assert_allclose(lines["a"].get_xdata(), [0.0, 0.5, 1.0])
    assert curves.get_xlim() == (0, 1) and curves.get_ylim() == (0, 1)
    assert gaps.get_xlim() == (0, 1)
    np.testing.assert_allclose(gaps.get_lines()[0].get_ydata(), [0, 0])  # the zero line
    np.testing.assert_allclose(gaps.get_lines()[1].get_xdata(), [0.0, 0.5, 1.0])
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["line of equality", "a", "b"]
    # b's band minus b's mean curve: from 0.1 - 0.3 to 0.5 - 0.3 at p = 0.5
    gap_band = gaps.collections[1].get_paths()[0].vertices
    assert {tuple(np.round(v, 9)) for v in gap_band} >= {(0.5, -0.2), (0.5, 0.2)}
    np.testing.assert_allclose(lines["a"].get_ydata(), [0.0, 0.25, 1.0])
    np.testing.assert_allclose(lines["b"].get_ydata(), [0.0, 0.3, 1.0])
    assert "c" not in lines
    # the difference from b's mean curve (the first line is the zero line)
    differences = [line.get_ydata() for line in gaps.get_lines()[1:]]
    np.testing.assert_allclose(differences[0], [0.0, -0.05, 0.0])
    np.testing.assert_allclose(differences[1], [0.0, 0.0, 0.0])
    assert gaps.get_ylabel() == "cumulative share of income minus b's"
    assert gaps.get_title() == "difference from b (above 0: more equal)"
    # the band of b from its lowest to its highest replication: 0.1 to 0.5 at p = 0.5
    band = curves.collections[1].get_paths()[0].vertices
    assert {tuple(v) for v in band} >= {(0.5, 0.1), (0.5, 0.5)}
    matplotlib.pyplot.close(figure)


def test_household_lorenz_baseline_without_curves_and_steps_that_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inequality, "png", lambda figure, alt="": "")
    lorenz = _lorenz()
    lorenz.loc[lorenz["run_id"] == "b1", "step"] = 10  # b1 stopped earlier
    results = FakeResults(_panel(), lorenz, ARMS[ARMS["run_id"] != "c0"])
    text = inequality._household_lorenz(results, ["c", "b", "a"], "c")
    # no curve for c: the first arm that has one is the reference
    assert "minus the mean curve of b." in text
    assert "at each run's last step (10-12):" in text
    assert "Only" not in text  # every run done ok has its curves
    # b's mean curve pairs b0 at 12 with b1 at 10 (each run's last step)
    assert "b 0.200; a 0.250." in text


def test_household_lorenz_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    lorenz = _lorenz()
    old = FakeResults(_panel(), lorenz.drop(columns="income_share"), ARMS)
    assert "hold no Lorenz curves" in inequality._household_lorenz(old, ["a"], "a")
    empty = FakeResults(_panel(), lorenz.iloc[:0], ARMS)
    assert "hold no Lorenz curves" in inequality._household_lorenz(empty, ["a"], "a")


def test_gini_figure_bars_intervals_and_limits() -> None:
    import matplotlib.pyplot as plt

    gini = pd.DataFrame(
        {
            "mean": [0.30, 0.25, 0.28],
            "mean_low": [0.28, np.nan, 0.27],
            "mean_high": [0.33, np.nan, 0.29],
        },
        index=["a", "b", "c"],
    )
    figure = inequality.gini_figure(gini, ["a", "b", "c"])
    try:
        (ax,) = figure.axes
        heights = [patch.get_height() for patch in ax.patches]
        assert heights == pytest.approx([0.30, 0.25, 0.28])
        # the error bars from mean_low to mean_high (none for b, without an interval)
        (bars,) = [c for c in ax.collections if len(c.get_segments()) == 3]
        ends = [tuple(segment[:, 1]) for segment in bars.get_segments()]
        assert ends == [
            pytest.approx((0.28, 0.33)),
            pytest.approx((0.25, 0.25)),
            pytest.approx((0.27, 0.29)),
        ]
        # the limits: the intervals' span (0.25 to 0.33) on either side
        span = 0.33 - 0.25 + 1e-6
        assert ax.get_ylim() == pytest.approx((0.25 - span, 0.33 + span))
        assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    finally:
        plt.close(figure)
    # the arm without an interval has the highest mean: the limits reach it
    figure = inequality.gini_figure(gini.assign(mean=[0.30, 0.40, 0.28]), ["a", "b", "c"])
    try:
        span = 0.40 - 0.27 + 1e-6
        assert figure.axes[0].get_ylim() == pytest.approx((0.27 - span, 0.40 + span))
    finally:
        plt.close(figure)


def test_section_by_hand(results: FakeResults, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = []

    def png(figure: object, alt: str = "figure") -> str:
        assert hasattr(figure, "savefig")
        figures.append(figure)
        return f"[{alt}]"

    monkeypatch.setattr(inequality, "png", png)
    table = pd.DataFrame(
        {
            "arm": ["a", "b"],
            "outcome": "gini_income",
            "mean": [0.3, 0.2],
            "mean_low": [0.25, 0.15],
            "mean_high": [0.35, 0.25],
        }
    )
    text = inequality.section(results, table, ["a", "b", "c"], "b")
    assert text.startswith("[figure]<h3>Lorenz curves of household income</h3>")
    assert "minus the mean curve of b." in text
    municipal = text.split("<h3>Lorenz curve of municipal income per head</h3>")[1]
    assert "Left out: 1 of the 8 municipality rows" in municipal
    assert "they hold 5 inhabitants.</p>[figure]" in municipal
    # the municipal figure: each arm's curve, the line of equality, axes named
    (ax,) = figures[-1].axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines[:2]] == ["a", "b"]
    np.testing.assert_allclose(lines[0].get_xdata(), [0.0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(lines[0].get_ydata(), [0.0, 0.125, 0.625, 1.0])
    np.testing.assert_allclose(lines[2].get_xydata(), [[0, 0], [1, 1]])
    assert lines[2].get_linestyle() == ":"
    assert ax.get_xlabel() == "cumulative share of population"
    assert ax.get_ylabel() == "cumulative share of income"
    assert ax.get_title() == "Lorenz curve of municipal income per head (last panel step)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    # without a Gini of household income, no chart; the baseline defaults to the first arm
    text = inequality.section(results, table.assign(outcome="other"), ["a", "b", "c"])
    assert text.startswith("<h3>Lorenz curves of household income</h3>")
    assert "minus the mean curve of a." in text
    assert re.search(r"\[figure\]$", text)


def test_municipal_lorenz_of_a_single_small_commune_after_an_empty_arm() -> None:
    panel = pd.concat(
        [
            _panel(),
            pd.DataFrame(
                [
                    {
                        "run_id": "d0",
                        "step": 12,
                        "municipality": 0,
                        "income_per_head": 0.5,
                        "population": 1.0,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    arms = pd.concat([ARMS, pd.DataFrame({"run_id": ["d0"], "arm": ["d"]})])
    curves, _ = inequality.municipal_lorenz(FakeResults(panel, _lorenz(), arms), ["c", "d"])
    assert set(curves) == {"d"}  # c (nobody) skipped, not the end
    np.testing.assert_allclose(curves["d"][0], [0.0, 1.0])
    np.testing.assert_allclose(curves["d"][1], [0.0, 1.0])
