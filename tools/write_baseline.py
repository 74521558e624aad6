"""Regenerate ``src/platsim/scenarios/baseline.yaml`` from the scenario schema.

Run ``python tools/write_baseline.py`` after adding or changing a parameter: the bundled
baseline lists every parameter at its default with its meaning, unit, range and source, and
``tests/schema/test_scenario.py`` checks that it still does.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from pydantic import BaseModel

from platsim.schema import SECTIONS, PlatformSpec, Scenario, range_text

TARGET = Path(__file__).resolve().parents[1] / "src" / "platsim" / "scenarios" / "baseline.yaml"
WIDTH = 100

HEADER = """\
# Baseline: laissez-faire territory with every parameter at its default value.
#
# How scenario files work
# -----------------------
# A scenario is a YAML file with up to ten sections: simulation, territory, population,
# economy, public, mobility, platforms, data, competition and labour. Every parameter has a
# default, so a file only needs the values it changes; this file lists all of them, set to their
# defaults, as a reference. In the baseline one global mega-platform operates from the start,
# data are closed, and no governance lever is used.
#
# To build a variant, write a new file that starts with `extends: baseline.yaml` (a path
# relative to the new file; from any other folder, use the bundled name: `extends: baseline`)
# and set only what differs. Sections are merged key by key, so everything else is inherited;
# a parent may itself extend another file. Platforms are merged by name: a new name adds a
# platform, a name set to null removes one. Optional top-level keys are `name` (default: the
# file name) and `description` (default: the file's first comment line).
#
# Each parameter below comes with its meaning, then, on its line, its unit, its allowed range
# ([a, b] includes a bound, (a, b) excludes it, inf means unbounded) and its source when it is
# not a modelling assumption. Money is in EUR, time in months, distances in km. Unknown sections
# or keys, values of the wrong type and values out of range are errors, reported with the file,
# the field and what is allowed: nothing is silently ignored or replaced by a default.
"""


def _yaml_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, tuple | list):
        return json.dumps(list(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value) if isinstance(value, float) else str(value)


def _field_lines(cls: type[BaseModel], name: str, value: object, indent: str) -> list[str]:
    info = cls.model_fields[name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit, source = extra.get("unit", ""), extra.get("source", "assumption")
    description = info.description or ""
    if unit == "choice":
        note = f"one of: {range_text(cls, name)}"
    else:
        note = f"unit: {unit}, range: {range_text(cls, name)}"
    line = f"{indent}{name}: {_yaml_value(value)}  # {note}"
    if source != "assumption":
        if len(line) + len("; source: ") + len(source) <= WIDTH:
            line += f"; source: {source}"
        else:
            description = f"{description} Source: {source}."
    wrapped = textwrap.wrap(description, WIDTH - len(indent) - 2)
    return [f"{indent}# {text}" for text in wrapped] + [line]


def _section_lines(section: str, cls: type[BaseModel], values: BaseModel) -> list[str]:
    doc = (cls.__doc__ or "").strip().splitlines()[0]
    bar = "# " + "=" * (WIDTH - 4)
    lines = [
        "",
        bar,
        *textwrap.wrap(f"{section}: {doc}", WIDTH - 2, initial_indent="# ", subsequent_indent="# "),
        bar,
        f"{section}:",
    ]
    for name in cls.model_fields:
        value = getattr(values, name)
        if section == "territory" and name == "file":
            lines += [
                "  # CSV or GeoJSON territory file (id, name, x/y or lon/lat, population; optional",
                "  # region, connectivity, services), relative to the scenario file. When set, the",
                "  # generator parameters below are not used. Default: unset, the territory is",
                "  # generated. Uncomment to read your own file.",
                "  # file: my_territory.csv  # unit: path, relative to this file",
            ]
        elif section == "platforms" and name == "catalogue":
            info = cls.model_fields[name]
            lines += [f"  # {text}" for text in textwrap.wrap(info.description or "", WIDTH - 4)]
            lines.append(
                "  catalogue:  # unit: mapping of name -> platform; source: scenario lever"
            )
            for platform_name, spec in value.items():
                lines.append(f"    {platform_name}:")
                for field in PlatformSpec.model_fields:
                    lines += _field_lines(PlatformSpec, field, getattr(spec, field), "      ")
        else:
            lines += _field_lines(cls, name, value, "  ")
    return lines


def render() -> str:
    """The baseline file's text."""
    defaults = Scenario()
    lines = HEADER.rstrip("\n").splitlines()
    for section, cls in SECTIONS.items():
        lines += _section_lines(section, cls, getattr(defaults, section))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
