"""The one exception type for bad user input.

Every problem with something a user wrote (a scenario file, a territory file, an experiment
file, a command-line value) is raised as :class:`InputError`. It names the file, the field,
the value found and what is allowed, so the command line can print one clear line and exit
with code 2 instead of showing a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (got {shown})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text


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
