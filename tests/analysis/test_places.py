"""Tests of platsim.analysis.places: the EPCIs that gain and lose most, by name, on a real
territory (Yvelines); one line on a generated one."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import platsim.experiment.results
from platsim.analysis import places
from platsim.analysis.compare import t_interval
from platsim.analysis.figures import empty_series
from platsim.analysis.report import build_report, register_arms
from platsim.analysis.scorecard import format_effect
from platsim.experiment.runner import run_batch


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close the figures a test made (the tests that replace ``png`` keep them open)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


#: Yvelines (259 communes, 11 EPCIs) under the baseline's rules, with its services pooled by
#: EPCI, and the same territory under another name (no difference at all).
EXPERIMENT = """
name: places
scenarios: [yvelines, pooling.yaml, same.yaml]
replications: 3
steps: 12
seed: 7
outputs:
  panel_every: 6
"""
SYNTHETIC = """
name: synthetic
scenarios: [baseline, open_data]
replications: 2
steps: 4
overrides:
  territory.n_municipalities: 12
outputs:
  panel_every: 2
"""


@pytest.fixture(scope="module")
def real_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small batch on Yvelines (about 4 s)."""
    folder = tmp_path_factory.mktemp("places")
    (folder / "pooling.yaml").write_text(
        "extends: yvelines\nname: pooling\npublic:\n  pooling: epci\n  conditional_funding: true\n"
    )
    (folder / "same.yaml").write_text("extends: yvelines\nname: same\n")
    (folder / "places.yaml").write_text(EXPERIMENT)
    assert run_batch(folder / "places.yaml", folder / "results", executor="local").exit_code == 0
    return folder / "results"


@pytest.fixture(scope="module")
def paired(real_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The place values, the runs with their arms, and the paired effects."""
    with platsim.experiment.results.open(real_dir) as results:
        runs, _ = register_arms(results)
        values = places.place_values(results, "epci")
    return values, runs, places.paired_effects(values, runs, "yvelines")


@pytest.fixture(scope="module")
def effects(paired: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return paired[2]


def test_places_of_yvelines_are_its_epcis_by_name(real_dir: Path) -> None:
    with platsim.experiment.results.open(real_dir) as results:
        assert places.place_level(results) == "epci"
        names = places.place_names(results, "epci")
        values = places.place_values(results, "epci")
    assert values["place"].nunique() == 11
    assert names["200073344"] == "Communauté d'agglomération Rambouillet Territoires"
    assert set(values["place"]) <= set(names)
    assert (values["step"] == 12).all()


def test_place_values_are_population_weighted_means_of_the_communes(real_dir: Path) -> None:
    with platsim.experiment.results.open(real_dir) as results:
        values = places.place_values(results, "epci").set_index(["run_id", "place"])
        panel = results.df("SELECT * FROM panel WHERE step = 12")
    checked = 0
    for (run_id, epci), part in panel.groupby(["run_id", "epci"]):
        for outcome in ("income_per_head", "unemployment_rate"):
            ok = np.isfinite(part[outcome].to_numpy(dtype=float))
            expected = np.average(part[outcome][ok], weights=part["population"][ok])
            assert values.loc[(run_id, epci), outcome] == pytest.approx(expected, rel=1e-12)
            checked += 1
    assert checked == 9 * 11 * 2


def test_paired_effects_are_t_intervals_over_replications(
    paired: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    values, runs, effects = paired
    frame = values.merge(runs, on="run_id")
    assert set(effects["arm"]) == {"pooling", "same"}
    assert len(effects) == 2 * 11 * 2
    for row in effects[effects["arm"] == "pooling"].itertuples(index=False):
        mine = frame[(frame["arm"] == "pooling") & (frame["place"] == row.place)]
        base = frame[(frame["arm"] == "yvelines") & (frame["place"] == row.place)]
        pairs = mine.merge(base, on="replication", suffixes=("", "_base"))
        diff, low, high = t_interval(pairs[row.outcome] - pairs[f"{row.outcome}_base"])
        assert row.pairs == 3
        assert (row.diff, row.diff_low, row.diff_high) == pytest.approx((diff, low, high))
    same = effects[effects["arm"] == "same"]
    assert (same["diff"] == 0).all() and (same["verdict"] == "no clear difference").all()


def test_extremes_gain_and_lose_the_better_way(effects: pd.DataFrame) -> None:
    chosen = places.extremes(effects)
    assert set(chosen["side"]) <= {"gains", "loses"}
    for (arm, outcome, side), part in chosen.groupby(["arm", "outcome", "side"]):
        assert 1 <= len(part) <= places.SHOWN
        assert list(part["rank"]) == list(range(1, len(part) + 1))
        gain = part["diff"] * (1 if outcome == "income_per_head" else -1)
        assert ((gain > 0) if side == "gains" else (gain < 0)).all(), (arm, outcome, side)
        ordered = gain.to_numpy() if side == "gains" else -gain.to_numpy()
        assert (np.diff(ordered) <= 0).all()
        everyone = effects[(effects["arm"] == arm) & (effects["outcome"] == outcome)]
        sign = 1 if outcome == "income_per_head" else -1
        best = (
            (everyone["diff"] * sign).max() if side == "gains" else (everyone["diff"] * sign).min()
        )
        assert gain.iloc[0] == pytest.approx(best)
    assert chosen[chosen["arm"] == "same"].empty  # nothing moves: no place gains or loses


def test_report_names_the_places_with_their_numbers(real_dir: Path, effects: pd.DataFrame) -> None:
    text, _ = build_report(real_dir)
    section = text.split('<h2 id="places">')[1].split("<h2>")[0]
    assert section.startswith("Places: which EPCIs gain and lose most")
    with platsim.experiment.results.open(real_dir) as results:
        names = places.place_names(results, "epci")
    chosen = places.extremes(effects)
    pooled = chosen[chosen["arm"] == "pooling"]
    assert not pooled.empty
    for row in pooled.itertuples(index=False):
        unit = "EUR / month" if row.outcome == "income_per_head" else "share"
        table = section.split(f'data-outcome="{row.outcome}"')[1].split("</table>")[0]
        item = re.search(rf'data-place="{row.place}">([^<]*)</li>', table)
        assert item, row.place
        name = names[row.place].replace("'", "&#x27;")
        effect = format_effect(unit, row.diff, row.diff_low, row.diff_high)
        assert item.group(1).startswith(f"{name}: {effect}")
    assert section.count('<img alt="map of') == 2


def test_maps_are_in_longitude_and_latitude_with_outlines(
    real_dir: Path, effects: pd.DataFrame
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with platsim.experiment.results.open(real_dir) as results:
        communes, rings = places.map_data(
            results, "epci", effects, "income_per_head", ["pooling", "same"]
        )
    assert len(communes) == 259
    assert communes["lon"].between(1.4, 2.3).all() and communes["lat"].between(48.4, 49.1).all()
    assert communes["pooling"].notna().all()
    assert len(rings) == 1 and rings[0].shape[1] == 2  # Yvelines' outline, degrees
    assert (
        rings[0][:, 0].min() < communes["lon"].min() < communes["lon"].max() < rings[0][:, 0].max()
    )
    figure = places.map_figure(communes, rings, ["pooling", "same"], "income_per_head")
    try:
        assert empty_series(figure) == []
        ax = figure.axes[0]
        assert ax.get_xlabel() == "longitude (°)" and ax.get_ylabel() == "latitude (°)"
    finally:
        plt.close(figure)


def test_one_epci_makes_communes_and_many_make_departements(
    real_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(places, "MAX_EPCIS", 5)  # Yvelines' 11 EPCIs are "too many"
    with platsim.experiment.results.open(real_dir) as results:
        # one département only: its communes are the places
        assert places.place_level(results) == "code"
        names = places.place_names(results, "code")
    assert names["78486"] == "Le Perray-en-Yvelines"


def test_generated_territory_skips_the_section_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "synthetic.yaml").write_text(SYNTHETIC)
    assert run_batch(tmp_path / "synthetic.yaml", tmp_path / "out", executor="local").exit_code == 0
    with platsim.experiment.results.open(tmp_path / "out") as results:
        assert places.place_level(results) is None
        runs, arms = register_arms(results)
        text = places.section(results, runs, arms, "baseline")
    # the whole section (the report places it after the scorecard: test_report_first_screen)
    skipped = re.fullmatch(r'<p class="note" id="places-skipped">([^<]*)</p>', text)
    assert skipped and skipped.group(1) == places.SYNTHETIC.replace("'", "&#x27;")
    assert "\n" not in text


def _hand_runs() -> pd.DataFrame:
    """Three replications of the baseline ``b`` and of a scenario ``x``."""
    return pd.DataFrame(
        {
            "run_id": ["b0", "b1", "b2", "x0", "x1", "x2"],
            "arm": ["b"] * 3 + ["x"] * 3,
            "scenario": ["b"] * 3 + ["x"] * 3,
            "design_point": 0,
            "replication": [0, 1, 2] * 2,
        }
    )


def _hand_values() -> pd.DataFrame:
    """Places A, B, C, D of each run: income per head and unemployment rate."""
    nan = np.nan
    rows = {
        # run: (A income, A unemployment, B income, B unemployment, C income, D income)
        "b0": (100.0, 0.10, 50.0, 0.10, 80.0, 70.0),
        "b1": (110.0, 0.10, 50.0, 0.12, 80.0, nan),
        "b2": (120.0, 0.10, 50.0, 0.14, 80.0, 70.0),
        "x0": (103.0, 0.12, 49.0, 0.08, 81.0, 75.0),
        "x1": (114.0, 0.12, 51.0, 0.10, nan, 75.0),
        "x2": (123.0, 0.13, 50.0, 0.12, 83.0, nan),
    }
    records = []
    for run_id, (a, ua, b, ub, c, d) in rows.items():
        records += [
            {"run_id": run_id, "place": "A", "income_per_head": a, "unemployment_rate": ua},
            {"run_id": run_id, "place": "B", "income_per_head": b, "unemployment_rate": ub},
            {"run_id": run_id, "place": "C", "income_per_head": c, "unemployment_rate": 0.1},
            {"run_id": run_id, "place": "D", "income_per_head": d, "unemployment_rate": 0.1},
            {"run_id": run_id, "place": "E", "income_per_head": 60.0, "unemployment_rate": 0.1},
        ]
    return pd.DataFrame(records)


def test_paired_effects_by_hand() -> None:
    effects = places.paired_effects(_hand_values(), _hand_runs(), "b")
    assert list(effects.columns) == [
        "arm",
        "place",
        "outcome",
        "pairs",
        "baseline_mean",
        "diff",
        "diff_low",
        "diff_high",
        "verdict",
    ]
    assert set(effects["arm"]) == {"x"}
    assert list(effects.index) == list(range(len(effects)))
    numbers = ["pairs", "baseline_mean", "diff", "diff_low", "diff_high"]
    assert all(effects[c].dtype.kind in "fi" for c in numbers)
    frame = effects.set_index(["place", "outcome"])
    # A income: d = (3, 4, 3), sd 1/sqrt(3): 10/3 -+ 4.303 / 3, above 0: better
    t2 = 4.302652729749462
    a = frame.loc[("A", "income_per_head")]
    assert a["pairs"] == 3 and a["baseline_mean"] == pytest.approx(110.0)
    assert a["diff"] == pytest.approx(10 / 3)
    assert a["diff_low"] == pytest.approx(10 / 3 - t2 / 3)
    assert a["diff_high"] == pytest.approx(10 / 3 + t2 / 3)
    assert a["verdict"] == "better"
    # A unemployment: d = (0.02, 0.02, 0.03), above 0: worse (lower is better)
    assert frame.loc[("A", "unemployment_rate"), "verdict"] == "worse"
    # B unemployment: d = (-0.02, -0.02, -0.02), the interval [-0.02, -0.02]: better
    b = frame.loc[("B", "unemployment_rate")]
    assert (b["diff"], b["diff_low"], b["diff_high"]) == pytest.approx((-0.02, -0.02, -0.02))
    assert b["verdict"] == "better"
    # B income: d = (-1, 1, 0), an interval around 0
    assert frame.loc[("B", "income_per_head"), "verdict"] == "no clear difference"
    # C income: the pair without a value is dropped, and so is its baseline value
    c = frame.loc[("C", "income_per_head")]
    assert c["pairs"] == 2 and c["diff"] == pytest.approx(2.0)
    assert c["diff_low"] == pytest.approx(2.0 - 12.706204736174694 * 1.0)
    # D income: one pair (replication 0): its difference without an interval
    d = frame.loc[("D", "income_per_head")]
    assert d["pairs"] == 1 and d["diff"] == 5.0 and d["baseline_mean"] == 70.0
    assert math.isnan(d["diff_low"]) and math.isnan(d["diff_high"])
    assert d["verdict"] == "no clear difference"
    # E does not move: the interval [0, 0] touches 0
    e = frame.loc[("E", "income_per_head")]
    assert (e["diff"], e["diff_low"], e["diff_high"]) == (0.0, 0.0, 0.0)
    assert e["verdict"] == "no clear difference"
    assert frame.loc[("E", "unemployment_rate"), "verdict"] == "no clear difference"


def test_paired_effects_at_another_level_and_of_a_grid_arm() -> None:
    values, runs = _hand_values(), _hand_runs()
    # A income at 50%: 10/3 -+ t(0.75, 2) / 3
    half = places.paired_effects(values, runs, "b", level=0.5).set_index(["place", "outcome"])
    t50 = 0.8164965809277259
    assert half.loc[("A", "income_per_head"), "diff_low"] == pytest.approx(10 / 3 - t50 / 3)
    # B income at 50%: 0 -+ 0.816 / sqrt(3), still around 0
    assert half.loc[("B", "income_per_head"), "verdict"] == "no clear difference"
    # the same runs as two design points of one scenario: the baseline is the arm s@p0
    grid = runs.assign(
        scenario="s", arm=["s@p0"] * 3 + ["s@p1"] * 3, design_point=[0] * 3 + [1] * 3
    )
    effects = places.paired_effects(values, grid, "s@p0")
    assert set(effects["arm"]) == {"s@p1"}
    mine = effects.drop(columns="arm").reset_index(drop=True)
    theirs = places.paired_effects(values, runs, "b").drop(columns="arm")
    pd.testing.assert_frame_equal(mine, theirs.reset_index(drop=True))


def test_paired_effects_without_an_outcome_column() -> None:
    values = _hand_values().drop(columns=["income_per_head", "unemployment_rate"])
    effects = places.paired_effects(values, _hand_runs(), "b")
    assert effects.empty and "verdict" in effects.columns and "diff" in effects.columns


def test_extremes_by_hand() -> None:
    rows = [
        ("income_per_head", "P1", 5.0),
        ("income_per_head", "P2", 1.0),
        ("income_per_head", "P3", 3.0),
        ("income_per_head", "P4", -2.0),
        ("income_per_head", "P5", -4.0),
        ("income_per_head", "P6", 0.0),
        ("income_per_head", "P7", np.nan),
        ("unemployment_rate", "P1", -0.03),
        ("unemployment_rate", "P2", 0.02),
        ("unemployment_rate", "P8", 0.0),  # neither gains nor loses
    ]
    effects = pd.DataFrame(
        [
            {"arm": "x", "place": p, "outcome": o, "diff": d, "diff_low": d, "diff_high": d}
            for o, p, d in rows
        ]
    )
    # P3's income has one pair: no interval, still ranked
    effects.loc[(effects["place"] == "P3"), ["diff_low", "diff_high"]] = np.nan
    chosen = places.extremes(effects, shown=2)
    assert "gain" not in chosen.columns
    assert list(chosen.index) == list(range(len(chosen)))
    listed = [(r.outcome, r.side, r.rank, r.place) for r in chosen.itertuples(index=False)]
    assert listed == [
        ("income_per_head", "gains", 1, "P1"),
        ("income_per_head", "gains", 2, "P3"),
        ("income_per_head", "loses", 1, "P5"),
        ("income_per_head", "loses", 2, "P4"),
        # lower unemployment is the better way
        ("unemployment_rate", "gains", 1, "P1"),
        ("unemployment_rate", "loses", 1, "P2"),
    ]
    # by default SHOWN (3) per side
    default = places.extremes(effects)
    assert list(default[default["side"] == "gains"]["place"][:3]) == ["P1", "P3", "P2"]
    nothing = places.extremes(effects[effects["diff"].isna()])
    assert nothing.empty and {"side", "rank"} <= set(nothing.columns)


class _FakeResults:
    """The views places reads (``panel``, ``runs``), from frames."""

    def __init__(self, panel: pd.DataFrame, runs: pd.DataFrame) -> None:

        self.connection = duckdb.connect()
        for name, frame in (("panel", panel), ("runs", runs)):
            self.connection.register(f"{name}_frame", frame)
            self.connection.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_frame")

    @property
    def panel(self) -> duckdb.DuckDBPyRelation:
        return self.connection.table("panel")

    def df(self, query: str) -> pd.DataFrame:
        return self.connection.sql(query).df()


def _hand_panel() -> pd.DataFrame:
    """Communes c1, c2 (EPCI E1, département 78), c3, c4 (E2, 78) and c5 (no EPCI) at steps 6
    and 12 of runs r0 (ok) and r1 (failed)."""
    communes = [
        # code, epci, income per head, unemployment rate, population
        ("c1", "E1", 100.0, 0.1, 10.0),
        ("c2", "E1", 200.0, 0.2, 30.0),
        ("c3", "E2", 50.0, 0.1, 20.0),
        ("c4", "E2", np.nan, 0.3, 20.0),  # no worker agent: no income per head
        ("c5", None, 10.0, 0.5, 5.0),
    ]
    rows = []
    for run in ("r0", "r1"):
        for step in (6, 12):
            for code, epci, income, unemployment, population in communes:
                late = step == 12
                rows.append(
                    {
                        "run_id": run,
                        "step": step,
                        "code": code,
                        "name": f"Commune {code}",
                        "epci": epci,
                        "departement": "78",
                        "lon": 2.0,
                        "lat": 48.8,
                        "population": population,
                        "income_per_head": income if late else income * 2,
                        "unemployment_rate": unemployment if late else 0.9,
                    }
                )
    return pd.DataFrame(rows)


RUN_STATUS = pd.DataFrame({"run_id": ["r0", "r1"], "status": ["ok", "failed"]})


def test_place_values_by_hand() -> None:
    values = places.place_values(_FakeResults(_hand_panel(), RUN_STATUS), "epci")
    assert list(values.columns) == [
        "run_id",
        "place",
        "step",
        "population",
        "income_per_head",
        "unemployment_rate",
    ]
    values = values.set_index("place").sort_index()
    assert list(values.index) == ["E1", "E2"]  # not the commune without an EPCI
    assert set(values["run_id"]) == {"r0"} and set(values["step"]) == {12}  # ok, last step
    assert list(values["population"]) == [40.0, 40.0]
    # E1: (100 * 10 + 200 * 30) / 40; E2: c4 has no income per head, c3's alone
    assert values.loc["E1", "income_per_head"] == pytest.approx(175.0)
    assert values.loc["E2", "income_per_head"] == pytest.approx(50.0)
    assert values.loc["E1", "unemployment_rate"] == pytest.approx(0.175)
    assert values.loc["E2", "unemployment_rate"] == pytest.approx(0.2)
    # a place with no value at all: NaN, not a division by zero
    panel = _hand_panel()
    panel.loc[panel["code"] == "c3", "income_per_head"] = np.nan
    values = places.place_values(_FakeResults(panel, RUN_STATUS), "epci").set_index("place")
    assert math.isnan(values.loc["E2", "income_per_head"])
    # a panel without unemployment: income only
    panel = _hand_panel().drop(columns="unemployment_rate")
    values = places.place_values(_FakeResults(panel, RUN_STATUS), "code")
    assert list(values.columns)[-1] == "income_per_head" and len(values) == 5


def test_place_level_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    panel = _hand_panel()
    assert places.place_level(_FakeResults(panel, RUN_STATUS)) == "epci"  # 2 EPCIs
    one = panel.assign(epci="E1")
    assert places.place_level(_FakeResults(one, RUN_STATUS)) == "code"  # one EPCI: communes
    monkeypatch.setattr(places, "MAX_EPCIS", 1)
    # too many EPCIs in one département: the communes; in two: the départements
    assert places.place_level(_FakeResults(panel, RUN_STATUS)) == "code"
    two = panel.assign(departement=np.where(panel["code"] == "c1", "91", "78"))
    assert places.place_level(_FakeResults(two, RUN_STATUS)) == "departement"
    monkeypatch.setattr(places, "MAX_EPCIS", 2)
    assert places.place_level(_FakeResults(two, RUN_STATUS)) == "epci"  # 2 is not too many
    # no commune code, or a column missing: a generated territory
    assert places.place_level(_FakeResults(panel.assign(code=None), RUN_STATUS)) is None
    for column in ("code", "epci", "departement", "lon", "lat", "population"):
        missing = panel.drop(columns=column)
        assert places.place_level(_FakeResults(missing, RUN_STATUS)) is None, column


def test_place_names_of_communes_from_the_panel() -> None:
    names = places.place_names(_FakeResults(_hand_panel(), RUN_STATUS), "code")
    assert names == {f"c{i}": f"Commune c{i}" for i in range(1, 6)}


def test_baseline_rows_pair_as_compare_does() -> None:
    runs = pd.DataFrame(
        {
            "run_id": [f"r{i}" for i in range(8)],
            "scenario": ["s"] * 4 + ["t"] * 4,
            "arm": ["s@p0", "s@p0", "s@p1", "s@p1", "t", "t", "t", "t"],
            "design_point": [0, 0, 1, 1, 0, 0, 1, 1],
            "replication": [0, 1] * 4,
        }
    )
    base, keys = places._baseline_rows(runs, "t")  # a scenario: by point and replication
    assert list(base["run_id"]) == ["r4", "r5", "r6", "r7"]
    assert keys == ["design_point", "replication"]
    base, keys = places._baseline_rows(runs, "s@p1")  # one point of a grid: by replication
    assert list(base["run_id"]) == ["r2", "r3"] and keys == ["replication"]
    several = runs.assign(arm=["a"] * 4 + ["t"] * 4)  # an arm of several points: by both
    base, keys = places._baseline_rows(several, "a")
    assert list(base["run_id"]) == ["r0", "r1", "r2", "r3"]
    assert keys == ["design_point", "replication"]


def test_place_names_of_epcis_and_departements_from_the_bundled_table() -> None:
    results = _FakeResults(_hand_panel(), RUN_STATUS)
    epcis = places.place_names(results, "epci")
    assert epcis["200073344"] == "Communauté d'agglomération Rambouillet Territoires"
    assert len(epcis) > 1000  # every EPCI of France
    departements = places.place_names(results, "departement")
    assert departements["78"] == "Yvelines" and departements["2A"] == "Corse-du-Sud"


def test_places_table_lists_names_effects_and_verdicts() -> None:
    def row(
        outcome: str,
        place: str,
        side: str,
        rank: int,
        diff: float,
        low: float,
        high: float,
        verdict: str,
    ) -> dict:
        return {
            "arm": "x",
            "place": place,
            "outcome": outcome,
            "diff": diff,
            "diff_low": low,
            "diff_high": high,
            "verdict": verdict,
            "side": side,
            "rank": rank,
        }

    chosen = pd.DataFrame(
        [
            row("income_per_head", "P2", "gains", 2, 1.0, -1.0, 3.0, "no clear difference"),
            row("income_per_head", "P1", "gains", 1, 5.0, 3.0, 7.0, "better"),
            row("unemployment_rate", "P1", "loses", 1, 0.02, 0.01, 0.03, "worse"),
        ]
    )
    both = places.places_table(
        pd.concat([chosen, chosen.assign(arm="w")]), {}, ["x", "w"], "income_per_head"
    )
    assert both.count("</tr><tr") == 2 and both.index('"x"') < both.index('"w"')
    names = {"P1": "Ville <A>"}  # P2 has no name: its code
    text = places.places_table(chosen, names, ["y", "x"], "income_per_head")
    assert text == (
        '<table class="places" data-outcome="income_per_head"><tr><th>scenario</th>'
        "<th>gain most</th><th>lose most</th></tr>"
        '<tr data-scenario="x"><th>x</th><td><ol class="places">'
        '<li class="better" data-place="P1">Ville &lt;A&gt;: +5 EUR [+3, +7]</li>'
        '<li class="unclear" data-place="P2">P2: +1 EUR [\u22121, +3], no clear difference</li>'
        '</ol></td><td><span class="note">none</span></td></tr></table>'
    )
    text = places.places_table(chosen, names, ["x"], "unemployment_rate")
    assert (
        '<td><span class="note">none</span></td><td><ol class="places">'
        '<li class="worse" data-place="P1">Ville &lt;A&gt;: +2.0 points [+1.0, +3.0]</li></ol>'
    ) in text


def _territory(steps: tuple[int, ...] = (6, 12)) -> tuple[_FakeResults, pd.DataFrame]:
    """Communes c1..c4 of EPCIs E1 (c1, c2) and E2 (c3, c4) in Yvelines; three replications of
    the baseline b and of x, which raises E1's income per head by 10 and leaves E2 alone."""
    runs = _hand_runs()
    rows = []
    for run in runs.itertuples(index=False):
        for step in steps:
            for code, epci, income, lon in (
                ("c1", "E1", 100.0, 1.8),
                ("c2", "E1", 120.0, 1.9),
                ("c3", "E2", 80.0, 2.0),
                ("c4", "E2", np.nan, 2.1),  # no worker agent
            ):
                raised = 10.0 + run.replication if run.arm == "x" and epci == "E1" else 0.0
                rows.append(
                    {
                        "run_id": run.run_id,
                        "step": step,
                        "code": code,
                        "name": f"Commune {code}",
                        "epci": epci,
                        "departement": "78",
                        "lon": lon,
                        "lat": 48.8,
                        "population": 100.0,
                        "income_per_head": income + raised,
                        "unemployment_rate": 0.1,
                    }
                )
    status = pd.DataFrame({"run_id": runs["run_id"], "status": "ok"})
    return _FakeResults(pd.DataFrame(rows), status), runs


def test_section_on_a_hand_built_territory(monkeypatch: pytest.MonkeyPatch) -> None:
    figures = []

    def png(figure: object, alt: str = "figure") -> str:
        figures.append(figure)
        return f"[{alt}]"

    monkeypatch.setattr(places, "png", png)
    results, runs = _territory()
    text = places.section(results, runs, ["x"], "b")
    assert text.startswith(
        '<h2 id="places">Places: which EPCIs gain and lose most</h2><p>The 2 EPCIs of the '
        "territory at step 12 of the municipal panel: each EPCI's outcome is the "
        "population-weighted mean of its communes'"
    )
    assert "paired with b's in the same replication" in text
    assert "Each scenario's 3 EPCIs whose mean moves most" in text
    assert "not adjusted for picking the extremes among 2:" in text
    income = text.split("<h3>income per head (EUR / month, higher is better)</h3>")[1]
    # E1 gains 11 on average (10, 11, 12): 11 -+ t(0.975, 2) / sqrt(3)
    assert income.startswith('<table class="places" data-outcome="income_per_head">')
    assert '<li class="better" data-place="E1">E1: +11 EUR [+9, +13]</li>' in income
    assert "[map of income per head by EPCI]" in income
    assert "[map of income per head by EPCI]<h3>unemployment rate" in text
    assert "</p><h3>income per head" in text
    # unemployment does not move: no place gains or loses, so no row (a map of zeros)
    unemployment = text.split("<h3>unemployment rate (share, lower is better)</h3>")[1]
    assert "<tr data-scenario" not in unemployment.split("</table>")[0]
    assert "[map of unemployment rate by EPCI]" in unemployment
    assert (
        '<p class="note">Maps: every commune at its longitude and latitude, coloured by its '
        in (text)
    )
    assert text.endswith("outlines: départements.</p>")
    assert len(figures) == 2  # a map for each outcome
    # the map: E1's communes coloured by +11, E2's by 0, c4 (no income) still drawn
    (ax, *_) = figures[0].axes
    points = [c for c in ax.collections if hasattr(c, "get_offsets") and c.get_array() is not None]
    (coloured,) = points
    assert list(coloured.get_array()) == pytest.approx([11.0, 11.0, 0.0, 0.0])
    assert coloured.get_clim() == pytest.approx((-11.0, 11.0))
    assert coloured.get_cmap().name == "RdBu"  # higher is better: blue up
    assert ax.get_title() == "x"
    from matplotlib.collections import LineCollection

    assert [c for c in ax.collections if isinstance(c, LineCollection)]  # Yvelines' outline


def test_section_steps_mapping_cap_and_nothing_paired(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(places, "png", lambda figure, alt="figure": f"[{alt}]")
    results, runs = _territory()
    results.connection.execute(  # the last panel step differs between runs
        "CREATE OR REPLACE VIEW panel AS SELECT * FROM panel_frame "
        "WHERE NOT (run_id = 'x2' AND step = 12)"
    )
    text = places.section(results, runs, ["x"], "b")
    assert "at each run's last panel step (6-12) of the municipal panel" in text
    monkeypatch.setattr(places, "MAX_MAPPED", 1)  # one scenario: all mapped
    assert "scenarios mapped" not in places.section(_territory()[0], runs, ["x"], "b")
    monkeypatch.setattr(places, "MAX_MAPPED", 0)
    text = places.section(_territory()[0], runs, ["x"], "b")
    assert "No EPCI has a paired value of income per head to map." in text
    assert text.endswith("départements. First 0 of 1 scenarios mapped.</p>")
    alone = runs[runs["arm"] == "b"]
    text = places.section(_territory()[0], alone, ["b"], "b")
    assert text == (
        '<p class="note" id="places-skipped">Places: skipped, no scenario has a municipal '
        "panel paired with the baseline's.</p>"
    )


def test_map_figure_of_a_share_by_hand() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    nan = np.nan
    communes = pd.DataFrame(
        {
            "lon": [1.0, 2.0, 3.0],
            "lat": [48.0, 49.0, 50.0],
            "place": ["A", "B", "C"],
            "x": [0.01, -0.02, nan],  # C has no paired value: grey
            "y": [0.005, 0.0, nan],
            "z": [nan, nan, nan],  # nothing to map: no panel
        }
    )
    ring = np.array([[0.0, 47.0], [4.0, 47.0], [4.0, 51.0], [0.0, 47.0]])
    figure = places.map_figure(communes, [ring], ["x", "y", "z"], "unemployment_rate")
    try:
        panels = [ax for ax in figure.axes if ax.get_title()]
        assert [ax.get_title() for ax in panels] == ["x", "y"]
        ax = panels[0]
        grey, coloured = [c for c in ax.collections if hasattr(c, "get_offsets")][-2:]
        np.testing.assert_allclose(grey.get_offsets(), [[3.0, 50.0]])
        assert tuple(grey.get_facecolor()[0]) == pytest.approx((0.741, 0.741, 0.741, 1), abs=1e-3)
        np.testing.assert_allclose(coloured.get_offsets(), [[1.0, 48.0], [2.0, 49.0]])
        # in points, on a scale symmetric around 0 shared by the scenarios
        assert list(coloured.get_array()) == pytest.approx([1.0, -2.0])
        assert coloured.get_clim() == pytest.approx((-2.0, 2.0))
        assert coloured.get_cmap().name == "RdBu_r"  # lower is better: blue down
        (outline,) = [c for c in ax.collections if isinstance(c, LineCollection)]
        np.testing.assert_allclose(outline.get_segments()[0], ring)
        assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(49.0)))
        bars = [a for a in figure.axes if a.get_ylabel().startswith("change in")]
        assert [a.get_ylabel() for a in bars] == ["change in unemployment rate (points)"] * 2
        assert ax.get_xlabel() == "longitude (°)" and ax.get_ylabel() == "latitude (°)"
    finally:
        plt.close(figure)
    # five scenarios: four a row, the three empty places of the grid hidden
    many = communes.assign(**{f"s{i}": communes["x"] for i in range(5)})
    figure = places.map_figure(many, [], [f"s{i}" for i in range(5)], "income_per_head")
    try:
        grid = [ax for ax in figure.axes if not ax.get_ylabel().startswith("change in")]
        assert len(grid) == 8
        assert [ax.get_visible() for ax in grid] == [True] * 5 + [False] * 3
        assert len({ax.get_position().y0 for ax in grid[:5]}) == 2  # two rows
        assert not [c for c in grid[0].collections if isinstance(c, LineCollection)]
        bars = [a.get_ylabel() for a in figure.axes if a.get_ylabel().startswith("change in")]
        assert bars == ["change in income per head (EUR / month)"] * 5
    finally:
        plt.close(figure)


def test_section_of_one_epci_names_its_communes_and_reads_each_runs_last_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(places, "png", lambda figure, alt="figure": f"[{alt}]")
    results, runs = _territory(steps=(6, 9, 12))
    results.connection.execute(  # x1 stops at step 9, x2 at step 6
        "CREATE OR REPLACE VIEW panel AS SELECT * REPLACE ('E1' AS epci) FROM panel_frame "
        "WHERE NOT ((run_id = 'x1' AND step = 12) OR (run_id = 'x2' AND step > 6))"
    )
    text = places.section(results, runs, ["x"], "b")
    assert text.startswith('<h2 id="places">Places: which communes gain and lose most</h2>')
    assert "at each run's last panel step (6-12)" in text
    assert 'data-place="c1">Commune c1: +' in text
    # without income per head: the unemployment rate still has its table
    results.connection.execute(
        "CREATE OR REPLACE VIEW panel AS SELECT * EXCLUDE (income_per_head) FROM panel_frame"
    )
    text = places.section(results, runs, ["x"], "b")
    assert "<h3>income per head" not in text and "<h3>unemployment rate" in text


def test_map_scale_is_the_largest_difference_however_small() -> None:
    import matplotlib.pyplot as plt

    communes = pd.DataFrame({"lon": [1.0, 2.0], "lat": [48.0, 49.0], "x": [0.4, -0.1]})
    for values, limit in (([0.4, -0.1], 0.4), ([0.0, 0.0], 1e-12)):
        figure = places.map_figure(communes.assign(x=values), [], ["x"], "income_per_head")
        try:
            (coloured,) = [c for c in figure.axes[0].collections if c.get_array() is not None]
            assert coloured.get_clim() == pytest.approx((-limit, limit), rel=1e-9, abs=0)
        finally:
            plt.close(figure)
