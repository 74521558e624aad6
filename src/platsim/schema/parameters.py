"""How a scenario parameter is declared: :func:`param` gives it a default, a unit, a range and
a source, which feed validation, the ODD's parameter table, ``platsim validate``'s messages and
the app's sliders; :class:`Section` is the base of every scenario section."""

from __future__ import annotations

import math
import numbers
import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError


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
    """Base of every scenario section: frozen, unknown keys rejected, values of the declared
    kind only (see :func:`check_kind`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @field_validator("*", mode="before")
    @classmethod
    def _check_kind(cls, value: Any, info: ValidationInfo) -> Any:
        assert info.field_name is not None  # a field validator always has its field
        return check_kind(cls.model_fields[info.field_name].annotation, value)


def _kinds(annotation: Any) -> tuple[set[Any], set[Any]]:
    """The plain types and the literal values an annotation accepts."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds: set[Any] = set()
        literals: set[Any] = set()
        for argument in get_args(annotation):
            more_kinds, more_literals = _kinds(argument)
            kinds |= more_kinds
            literals |= more_literals
        return kinds, literals
    if get_origin(annotation) is Literal:
        return set(), set(get_args(annotation))
    return {annotation}, set()


def check_kind(annotation: Any, value: Any) -> Any:
    """Return ``value`` if it is of the kind ``annotation`` declares, without conversion.

    pydantic's lax mode would read ``true`` as 1, ``"12"`` or ``"1e3"`` as numbers and
    ``.inf`` (or ``1e400``) as a number; a scenario must say what it means. A number field
    takes a finite int or float (an int where a float is declared: YAML reads ``2`` as an
    int), never a boolean or text; a switch takes true or false only.

    Raises:
        PydanticCustomError: ``number_type``, ``finite_number`` or ``bool_type``, with the
            value as pydantic's input, so messages quote it as for any other error.
    """
    kinds, literals = _kinds(annotation)
    numeric = bool(kinds & {int, float})
    # numpy's booleans (a design frame's, an app's) are booleans too
    boolean = isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b"
    if numeric:
        if boolean or (isinstance(value, str | bytes) and value not in literals):
            kind = "a valid number" if float in kinds else "a valid integer"
            also = "".join(f" or {item}" for item in sorted(map(str, literals)))
            raise PydanticCustomError("number_type", f"Input should be {kind}{also}")
        if (
            isinstance(value, numbers.Real)
            and not isinstance(value, numbers.Integral)
            and not math.isfinite(value)
        ):
            raise PydanticCustomError("finite_number", "Input should be a finite number")
    elif kinds == {bool} and not boolean:
        raise PydanticCustomError("bool_type", "Input should be true or false")
    return value


def range_text(cls: type[BaseModel], field_name: str) -> str:
    """The allowed values of a field as text: ``[0, 1]``, ``(0, inf)``, ``a | b``."""
    info = cls.model_fields[field_name]
    annotation = info.annotation
    if getattr(annotation, "__origin__", None) is Literal:
        return " | ".join(map(str, annotation.__args__))
    if get_origin(annotation) in (Union, types.UnionType):
        choices = [arg for arg in get_args(annotation) if get_origin(arg) is Literal]
        if choices and type(None) in get_args(annotation):
            return " | ".join(str(value) for arg in choices for value in get_args(arg)) + " | null"
    if get_origin(annotation) is tuple:
        return "a list"
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
