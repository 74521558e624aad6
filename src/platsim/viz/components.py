"""Solara components of the app: the territory map, the outcome plots, levers and errors.

The map and plot components take the model as their only argument, as Mesa's ``SolaraViz``
passes it to the components it lays out, and redraw when the model steps or is replaced
(Mesa's ``update_counter``). Each browser session renders its own component instances, so
each keeps its own figures (:class:`~platsim.viz.figures.MapView`,
:class:`~platsim.viz.figures.OutcomesView`) and its own choice of map colouring.

The time the last drawing of each view took is kept per model (:func:`draw_seconds`) and
shown under the plots, so the cost of a step's redraw can be read off the page.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import solara
from mesa.visualization.utils import update_counter

from platsim.viz.figures import COLOUR_CHOICES, ColourBy, MapView, OutcomesView
from platsim.viz.levers import Lever

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel

_DRAW_SECONDS: weakref.WeakKeyDictionary[Any, dict[str, float]] = weakref.WeakKeyDictionary()


def draw_seconds(model: TerritoryModel) -> dict[str, float]:
    """Seconds the last drawing of each view of ``model`` took (``"map"``, ``"outcomes"``).

    Kept per model, so per browser session (every session has its own model).
    """
    return _DRAW_SECONDS.setdefault(model, {})


def _timed_png(model: TerritoryModel, name: str, draw: Callable[[], bytes]) -> bytes:
    start = time.perf_counter()
    png = draw()
    draw_seconds(model)[name] = time.perf_counter() - start
    return png


@solara.component
def TerritoryMap(model: TerritoryModel) -> solara.Element:
    """The territory map with a choice of colouring (unemployment or platform adoption)."""
    update_counter.get()
    colour_by, set_colour_by = solara.use_state("unemployment")
    view = solara.use_memo(MapView, [])

    def draw() -> bytes:
        view.colour_by = colour_by
        return _timed_png(model, "map", lambda: view.png(model))

    png = solara.use_memo(draw, [model, model.steps, colour_by])
    with solara.Column(gap="4px", classes=["platsim-map"]) as main:
        solara.ToggleButtonsSingle(
            value=COLOUR_CHOICES[colour_by],
            values=list(COLOUR_CHOICES.values()),
            on_value=lambda label: set_colour_by(colour_choice(label)),
            dense=True,
        )
        solara.Image(png, format="png", width="100%")
    return main


@solara.component
def OutcomePlots(model: TerritoryModel) -> solara.Element:
    """Platform market shares, HHI, unemployment and the Theil index over time."""
    update_counter.get()
    view = solara.use_memo(OutcomesView, [])
    png = solara.use_memo(
        lambda: _timed_png(model, "outcomes", lambda: view.png(model)), [model, model.steps]
    )
    with solara.Column(gap="4px", classes=["platsim-outcomes"]) as main:
        solara.Image(png, format="png", width="100%")
        drawn = sum(draw_seconds(model).values())
        solara.Text(
            f"Step {model.steps} of {model.max_steps}; levers act from step "
            f"{model.scenario.simulation.policy_start}; drawn in {1000 * drawn:.0f} ms",
            classes=["platsim-draw-time"],
            style={"font-size": "0.8em", "color": "#666"},
        )
        solara.Text(
            lever_summary(model),
            classes=["platsim-run-levers"],
            style={"font-size": "0.8em", "color": "#666"},
        )
    return main


@solara.component
def LeverInput(lever: Lever, value: Any, on_change: Callable[[str, Any], None]) -> solara.Element:
    """One lever: its name and current value, then a selector or a bounded slider.

    Sliders run between the lever's schema bounds, so an out-of-range value cannot be entered.
    """

    def changed(new: Any) -> None:
        on_change(lever.path, new)

    with solara.Column(gap="0px", classes=["platsim-lever"]) as main:
        if lever.kind == "choice":
            solara.Select(lever.label, values=list(lever.choices), value=value, on_value=changed)
        elif lever.kind == "switch":
            solara.Checkbox(label=lever.label, value=bool(value), on_value=changed)
        else:
            solara.Text(
                f"{lever.label}: {lever.format(value)}",
                style={"font-size": "0.9em", "font-weight": "500"},
            )
            slider = solara.SliderInt if lever.kind == "int" else solara.SliderFloat
            slider(
                "",
                value=value,
                min=lever.minimum,
                max=lever.maximum,
                step=lever.step,
                on_value=changed,
                thumb_label=False,
            )
        if lever.help:
            solara.Text(lever.help, style={"font-size": "0.75em", "color": "#777"})
    return main


@solara.component
def LeverPanel(
    levers: list[Lever],
    values: dict[str, Any],
    on_change: Callable[[str, Any], None],
    note: str = "",
    error: str | None = None,
) -> solara.Element:
    """The levers: selectors and sliders bounded by the scenario schema.

    Args:
        levers: The levers to show.
        values: Their current values, by path.
        on_change: Called with ``(path, value)`` when the student moves a lever.
        note: A line of text shown above the levers.
        error: A message shown in red (a lever value the model refused).
    """
    with solara.Column(gap="10px", classes=["platsim-levers"]) as main:
        if note:
            solara.Text(note, style={"font-size": "0.85em"})
        for lever in levers:
            LeverInput(lever, values.get(lever.path, lever.value), on_change)
        if error:
            solara.Error(error, dense=True, classes=["platsim-lever-error"])
    return main


@solara.component
def InputErrorPage(message: str, source: str) -> solara.Element:
    """The page shown when the scenario cannot be loaded: the message the CLI prints.

    Args:
        message: :meth:`platsim.errors.InputError.message` (one line per problem).
        source: What was asked for (file or bundled name).
    """
    with solara.Column(style={"padding": "24px", "max-width": "960px"}) as main:
        solara.Title("platsim: scenario error")
        solara.HTML(tag="h2", unsafe_innerHTML="platsim cannot open this scenario")
        solara.Text(f"Scenario: {source}")
        with solara.Error(classes=["platsim-input-error"]):
            solara.Preformatted(message, style={"white-space": "pre-wrap", "margin": "0"})
        solara.Text("Fix the file (check it with: platsim validate FILE), then reload this page.")
    return main


def lever_summary(model: TerritoryModel) -> str:
    """One line saying which levers this run changed from its scenario file."""
    changed = model.changed_levers() if hasattr(model, "changed_levers") else {}
    if not changed:
        return f"This run: the {model.scenario.name} scenario as written, seed {model.seed}."
    shown = ", ".join(f"{path} = {value}" for path, value in changed.items())
    return f"This run: {model.scenario.name} with {shown}, seed {model.seed}."


def colour_choice(label: str) -> ColourBy:
    """The colouring key of a toggle label (``"unemployment rate"`` -> ``"unemployment"``)."""
    for key, text in COLOUR_CHOICES.items():
        if text == label:
            return key
    raise ValueError(f"unknown colouring {label!r}")
