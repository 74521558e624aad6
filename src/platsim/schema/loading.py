"""Scenario files: YAML in, a validated, frozen :class:`~platsim.schema.scenario.Scenario` out.

A scenario file is read as plain YAML (no tag can build a Python object; size, nesting and
aliases bounded), merged over the file it ``extends`` (and that one over its own, at most
:data:`MAX_EXTENDS_DEPTH` files, paths relative to each file), filled with defaults and
validated. An empty file is refused (``extends: baseline`` asks for the baseline).
Every problem is reported as :class:`platsim.errors.InputError` naming the file, the field,
the value and what is allowed. Nothing unknown is ignored and nothing invalid silently becomes
a default. A file already loaded, whose contents (and its parents') are unchanged, is not
parsed again.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from platsim.errors import InputError
from platsim.schema.reading import read_yaml
from platsim.schema.scenario import SECTIONS, Scenario, validate_scenario
from platsim.schema.sections import CODE_FIELDS

BUNDLED_PACKAGE = "platsim.scenarios"
#: The folder of the bundled real territories, inside the bundled scenarios' package.
TERRITORIES = "territories"


def bundled_scenarios() -> dict[str, Path]:
    """Map each bundled policy scenario's name to its file."""
    return _listing(resources.files(BUNDLED_PACKAGE), 0)


def bundled_territories() -> dict[str, Path]:
    """Map each bundled real territory's name to its file (``scenarios/territories/``:
    French communes from INSEE's data under the baseline's rules)."""
    return _listing(resources.files(BUNDLED_PACKAGE) / TERRITORIES, 1)


def _listing(folder: Any, slot: int) -> dict[str, Path]:
    """A folder's YAML files by name, listed again only when the folder changes."""
    try:  # a file added or removed changes the folder's modification time
        stamp = Path(str(folder)).stat().st_mtime_ns
    except OSError:
        stamp = None
    if stamp is None or _BUNDLED[slot][0] != stamp:
        listing = {
            Path(item.name).stem: Path(str(item))
            for item in sorted(folder.iterdir(), key=lambda entry: entry.name)
            if item.name.endswith(".yaml")
        }
        _BUNDLED[slot] = (stamp, listing)
    return dict(_BUNDLED[slot][1])


#: [folder stamp, listing] of the last listing of the policy scenarios and of the territories.
_BUNDLED: list[tuple[Any, dict[str, Path]]] = [(None, {}), (None, {})]


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """Turn a path, or the name of a bundled scenario or territory, into an existing file path.

    Raises:
        InputError: Neither an existing file nor a bundled scenario name.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = bundled_scenarios() | bundled_territories()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    if path.exists():
        raise InputError("is not a file", file=path)
    raise InputError(
        "no such scenario file",
        file=path,
        allowed="an existing YAML file or a bundled scenario: " + ", ".join(bundled),
    )


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _first_comment(path: Path) -> str:
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                return stripped.lstrip("#").strip()
            if stripped:
                break
    except OSError:
        pass
    return ""


#: Longest ``extends`` chain: a scenario, its parent, its grandparent, ...
MAX_EXTENDS_DEPTH = 32

#: What to write instead of an empty scenario file (the message refusing one says it).
ASK_FOR_BASELINE = "a scenario with sections, or `extends: baseline` (or the bundled name baseline)"


def _read_scenario_file(path: Path) -> dict[str, Any]:
    """One scenario file's own content, with a relative ``territory.file`` made absolute."""
    data = read_yaml(
        path,
        expected="a YAML mapping of sections",
        allowed="sections " + ", ".join(SECTIONS),
        if_empty=ASK_FOR_BASELINE,
    )
    territory = data.get("territory")
    if isinstance(territory, dict) and isinstance(territory.get("file"), str):
        # Relative to the file that sets it, not to the file that extends it.
        territory_file = Path(territory["file"])
        if "\0" not in territory["file"] and not territory_file.is_absolute():
            territory["file"] = str((path.parent / territory_file).resolve())
    return data


def _parent_path(path: Path, parent: Any) -> Path:
    """The file that ``path``'s ``extends: parent`` names."""
    if not isinstance(parent, str):
        raise InputError(
            "must be a file name",
            file=path,
            field="extends",
            value=parent,
            allowed="a path to another scenario file, relative to this one",
        )
    parent_path = (path.parent / parent) if not Path(parent).is_absolute() else Path(parent)
    if parent_path.is_file():
        return parent_path
    bundled = bundled_scenarios() | bundled_territories()
    if parent in bundled:
        return bundled[parent]
    raise InputError(
        "extended scenario not found",
        file=path,
        field="extends",
        value=parent,
        allowed="an existing scenario file relative to this one, or a bundled name",
    )


def _resolve_extends(path: Path, read: list[FileStamp] | None = None) -> dict[str, Any]:
    """Read ``path`` and the files it extends (a bounded loop, not recursion), and merge each
    over its parent: the child's values win, its ``name`` and ``description`` are its own."""
    layers: list[dict[str, Any]] = []
    chain: list[Path] = []
    current = path
    while True:
        resolved = current.resolve()
        if resolved in chain:
            cycle = " -> ".join(p.name for p in (*chain, resolved))
            raise InputError("extends forms a cycle", file=current, field="extends", value=cycle)
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise InputError(
                f"extends chain longer than {MAX_EXTENDS_DEPTH} files",
                file=path,
                field="extends",
                allowed=f"at most {MAX_EXTENDS_DEPTH} files, each extending the next",
            )
        chain.append(resolved)
        if read is not None:  # read before parsing: a change while parsing is seen next time
            read.append((resolved, _stamp(resolved)))
        data = _read_scenario_file(current)
        parent = data.pop("extends", None)
        layers.append(data)
        if parent is None:
            break
        current = _parent_path(current, parent)
    merged = layers.pop()
    while layers:
        merged.pop("name", None)
        merged.pop("description", None)
        child = layers.pop()
        merged = _deep_merge(_without_inherited_origin(merged, child), child)
    return merged


#: The territory keys that say where the municipalities come from: a file that sets one of
#: them replaces its parent's choice whole (``extends: yvelines`` with ``regions: ["84"]`` is
#: Auvergne-Rhone-Alpes, not Yvelines and Auvergne-Rhone-Alpes).
TERRITORY_ORIGIN = ("source", "file", *CODE_FIELDS)


def _without_inherited_origin(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """The parent's data less its territory origin when the child sets its own."""
    own, inherited = child.get("territory"), parent.get("territory")
    if not (isinstance(own, dict) and isinstance(inherited, dict)):
        return parent
    if not any(key in own for key in TERRITORY_ORIGIN):
        return parent
    kept = {key: value for key, value in inherited.items() if key not in TERRITORY_ORIGIN}
    return {**parent, "territory": kept}


FileStamp = tuple[Path, bytes | None]


def _stamp(path: Path) -> bytes | None:
    """A file's contents, or None if it cannot be read. Contents rather than modification
    times: a file rewritten within the same clock tick, at the same size, still differs."""
    try:
        return path.read_bytes()
    except OSError:
        return None


# Scenarios already loaded, by file (as resolved, and as given: ``source`` records the latter),
# with the contents of every file read for them (the file and those it extends). A batch or a
# benchmark builds the same scenario hundreds of times; parsing and validating it again costs
# about 2.5 ms each time, reading the files again a few microseconds.
_LOADED: dict[tuple[Path, str], tuple[tuple[FileStamp, ...], Scenario]] = {}
_LOADED_MAX = 32


def _load_file(path: Path) -> Scenario:
    """Parse, merge and validate one scenario file, or copy the scenario parsed before if
    none of the files it was read from has changed since."""
    key = (path.resolve(), str(path))
    cached = _LOADED.get(key)
    if cached is not None and all(_stamp(file) == stamp for file, stamp in cached[0]):
        # a deep copy: a frozen scenario still holds a dict (the platform catalogue) that a
        # caller could change in place
        return cached[1].model_copy(deep=True)
    read: list[FileStamp] = []
    data = _resolve_extends(path, read=read)
    data.setdefault("name", path.stem)
    if "description" not in data:
        data["description"] = _first_comment(path)
    scenario = validate_scenario(data, file=path, source=str(path))
    _LOADED.pop(key, None)
    while len(_LOADED) >= _LOADED_MAX:  # the oldest first: a long session stays small
        _LOADED.pop(next(iter(_LOADED)), None)
    _LOADED[key] = (tuple(read), scenario)
    return scenario.model_copy(deep=True)


def load_scenario(
    name_or_path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    overrides_origin: str = "overrides",
) -> Scenario:
    """Load, merge (``extends``), fill defaults and validate a scenario file.

    Args:
        name_or_path: A YAML file path, or the name of a bundled scenario (``"baseline"``).
        overrides: Optional dotted-path values applied after loading.
        overrides_origin: How error messages name the overrides (e.g. ``"--set"``).

    Returns:
        The frozen, validated scenario.

    Raises:
        InputError: Anything wrong with the file, naming file, field, value and what is allowed.
    """
    path = resolve_scenario_path(name_or_path)
    scenario = _load_file(path)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin=overrides_origin)
    return scenario


def resolve_scenario(
    scenario: Scenario | str | Path | None,
    overrides: Mapping[str, Any] | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Scenario:
    """Turn the model's scenario arguments into one validated :class:`Scenario`.

    Args:
        scenario: A Scenario, a path or bundled name, or None for the baseline.
        overrides: Dotted-path values, ``{"economy.matching_efficiency": 0.3}``.
        parameters: Keyword-style values with ``__`` for dots
            (``economy__matching_efficiency=0.3``), as ``mesa.batch_run`` passes them.
    """
    if scenario is None:
        resolved = load_scenario("baseline")
    elif isinstance(scenario, Scenario):
        resolved = scenario
    else:
        resolved = load_scenario(scenario)
    merged: dict[str, Any] = dict(overrides or {})
    for key, value in (parameters or {}).items():
        if "__" not in key:
            raise InputError(
                "unknown model argument",
                field=key,
                value=value,
                allowed="scenario, seed, steps, overrides, or section__parameter keywords",
            )
        merged[key.replace("__", ".")] = value
    return resolved.with_overrides(merged, origin="model arguments") if merged else resolved
