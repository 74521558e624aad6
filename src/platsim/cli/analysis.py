"""The ``platsim compare``, ``platsim report`` and ``platsim sensitivity`` commands.

Registered in :mod:`platsim.cli.app`. Bad input raises :class:`platsim.errors.InputError` (exit
code 2 through ``platsim.cli.app.main``). Runs not done ok are excluded and counted on standard
error.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from platsim.cli.console import err, out

if TYPE_CHECKING:
    import pandas as pd


class TableFormat(StrEnum):
    """Values of ``--format``."""

    table = "table"
    csv = "csv"
    markdown = "markdown"


AT_HELP = "Value of each run: end (last step), a step (60) or mean:START-END."


def _warn_failed(failed: list[str]) -> None:
    if failed:
        shown = ", ".join(failed[:5]) + (" ..." if len(failed) > 5 else "")
        err.print(
            f"warning: {len(failed)} run(s) not done ok excluded: {shown}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def _print_frame(frame: pd.DataFrame, fmt: TableFormat, title: str) -> None:
    from platsim.analysis.compare import to_markdown

    if fmt is TableFormat.csv:
        out.file.write(frame.to_csv(index=False))
    elif fmt is TableFormat.markdown:
        out.file.write(to_markdown(frame) + "\n")
    else:
        table = Table(title=title, title_justify="left")
        for column in frame.columns:
            table.add_column(
                str(column), justify="left" if frame[column].dtype == object else "right"
            )
        for row in frame.itertuples(index=False):
            table.add_row(*(str(value) for value in row))
        out.print(table)


def compare_command(
    directory: Annotated[Path, typer.Argument(help="Results directory of `platsim batch`.")],
    baseline: Annotated[
        str | None, typer.Option(help="Scenario to compare against (default: baseline).")
    ] = None,
    at: Annotated[str, typer.Option(help=AT_HELP)] = "end",
    outcome: Annotated[
        list[str] | None, typer.Option(help="Outcome to compare (repeat; default: all).")
    ] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = (
        TableFormat.table
    ),
    difference: Annotated[
        list[str] | None,
        typer.Option(
            help="OUTCOME=SIZE: the difference that matters; warns where the replications "
            "cannot tell it apart (repeat)."
        ),
    ] = None,
) -> None:
    """Compare every scenario with the baseline: means, paired differences, verdicts."""
    from platsim.analysis.compare import compare, display_table
    from platsim.analysis.replications import parse_sizes, too_wide

    sizes = parse_sizes(difference)
    table = compare(directory, baseline=baseline, at=at, outcomes=outcome)
    _warn_failed(table.attrs["failed"])
    for row in too_wide(table, sizes).itertuples(index=False):
        told = (
            f"tell apart differences of {row.detectable:.4g} or more (80% power)"
            if row.detectable == row.detectable  # not NaN
            else "cannot tell any difference (fewer than two)"
        )
        err.print(
            f"warning: {row.arm}, {row.outcome}: {row.pairs} paired replications {told}, "
            f"not {row.size:.4g}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if fmt is TableFormat.csv:
        _print_frame(table, fmt, "")
        return
    _print_frame(
        display_table(table),
        fmt,
        f"{directory}: scenarios against {table.attrs['baseline']} ({table.attrs['at']}; "
        "95% intervals over replications, differences paired by replication)",
    )


def replications_command(
    directory: Annotated[Path, typer.Argument(help="Results directory of `platsim batch`.")],
    at: Annotated[str, typer.Option(help=AT_HELP)] = "mean:24-120",
    outcome: Annotated[
        list[str] | None, typer.Option(help="Outcome (repeat; default: all).")
    ] = None,
    criterion: Annotated[
        float, typer.Option(help="Change of the coefficient of variation counted as stable.")
    ] = 0.01,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = (
        TableFormat.table
    ),
) -> None:
    """From how many replications each outcome's coefficient of variation is stable."""
    from platsim.analysis.replications import stabilisation

    table = stabilisation(directory, at=at, outcomes=outcome, criterion=criterion)
    shown = table.assign(
        cv=table["cv"].map(lambda v: f"{v:.4f}"),
        stable_from=[
            "n.a. (mean 0)" if cv != cv and n > 1 else "more needed" if v != v else str(int(v))
            for cv, v, n in zip(
                table["cv"], table["stable_from"], table["replications"], strict=True
            )
        ],
    )
    _print_frame(
        table if fmt is TableFormat.csv else shown,
        fmt,
        f"{directory}: coefficient of variation over replications ({at}; stable once every "
        f"further change is below {criterion}, Lorscheid et al. 2012)",
    )


def report_command(
    directory: Annotated[Path, typer.Argument(help="Results directory of `platsim batch`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path(
        "report.html"
    ),
    baseline: Annotated[
        str | None, typer.Option(help="Scenario to compare against (default: baseline).")
    ] = None,
    at: Annotated[str, typer.Option(help=AT_HELP)] = "end",
) -> None:
    """Write one self-contained HTML report (figures embedded) of a results directory."""
    from platsim.analysis.report import write_report

    info = write_report(directory, output, baseline=baseline, at=at)
    _warn_failed(info["failed"])
    out.print(f"wrote {output} ({info['bytes'] / 1e6:.1f} MB in {info['seconds']:.1f} s)")
    out.print(str(Path(output).resolve()), highlight=False, soft_wrap=True)


def sensitivity_command(
    directory: Annotated[Path, typer.Argument(help="Results directory of `platsim batch`.")],
    outcome: Annotated[str, typer.Option(help="Outcome to analyse (e.g. gini_income).")],
    at: Annotated[str, typer.Option(help=AT_HELP)] = "end",
    figure: Annotated[
        Path | None, typer.Option(help="Also write a bar chart of the indices (PNG).")
    ] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = (
        TableFormat.table
    ),
) -> None:
    """Sobol' indices (sobol designs) or Morris mu*/sigma (morris designs) of one outcome."""
    from platsim.analysis.sensitivity import sensitivity, sensitivity_figure

    result = sensitivity(directory, outcome, at=at)
    _warn_failed(result.failed)
    _print_frame(
        result.table.round(4),
        fmt,
        f"{directory}: {result.method} sensitivity of {outcome} ({result.at}; "
        f"{result.points} design points x {result.replications} replications averaged)",
    )
    if figure is not None:
        figure.write_bytes(sensitivity_figure(result))
        out.print(f"wrote {figure}")
