"""Query a batch's results directory with SQL (DuckDB) or pandas.

:func:`open` returns a :class:`Results` whose DuckDB connection has five views over the
directory's Parquet files:

- ``runs``: one row per run (run_id, scenario, design_point, replication, seed, one column
  per varied parameter named by its dotted path, status, error, traceback, wall_seconds);
- ``metrics``: run_id, step and every outcome, all runs;
- ``panel``: run_id and the municipal panel rows, all runs;
- ``platforms``: run_id and the platform table rows, all runs;
- ``lorenz``: run_id, step, population_share, income_share: the Lorenz curve of household
  income at 21 population shares, at the panel steps and the last step, all runs (empty for
  a directory written before these files existed).

A parameter column's name holds dots, so quote it in SQL: ``"data.share"``.

    >>> import platsim
    >>> results = platsim.open_results("results/data_sharing_sweep")      # doctest: +SKIP
    >>> results.df('''
    ...     SELECT r."data.regime", r."data.share", avg(m.gini_income) AS gini
    ...     FROM metrics m JOIN runs r USING (run_id)
    ...     WHERE m.step = 120 AND r.status = 'ok'
    ...     GROUP BY ALL ORDER BY ALL''')                                  # doctest: +SKIP

The connection is read-only: after the views are made, DuckDB's external access is turned off
(files outside the results directory, the network and extensions are out of reach) and its
configuration locked; :meth:`Results.sql` runs one ``SELECT`` (or ``EXPLAIN``) statement and
refuses the others (``COPY``, ``ATTACH``, ``CREATE``, ``INSERT``, ...). Opening checks that the
data files of every run recorded as done are there with the size recorded in its status file,
and refuses the directory, naming the runs, when one is missing or damaged.

The views read the files when a query runs; files of runs written after the views were made
are included, but a view that was empty (no file yet) stays empty until the directory is
opened again. While a batch runs, ``runs.parquet`` is refreshed every few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from platsim.errors import InputError
from platsim.experiment.files import (
    DATA_KINDS,
    RUNS_FILE,
    STATUS_DIR,
    check_problem,
    data_path,
    read_manifest,
)

#: The views, and the per-run folder each reads (None: the single file runs.parquet).
VIEWS: dict[str, str | None] = {"runs": None, **{kind: kind for kind in DATA_KINDS}}

#: Extra columns of a view whose folder holds no file yet (beyond run_id and step).
EMPTY_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "lorenz": (("population_share", "DOUBLE"), ("income_share", "DOUBLE")),
}


#: Statement types :meth:`Results.sql` runs (all others may write or reconfigure).
READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})

#: Damaged runs named in an error message (the count says how many more).
SHOWN_RUNS = 5


def _first_line(error: BaseException) -> str:
    """DuckDB's message without the query excerpt it appends on later lines."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def damaged_runs(directory: str | Path, *, digest: bool = False) -> list[tuple[str, str]]:
    """Runs whose status file says ok but whose data files are missing or damaged.

    Args:
        directory: A results directory.
        digest: Compare each file's SHA-256 too (reads every file); else sizes only.

    Returns:
        ``(run_id, "metrics: missing")`` pairs in run id order. A status file from a platsim
        that recorded no sizes is checked for the files' presence only; an unreadable status
        file is not a done run (``--resume`` makes it again) and is not listed.
    """
    directory = Path(directory)
    found = []
    for path in sorted((directory / STATUS_DIR).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("status") != "ok":
                continue
            run_id = str(record["run_id"])
            kinds = [str(kind) for kind in record.get("files") or ()]
            checks = record.get("checks") or {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        for kind in kinds:
            problem = check_problem(
                data_path(directory, kind, run_id), checks.get(kind), digest=digest
            )
            if problem:
                found.append((run_id, f"{kind}: {problem}"))
                break
    return found


def describe_runs(runs: list[tuple[str, str]]) -> str:
    """``a_p0_r1 (metrics: missing), ... and 3 more``: the first :data:`SHOWN_RUNS` runs."""
    shown = ", ".join(f"{run_id} ({problem})" for run_id, problem in runs[:SHOWN_RUNS])
    more = len(runs) - SHOWN_RUNS
    return shown + (f" and {more:,} more" if more > 0 else "")


class Results:
    """A results directory opened for queries.

    Attributes:
        directory: The results directory.
        connection: The DuckDB connection holding the views (in memory; nothing is written;
            no file outside ``directory`` readable, configuration locked).
        manifest: The directory's manifest.json.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.manifest: dict[str, Any] = read_manifest(self.directory)
        damaged = damaged_runs(self.directory)
        if damaged:
            experiment = self.manifest.get("experiment_file") or "EXPERIMENT.yaml"
            raise InputError(
                f"{len(damaged):,} run(s) recorded as done have missing or damaged data files: "
                f"{describe_runs(damaged)}",
                file=self.directory,
                allowed=f"complete results; remake those runs with "
                f"`platsim batch {experiment} --out {self.directory} --resume`",
            )
        self.connection = duckdb.connect(":memory:")
        try:
            for view, folder in VIEWS.items():
                self.connection.execute(f"CREATE VIEW {view} AS {self._source(view, folder)}")
            self._lock_down()
        except duckdb.Error as error:
            self.connection.close()
            raise InputError(
                f"cannot read the results ({_first_line(error)})",
                file=self.directory,
                allowed="a results directory written by `platsim batch` (`--resume` remakes "
                "its damaged files)",
            ) from None
        except BaseException:
            self.connection.close()
            raise

    def _lock_down(self) -> None:
        """No file outside the directory, no network, no extension, no configuration change."""
        root = str(self.directory.resolve())
        self.connection.execute(f"SET allowed_directories = [{_quote(root + '/')}]")
        self.connection.execute("SET autoinstall_known_extensions = false")
        self.connection.execute("SET autoload_known_extensions = false")
        self.connection.execute("SET enable_external_access = false")
        self.connection.execute("SET lock_configuration = true")

    def _source(self, view: str, folder: str | None) -> str:
        if folder is None:
            path = self.directory.resolve() / RUNS_FILE
            if not path.is_file():
                raise InputError(
                    f"no {RUNS_FILE}: the batch that made this directory stopped before "
                    "recording its runs",
                    file=self.directory,
                    allowed="a complete results directory; `platsim batch ... --resume` "
                    "completes this one",
                )
            return f"SELECT * FROM read_parquet({_quote(str(path))})"
        if any((self.directory / folder).glob("*.parquet")):
            pattern = str(self.directory.resolve() / folder / "*.parquet")
            return f"SELECT * FROM read_parquet({_quote(pattern)}, union_by_name = true)"
        extra = "".join(
            f", CAST(NULL AS {kind}) AS {name}" for name, kind in EMPTY_COLUMNS.get(view, ())
        )
        return (
            f"SELECT CAST(NULL AS VARCHAR) AS run_id, CAST(NULL AS BIGINT) AS step{extra} "
            "WHERE false"
        )

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """Run one SQL query over the views; return the DuckDB relation (lazy).

        Raises:
            InputError: The query is invalid (the message is DuckDB's), is not one statement,
                or is a statement that is not a ``SELECT`` (or ``EXPLAIN``).
        """
        try:
            statements = duckdb.extract_statements(query)
        except duckdb.Error as error:
            raise InputError(
                f"SQL error: {_first_line(error)}", field="query", value=query
            ) from None
        kinds = [str(statement.type).rpartition(".")[2] for statement in statements]
        if len(kinds) != 1 or kinds[0] not in READ_STATEMENTS:
            found = ", ".join(kinds) if kinds else "no statement"
            raise InputError(
                f"results are read-only: cannot run {found}",
                field="query",
                value=query,
                allowed="one SELECT statement (WITH, FROM, DESCRIBE, SUMMARIZE, EXPLAIN too)",
            )
        try:
            relation = self.connection.sql(query)
        except duckdb.Error as error:
            raise InputError(
                f"SQL error: {_first_line(error)}", field="query", value=query
            ) from None
        if relation is None:
            raise InputError(
                "the statement returns no rows", field="query", value=query, allowed="a query"
            )
        return relation

    def df(self, query: str) -> pd.DataFrame:
        """Run a SQL query over the views; return a pandas DataFrame."""
        try:
            return self.sql(query).df()
        except duckdb.Error as error:
            raise InputError(
                f"SQL error: {_first_line(error)}", field="query", value=query
            ) from None

    @property
    def runs(self) -> duckdb.DuckDBPyRelation:
        """The ``runs`` view as a relation (``results.runs.df()`` for pandas)."""
        return self.connection.table("runs")

    @property
    def metrics(self) -> duckdb.DuckDBPyRelation:
        """The ``metrics`` view as a relation."""
        return self.connection.table("metrics")

    @property
    def panel(self) -> duckdb.DuckDBPyRelation:
        """The ``panel`` view as a relation."""
        return self.connection.table("panel")

    @property
    def platforms(self) -> duckdb.DuckDBPyRelation:
        """The ``platforms`` view as a relation."""
        return self.connection.table("platforms")

    @property
    def lorenz(self) -> duckdb.DuckDBPyRelation:
        """The ``lorenz`` view as a relation."""
        return self.connection.table("lorenz")

    def close(self) -> None:
        """Close the DuckDB connection."""
        self.connection.close()

    def __enter__(self) -> Results:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def open(directory: str | Path) -> Results:
    """Open a batch results directory for queries (see :class:`Results`).

    Raises:
        InputError: Not a results directory; no ``runs.parquet``; a run recorded as done
            has a missing data file or one whose size differs from its status file's record
            (naming the runs); or DuckDB cannot read a file.
    """
    return Results(directory)
