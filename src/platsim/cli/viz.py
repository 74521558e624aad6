"""``platsim viz``: serve the teaching app (Mesa's SolaraViz) on the loopback interface.

The scenario is checked before anything starts, so a bad file ends like every other command:
the message on standard error and exit code 2. The app itself is served by Solara
(``python -m solara run platsim.viz.app``) in a child process that reads the scenario and seed
from environment variables; it needs the ``viz`` extra, whose pinned Solara ships its
JavaScript (``solara[assets]``), so the page works without internet.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
from typing import Annotated

import typer

from platsim.errors import InputError

#: The app is only served on the loopback interface.
HOST = "127.0.0.1"
DEFAULT_PORT = 8765
VIZ_MODULES = ("solara", "mesa.visualization", "ipyvuetify")


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a TCP server could listen on ``host:port`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def missing_viz_modules() -> list[str]:
    """The modules of the ``viz`` extra that cannot be imported here."""
    missing = []
    for name in VIZ_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


def server_command(port: int, *, open_browser: bool = False) -> list[str]:
    """The command line that serves the app (Solara in production mode, no update check)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "platsim.viz.app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--production",
        "--open" if open_browser else "--no-open",
        "--no-check-version",
        "--log-level",
        "warning",
    ]


def server_environment(scenario: str, seed: int) -> dict[str, str]:
    """The environment of the server: scenario, seed, and no telemetry (works offline)."""
    env = dict(os.environ)
    env["PLATSIM_VIZ_SCENARIO"] = scenario
    env["PLATSIM_VIZ_SEED"] = str(seed)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    # Solara warns on every page load that the loopback address is not "localhost" (it then
    # uses the right cookie policy anyway): keep the teacher's terminal quiet.
    quiet = "ignore:Cookies with samesite=none require https"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet]))
    return env


def viz_command(
    scenario: Annotated[
        str, typer.Argument(help="Scenario YAML file, or a bundled name.")
    ] = "baseline",
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1 to serve the app on.", min=1, max=65535)
    ] = DEFAULT_PORT,
    seed: Annotated[int, typer.Option(help="Seed of the app's models.", min=0)] = 1,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a web browser.")
    ] = False,
) -> None:
    """Serve the interactive app (map, plots, levers) on http://127.0.0.1:PORT."""
    from platsim.schema import load_scenario, resolve_scenario_path

    loaded = load_scenario(scenario)  # an InputError here: message and exit 2, no server
    missing = missing_viz_modules()
    if missing:
        raise InputError(
            "the app needs the viz extra (missing: " + ", ".join(missing) + ")",
            field="platsim viz",
            allowed='pip install "platsim[viz]"',
        )
    if not port_is_free(port):
        raise InputError("port already in use", field="--port", value=port, allowed="a free port")
    path = resolve_scenario_path(scenario).resolve()
    command = server_command(port, open_browser=open_browser)
    typer.echo(
        f"platsim viz: {loaded.name} (seed {seed}) at http://{HOST}:{port}/ "
        "(Ctrl+C stops the server)",
        err=True,
    )
    process = subprocess.Popen(command, env=server_environment(str(path), seed))

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        code = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            process.kill()
            process.wait()
    if code:
        raise typer.Exit(code)
