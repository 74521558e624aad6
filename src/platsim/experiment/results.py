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

The views read the files when a query runs; files of runs written after the views were made
are included, but a view that was empty (no file yet) stays empty until the directory is
opened again. While a batch runs, ``runs.parquet`` is refreshed every few seconds.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from platsim.errors import InputError
from platsim.experiment.files import DATA_KINDS, RUNS_FILE, read_manifest

#: The views, and the per-run folder each reads (None: the single file runs.parquet).
VIEWS: dict[str, str | None] = {"runs": None, **{kind: kind for kind in DATA_KINDS}}

#: Extra columns of a view whose folder holds no file yet (beyond run_id and step).
EMPTY_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "lorenz": (("population_share", "DOUBLE"), ("income_share", "DOUBLE")),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Results:
    """A results directory opened for queries.

    Attributes:
        directory: The results directory.
        connection: The DuckDB connection holding the views (in memory; nothing is written).
        manifest: The directory's manifest.json.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.manifest: dict[str, Any] = read_manifest(self.directory)
        self.connection = duckdb.connect(":memory:")
        for view, folder in VIEWS.items():
            self.connection.execute(f"CREATE VIEW {view} AS {self._source(view, folder)}")

    def _source(self, view: str, folder: str | None) -> str:
        if folder is None:
            path = self.directory / RUNS_FILE
            if not path.is_file():
                raise InputError(f"no {RUNS_FILE} yet", file=self.directory, field="runs")
            return f"SELECT * FROM read_parquet({_quote(str(path))})"
        if any((self.directory / folder).glob("*.parquet")):
            pattern = str(self.directory / folder / "*.parquet")
            return f"SELECT * FROM read_parquet({_quote(pattern)}, union_by_name = true)"
        extra = "".join(
            f", CAST(NULL AS {kind}) AS {name}" for name, kind in EMPTY_COLUMNS.get(view, ())
        )
        return (
            f"SELECT CAST(NULL AS VARCHAR) AS run_id, CAST(NULL AS BIGINT) AS step{extra} "
            "WHERE false"
        )

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """Run a SQL query over the views; return the DuckDB relation (lazy).

        Raises:
            InputError: The query is invalid (the message is DuckDB's).
        """
        try:
            relation = self.connection.sql(query)
        except duckdb.Error as error:
            raise InputError(f"SQL error: {error}", field="query", value=query) from None
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
            raise InputError(f"SQL error: {error}", field="query", value=query) from None

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
        InputError: Not a results directory.
    """
    return Results(directory)
