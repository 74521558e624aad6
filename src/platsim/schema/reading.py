"""YAML files read safely: no tag can build a Python object, a repeated key is an error, and
every problem is an :class:`platsim.errors.InputError` naming the file and the line.

Input is bounded, not trusted: a file larger than :data:`MAX_FILE_BYTES`, nested deeper than
:data:`MAX_DEPTH`, holding a string longer than :data:`MAX_STRING_CHARS` or more than
:data:`MAX_NODES` values once its aliases are expanded ("billion laughs") is refused before it
is built, so that nothing later (validation, an error message) walks a huge structure.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from platsim.errors import InputError

#: Largest scenario or experiment file read (the bundled ones are under 20 KiB).
MAX_FILE_BYTES = 1024 * 1024
#: Deepest nesting of lists and mappings (a scenario is 4 deep, an experiment design 5).
MAX_DEPTH = 32
#: Most values (scalars, lists, mappings) a file may hold with every alias expanded.
MAX_NODES = 100_000
#: Longest string (a key or a value): names, descriptions and paths are far shorter.
MAX_STRING_CHARS = 4096


class DuplicateKeyError(yaml.YAMLError):
    """A mapping repeats a key (YAML would silently keep the last value)."""

    def __init__(self, key: Any, where: str) -> None:
        super().__init__(f"duplicate key {key!r} at {where}")
        self.key = key
        self.where = where


class UnhashableKeyError(yaml.YAMLError):
    """A list or mapping is used as a mapping key (``? [a, b]``)."""

    def __init__(self, kind: str, where: str) -> None:
        super().__init__(f"a {kind} used as a key at {where}")
        self.kind = kind
        self.where = where


# libyaml's parser when PyYAML was built with it (about ten times faster); both are safe
# loaders: the constructor is SafeConstructor either way, so no tag can build an object.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


class _StrictLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe YAML loader (no Python object tags) that rejects duplicate and unhashable keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise UnhashableKeyError(kind, _where(key_node.start_mark))
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):  # pragma: no cover - scalars are hashable
                raise UnhashableKeyError(type(key).__name__, _where(key_node.start_mark))
            if key in seen:
                raise DuplicateKeyError(key, _where(key_node.start_mark))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_limits(text: str, path: Path) -> None:
    """Walk the file's parse events (a flat stream, no recursion) and refuse it if it nests
    too deeply, holds too long a string, or expands through its aliases to too many values.

    Each node's size counts the values below it, an alias counting as the whole node it
    names, so a dozen lines of nested aliases are refused here in microseconds instead of
    being walked a billion times later.
    """
    sizes: dict[str, int] = {}  # anchor -> expanded size of the node it names
    stack: list[list[Any]] = [[None, 0]]  # [anchor, size so far] of each open list/mapping
    total = 0  # values so far, aliases expanded
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 0])
            if len(stack) - 1 > MAX_DEPTH:
                raise InputError(
                    "nested too deeply",
                    file=path,
                    field=_where(event.start_mark),
                    allowed=f"lists and mappings at most {MAX_DEPTH} deep",
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
            size += 1
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
            if len(event.value) > MAX_STRING_CHARS:
                raise InputError(
                    f"a string of {len(event.value):,} characters",
                    file=path,
                    field=_where(event.start_mark),
                    allowed=f"strings of at most {MAX_STRING_CHARS:,} characters",
                )
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor, 1)
        else:  # stream and document start and end
            continue
        if anchor is not None:
            sizes[anchor] = size
        stack[-1][1] += size
        total += 1 if isinstance(event, yaml.CollectionEndEvent) else size
        if total > MAX_NODES:
            raise InputError(
                f"too large: more than {MAX_NODES:,} values once its aliases (*name) are expanded",
                file=path,
                field=_where(event.start_mark),
                allowed=f"at most {MAX_NODES:,} values",
            )


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except OSError as error:
        raise InputError(
            f"cannot be read ({error.__class__.__name__}: {error.strerror or error})", file=path
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            "file too large",
            file=path,
            allowed=f"at most {MAX_FILE_BYTES // 1024:,} KiB",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"cannot be read (not UTF-8 text: byte {error.start})",
            file=path,
            allowed="a UTF-8 YAML text file",
        ) from None


def read_yaml(
    path: Path,
    *,
    expected: str = "a YAML mapping",
    allowed: str | None = None,
    if_empty: str | None = None,
) -> dict[str, Any]:
    """Read a YAML mapping safely (no Python object tags, bounded size) with errors naming
    the file.

    Args:
        path: The file.
        expected: What the file must hold, for the message when it is not a mapping
            (``"a YAML mapping of sections"``).
        allowed: The keys it may have, for that message.
        if_empty: What to write instead, for the message when the file holds nothing (only
            comments or blank lines); None reads such a file as an empty mapping.

    Raises:
        InputError: The file is missing, unreadable, too large or too nested, not YAML,
            repeats a key, uses a list or mapping as a key, is empty (with ``if_empty``) or
            holds something other than a mapping.
    """
    text = _read_text(path)
    try:
        _check_limits(text, path)
        data = yaml.load(text, Loader=_StrictLoader)  # a safe loader: no object tags
    except DuplicateKeyError as error:
        raise InputError(
            "key given twice",
            file=path,
            field=error.where,
            value=error.key,
            allowed="each key once per mapping",
        ) from None
    except UnhashableKeyError as error:
        raise InputError(
            f"a {error.kind} cannot be a key",
            file=path,
            field=error.where,
            allowed="a name (text) as each key",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _where(mark) if mark else None
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"invalid YAML: {problem}", file=path, field=where) from None
    except RecursionError:  # the pure-Python parser, should a file get past the depth check
        raise InputError(
            "nested too deeply", file=path, allowed=f"at most {MAX_DEPTH} levels"
        ) from None
    if data is None:
        if if_empty is not None:
            raise InputError(
                "is empty (nothing but comments or blank lines)", file=path, allowed=if_empty
            )
        return {}
    if not isinstance(data, dict):
        raise InputError(
            f"must be {expected}", file=path, value=type(data).__name__, allowed=allowed
        )
    return data
