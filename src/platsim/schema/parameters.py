"""How a scenario parameter is declared: :func:`param` gives it a default, a unit, a range and
a source, which feed validation, the ODD's parameter table, ``platsim validate``'s messages and
the app's sliders; :class:`Section` is the base of every scenario section."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def param(
    default: Any,
    unit: str,
    description: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    source: str = "assumption",
) -> Any:
    """Declare a scenario parameter with its default, unit, range and source.

    The unit and source land in the JSON schema (``json_schema_extra``) so the ODD's
    parameter table and ``platsim validate`` messages are generated from one place.
    """
    return Field(
        default,
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        json_schema_extra={"unit": unit, "source": source},
    )


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def range_text(cls: type[BaseModel], field_name: str) -> str:
    """The allowed values of a field as text: ``[0, 1]``, ``(0, inf)``, ``a | b``."""
    info = cls.model_fields[field_name]
    annotation = info.annotation
    if getattr(annotation, "__origin__", None) is Literal:
        return " | ".join(map(str, annotation.__args__))
    if annotation is bool:
        return "true | false"
    if field_name == "start":
        return "[0, 10000] or policy_start"
    lower = upper = None
    lower_open = upper_open = False
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            lower = item.ge
        if getattr(item, "gt", None) is not None:
            lower, lower_open = item.gt, True
        if getattr(item, "le", None) is not None:
            upper = item.le
        if getattr(item, "lt", None) is not None:
            upper, upper_open = item.lt, True
    if lower is None and upper is None:
        return "path or empty" if field_name == "file" else "any"
    left = "(" if lower_open else "["
    right = ")" if upper_open else "]"
    low = "-inf" if lower is None else f"{lower:g}"
    high = "inf" if upper is None else f"{upper:g}"
    if lower is None:
        left = "("
    if upper is None:
        right = ")"
    return f"{left}{low}, {high}{right}"
