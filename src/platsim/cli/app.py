"""The ``platsim`` command line: the one place that builds the app and registers its commands.

Every user mistake (bad scenario, bad value, unwritable folder) ends with one clear line on
standard error and exit code 2, never a traceback: commands raise
:class:`platsim.errors.InputError` and :func:`main` turns it into that line. Importing this
module is cheap: each command loads what it needs when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from platsim import __version__
from platsim.cli import analysis, batch, patterns, scenarios, viz
from platsim.cli.console import err, out, say
from platsim.errors import InputError

app = typer.Typer(
    name="platsim",
    help="Simulate how digital platforms change territories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Every command, in the order ``platsim --help`` lists them.
COMMANDS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("run", scenarios.run_command),
    ("validate", scenarios.validate_command),
    ("scenarios", scenarios.scenarios_command),
    ("batch", batch.batch_command),
    ("query", batch.query_command),
    ("viz", viz.viz_command),
    ("compare", analysis.compare_command),
    ("replications", analysis.replications_command),
    ("report", analysis.report_command),
    ("sensitivity", analysis.sensitivity_command),
    ("patterns", patterns.patterns_command),
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)


def _version(value: bool) -> None:
    if value:
        out.print(f"platsim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Simulate how digital platforms change territories."""


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the app, turning input errors into exit code 2."""
    try:
        app(args=argv, prog_name="platsim", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except InputError as error:
        say(err, f"error: {error.message()}")
        return 2
    return 0
