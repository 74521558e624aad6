"""platsim: simulate how digital platforms change territories.

The public API, loaded on first use (Mesa only when a model is built, so tools that only read
scenarios or results stay light):

- :class:`TerritoryModel`: the Mesa model (:mod:`platsim.core.model`);
- :class:`Scenario`, :func:`load_scenario`: validated scenario files (:mod:`platsim.schema`);
- :func:`run`: one run as a pure function of (scenario, seed) (:mod:`platsim.simulation`);
- :func:`open_results`: a batch's results directory for SQL or pandas queries
  (:mod:`platsim.experiment.results`);
- :func:`compare`: each scenario of a batch against a baseline (:mod:`platsim.analysis.compare`).

The folders are the layers, bottom to top: ``errors``; ``schema``, ``numerics`` and ``output``;
``territory``; ``core`` (the model); ``simulation``; ``experiment``; ``analysis``; ``cli`` and
``viz``. A module imports only from its own layer and those below (``tests/test_layers.py``).
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"
__all__ = [
    "Scenario",
    "TerritoryModel",
    "__version__",
    "compare",
    "load_scenario",
    "open_results",
    "run",
]

#: Each public name: the module that defines it, and its name there.
_PUBLIC: dict[str, tuple[str, str]] = {
    "TerritoryModel": ("platsim.core.model", "TerritoryModel"),
    "Scenario": ("platsim.schema.scenario", "Scenario"),
    "load_scenario": ("platsim.schema.loading", "load_scenario"),
    "run": ("platsim.simulation", "run"),
    "open_results": ("platsim.experiment.results", "open"),
    "compare": ("platsim.analysis.compare", "compare"),
}


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'platsim' has no attribute {name!r}")
