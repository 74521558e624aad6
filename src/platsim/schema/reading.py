"""YAML files read safely: no tag can build a Python object, a repeated key is an error, and
every problem is an :class:`platsim.errors.InputError` naming the file and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from platsim.errors import InputError


class DuplicateKeyError(yaml.YAMLError):
    """A mapping repeats a key (YAML would silently keep the last value)."""

    def __init__(self, key: Any, where: str) -> None:
        super().__init__(f"duplicate key {key!r} at {where}")
        self.key = key
        self.where = where


# libyaml's parser when PyYAML was built with it (about ten times faster); both are safe
# loaders: the constructor is SafeConstructor either way, so no tag can build an object.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe YAML loader (no Python object tags) that rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise DuplicateKeyError(key, f"line {mark.line + 1}, column {mark.column + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(
    path: Path, *, expected: str = "a YAML mapping", allowed: str | None = None
) -> dict[str, Any]:
    """Read a YAML mapping safely (no Python object tags) with errors naming the file.

    Args:
        path: The file.
        expected: What the file must hold, for the message when it is not a mapping
            (``"a YAML mapping of sections"``).
        allowed: The keys it may have, for that message.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"cannot be read ({error.__class__.__name__}: {error})", file=path
        ) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a safe loader: no object tags
    except DuplicateKeyError as error:
        raise InputError(
            "key given twice",
            file=path,
            field=error.where,
            value=error.key,
            allowed="each key once per mapping",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"invalid YAML: {problem}", file=path, field=where) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(
            f"must be {expected}", file=path, value=type(data).__name__, allowed=allowed
        )
    return data
