"""platsim: simulate how digital platforms change territories.

``from platsim import TerritoryModel`` gives the Mesa model; ``platsim.run.run`` runs it as a
pure function of (scenario, seed). Mesa is imported only when the model is first used, so
tools that only read scenarios or results stay light.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["Scenario", "TerritoryModel", "__version__", "load_scenario"]


def __getattr__(name: str) -> Any:
    if name == "TerritoryModel":
        from platsim.core.model import TerritoryModel

        return TerritoryModel
    if name in ("Scenario", "load_scenario"):
        from platsim import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module 'platsim' has no attribute {name!r}")
