"""Tests of the numbers behind the report's figures (platsim.analysis.report) on hand-built
tables: the kinds' shares of a segment's transactions, the order of the segments, and the
grouping of a family's outcomes into figures."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from platsim.analysis import report


class FakeResults:
    """The views platform_shares reads (``platforms``, ``arms``), from frames."""

    def __init__(self, platforms: pd.DataFrame, arms: pd.DataFrame) -> None:
        self.connection = duckdb.connect()
        for name, frame in (("platforms", platforms), ("arms", arms)):
            self.connection.register(f"{name}_frame", frame)
            self.connection.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_frame")

    @property
    def platforms(self) -> duckdb.DuckDBPyRelation:
        return self.connection.table("platforms")

    def df(self, query: str) -> pd.DataFrame:
        return self.connection.sql(query).df()


ARMS = pd.DataFrame({"run_id": ["a0", "a1", "b0"], "arm": ["A", "A", "B"]})


def _platforms() -> pd.DataFrame:
    rows = [
        # run, step, segment, kind, transactions, market share, open
        ("a0", 1, "goods", "global", 30.0, 0.5, True),
        ("a0", 1, "goods", "local", 10.0, 0.2, True),
        ("a0", 1, "goods", "local", 50.0, 0.3, False),  # closed: left out
        ("a0", 1, "local_services", "local", 0.0, 0.0, True),  # no transaction at all
        ("a1", 1, "goods", "global", 20.0, 0.6, True),
        ("a1", 1, "goods", "local", 20.0, 0.4, True),
        ("b0", 1, "goods", "global", 10.0, 1.0, True),
        ("b0", 2, "goods", "global", 5.0, 0.25, True),
        ("b0", 2, "goods", "local", 15.0, 0.75, True),
    ]
    columns = ["run_id", "step", "segment", "kind", "transactions", "market_share", "active"]
    return pd.DataFrame(rows, columns=columns)


def _shares(frame: pd.DataFrame) -> dict[tuple, float]:
    return {(r.arm, r.step, r.segment, r.kind): r.share for r in frame.itertuples(index=False)}


def test_platform_shares_by_hand() -> None:
    frame = report.platform_shares(FakeResults(_platforms(), ARMS))
    assert list(frame.columns) == ["arm", "step", "segment", "kind", "share"]
    assert _shares(frame) == pytest.approx(
        {
            # a0: 30 and 10 of 40 open; a1: 20 and 20: means 0.625 and 0.375
            ("A", 1, "goods", "global"): 0.625,
            ("A", 1, "goods", "local"): 0.375,
            # no transaction: 0, over A's two runs at that step
            ("A", 1, "local_services", "local"): 0.0,
            ("B", 1, "goods", "global"): 1.0,
            ("B", 2, "goods", "global"): 0.25,
            ("B", 2, "goods", "local"): 0.75,
        }
    )
    # ordered by arm, step and segment
    keys = list(zip(frame["arm"], frame["step"], frame["segment"], strict=True))
    assert keys == sorted(keys)


def test_a_run_without_a_kind_counts_as_zero_in_the_arms_mean() -> None:
    platforms = _platforms()
    platforms = platforms[~((platforms["run_id"] == "a1") & (platforms["kind"] == "local"))]
    shares = _shares(report.platform_shares(FakeResults(platforms, ARMS)))
    # a1's goods are all global: (0.25 + 0) / 2 local, (0.75 + 1) / 2 global
    assert shares[("A", 1, "goods", "local")] == pytest.approx(0.125)
    assert shares[("A", 1, "goods", "global")] == pytest.approx(0.875)


def test_platform_shares_of_older_tables() -> None:
    # no transactions: market shares; no active column: every platform; no segment: "all"
    old = _platforms().drop(columns=["transactions", "active", "segment"])
    shares = _shares(report.platform_shares(FakeResults(old, ARMS)))
    # a0 at step 1: global 0.5, local 0.2 + 0.3 + 0.0 of 1.0; a1: 0.6 and 0.4
    assert shares == pytest.approx(
        {
            ("A", 1, "all", "global"): (0.5 + 0.6) / 2,
            ("A", 1, "all", "local"): (0.5 + 0.4) / 2,
            ("B", 1, "all", "global"): 1.0,
            ("B", 2, "all", "global"): 0.25,
            ("B", 2, "all", "local"): 0.75,
        }
    )


def test_segment_order_is_the_schemas_then_the_others_sorted() -> None:
    assert report._segment_order(["x", "freelance", "goods", "a", "goods"]) == [
        "goods",
        "freelance",
        "a",
        "x",
    ]
    assert report._segment_order(["local_services", "all"]) == ["local_services", "all"]


def test_series_groups_put_segments_next_to_the_total() -> None:
    members = [
        "vacancies",  # no better direction: after the others
        "hhi_freelance",
        "employment_rate",
        "hhi",
        "top_share_goods",  # without top_share: not a row of its own
        "hhi_goods",
        "firm_entry",
    ]
    assert report.series_groups(members) == [
        (["hhi", "hhi_goods", "hhi_freelance"], 3),
        (["employment_rate", "top_share_goods", "vacancies", "firm_entry"], 3),
    ]
    both = [
        "top_share",
        "top_share_freelance",
        "hhi",
        "hhi_goods",
        "hhi_local_services",
        "hhi_freelance",
    ]
    assert report.series_groups(both) == [
        (
            [
                "hhi",
                "hhi_goods",
                "hhi_local_services",
                "hhi_freelance",
                "top_share",
                "top_share_freelance",
            ],
            4,
        ),
    ]


def test_series_groups_of_many_outcomes_are_figures_of_nine() -> None:
    from platsim.schema.outcomes import OUTCOMES

    names = [n for n in OUTCOMES if not n.startswith(("hhi", "top_share"))][:20]
    groups = report.series_groups(names)
    assert [len(g) for g, _ in groups] == [9, 9, 2]
    assert all(columns == 3 for _, columns in groups)
    flat = [n for g, _ in groups for n in g]
    assert sorted(flat) == sorted(names)
    better = [OUTCOMES[n].better is not None for n in flat]
    assert better == sorted(better, reverse=True)  # those with a better direction first
    assert report.series_groups([]) == []
