"""The one exception type for bad user input.

Every problem with something a user wrote (a scenario file, a territory file, an experiment
file, a command-line value) is raised as :class:`InputError`. It names the file, the field,
the value found and what is allowed, so the command line can print one clear line and exit
with code 2 instead of showing a traceback. :func:`from_validation_error` is the one translator
from pydantic's errors, used by every schema (scenarios, experiments).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class InputError(ValueError):
    """A user-supplied input is invalid.

    Attributes:
        file: The file the input came from, or None for command-line or in-memory input.
        field: Dotted path of the offending field (``"territory.n_municipalities"``), or
            None when the problem concerns the whole file.
        value: The offending value as found (``None`` when absent).
        allowed: Human-readable description of what is accepted.
        problem: What is wrong, in a few words.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        value: Any = None,
        allowed: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(self.message())

    def message(self) -> str:
        """Return the one-line message shown to the user."""
        where = ": ".join(part for part in (self.file, self.field) if part)
        text = f"{where}: {self.problem}" if where else self.problem
        if self.value is not None:
            text += f" (got {shown(self.value)})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text


#: Longest value a message quotes.
SHOWN_CHARS = 80

# A repr that never walks more than a few items per level, nor more than three levels: a value
# built from YAML aliases can be huge although the file is small.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxset = _SHORT_REPR.maxdict = 8
_SHORT_REPR.maxfrozenset = _SHORT_REPR.maxdeque = _SHORT_REPR.maxarray = 8
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = _SHORT_REPR.maxlong = SHOWN_CHARS


def shown(value: Any) -> str:
    """``value`` as a message quotes it: its repr cut to :data:`SHOWN_CHARS` characters
    (``...`` marks the cut), computed without formatting a huge value whole."""
    if isinstance(value, str | bytes):
        text = repr(value[: SHOWN_CHARS + 1])
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        text = f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    elif isinstance(value, int | float | bool):
        text = repr(value)
    else:
        text = _SHORT_REPR.repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


class InputErrors(InputError):
    """Several input problems found at once (e.g. every invalid field of a scenario)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(
            first.problem,
            file=first.file,
            field=first.field,
            value=first.value,
            allowed=first.allowed,
        )

    def message(self) -> str:
        return "\n".join(error.message() for error in self.errors)


#: ``keys_at(loc)``: the keys allowed in the mapping at ``loc`` (for an unknown key).
KeysAt = Callable[[list[str]], Iterable[str]]
#: ``allowed_for(loc, item)``: what a field accepts, from the schema or pydantic's ``ctx``.
AllowedFor = Callable[[list[str], Mapping[str, Any]], str | None]


def from_validation_error(
    error: ValidationError, file: str | Path | None, *, keys_at: KeysAt, allowed_for: AllowedFor
) -> InputError:
    """Translate pydantic's validation error into one :class:`InputError` per invalid field
    (:class:`InputErrors` when there are several), so that every schema reports alike.

    An unknown key names the keys allowed beside it (``keys_at``), a missing one says it is
    required, and any other problem gives pydantic's message with what the field accepts
    (``allowed_for``). A mapping found where a value was expected is not shown.
    """
    problems = [_problem(item, file, keys_at, allowed_for) for item in error.errors()]
    return problems[0] if len(problems) == 1 else InputErrors(problems)


def _problem(
    item: Mapping[str, Any], file: str | Path | None, keys_at: KeysAt, allowed_for: AllowedFor
) -> InputError:
    loc = [str(part) for part in item["loc"]]
    field = ".".join(loc) if loc else None
    kind = item["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(keys_at(loc[:-1]))
        return InputError("unknown key", file=file, field=field, value=loc[-1], allowed=allowed)
    if kind == "missing":
        return InputError("is required", file=file, field=field)
    message, value = item["msg"], item.get("input")
    if kind == "value_error":  # a validator's own sentence; the value is in it
        message, value = message.removeprefix("Value error, "), None
    if isinstance(value, dict):
        value = None
    return InputError(message, file=file, field=field, value=value, allowed=allowed_for(loc, item))
