"""One run as a pure function: ``run(scenario, seed, steps) -> RunOutputs``.

This is the only entry point the experiment runner uses: it knows nothing of Mesa. The same
(scenario, seed, steps) always gives the same outputs, bit for bit.

    >>> from platsim.simulation import run
    >>> outputs = run("baseline", seed=3, steps=2, overrides={"territory.n_municipalities": 20})
    >>> list(outputs.metrics["step"])
    [0, 1, 2]
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from platsim import __version__
from platsim.output import write_json, write_parquet
from platsim.schema import Scenario, load_scenario


@dataclass
class RunOutputs:
    """Everything one run produces.

    Attributes:
        metrics: One row per step (0 = initial state), one column per outcome.
        panel: Municipal panel, one row per municipality every ``panel_every`` steps.
        platforms: Per-platform rows per step (empty until platforms exist).
        lorenz: Lorenz curve of household income (step, population_share, income_share) at
            21 population shares, at the panel steps and the final step.
        info: Provenance: platsim version, scenario name and hash, seed, steps, wall time.
    """

    metrics: pd.DataFrame
    panel: pd.DataFrame
    platforms: pd.DataFrame = field(default_factory=pd.DataFrame)
    info: dict[str, Any] = field(default_factory=dict)
    lorenz: pd.DataFrame = field(default_factory=pd.DataFrame)

    def save(self, directory: str | Path) -> dict[str, Path]:
        """Write metrics, municipalities, platforms and lorenz (.parquet) and run.json to
        ``directory``."""
        directory = Path(directory)
        paths = {
            "metrics": directory / "metrics.parquet",
            "panel": directory / "municipalities.parquet",
            "run": directory / "run.json",
        }
        write_parquet(self.metrics, paths["metrics"])
        write_parquet(self.panel, paths["panel"])
        paths["platforms"] = directory / "platforms.parquet"
        write_parquet(self.platforms, paths["platforms"])
        paths["lorenz"] = directory / "lorenz.parquet"
        write_parquet(self.lorenz, paths["lorenz"])
        write_json(self.info, paths["run"])
        return paths


def run(
    scenario: Scenario | str | Path,
    seed: int,
    steps: int | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    on_step: Callable[[Any], None] | None = None,
) -> RunOutputs:
    """Build the model for (scenario, seed), run it, and return its outputs.

    Args:
        scenario: A Scenario, a YAML path, or a bundled scenario name.
        seed: Seed of the run's random generator.
        steps: Number of steps (default: the scenario's ``simulation.steps``).
        overrides: Dotted-path parameter values applied to the scenario first.
        on_step: Called with the model after each step (progress bars, live tables).

    Returns:
        The run's metrics, municipal panel, platform table, Lorenz points and provenance.
    """
    from platsim.core.model import TerritoryModel  # Mesa is imported only when a run is made

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="overrides")
    started = time.perf_counter()
    model = TerritoryModel(scenario=scenario, seed=seed, steps=steps)
    while model.running:
        model.step()
        if on_step is not None:
            on_step(model)
    wall = time.perf_counter() - started
    info = {
        "platsim_version": __version__,
        "scenario": scenario.name,
        "scenario_hash": scenario.hash(),
        "scenario_source": scenario.source,
        "parameters": scenario.to_dict(),
        "seed": int(seed),
        "steps": int(model.steps),
        "policy_start": scenario.simulation.policy_start,
        "wall_seconds": round(wall, 4),
        "python": platform.python_version(),
        "workers": len(model.workers),
        "municipalities": model.territory.n,
    }
    return RunOutputs(
        metrics=model.metrics_frame(),
        panel=model.panel_frame(),
        platforms=model.platform_frame(),
        info=info,
        lorenz=model.lorenz_frame(),
    )
