"""The two consoles every command writes to, built once: results on standard output, problems
on standard error."""

from __future__ import annotations

from rich.console import Console

out = Console()
err = Console(stderr=True)


def say(console: Console, text: str) -> None:
    """Print ``text`` as it is: no markup, no highlighting, long lines left whole."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)
