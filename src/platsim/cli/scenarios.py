"""The ``platsim run``, ``platsim validate`` and ``platsim scenarios`` commands: one scenario
run, scenario files checked, the bundled scenarios listed (registered in
:mod:`platsim.cli.app`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from platsim.cli.console import err, out
from platsim.errors import InputError

KEY_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("unemployment_rate", "{:.1%}"),
    ("employment_rate", "{:.1%}"),
    ("vacancy_rate", "{:.1%}"),
    ("mean_wage", "{:,.0f}"),
    ("gini_income", "{:.3f}"),
    ("theil_municipal", "{:.4f}"),
    ("rural_urban_income_ratio", "{:.3f}"),
    ("rural_service_access", "{:.3f}"),
    ("firms", "{:,.0f}"),
    ("digital_adoption", "{:.1%}"),
    ("hhi", "{:,.0f}"),
    ("leakage_share", "{:.1%}"),
    ("platform_work_share", "{:.1%}"),
    ("platform_pay_ratio", "{:.2f}"),
)


def parse_assignments(assignments: list[str] | None) -> dict[str, Any]:
    """Parse ``--set section.name=value`` options (values read as YAML scalars)."""
    parsed: dict[str, Any] = {}
    for item in assignments or []:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise InputError(
                "expected PATH=VALUE",
                field="--set",
                value=item,
                allowed="e.g. --set economy.matching_efficiency=0.3",
            )
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputError("value is not valid YAML", field="--set", value=item) from None
        parsed[path.strip()] = value
    return parsed


def key_outcome_table(metrics, steps: list[int], title: str) -> Table:
    """A small table of key outcomes at the given steps."""
    table = Table(title=title, title_justify="left")
    table.add_column("outcome")
    for step in steps:
        table.add_column(f"step {step}", justify="right")
    rows = metrics.set_index("step")
    for name, fmt in KEY_OUTCOMES:
        if name in rows.columns:
            values = [rows.at[step, name] for step in steps]
            table.add_row(name, *("–" if value != value else fmt.format(value) for value in values))
    return table


def default_run_directory(name: str, seed: int) -> Path:
    """``runs/<name>-seed<N>`` under the working folder, whatever the scenario's name: it is
    cleaned as ``batch`` cleans run ids (:func:`platsim.schema.safe_name`), so no '/', '..',
    absolute path or NUL can take the folder elsewhere."""
    from platsim.schema import safe_name

    return Path("runs") / f"{safe_name(name)}-seed{seed}"


def run_command(
    scenario: Annotated[str, typer.Argument(help="Scenario YAML file, or a bundled name.")],
    seed: Annotated[int, typer.Option(help="Seed of the run (same seed, same run).", min=0)] = 1,
    steps: Annotated[
        int | None, typer.Option(help="Number of monthly steps (default: the scenario's).", min=1)
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (default: runs/<scenario>-seed<N> in the working folder, the "
            "scenario's name cleaned to letters, digits, '_', '.' and '-').",
        ),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: --set economy.local_share=0.6"),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar and no table.")] = False,
) -> None:
    """Run one scenario; write metrics, municipalities, platforms, lorenz (.parquet), run.json."""
    from platsim.output import prepare_directory
    from platsim.schema import load_scenario
    from platsim.simulation import run

    loaded = load_scenario(scenario, parse_assignments(assignments), overrides_origin="--set")
    if loaded.territory.resolved_source == "insee":  # codes checked before anything is built
        from platsim.experiment.spec import check_territory_file

        check_territory_file(loaded)
    total = steps or loaded.simulation.steps
    directory = prepare_directory(out_dir or default_run_directory(loaded.name, seed))
    show_progress = out.is_terminal and not quiet
    if show_progress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        progress = Progress(
            TextColumn(f"[bold]{escape(loaded.name)}[/] seed {seed}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=out,
            transient=True,
        )
        with progress:
            task = progress.add_task("run", total=total)
            outputs = run(loaded, seed, steps, on_step=lambda _: progress.advance(task))
    else:
        outputs = run(loaded, seed, steps)
    paths = outputs.save(directory)
    if not quiet:
        policy_start = loaded.simulation.policy_start
        shown = sorted({0, min(policy_start, total), total})
        out.print(
            key_outcome_table(
                outputs.metrics,
                shown,
                f"{escape(loaded.name)}, seed {seed}: key outcomes "
                f"(policies start at step {policy_start})",
            )
        )
        out.print(
            f"{outputs.info['workers']:,} workers, {outputs.info['municipalities']:,} "
            f"municipalities, {total} steps in {outputs.info['wall_seconds']:.2f} s"
        )
    for path in paths.values():
        out.print(f"wrote {path}")


def validate_command(
    files: Annotated[list[str], typer.Argument(help="Scenario files (or bundled names).")],
) -> None:
    """Check scenario files (and the territory file each names); exit code 2 if any is
    invalid."""
    from platsim.experiment.spec import check_territory_file
    from platsim.schema import load_scenario

    failed = 0
    for name in files:
        try:
            scenario = load_scenario(name)
            check_territory_file(scenario)
        except InputError as error:
            failed += 1
            err.print("[red]invalid[/]: ", end="")
            err.print(error.message(), highlight=False, markup=False, soft_wrap=True)
        else:
            out.print(
                f"[green]ok[/]: {escape(name)} ({escape(scenario.name)}, "
                f"hash {scenario.hash()[:12]})",
                highlight=False,
                soft_wrap=True,
            )
    if failed:
        raise typer.Exit(2)


def scenarios_command() -> None:
    """List the bundled scenarios and real territories with their one-line description."""
    from platsim.schema import bundled_scenarios, bundled_territories, load_scenario

    for title, names in (
        ("Bundled scenarios (use the name or the path)", bundled_scenarios()),
        ("Bundled real territories (INSEE communes, the baseline's rules)", bundled_territories()),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("name")
        table.add_column("description")
        for name in names:
            table.add_row(name, load_scenario(name).description)
        out.print(table)
