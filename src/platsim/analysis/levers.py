"""What each scenario of a batch changes from the baseline, read from the scenarios' parameters
stored in the results' manifest: :func:`levers` as values, :func:`lever_text` as the report's
levers table prints them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def levers(manifest: Mapping[str, Any], baseline: str) -> dict[str, dict[str, tuple[Any, Any]]]:
    """For each scenario, the parameters it sets differently from the baseline.

    Returns:
        ``{scenario: {path: (baseline value, scenario value)}}`` from the scenario parameters
        stored in the manifest (name and description left out); a value a scenario or the
        baseline does not have (a platform added or removed) is None.
    """
    scenarios = {s["name"]: _flatten(s.get("parameters", {})) for s in manifest["scenarios"]}
    base = scenarios.get(baseline) or next(iter(scenarios.values()))
    result: dict[str, dict[str, tuple[Any, Any]]] = {}
    for name, params in scenarios.items():
        paths = dict.fromkeys([*params, *base])
        result[name] = {
            path: (base.get(path), params.get(path))
            for path in paths
            if path not in ("name", "description") and base.get(path) != params.get(path)
        }
    return result


def _platform_text(name: str, spec: Mapping[str, Any]) -> str:
    from platsim.schema.platforms import PlatformSpec

    items = [str(spec.get("kind"))]
    for field, value in spec.items():
        info = PlatformSpec.model_fields.get(field)
        extra = info.json_schema_extra if info else None
        unit = extra.get("unit") if isinstance(extra, dict) else None
        if field == "kind" or value is None:  # None: the kind's default (pricing)
            continue
        if unit in ("share", "share of sales") and isinstance(value, int | float):
            items.append(f"{field} {100 * value:g}%")
        else:
            items.append(f"{field} {value}")
    return f"{name} ({', '.join(items)})"


def lever_text(manifest: Mapping[str, Any], baseline: str) -> dict[str, str]:
    """Each scenario's changes from the baseline as the levers table prints them: ``path: old
    → new``, and a platform of the catalogue the scenario adds or removes as one item
    (``adds platform territorial (territorial, start policy_start, ..., commission 5%, ...)``).
    """
    catalogues = {
        s["name"]: ((s.get("parameters") or {}).get("platforms") or {}).get("catalogue") or {}
        for s in manifest["scenarios"]
    }
    base = catalogues.get(baseline, next(iter(catalogues.values()), {}))  # as levers()
    rows = {}
    for name, changed in levers(manifest, baseline).items():
        own = catalogues.get(name, {})
        added, removed = [p for p in own if p not in base], [p for p in base if p not in own]
        whole = {f"platforms.catalogue.{p}." for p in added + removed}
        items = [
            f"{path}: {old!r} → {new!r}"
            for path, (old, new) in changed.items()
            if not any(path.startswith(prefix) for prefix in whole)
        ]
        items += [f"adds platform {_platform_text(p, own[p])}" for p in added]
        items += [f"removes platform {p} ({base[p].get('kind')})" for p in removed]
        rows[name] = "(the baseline)" if name == baseline else "; ".join(items) or "(none)"
    return rows
