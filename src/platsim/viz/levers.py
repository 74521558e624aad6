"""The levers students move in the app, with bounds read from the scenario schema.

Each lever is a scenario parameter (a dotted path such as ``"data.regime"``). Its choices or
its slider bounds come from the schema (:mod:`platsim.schema`): a choice lists the values
the schema's ``Literal`` allows, a slider runs between the schema's lower and upper bounds.
Parameters the schema leaves unbounded above (an earnings floor, a broadband budget) get a
teaching maximum, raised when the scenario itself sets a larger value, so that every value
a slider can reach is one the schema accepts and the scenario's own value is reachable.

This module does not import Solara: it is plain data, tested without the ``viz`` extra.

>>> from platsim.schema import load_scenario
>>> levers = scenario_levers(load_scenario("baseline"))
>>> [lever.path for lever in levers][:2]
['data.regime', 'data.share']
>>> levers[1].minimum, levers[1].maximum
(0.0, 1.0)
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from platsim.errors import InputError
from platsim.schema import SECTIONS, Scenario

LeverKind = Literal["choice", "float", "int", "switch"]


@dataclass(frozen=True)
class LeverSpec:
    """What the app shows for one scenario parameter (bounds are added from the schema).

    Attributes:
        path: Dotted scenario path, ``"section.name"``.
        label: Short label shown beside the control.
        step: Slider increment (ignored for choices and switches).
        teaching_max: Slider maximum when the schema has no upper bound.
        help: One sentence for students: what the lever does.
    """

    path: str
    label: str
    step: float = 0.05
    teaching_max: float | None = None
    help: str = ""


#: The main governance levers of the issue: data regime and share, commission cap,
#: interoperability (multi-homing), worker protection (earnings floor), inter-municipal pooling,
#: the broadband programme and the regions' advisory service; then the goods market's forces
#: that make it tip or not (network and data effects, data's effect on the cost of quality,
#: households' cost of multi-homing).
LEVER_SPECS: tuple[LeverSpec, ...] = (
    LeverSpec(
        "data.regime",
        "Data regime",
        help="Who may use platforms' data: closed, a trusted third party, open data or "
        "portability.",
    ),
    LeverSpec(
        "data.share",
        "Data share",
        step=0.05,
        help="Fraction of data pooled, published or portable under the regime.",
    ),
    LeverSpec(
        "competition.commission_cap",
        "Commission cap",
        step=0.01,
        help="Highest commission a platform may charge (1: no cap).",
    ),
    LeverSpec(
        "competition.multihoming",
        "Interoperability (multi-homing)",
        help="A seller's listing works on every platform of a segment, so selling on several "
        "costs little.",
    ),
    LeverSpec(
        "labour.earnings_floor",
        "Earnings floor of platform workers",
        step=50.0,
        teaching_max=2_000.0,
        help="Worker protection: platforms top gig pay up to this floor (0: none).",
    ),
    LeverSpec(
        "labour.minimum_hourly_pay",
        "Minimum pay of platform workers (EUR / hour of activity)",
        step=0.25,
        teaching_max=20.0,
        help="Worker protection: task platforms pay at least this per hour of activity, 20 "
        "minutes a task (the delivery riders' 2023 agreement: 11.75; 0: none).",
    ),
    LeverSpec(
        "public.pooling",
        "Inter-municipal pooling",
        help="epci: at policy start each EPCI's members vote on spending more of their service "
        "budgets jointly (a qualified majority; none: every EPCI keeps the baseline's 37%).",
    ),
    LeverSpec(
        "public.broadband_programme",
        "Rural fibre programme (EUR / inhabitant / month)",
        step=0.1,
        teaching_max=5.0,
        help="The State's fibre offer per inhabitant of rural municipalities, co-financed by "
        "them; lines connect after the works' delay (real scale: about 1.3; 0: none).",
    ),
    LeverSpec(
        "public.advisory_advisers",
        "Regional advisers for firms' digitisation (per 1,000 firms)",
        step=0.02,
        help="Advisers each region pays to diagnose firms, 2 a month each by default; a "
        "diagnosed firm digitises if it pays (Auvergne-Rhône-Alpes: about 0.38; 0: none).",
    ),
    LeverSpec(
        "goods.network_effect",
        "Network effect (goods platforms)",
        step=0.05,
        help="How much buyers and sellers value a goods platform for the users on its other "
        "side: strong effects make the market tip.",
    ),
    LeverSpec(
        "goods.data_effect",
        "Data effect (goods platforms)",
        step=0.05,
        help="Quality a goods platform gains from its data: strong effects reward the "
        "largest platform.",
    ),
    LeverSpec(
        "platforms.data_quality_elasticity",
        "Data lower the cost of quality",
        step=0.1,
        help="How much cheaper quality is for a platform with more data than its rivals: the "
        "data leader invests more and pulls ahead.",
    ),
    LeverSpec(
        "goods.homing_cost",
        "Multi-homing cost of households (goods)",
        step=0.1,
        help="Households' cost of using each goods platform beyond the first: high costs make "
        "them stick to one.",
    ),
)


@dataclass(frozen=True)
class Lever:
    """A lever with its kind, bounds or choices and the scenario's current value.

    Attributes:
        path: Dotted scenario path.
        label: Label shown beside the control.
        kind: ``choice`` (a selector), ``float`` or ``int`` (sliders) or ``switch``.
        value: The scenario's value: where the control starts.
        minimum: Lowest slider value (None for choices and switches).
        maximum: Highest slider value (None for choices and switches).
        step: Slider increment (None for choices and switches).
        choices: Allowed values of a choice (empty otherwise).
        unit: The schema's unit.
        help: One sentence for students.
    """

    path: str
    label: str
    kind: LeverKind
    value: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    help: str = ""

    def check(self, value: Any) -> Any:
        """Return ``value`` if this lever accepts it, converted to the lever's type.

        Raises:
            InputError: A value outside the slider's bounds or not among the choices.
        """
        if self.kind == "choice":
            if value not in self.choices:
                raise InputError(
                    "not an allowed choice",
                    field=self.path,
                    value=value,
                    allowed=" | ".join(self.choices),
                )
            return value
        if self.kind == "switch":
            if not isinstance(value, bool):
                raise InputError("must be true or false", field=self.path, value=value)
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise InputError("must be a number", field=self.path, value=value)
        assert self.minimum is not None and self.maximum is not None
        if not self.minimum <= value <= self.maximum:
            raise InputError(
                "outside the lever's range",
                field=self.path,
                value=value,
                allowed=f"[{self.minimum:g}, {self.maximum:g}]",
            )
        return int(value) if self.kind == "int" else float(value)

    def format(self, value: Any) -> str:
        """Show a value of this lever to students: ``"50%"``, ``"1,100 EUR / month"``."""
        if self.kind in ("choice", "switch"):
            return str(value)
        if self.unit == "share":
            return f"{float(value):.0%}"
        return f"{float(value):,.{0 if float(value).is_integer() else 2}f} {self.unit}".strip()


def schema_bounds(path: str) -> tuple[float | None, float | None, bool, bool]:
    """Return ``(lower, upper, lower_open, upper_open)`` of a numeric schema parameter.

    Args:
        path: Dotted path ``"section.name"`` of a top-level section field.

    Raises:
        KeyError: The path is not a field of a scenario section.
    """
    section, name = path.split(".")
    info = SECTIONS[section].model_fields[name]
    lower = upper = None
    lower_open = upper_open = False
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            lower, lower_open = float(item.ge), False
        if getattr(item, "gt", None) is not None:
            lower, lower_open = float(item.gt), True
        if getattr(item, "le", None) is not None:
            upper, upper_open = float(item.le), False
        if getattr(item, "lt", None) is not None:
            upper, upper_open = float(item.lt), True
    return lower, upper, lower_open, upper_open


def _round_up(value: float, step: float) -> float:
    return math.ceil(value / step - 1e-9) * step


#: Choices offered only on a territory of INSEE communes (they need its départements, EPCIs).
INSEE_ONLY: dict[str, tuple[str, ...]] = {}


def make_lever(spec: LeverSpec, scenario: Scenario) -> Lever:
    """Build the lever of ``spec`` for ``scenario``: its kind, bounds and starting value.

    Choices are the schema's ``Literal`` values (less :data:`INSEE_ONLY`'s unless the territory
    is of INSEE communes). A slider runs over the schema's range; an
    open bound (``gt``/``lt``) is moved inside by one step; a missing upper bound becomes
    ``spec.teaching_max``, raised to the scenario's value when that is larger.

    Raises:
        KeyError: ``spec.path`` is not a scenario parameter.
        ValueError: A numeric parameter without bounds and without a teaching maximum.
    """
    section, name = spec.path.split(".")
    info = SECTIONS[section].model_fields[name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit = str(extra.get("unit", ""))
    value = scenario.get(spec.path)
    annotation = info.annotation
    if typing.get_origin(annotation) is Literal:
        insee = scenario.territory.resolved_source == "insee"
        choices = [str(choice) for choice in typing.get_args(annotation)]
        return Lever(
            spec.path,
            spec.label,
            "choice",
            value,
            choices=tuple(c for c in choices if insee or c not in INSEE_ONLY.get(spec.path, ())),
            unit=unit,
            help=spec.help,
        )
    if annotation is bool:
        return Lever(spec.path, spec.label, "switch", bool(value), unit=unit, help=spec.help)
    kind: LeverKind = "int" if annotation is int else "float"
    step = max(1.0, round(spec.step)) if kind == "int" else spec.step
    lower, upper, lower_open, upper_open = schema_bounds(spec.path)
    if lower is None:
        raise ValueError(f"{spec.path}: a lever needs a lower bound in the schema")
    minimum = lower + step if lower_open else lower
    if upper is None:
        if spec.teaching_max is None:
            raise ValueError(f"{spec.path}: unbounded above and no teaching maximum")
        maximum = max(spec.teaching_max, _round_up(float(value), step))
    else:
        maximum = upper - step if upper_open else upper
    if kind == "int":
        minimum, maximum = float(math.ceil(minimum)), float(math.floor(maximum))
    return Lever(
        spec.path,
        spec.label,
        kind,
        int(value) if kind == "int" else float(value),
        minimum=minimum,
        maximum=maximum,
        step=step,
        unit=unit,
        help=spec.help,
    )


def scenario_levers(scenario: Scenario, specs: tuple[LeverSpec, ...] = LEVER_SPECS) -> list[Lever]:
    """The app's levers for ``scenario``, in display order."""
    return [make_lever(spec, scenario) for spec in specs]


def check_levers(levers: list[Lever], values: Mapping[str, Any]) -> dict[str, Any]:
    """Check lever values (``{path: value}``) and return them converted.

    Raises:
        InputError: An unknown lever path, or a value the lever does not accept.
    """
    by_path = {lever.path: lever for lever in levers}
    checked: dict[str, Any] = {}
    for path, value in values.items():
        if path not in by_path:
            raise InputError("not a lever of the app", field=path, allowed=", ".join(by_path))
        checked[path] = by_path[path].check(value)
    return checked
