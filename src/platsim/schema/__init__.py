"""What a user may write, declared once: scenario sections and their parameters (unit, range,
source), scenario files (YAML, ``extends``, bundled names) and the outcomes a run reports.

- :mod:`platsim.schema.parameters`: :func:`param` and the base of every section.
- :mod:`platsim.schema.sections`, :mod:`platsim.schema.platforms`: the sections.
- :mod:`platsim.schema.scenario`: :class:`Scenario` and its validation.
- :mod:`platsim.schema.reading`, :mod:`platsim.schema.loading`: YAML files to scenarios.
- :mod:`platsim.schema.outcomes`: every outcome's unit, family and better direction.
"""

from platsim.schema.loading import (
    bundled_scenarios,
    bundled_territories,
    load_scenario,
    resolve_scenario,
    resolve_scenario_path,
)
from platsim.schema.parameters import param, range_text
from platsim.schema.platforms import PlatformSpec
from platsim.schema.reading import read_yaml
from platsim.schema.scenario import (
    SECTIONS,
    Scenario,
    iter_parameters,
    parameter_paths,
    safe_name,
    validate_scenario,
)

__all__ = [
    "SECTIONS",
    "PlatformSpec",
    "Scenario",
    "bundled_scenarios",
    "bundled_territories",
    "iter_parameters",
    "load_scenario",
    "param",
    "parameter_paths",
    "range_text",
    "read_yaml",
    "resolve_scenario",
    "resolve_scenario_path",
    "safe_name",
    "validate_scenario",
]
