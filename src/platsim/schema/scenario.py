"""A complete scenario: its sections (:data:`SECTIONS`), the frozen :class:`Scenario` with its
hash and dotted-path overrides, and :func:`validate_scenario`, which turns plain data into a
Scenario or into :class:`platsim.errors.InputError` naming the field, the value and what is
allowed.

    >>> from platsim.schema import load_scenario
    >>> scenario = load_scenario("baseline")          # a bundled scenario, by name
    >>> scenario.simulation.steps
    120
    >>> scenario.with_overrides({"economy.matching_efficiency": 0.3}).economy.matching_efficiency
    0.3
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from platsim.errors import InputError, from_validation_error
from platsim.schema.parameters import Section, range_text
from platsim.schema.platforms import (
    PROTECTION_FIELDS,
    Competition,
    Data,
    Labour,
    Platforms,
    PlatformSpec,
)
from platsim.schema.sections import (
    CODE_FIELDS,
    INSEE_FIELDS,
    Economy,
    Mobility,
    Population,
    Public,
    Simulation,
    Territory,
)
from platsim.schema.segments import Freelance, Goods, LocalServices

#: Longest scenario name (it names files and folders: ``runs/<name>-seed<N>``).
MAX_NAME_CHARS = 120

SECTIONS: dict[str, type[Section]] = {
    "simulation": Simulation,
    "territory": Territory,
    "population": Population,
    "economy": Economy,
    "public": Public,
    "mobility": Mobility,
    "platforms": Platforms,
    "goods": Goods,
    "local_services": LocalServices,
    "freelance": Freelance,
    "data": Data,
    "competition": Competition,
    "labour": Labour,
}


class Scenario(BaseModel):
    """A complete, validated scenario. Immutable: use :meth:`with_overrides` to vary it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        "baseline",
        max_length=MAX_NAME_CHARS,
        description="Scenario name (the file's stem by default).",
    )
    description: str = Field("", description="One line saying what the scenario represents.")
    simulation: Simulation = Simulation()
    territory: Territory = Territory()
    population: Population = Population()
    economy: Economy = Economy()
    public: Public = Public()
    mobility: Mobility = Mobility()
    platforms: Platforms = Platforms()
    goods: Goods = Goods()  # type: ignore[valid-type]
    local_services: LocalServices = LocalServices()  # type: ignore[valid-type]
    freelance: Freelance = Freelance()  # type: ignore[valid-type]
    data: Data = Data()
    competition: Competition = Competition()
    labour: Labour = Labour()
    source: str | None = Field(None, exclude=True, description="File the scenario came from.")

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise PydanticCustomError(
                "name_characters", "A name cannot hold control characters (NUL, newline, tab)"
            )
        return value

    @model_validator(mode="after")
    def _check_platform_supply_shares(self) -> Scenario:
        for name, spec in self.platforms.catalogue.items():
            if spec.segment == "freelance":
                continue  # freelance sales are all freelance work: no task share
            task_share = getattr(self, spec.segment).task_share
            if spec.outside_supplier_share + task_share > 1:
                raise PydanticCustomError(
                    "supply_shares",
                    "platforms.catalogue.{name}: outside_supplier_share ({outside}) plus "
                    "{segment}.task_share ({tasks}) exceeds 1: the member firms' part of its "
                    "sales would be negative",
                    {
                        "name": name,
                        "outside": spec.outside_supplier_share,
                        "segment": spec.segment,
                        "tasks": task_share,
                    },
                )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Return the resolved scenario as plain data (what gets hashed and stored)."""
        return self.model_dump(mode="json", exclude={"source"})

    def hash(self) -> str:
        """Return a SHA-256 of the resolved parameters: equal parameters, equal hash.

        The name and description are left out, so two files that set the same parameters
        are recognisably the same scenario. The fields that choose INSEE communes, and the
        worker-protection fields of issue 15 (:data:`PROTECTION_FIELDS`), are left out too
        when they are at their defaults, so a scenario written before they existed keeps its
        hash (and its results directories can be resumed).
        """
        parameters = {key: value for key, value in self.to_dict().items() if key in SECTIONS}
        for section, added in (("territory", INSEE_FIELDS), ("labour", PROTECTION_FIELDS)):
            defaults = SECTIONS[section]().model_dump(mode="json")
            parameters[section] = {
                key: value
                for key, value in parameters[section].items()
                if key not in added or value != defaults[key]
            }
        canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def get(self, path: str) -> Any:
        """Return the value at a dotted path such as ``"economy.matching_efficiency"``."""
        node: Any = self
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, BaseModel) and part in type(node).model_fields:
                node = getattr(node, part)
            else:
                raise InputError(
                    "unknown parameter", field=path, value=path, allowed=_allowed_paths_hint(path)
                )
        return node

    def with_overrides(
        self, overrides: Mapping[str, Any], *, origin: str | None = None
    ) -> Scenario:
        """Return a new scenario with dotted-path overrides applied and validated.

        Args:
            overrides: ``{"economy.matching_efficiency": 0.3, ...}``.
            origin: Where the overrides come from, for error messages (e.g. ``"--set"``).

        Raises:
            InputError: An unknown path, or a value the schema rejects.
        """
        data = self.to_dict()
        for path, value in overrides.items():
            self.get(path)  # raises for an unknown path
            _set_path(data, path.split("."), value)
        return validate_scenario(data, file=origin or self.source, source=self.source)


def _set_path(data: dict[str, Any], parts: list[str], value: Any) -> None:
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def safe_name(name: str) -> str:
    """A scenario name usable as a file or folder name, never a path: characters other than
    letters, digits, '_', '.' and '-' become '_' (so '/', '\\' and NUL cannot remain), leading
    and trailing dots go (no '..'), and the result is at most 120 bytes of UTF-8."""
    cleaned = "".join(char if char.isalnum() or char in "_.-" else "_" for char in name)
    cleaned = cleaned.encode("utf-8")[:MAX_NAME_CHARS].decode("utf-8", errors="ignore")
    return cleaned.strip(".") or "scenario"


def parameter_paths() -> list[str]:
    """Every settable dotted parameter path, in schema order."""
    return [f"{name}.{field}" for name, cls in SECTIONS.items() for field in cls.model_fields]


def iter_parameters() -> Iterator[dict[str, Any]]:
    """Yield one record per parameter: path, default, unit, range, description, source.

    This is the single source of the ODD's parameter table.
    """
    groups: list[tuple[str, type[BaseModel]]] = [*SECTIONS.items()]
    groups.insert(list(SECTIONS).index("platforms") + 1, ("platforms.catalogue.NAME", PlatformSpec))
    for prefix, cls in groups:
        for field_name, info in cls.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            default = info.get_default(call_default_factory=True)
            if isinstance(default, dict):
                default = {key: "..." for key in default}
            yield {
                "path": f"{prefix}.{field_name}",
                "default": "required" if info.is_required() else default,
                "unit": extra.get("unit", ""),
                "range": range_text(cls, field_name),
                "description": info.description or "",
                "source": extra.get("source", "assumption"),
            }


def _allowed_paths_hint(path: str) -> str:
    section = path.split(".")[0]
    if section in SECTIONS:
        return ", ".join(f"{section}.{name}" for name in SECTIONS[section].model_fields)
    return "sections " + ", ".join(SECTIONS)


def validate_scenario(
    data: Mapping[str, Any], *, file: str | Path | None = None, source: str | None = None
) -> Scenario:
    """Validate plain data (already merged) into a :class:`Scenario`.

    Raises:
        InputError: One entry per invalid field (as :class:`InputErrors` when several).
    """
    payload = {
        key: ({} if value is None and key in SECTIONS else value) for key, value in data.items()
    }
    platforms = payload.get("platforms")
    if isinstance(platforms, dict) and isinstance(platforms.get("catalogue"), dict):
        # a platform set to null is removed (lets a scenario drop an inherited platform)
        catalogue = {k: v for k, v in platforms["catalogue"].items() if v is not None}
        payload["platforms"] = {**platforms, "catalogue": catalogue}
    if "source" in payload:
        raise InputError(
            "unknown key",
            file=file,
            field="source",
            value="source",
            allowed=", ".join([*Scenario.model_fields.keys() - {"source"}, "extends"]),
        )
    if source is not None:
        payload["source"] = source
    try:
        return Scenario.model_validate(payload)
    except ValidationError as error:
        raise from_validation_error(
            error, file, keys_at=_keys_at, allowed_for=_allowed_for
        ) from None


def _keys_at(loc: list[str]) -> list[str]:
    """The keys allowed in the mapping at ``loc``: a section's fields, or the top level's."""
    if len(loc) == 1 and loc[0] in SECTIONS:
        return list(SECTIONS[loc[0]].model_fields)
    return [name for name in Scenario.model_fields if name != "source"] + ["extends"]


def _allowed_for(loc: list[str], item: Mapping[str, Any]) -> str | None:
    """A section field's range (``a number in [0, 1]``), else what pydantic expected."""
    allowed = None
    if len(loc) == 2 and loc[0] in SECTIONS and loc[1] in SECTIONS[loc[0]].model_fields:
        allowed = range_text(SECTIONS[loc[0]], loc[1])
        annotation = SECTIONS[loc[0]].model_fields[loc[1]].annotation
        type_name = getattr(annotation, "__name__", None)
        if type_name in ("int", "float") and allowed:
            allowed = f"{'an integer' if type_name == 'int' else 'a number'} in {allowed}"
    ctx = item.get("ctx") or {}
    if "expected" in ctx and allowed is None:
        allowed = str(ctx["expected"])
    if loc == ["name"] and allowed is None:
        allowed = f"text of at most {MAX_NAME_CHARS} characters, without control characters"
    if len(loc) == 3 and loc[:2] in [["territory", name] for name in CODE_FIELDS]:
        allowed = 'codes in quotes, e.g. ["78", "91"] (a code keeps its leading zero: "01")'
    return allowed
