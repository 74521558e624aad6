"""Experiment files: YAML in, a validated :class:`Experiment` out, before anything runs.

An experiment file names scenario files (relative to the experiment file, or bundled scenario
names), how many replications of each, the steps, the root seed, an optional design over
scenario parameters and what to record::

    name: data_sharing_sweep
    scenarios: [../scenarios/baseline.yaml]
    replications: 10
    steps: 120
    seed: 20261125
    design:                       # optional; without it each scenario runs as it is
      method: grid                # grid | lhs | sobol | morris
      parameters:
        data.regime: {values: [closed, open]}
        data.share: {values: [0.25, 0.5]}
    outputs:
      panel_every: 12             # municipal panel period; 0 for none
      platforms: true             # record the platform table
    overrides:                    # fixed values applied to every scenario (optional)
      territory.n_municipalities: 100

``lhs``, ``sobol`` and ``morris`` take ``samples`` and ``{low, high}`` ranges; ``sobol`` also
``second_order`` (default true) and ``samples`` a power of 2; ``morris`` also ``levels``
(even, default 4). Integer scenario fields are rounded to whole numbers.

Every problem (unknown key, missing scenario, unknown parameter path, value the scenario
schema rejects, reversed bounds, zero replications, a territory file that cannot be loaded, a
design point that breaks a rule between two parameters, ...) raises
:class:`platsim.errors.InputError` naming the experiment file and the field, before anything
runs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from platsim.errors import InputError, InputErrors, from_validation_error
from platsim.experiment.samplers import CONTINUOUS_METHODS, Parameter, get_sampler
from platsim.experiment.seeds import design_seed, replication_seeds
from platsim.schema import (
    SECTIONS,
    Scenario,
    bundled_scenarios,
    bundled_territories,
    load_scenario,
    read_yaml,
    safe_name,
)

# --------------------------------------------------------------------------------------------
# Schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    """How one parameter varies: ``values`` (grid) or ``low``/``high`` (other methods)."""

    values: list[Any] | None = Field(None, min_length=1, description="Levels of a grid.")
    low: StrictFloat | StrictInt | None = Field(None, description="Lower bound of a range.")
    high: StrictFloat | StrictInt | None = Field(None, description="Upper bound of a range.")


class DesignSpec(_Strict):
    """The design over scenario parameters."""

    method: Literal["grid", "lhs", "sobol", "morris"]
    samples: StrictInt | None = Field(
        None, ge=1, le=1_000_000, description="lhs: points; sobol: base points N; morris: N."
    )
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    second_order: StrictBool | None = Field(None, description="sobol: second order indices.")
    levels: StrictInt | None = Field(None, ge=2, le=1_000, description="morris: grid levels.")


class OutputsSpec(_Strict):
    """What each run records besides its metrics."""

    panel_every: StrictInt | None = Field(
        None, ge=0, le=10_000, description="Municipal panel period (0: none; default: scenario)."
    )
    platforms: StrictBool = Field(True, description="Record the platform table.")


class ExperimentSpec(_Strict):
    """An experiment file, as validated (paths not yet resolved)."""

    name: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Experiment name (default: the file's stem); names results/<name>.",
    )
    description: str = ""
    scenarios: list[StrictStr] = Field(min_length=1)
    replications: StrictInt = Field(ge=1, le=100_000)
    steps: StrictInt | None = Field(None, ge=1, le=10_000)
    seed: StrictInt = Field(0, ge=0, lt=2**63)
    design: DesignSpec | None = None
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    overrides: dict[str, Any] = Field(default_factory=dict)


_MODELS_BELOW: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    ExperimentSpec: {"design": DesignSpec, "outputs": OutputsSpec},
    DesignSpec: {"parameters": ParameterSpec},
}


# --------------------------------------------------------------------------------------------
# The validated experiment


@dataclass(frozen=True)
class ScenarioEntry:
    """One scenario of an experiment, resolved and with the experiment's overrides applied.

    Attributes:
        name: Scenario name (unique within the experiment), used in run ids.
        file: The scenario file.
        scenario: The validated scenario the runs use.
    """

    name: str
    file: Path
    scenario: Scenario

    @property
    def hash(self) -> str:
        """SHA-256 of the resolved parameters (see :meth:`Scenario.hash`)."""
        return self.scenario.hash()


@dataclass(frozen=True, eq=False)
class Experiment:
    """A validated experiment: everything needed to enumerate its runs.

    Attributes:
        file: The experiment file.
        raw: The file's content as given (stored in the results manifest).
        spec: The validated content.
        name: Experiment name.
        scenarios: The scenarios, in the file's order.
        parameters: The design's parameters (empty without a design).
        design: One row per design point, one column per parameter (one empty row without a
            design).
        seeds: One seed per replication index (common to every scenario and design point).
        hash: SHA-256 identifying the experiment (see :func:`experiment_hash`).
    """

    file: Path
    raw: dict[str, Any]
    spec: ExperimentSpec
    name: str
    scenarios: tuple[ScenarioEntry, ...]
    parameters: tuple[Parameter, ...]
    design: pd.DataFrame
    seeds: tuple[int, ...]
    hash: str

    @property
    def replications(self) -> int:
        """Replications of every (scenario, design point)."""
        return self.spec.replications

    @property
    def steps(self) -> int | None:
        """Steps of every run (None: each scenario's ``simulation.steps``)."""
        return self.spec.steps

    @property
    def design_points(self) -> int:
        """Number of design points (1 without a design)."""
        return len(self.design)

    @property
    def runs(self) -> int:
        """Number of runs: scenarios x design points x replications."""
        return len(self.scenarios) * self.design_points * self.replications

    @property
    def method(self) -> str | None:
        """The design method, or None without a design."""
        return self.spec.design.method if self.spec.design else None

    def describe(self) -> str:
        """One line: what the experiment runs."""
        steps = f"{self.steps} steps" if self.steps else "the scenarios' steps"
        design = f" x {self.design_points} design points ({self.method})" if self.method else ""
        return (
            f"{self.name}: {len(self.scenarios)} scenario(s){design} x {self.replications} "
            f"replication(s) = {self.runs:,} runs of {steps}"
        )


# --------------------------------------------------------------------------------------------
# Loading


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and resolve an experiment file.

    Scenario paths are resolved relative to the experiment file (a bare bundled scenario name
    such as ``baseline`` also works); the experiment's ``overrides`` and
    ``outputs.panel_every`` are applied to every scenario; the design's parameter paths are
    checked against the scenario schema and its values or bounds validated for every
    scenario; the design is generated.

    Raises:
        InputError: Anything wrong, naming the file and the field.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(
            "no such experiment file" if not file.exists() else "is not a file",
            file=file,
            allowed="an experiment YAML file (see experiments/*.yaml)",
        )
    keys = ", ".join(ExperimentSpec.model_fields)
    raw = read_yaml(
        file,
        expected="a YAML mapping",
        allowed="keys " + keys,
        if_empty="an experiment with keys " + keys + " (see experiments/*.yaml)",
    )
    spec = _validate_spec(raw, file)
    name = spec.name or file.stem
    scenarios = _load_scenarios(spec, file)
    parameters = _design_parameters(spec, file, scenarios)
    design = _generate_design(spec, file, parameters)
    _check_design_points(design, file, scenarios)
    seeds = tuple(replication_seeds(spec.seed, spec.replications))
    return Experiment(
        file=file,
        raw=raw,
        spec=spec,
        name=name,
        scenarios=scenarios,
        parameters=parameters,
        design=design,
        seeds=seeds,
        hash=experiment_hash(spec, name, scenarios),
    )


def experiment_hash(spec: ExperimentSpec, name: str, scenarios: tuple[ScenarioEntry, ...]) -> str:
    """SHA-256 of what determines an experiment's results.

    It covers the name, replications, steps, seed, design and outputs, and each scenario's
    name and resolved-parameter hash (so editing a scenario file changes it); it leaves out
    the description and the scenario file paths (moving files changes nothing).
    """
    payload = {
        **spec.model_dump(mode="json", exclude={"description", "scenarios", "name"}),
        "name": name,
        "scenarios": [[entry.name, entry.hash] for entry in scenarios],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _validate_spec(raw: Mapping[str, Any], file: Path) -> ExperimentSpec:
    try:
        return ExperimentSpec.model_validate(raw)
    except ValidationError as error:
        raise from_validation_error(
            error, file, keys_at=_keys_at, allowed_for=_allowed_for
        ) from None


def _keys_at(loc: list[str]) -> list[str]:
    return list(_model_at(loc).model_fields)


def _allowed_for(loc: list[str], item: Mapping[str, Any]) -> str | None:
    """A bound (``>= 1``), a pattern's rule, or what pydantic expected."""
    ctx = item.get("ctx") or {}
    allowed = str(ctx["expected"]) if "expected" in ctx else None
    for key, text in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            allowed = f"{text} {ctx[key]}"
    if item["type"] == "string_pattern_mismatch":
        allowed = "letters, digits, '_', '-' and '.', starting with a letter or digit"
    return allowed


def _model_at(loc: list[str]) -> type[BaseModel]:
    """The schema model that the mapping at ``loc`` is validated against."""
    model: type[BaseModel] = ExperimentSpec
    position = 0
    while position < len(loc):
        below = _MODELS_BELOW.get(model, {})
        key = loc[position]
        if key not in below:
            break
        model = below[key]
        # a dict of models (design.parameters.<name>) takes one more path element
        position += 2 if key == "parameters" else 1
    return model


def _resolve_scenario_file(entry: str, index: int, file: Path) -> Path:
    candidate = Path(entry)
    if not candidate.is_absolute():
        candidate = file.parent / candidate
    if candidate.is_file():
        return candidate
    bundled = bundled_scenarios() | bundled_territories()
    if entry in bundled:
        return bundled[entry]
    raise InputError(
        "scenario file not found" if not candidate.exists() else "scenario path is not a file",
        file=file,
        field=f"scenarios[{index}]",
        value=entry,
        allowed="a scenario file relative to the experiment file, or a bundled scenario: "
        + ", ".join(bundled),
    )


def _load_scenarios(spec: ExperimentSpec, file: Path) -> tuple[ScenarioEntry, ...]:
    fixed = dict(spec.overrides)
    if spec.outputs.panel_every is not None:
        fixed["simulation.panel_every"] = spec.outputs.panel_every
    entries: list[ScenarioEntry] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(spec.scenarios):
        scenario_file = _resolve_scenario_file(entry, index, file)
        scenario = load_scenario(scenario_file)  # its own errors name its own file
        for path in spec.overrides:
            try:
                scenario.get(path)
            except InputError as error:
                raise InputError(
                    "unknown parameter",
                    file=file,
                    field=f"overrides.{path}",
                    value=path,
                    allowed=error.allowed,
                ) from None
        if fixed:
            try:
                scenario = scenario.with_overrides(fixed, origin=str(file))
            except InputError as error:
                raise _rejected(error, file, "overrides", scenario.name) from None
        check_territory_file(scenario, origin=scenario_file)
        name = safe_name(scenario.name)
        if name in seen:
            raise InputError(
                f"two scenarios are named {name!r} (scenarios[{seen[name]}] and this one); "
                "run ids need distinct names",
                file=file,
                field=f"scenarios[{index}]",
                value=entry,
                allowed="scenarios with distinct `name`s or file names",
            )
        seen[name] = index
        entries.append(ScenarioEntry(name=name, file=scenario_file, scenario=scenario))
    return tuple(entries)


def check_territory_file(scenario: Scenario, *, origin: str | Path | None = None) -> None:
    """Load the scenario's ``territory.file``, if it has one, as a run would (same settings),
    or check its INSEE codes, and estimate the worker agents either would make, so that a
    missing or broken file, an unknown code, or a territory with no agent or too many to hold
    is reported now rather than by every run.

    Args:
        scenario: The scenario.
        origin: The file to name in the message (default: the scenario's source).

    Raises:
        InputError: The territory file cannot be loaded; the message names the scenario
            file, ``territory.file`` and the territory file's own problem.
    """
    where = origin if origin is not None else scenario.source
    territory = scenario.territory
    if territory.resolved_source == "insee":  # the codes only: building France takes seconds
        from platsim.territory.france import select_communes

        try:
            communes = select_communes(
                regions=territory.regions,
                departements=territory.departements,
                epcis=territory.epcis,
                communes=territory.communes,
            )
            _check_agents(communes["population"].to_numpy(dtype=float), scenario)
        except InputError as error:
            raise InputError(
                error.problem,
                file=where,
                field=error.field,
                value=error.value,
                allowed=error.allowed,
            ) from None
        return
    if territory.file is None:
        return
    from platsim.core.initialise import build_territory

    try:
        built = build_territory(scenario.territory, np.random.default_rng(0))
        _check_agents(built.population, scenario, file=built.source)
    except InputError as error:
        raise InputError(error.message(), file=where, field="territory.file") from None
    except (OSError, ValueError, MemoryError) as error:
        raise InputError(
            f"territory file cannot be loaded ({type(error).__name__}: {error})",
            file=where,
            field="territory.file",
            value=scenario.territory.file,
        ) from None


def _check_agents(population: np.ndarray, scenario: Scenario, file: str | None = None) -> None:
    """The worker agents a run would create are at least 1 and not too many to hold."""
    from platsim.territory.limits import check_worker_agents

    check_worker_agents(
        population,
        working_age_share=scenario.population.working_age_share,
        inhabitants_per_agent=scenario.population.inhabitants_per_agent,
        file=file,
    )


def _rejected(error: InputError, file: Path, prefix: str, scenario: str) -> InputError:
    """Re-word a scenario's rejection of a value as an error of the experiment file."""
    first = error.errors[0] if isinstance(error, InputErrors) else error
    field = f"{prefix}.{first.field}" if first.field else prefix
    return InputError(
        f"rejected by scenario {scenario!r}: {first.problem}",
        file=file,
        field=field,
        value=first.value,
        allowed=first.allowed,
    )


def _design_parameters(
    spec: ExperimentSpec, file: Path, scenarios: tuple[ScenarioEntry, ...]
) -> tuple[Parameter, ...]:
    design = spec.design
    if design is None:
        return ()
    method = design.method
    where = "design"
    if method == "grid" and design.samples is not None:
        raise InputError(
            "a grid takes no samples (its size is the product of the values)",
            file=file,
            field=f"{where}.samples",
            value=design.samples,
        )
    if method in CONTINUOUS_METHODS and design.samples is None:
        raise InputError(
            f"{method} needs samples",
            file=file,
            field=f"{where}.samples",
            allowed="an integer >= 1",
        )
    if method == "sobol" and design.samples is not None and design.samples & (design.samples - 1):
        raise InputError(
            "Sobol' sampling needs a power of 2 base points (balanced sequence)",
            file=file,
            field=f"{where}.samples",
            value=design.samples,
            allowed="1, 2, 4, ..., 64, 128, 256, ...",
        )
    if design.second_order is not None and method != "sobol":
        raise InputError(
            "only used by method sobol", file=file, field=f"{where}.second_order", value=method
        )
    if design.levels is not None and (method != "morris" or design.levels % 2):
        raise InputError(
            "only used by method morris, and must be even",
            file=file,
            field=f"{where}.levels",
            value=design.levels,
            allowed="an even number of levels >= 2 with method morris",
        )
    parameters = []
    for path, given in design.parameters.items():
        field = f"{where}.parameters.{path}"
        if path in spec.overrides:
            raise InputError(
                "also fixed in overrides; a parameter is either fixed or varied",
                file=file,
                field=field,
            )
        current = _check_path(path, field, file, scenarios)
        if method == "grid":
            if given.values is None or given.low is not None or given.high is not None:
                raise InputError(
                    "a grid parameter takes values",
                    file=file,
                    field=field,
                    allowed="{values: [v1, v2, ...]}",
                )
            if len({json.dumps(value, sort_keys=True) for value in given.values}) < len(
                given.values
            ):
                raise InputError(
                    "values repeat", file=file, field=f"{field}.values", value=given.values
                )
            parameters.append(Parameter(path, values=tuple(given.values)))
            continue
        if given.values is not None or given.low is None or given.high is None:
            raise InputError(
                f"a {method} parameter takes a range",
                file=file,
                field=field,
                allowed="{low: number, high: number}",
            )
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise InputError(
                "is not a number, so it cannot be sampled from a range",
                file=file,
                field=field,
                value=current,
                allowed="numeric parameters; vary others with method grid and values",
            )
        low, high = float(given.low), float(given.high)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise InputError("bounds must be finite", file=file, field=field)
        if not low < high:
            raise InputError(
                "bounds reversed or equal: low must be below high",
                file=file,
                field=field,
                value={"low": given.low, "high": given.high},
                allowed="low < high",
            )
        integer = isinstance(current, int)
        if integer and math.floor(high + 0.5) == math.floor(low + 0.5):
            raise InputError(
                "an integer parameter needs a range spanning at least two whole numbers",
                file=file,
                field=field,
                value={"low": given.low, "high": given.high},
            )
        parameters.append(Parameter(path, low=low, high=high, integer=integer))
    parameters_tuple = tuple(parameters)
    _check_values(parameters_tuple, file, scenarios)
    return parameters_tuple


def _check_path(path: str, field: str, file: Path, scenarios: tuple[ScenarioEntry, ...]) -> Any:
    """Check ``path`` exists in every scenario; return its value in the first."""
    current = None
    for position, entry in enumerate(scenarios):
        try:
            value = entry.scenario.get(path)
        except InputError as error:
            raise InputError(
                "unknown parameter path",
                file=file,
                field=field,
                value=path,
                allowed=error.allowed,
            ) from None
        if position == 0:
            current = value
    if isinstance(current, BaseModel | dict):
        raise InputError(
            "names a whole section, not one parameter",
            file=file,
            field=field,
            value=path,
            allowed="a dotted path to one value, e.g. data.share",
        )
    return current


def _check_values(
    parameters: tuple[Parameter, ...], file: Path, scenarios: tuple[ScenarioEntry, ...]
) -> None:
    """Check every grid value, and both ends of every range, against every scenario."""
    for parameter in parameters:
        field = f"design.parameters.{parameter.name}"
        if parameter.values is not None:
            candidates = [(f"{field}.values[{k}]", v) for k, v in enumerate(parameter.values)]
        else:
            low, high = parameter.bounds()
            if parameter.integer:
                low, high = math.floor(low + 0.5), math.floor(high + 0.5)
            candidates = [(f"{field}.low", low), (f"{field}.high", high)]
        for entry in scenarios:
            for where, value in candidates:
                try:
                    entry.scenario.with_overrides({parameter.name: value})
                except InputError as error:
                    first = error.errors[0] if isinstance(error, InputErrors) else error
                    raise InputError(
                        f"rejected by scenario {entry.name!r}: {first.problem}",
                        file=file,
                        field=where,
                        value=value,
                        allowed=first.allowed,
                    ) from None


def _check_design_points(
    design: pd.DataFrame, file: Path, scenarios: tuple[ScenarioEntry, ...]
) -> None:
    """Check every design point against the rules between parameters of a section (e.g.
    ``rural_connectivity_low <= rural_connectivity_high``), for every scenario.

    Each value alone was checked by :func:`_check_values`; only sections with such rules are
    validated again, once per distinct combination of their varied values.

    Raises:
        InputError: The first failing point, with its number and parameter values.
    """
    by_section: dict[str, list[str]] = {}
    for name in design.columns:
        section = str(name).split(".")[0]
        model = SECTIONS.get(section)
        if model is not None and model.__pydantic_decorators__.model_validators:
            by_section.setdefault(section, []).append(str(name))
    for section, names in by_section.items():
        points = design[names].drop_duplicates()
        records = [
            {
                name: (value.item() if isinstance(value, np.generic) else value)
                for name, value in zip(names, row, strict=True)
            }
            for row in points.itertuples(index=False, name=None)
        ]
        for entry in scenarios:
            base = getattr(entry.scenario, section).model_dump()
            for point, record in zip(points.index, records, strict=True):
                data = {**base, **{name.split(".", 1)[1]: value for name, value in record.items()}}
                try:
                    SECTIONS[section].model_validate(data)
                except ValidationError:
                    _report_point(entry, file, int(point), record)


def _report_point(entry: ScenarioEntry, file: Path, point: int, record: Mapping[str, Any]) -> None:
    """Raise the scenario's own message for a design point it rejects."""
    values = ", ".join(f"{name}={value!r}" for name, value in record.items())
    try:
        entry.scenario.with_overrides(record)
    except InputError as error:
        first = error.errors[0] if isinstance(error, InputErrors) else error
        raise InputError(
            f"design point {point} ({values}) rejected by scenario {entry.name!r}: {first.problem}",
            file=file,
            field="design",
            allowed="design points that keep every rule between parameters; narrow the ranges",
        ) from None
    raise InputError(  # pragma: no cover - the section alone failed, so the scenario fails
        f"design point {point} ({values}) rejected by scenario {entry.name!r}",
        file=file,
        field="design",
    )


def _generate_design(
    spec: ExperimentSpec, file: Path, parameters: tuple[Parameter, ...]
) -> pd.DataFrame:
    if spec.design is None:
        return pd.DataFrame(index=pd.RangeIndex(1, name="design_point"))
    design = spec.design
    options: dict[str, Any] = {}
    if design.method == "sobol" and design.second_order is not None:
        options["second_order"] = design.second_order
    if design.method == "morris" and design.levels is not None:
        options["levels"] = design.levels
    sampler = get_sampler(design.method)
    try:
        frame = sampler(parameters, design.samples, design_seed(spec.seed), **options)
    except ValueError as error:
        raise InputError(f"cannot sample: {error}", file=file, field="design") from None
    return frame
