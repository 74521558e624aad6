"""The ``platsim patterns`` command: replicated runs of a scenario measured against France's
stylised facts (registered in :mod:`platsim.cli.app`).

The runs are a ``platsim batch`` experiment written to a temporary folder (seeds from
``SeedSequence`` as every batch's); :func:`platsim.analysis.patterns.pattern_table` turns
their metrics into the table. Exit code 0 when every pattern holds, 1 otherwise (or when a
run failed), 2 for bad input (:class:`platsim.errors.InputError`).
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from platsim.cli.batch import _one_blas_thread
from platsim.cli.console import err, out, say
from platsim.cli.scenarios import parse_assignments
from platsim.errors import InputError
from platsim.output import write_csv


def _shown(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{value:.4g}"


def patterns_command(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="Scenario YAML file or bundled name (default: france at 200 inhabitants per "
            "agent)."
        ),
    ] = None,
    replications: Annotated[int | None, typer.Option(help="Replications (default 4).", min=1)] = (
        None
    ),
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: all cores).", min=1)
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also write the table as CSV.")
    ] = None,
    patterns_file: Annotated[
        Path | None,
        typer.Option("--patterns", help="Pattern file (default: the bundled France patterns)."),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(help="Monthly steps (default: the scenario's).", min=1)
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Experiment seed.", min=0)] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: --set economy.local_share=0.6"),
    ] = None,
) -> None:
    """Measure a scenario's runs against France's stylised facts; exit 1 if any fails."""
    _one_blas_thread()
    import yaml

    from platsim.analysis import patterns as pt
    from platsim.experiment.progress import make_progress
    from platsim.experiment.results import open as open_results
    from platsim.experiment.runner import run_batch
    from platsim.experiment.spec import check_territory_file, load_experiment
    from platsim.schema import load_scenario

    patterns = pt.load_patterns(patterns_file)
    overrides = dict(pt.DEFAULT_OVERRIDES) if scenario is None else {}
    overrides.update(parse_assignments(assignments))
    name = scenario or pt.DEFAULT_SCENARIO
    loaded = load_scenario(name, overrides, overrides_origin="--set")
    check_territory_file(loaded)
    total = steps or loaded.simulation.steps
    pt.check_windows(patterns, total, patterns_file)
    if out_file is not None and not out_file.parent.is_dir():
        raise InputError(
            "its folder does not exist",
            file=out_file,
            field="--out",
            allowed="a CSV file in an existing folder",
        )
    entry = str(Path(name).resolve()) if Path(name).is_file() else name
    experiment = {
        "name": "patterns",
        "scenarios": [entry],
        "replications": replications or pt.DEFAULT_REPLICATIONS,
        "steps": total,
        "seed": pt.DEFAULT_SEED if seed is None else seed,
        "overrides": overrides,
        "outputs": {"panel_every": 0, "platforms": False},
    }
    say(
        err,
        f"patterns: {loaded.name} ({', '.join(f'{k}={v}' for k, v in overrides.items()) or 'as is'}"
        f"), {experiment['replications']} replication(s) of {total} steps",
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="platsim-patterns-") as folder:
        file = Path(folder) / "patterns.yaml"
        file.write_text(yaml.safe_dump(experiment, sort_keys=False))
        report = run_batch(
            load_experiment(file),
            Path(folder) / "results",
            executor="local" if workers == 1 else "process",
            workers=workers,
            progress=make_progress(err),
        )
        with open_results(report.directory) as results:
            metrics = results.df(
                "SELECT m.* FROM metrics m JOIN runs r USING (run_id) WHERE r.status = 'ok' "
                "ORDER BY run_id, step"
            )
    seconds = time.monotonic() - started
    for run_id, error in report.failures:
        say(err, f"warning: run {run_id} failed and is left out: {error}")
    runs = pt.runs_from_metrics(metrics)
    table = pt.pattern_table(runs.values(), patterns)
    if out_file is not None:
        try:
            write_csv(table, out_file)
        except OSError as error:
            raise InputError(
                f"cannot be written ({error.strerror})", file=out_file, field="--out"
            ) from None

    shown = Table(
        title=f"{escape(loaded.name)}: {len(runs)} run(s) of {total} steps against "
        f"{escape(str(patterns_file or 'the bundled France patterns'))} (mean over runs, "
        "95% t-interval)",
        title_justify="left",
    )
    for column in ("pattern", "target", "tolerance", "measured", "95% interval", "result"):
        shown.add_column(column, justify="left" if column == "pattern" else "right")
    for row in table.itertuples(index=False):
        shown.add_row(
            escape(row.pattern),
            _shown(row.target),
            f"± {_shown(row.tolerance)}",
            _shown(row.measured),
            f"[{_shown(row.low)}, {_shown(row.high)}]",
            "[green]pass[/]" if row.passed else "[red]FAIL[/]",
        )
    out.print(shown)
    passed = int(table["passed"].sum())
    say(out, f"{passed} of {len(table)} patterns hold; {len(runs)} runs in {seconds:.0f} s")
    if out_file is not None:
        say(out, f"wrote {out_file}")
    if passed < len(table) or report.failed or not runs:
        raise typer.Exit(1)
