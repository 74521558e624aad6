"""The interactive app: Mesa's SolaraViz page of a territory, its plots and its levers.

Served by ``platsim viz [SCENARIO] [--port N]`` (which runs ``solara run platsim.viz.app``):
Solara imports this module once and renders :func:`Page` for every browser session, so every
session builds its own :class:`~platsim.core.model.TerritoryModel`. The scenario comes from the
environment variable :data:`SCENARIO_ENV` (a bundled name or a YAML path; default
``baseline``) and the seed from :data:`SEED_ENV` (default 1).

The page is Mesa's ``SolaraViz``: Step / Play / Reset in the sidebar with the step counter,
the territory map and the outcome plots in the main area; the levers of
:mod:`platsim.viz.levers` sit in their own sidebar card. Moving a lever rebuilds the model
with it (same scenario and seed: the run restarts at step 0); Reset rebuilds it with the
current levers and the seed set in Mesa's "Model Parameters" card. A scenario file with
errors shows the same message as the command line.

In a notebook, the same app displays as the value of a cell::

    from platsim.viz.app import TerritoryApp
    TerritoryApp("open_data")          # a bundled name or a YAML path; seed=1 by default
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update

from platsim.core.model import TerritoryModel
from platsim.errors import InputError
from platsim.schema import Scenario, load_scenario, resolve_scenario
from platsim.viz.components import InputErrorPage, LeverPanel, OutcomePlots, TerritoryMap
from platsim.viz.levers import Lever, check_levers, scenario_levers

#: Environment variable naming the scenario the served app opens.
SCENARIO_ENV = "PLATSIM_VIZ_SCENARIO"
#: Environment variable holding the seed of the served app's models.
SEED_ENV = "PLATSIM_VIZ_SEED"

#: Components laid out by SolaraViz on its first page: the map, then the plots.
COMPONENTS = [(TerritoryMap, 0), (OutcomePlots, 0)]

#: Largest seed on the seed slider (unless the app was started with a larger one).
MAX_SEED = 99

#: Milliseconds between steps when playing.
PLAY_INTERVAL_MS = 150


class AppModel(TerritoryModel):
    """The model the app builds: :class:`TerritoryModel` that remembers its levers.

    Reset rebuilds it with ``scenario``, ``seed`` and ``overrides``; ``changed_levers`` tells
    the page which parameters differ from the scenario file's.
    """

    def __init__(
        self,
        *,
        scenario: Scenario | str | Path | None = None,
        seed: int | None = None,
        steps: int | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scenario=scenario, seed=seed, steps=steps, overrides=overrides)
        self.base_scenario = resolve_scenario(scenario)
        self.lever_values: dict[str, Any] = dict(overrides or {})

    def changed_levers(self) -> dict[str, Any]:
        """Parameters this model runs with that differ from its scenario file's."""
        return {
            path: self.scenario.get(path)
            for path in self.lever_values
            if self.scenario.get(path) != self.base_scenario.get(path)
        }


def load_app_scenario(scenario: str | Path | Scenario | None) -> Scenario:
    """Load the scenario the app opens (None: the baseline).

    Raises:
        InputError: The file is missing or invalid (the message is what the CLI prints).
    """
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario or "baseline")


def _try_load(scenario: str | Path | Scenario | None) -> Scenario | InputError:
    try:
        return load_app_scenario(scenario)
    except InputError as error:
        return error


def environment_settings() -> tuple[str, int]:
    """The scenario and seed the served app opens, from :data:`SCENARIO_ENV` and :data:`SEED_ENV`.

    A seed that is not a whole number falls back to 1 (``platsim viz`` checks it first).
    """
    scenario = os.environ.get(SCENARIO_ENV, "").strip() or "baseline"
    try:
        seed = int(os.environ.get(SEED_ENV, "1"))
    except ValueError:
        seed = 1
    return scenario, seed


@solara.component
def TerritoryApp(scenario: str | Path | Scenario | None = None, seed: int = 1) -> solara.Element:
    """The whole app for one scenario: a model of its own, levers, map, plots and controls.

    Args:
        scenario: A bundled scenario name, a YAML path, a Scenario, or None (baseline).
        seed: Seed of every model the app builds.
    """
    loaded = solara.use_memo(lambda: _try_load(scenario), [str(scenario)])
    if isinstance(loaded, InputError):
        return InputErrorPage(loaded.message(), str(scenario or "baseline"))
    # a new scenario or seed is a new app (fresh levers and model), not an update of this one
    return ScenarioApp(loaded, seed).key(f"{loaded.hash()}-{seed}")


@solara.component
def ScenarioApp(scenario: Scenario, seed: int) -> solara.Element:
    """SolaraViz of a valid scenario, with the lever card (see :func:`TerritoryApp`)."""
    levers = solara.use_memo(lambda: scenario_levers(scenario), [])
    # One mutable dict per session, given to SolaraViz as the fixed ``overrides`` argument,
    # so that its Reset button rebuilds the model with the current lever values.
    overrides: dict[str, Any] = solara.use_memo(
        lambda: {lever.path: lever.value for lever in levers}, []
    )
    first = solara.use_memo(
        lambda: AppModel(scenario=scenario, seed=seed, overrides=dict(overrides)), []
    )
    model = solara.use_reactive(first)
    values = solara.use_reactive(dict(overrides))
    error = solara.use_reactive(None)

    def on_lever(path: str, value: Any) -> None:
        try:
            checked = check_levers(levers, {path: value})
            rebuilt = AppModel(
                scenario=scenario, seed=model.value.seed, overrides={**overrides, **checked}
            )
        except InputError as problem:
            error.set(problem.message())
            return
        overrides.update(checked)
        values.set(dict(overrides))
        error.set(None)
        model.set(rebuilt)
        force_update()

    policy_start = scenario.simulation.policy_start
    note = (
        f"{scenario.name}: {scenario.description} Levers act from step {policy_start}; "
        "moving one restarts the run with it."
    )
    with solara.Column() as main:
        solara.Title(f"platsim: {scenario.name}")
        SolaraViz(
            model,
            components=COMPONENTS,
            model_params={
                "scenario": scenario,
                "overrides": overrides,
                "seed": {
                    "type": "SliderInt",
                    "label": "Seed (applies on Reset)",
                    "value": seed,
                    "min": 0,
                    "max": max(MAX_SEED, seed),
                    "step": 1,
                },
            },
            name=f"platsim: {scenario.name}",
            play_interval=PLAY_INTERVAL_MS,
        )
        LeverSidebar(levers, values.value, on_lever, note=note, error=error.value)
    return main


@solara.component
def LeverSidebar(
    levers: list[Lever],
    values: dict[str, Any],
    on_change: Callable[[str, Any], None],
    note: str = "",
    error: str | None = None,
) -> solara.Element:
    """The "Levers" card in the sidebar, after SolaraViz's own cards.

    Solara lists sidebar cards in the order their components register them; registering
    this card from one component deeper than SolaraViz registers its own puts it after them,
    so Step / Play / Reset and the step counter stay at the top (the browser test checks
    it). Arguments as for :func:`~platsim.viz.components.LeverPanel`.
    """
    return _LeverCard(levers, values, on_change, note, error)


@solara.component
def _LeverCard(
    levers: list[Lever],
    values: dict[str, Any],
    on_change: Callable[[str, Any], None],
    note: str,
    error: str | None,
) -> solara.Element:
    with solara.Sidebar() as main, solara.Card("Levers", classes=["platsim-lever-card"]):
        LeverPanel(levers, values, on_change, note=note, error=error)
    return main


@solara.component
def Page() -> solara.Element:
    """The page ``solara run platsim.viz.app`` serves (scenario and seed from the environment)."""
    scenario, seed = environment_settings()
    return TerritoryApp(scenario, seed)
