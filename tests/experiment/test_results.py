"""Querying results: ``platsim.experiment.results.open(DIR)`` (DuckDB views and pandas) and
``platsim query DIR "SQL"``."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import yaml

import platsim.experiment.results
from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.runner import run_batch

DATA = Path(__file__).resolve().parents[1] / "data" / "experiments"
SMALL = DATA / "small.yaml"  # 2 scenarios x 2 design points x 3 replications, 6 steps
RUNS, STEPS, MUNICIPALITIES = 12, 6, 20


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("results") / "small"
    assert run_batch(SMALL, out, executor="local").exit_code == 0
    return out


def test_views_hold_every_run_step_and_panel_row(results_dir: Path) -> None:
    with platsim.experiment.results.open(results_dir) as results:
        assert results.df("SELECT count(*) AS n FROM runs")["n"][0] == RUNS
        assert results.df("SELECT count(*) AS n FROM metrics")["n"][0] == RUNS * (STEPS + 1)
        panel_rows = RUNS * 3 * MUNICIPALITIES  # steps 0, 3 and 6 (panel_every: 3)
        assert results.df("SELECT count(*) AS n FROM panel")["n"][0] == panel_rows
        assert results.df("SELECT count(DISTINCT run_id) AS n FROM platforms")["n"][0] == RUNS
        assert results.runs.df()["status"].eq("ok").all()
        assert {"run_id", "step", "gini_income"} <= set(results.metrics.columns)
        assert set(results.panel.columns) >= {"run_id", "step", "municipality"}
        assert "platform" in results.platforms.columns
        lorenz_rows = RUNS * 3 * 21  # steps 0, 3 and 6 (the panel's), 21 population shares
        assert results.df("SELECT count(*) AS n FROM lorenz")["n"][0] == lorenz_rows
        assert list(results.lorenz.columns) == [
            "run_id",
            "step",
            "population_share",
            "income_share",
        ]


def test_lorenz_view_returns_the_files_and_joins_runs(results_dir: Path) -> None:
    with platsim.experiment.results.open(results_dir) as results:
        frame = results.df(
            """
            SELECT l.step, l.population_share, l.income_share FROM lorenz l
            JOIN runs r USING (run_id)
            WHERE r.scenario = 'small_open_data' AND r."data.share" = 0.75 AND r.replication = 2
            ORDER BY l.step, l.population_share
            """
        )
        final = results.df(
            """
            SELECT r.scenario, min(l.income_share) AS low, max(l.income_share) AS high,
                   count(*) AS n
            FROM lorenz l JOIN runs r USING (run_id) WHERE l.step = 6 GROUP BY ALL
            """
        )
    direct = pd.read_parquet(results_dir / "lorenz" / "small_open_data_p1_r2.parquet")
    assert (direct.pop("run_id") == "small_open_data_p1_r2").all()
    pd.testing.assert_frame_equal(frame, direct, check_dtype=False)
    assert sorted(final["scenario"]) == ["small_baseline", "small_open_data"]
    assert (final["low"] == 0.0).all() and (final["high"] == 1.0).all()
    assert (final["n"] == 6 * 21).all()


def test_a_join_returns_the_values_in_the_files(results_dir: Path) -> None:
    results = platsim.experiment.results.open(results_dir)
    frame = results.df(
        """
        SELECT r.scenario, r."data.share" AS share, r.replication, m.unemployment_rate
        FROM metrics m JOIN runs r USING (run_id)
        WHERE m.step = 6 ORDER BY r.run_id
        """
    )
    assert len(frame) == RUNS
    direct = pd.read_parquet(results_dir / "metrics" / "small_open_data_p1_r2.parquet")
    row = frame[(frame["scenario"] == "small_open_data") & (frame["share"] == 0.75)]
    assert row["replication"].tolist() == [0, 1, 2]
    assert row["unemployment_rate"].iloc[-1] == direct["unemployment_rate"].iloc[-1]
    relation = results.sql("SELECT max(step) AS last FROM metrics")
    assert relation.fetchall() == [(STEPS,)]
    results.close()


def test_paired_differences_use_common_seeds(results_dir: Path) -> None:
    with platsim.experiment.results.open(results_dir) as results:
        pairs = results.df(
            """
            SELECT a.replication, a.seed = b.seed AS same_seed
            FROM runs a JOIN runs b USING (replication, design_point)
            WHERE a.scenario = 'small_baseline' AND b.scenario = 'small_open_data'
            """
        )
    assert len(pairs) == 6 and pairs["same_seed"].all()


def test_empty_panel_and_platform_folders_give_empty_views(tmp_path: Path) -> None:
    content = yaml.safe_load(SMALL.read_text())
    content["scenarios"] = [str(DATA / name) for name in content["scenarios"]]
    content.update(replications=1, outputs={"panel_every": 0, "platforms": False})
    experiment = tmp_path / "no_panel.yaml"
    experiment.write_text(yaml.safe_dump(content))
    out = tmp_path / "out"
    assert run_batch(experiment, out, executor="local").ok == 4
    assert not list((out / "panel").iterdir()) and not list((out / "platforms").iterdir())
    with platsim.experiment.results.open(out) as results:
        assert results.df("SELECT count(*) AS n FROM panel")["n"][0] == 0
        assert results.df("SELECT count(*) AS n FROM platforms")["n"][0] == 0
        joined = results.df("SELECT * FROM panel p JOIN runs r USING (run_id)")
        assert joined.empty
        assert results.df("SELECT count(*) AS n FROM metrics")["n"][0] == 4 * (STEPS + 1)
        # without a panel the Lorenz curve is still recorded at the last step
        lorenz = results.df("SELECT DISTINCT run_id, step FROM lorenz")
        assert len(lorenz) == 4 and (lorenz["step"] == STEPS).all()


def test_a_directory_without_lorenz_files_opens_with_an_empty_view(
    results_dir: Path, tmp_path: Path, without_lorenz
) -> None:
    old = without_lorenz(results_dir, tmp_path / "old")
    with platsim.experiment.results.open(old) as results:
        assert results.df("SELECT count(*) AS n FROM lorenz")["n"][0] == 0
        assert {"run_id", "step", "population_share", "income_share"} <= set(results.lorenz.columns)
        assert results.df("SELECT count(*) AS n FROM metrics")["n"][0] == RUNS * (STEPS + 1)


def test_query_command_prints_the_table(
    results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = 'SELECT scenario, "data.share", count(*) AS runs FROM runs GROUP BY ALL ORDER BY ALL'
    assert main(["query", str(results_dir), query]) == 0
    printed = capsys.readouterr().out
    assert "small_baseline" in printed and "small_open_data" in printed
    assert "data.share" in printed and "0.75" in printed
    assert "4 rows" in printed


def test_query_command_csv_and_row_limit(
    results_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "SELECT run_id, step, firms FROM metrics ORDER BY run_id, step"
    assert main(["query", str(results_dir), query, "--csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(frame) == RUNS * (STEPS + 1) and list(frame.columns) == ["run_id", "step", "firms"]
    expected = platsim.experiment.results.open(results_dir).df(query)
    pd.testing.assert_frame_equal(frame[["step", "firms"]], expected[["step", "firms"]])

    assert main(["query", str(results_dir), query, "--max-rows", "5"]) == 0
    printed = capsys.readouterr().out
    assert "first 5 rows shown" in printed


def test_bad_query_and_bad_directory_exit_2(
    results_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", str(results_dir), "SELECT nope FROM runs"]) == 2
    assert "SQL error" in capsys.readouterr().err
    assert main(["query", str(tmp_path), "SELECT 1"]) == 2
    assert "manifest.json" in capsys.readouterr().err
    with pytest.raises(InputError, match=r"no manifest\.json"):
        platsim.experiment.results.open(tmp_path)


@pytest.mark.parametrize(
    "statement",
    [
        "COPY (SELECT * FROM runs) TO '{dir}/runs.parquet' (FORMAT parquet)",
        "COPY (SELECT 1) TO '{tmp}/x.csv'",
        "ATTACH '{dir}/extra.duckdb' AS extra",
        "CREATE TABLE t AS SELECT * FROM runs",
        "INSERT INTO runs VALUES (1)",
        "DROP VIEW runs",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        "SELECT 1; SELECT 2",
        "",
    ],
)
def test_query_refuses_statements_that_write_or_reconfigure(
    results_dir: Path, tmp_path: Path, statement: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.stat().st_mtime_ns for p in results_dir.rglob("*") if p.is_file()}
    query = statement.format(dir=results_dir, tmp=tmp_path)
    assert main(["query", str(results_dir), query]) == 2
    printed = capsys.readouterr().err
    assert "Traceback" not in printed and "query" in printed
    assert "read-only" in printed and "one SELECT statement" in printed
    after = {p: p.stat().st_mtime_ns for p in results_dir.rglob("*") if p.is_file()}
    assert after == before and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_csv('/etc/passwd', sep = ':')",
        "SELECT * FROM read_parquet('{outside}')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM read_text('{dir}/../outside.txt')",
    ],
)
def test_query_cannot_read_outside_the_results_directory(
    results_dir: Path, query: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = results_dir.parent / "outside.parquet"
    pd.DataFrame({"secret": [1]}).to_parquet(outside)
    (results_dir.parent / "outside.txt").write_text("secret")
    text = query.format(outside=outside, dir=results_dir)
    assert main(["query", str(results_dir), text]) == 2
    printed = capsys.readouterr().err
    assert "Traceback" not in printed and "SQL error" in printed
    assert len(printed.strip().splitlines()) == 1
    with pytest.raises(InputError, match="disabled by configuration"):
        platsim.experiment.results.open(results_dir).df(text)


def test_query_statement_runs_once_with_csv(
    results_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    executed: list[str] = []
    original = duckdb.DuckDBPyConnection.sql

    def counting(connection: duckdb.DuckDBPyConnection, query: str, *args, **kwargs):
        executed.append(query)
        return original(connection, query, *args, **kwargs)

    monkeypatch.setattr(duckdb.DuckDBPyConnection, "sql", counting)
    query = "SELECT run_id FROM runs ORDER BY run_id"
    assert main(["query", str(results_dir), query, "--csv"]) == 0
    assert executed == [query]
    assert len(pd.read_csv(io.StringIO(capsys.readouterr().out))) == RUNS
