"""The ``platsim batch`` and ``platsim query`` commands (registered in :mod:`platsim.cli.app`).

``platsim batch EXPERIMENT.yaml [--out DIR] [--workers N] [--executor local|process|dask]
[--scheduler ADDRESS] [--resume] [--quiet]`` runs an experiment; ``platsim query DIR "SQL"``
prints the result of a DuckDB query over its results. Bad input raises
:class:`platsim.errors.InputError` (exit code 2 through ``platsim.cli.app.main``); a batch with a
failed run exits with code 1, an interrupted one with 130 (SIGINT) or 143 (SIGTERM).

Importing this module is cheap: the experiment machinery loads when a command runs.
"""

from __future__ import annotations

import os
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from platsim.cli.console import err, out, say
from platsim.experiment.executors import EXECUTORS

#: Values of ``--executor``: the executors' names.
ExecutorName = StrEnum("ExecutorName", {name: name for name in EXECUTORS})


def _one_blas_thread() -> None:
    """Run models with one BLAS/OpenMP thread in this process too (before numpy loads).

    Worker processes get one thread each; setting the same here makes ``--executor local``
    give bit-identical results (multi-threaded BLAS reductions can round differently).
    """
    if "numpy" in sys.modules:
        return
    from platsim.experiment.executors.process import THREAD_VARIABLES

    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))


def batch_command(
    experiment: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results directory (default: results/<experiment name>)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes (default: all cores).", min=1),
    ] = None,
    executor: Annotated[
        ExecutorName | None,
        typer.Option(help="Where runs run (default: process; dask with --scheduler)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(help="Complete the results in --out: make only missing and failed runs."),
    ] = False,
    quiet: Annotated[
        bool, typer.Option(help="Plain progress lines instead of a live progress bar.")
    ] = False,
) -> None:
    """Run an experiment: replicated runs of scenarios over a design, results as Parquet."""
    _one_blas_thread()
    from platsim.experiment.progress import make_progress
    from platsim.experiment.runner import default_directory, run_batch
    from platsim.experiment.spec import load_experiment

    loaded = load_experiment(experiment)
    directory = out_dir or default_directory(loaded)
    name = (executor.value if executor else None) or ("dask" if scheduler else "process")
    progress = make_progress(out, quiet=quiet)
    say(out, loaded.describe())
    try:
        report = run_batch(
            loaded,
            directory,
            executor=name,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            progress=progress,
        )
    except KeyboardInterrupt as interrupt:
        number = getattr(interrupt, "signal_number", signal.SIGINT)
        say(
            err,
            f"interrupted ({signal.Signals(number).name}); the results in {directory} are "
            f"consistent. Complete them with:\n"
            f"  platsim batch {experiment} --out {directory} --resume",
        )
        raise typer.Exit(128 + number) from None
    if report.damaged:
        shown = ", ".join(f"{run_id} ({problem})" for run_id, problem in report.damaged[:5])
        more = f" and {len(report.damaged) - 5:,} more" if len(report.damaged) > 5 else ""
        say(
            err,
            f"resume: {len(report.damaged):,} run(s) recorded as done had missing or damaged "
            f"data files and were made again: {shown}{more}",
        )
    already = f", {report.skipped:,} were done before" if report.skipped else ""
    say(
        out,
        f"{report.name}: {report.ok:,} ok, {report.failed:,} failed of {report.total:,} runs; "
        f"{report.made:,} made in {report.wall_seconds:.1f} s on {report.executor}{already}",
    )
    say(out, f"results in {directory}")
    if report.failures:
        table = Table(title="Failed runs", title_justify="left")
        table.add_column("run_id")
        table.add_column("error", overflow="fold")
        for run_id, error in report.failures:
            table.add_row(run_id, error)
        out.print(table)
        if report.failed > len(report.failures):
            say(out, f"... and {report.failed - len(report.failures):,} more")
        say(
            out,
            f'tracebacks: platsim query {directory} "SELECT run_id, traceback FROM runs WHERE '
            "status = 'failed'\"",
        )
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def query_command(
    directory: Annotated[Path, typer.Argument(help="Results directory of a batch.")],
    query: Annotated[
        str,
        typer.Argument(help="SQL over the views runs, metrics, panel, platforms and lorenz."),
    ],
    max_rows: Annotated[int, typer.Option(help="Rows shown in the table.", min=1)] = 100,
    csv: Annotated[bool, typer.Option("--csv", help="Print every row as CSV instead.")] = False,
) -> None:
    """Query a batch's results with DuckDB SQL (views runs, metrics, panel, platforms, lorenz)."""
    import duckdb

    from platsim.errors import InputError
    from platsim.experiment import results

    with results.open(directory) as opened:
        relation = opened.sql(query)  # lazy: the statement runs once, when rows are fetched
        try:
            if csv:
                relation.df().to_csv(sys.stdout, index=False)
                return
            columns = list(relation.columns)
            rows = relation.limit(max_rows + 1).fetchall()
        except duckdb.Error as error:
            message = (str(error).strip().splitlines() or ["?"])[0]
            raise InputError(f"SQL error: {message}", field="query", value=query) from None
        table = Table(title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows[:max_rows]:
            table.add_row(*(_cell(value) for value in row))
        out.print(table)
        if len(rows) > max_rows:
            say(out, f"first {max_rows} rows shown (--max-rows N for more, --csv for all)")
        else:
            say(out, f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
