"""The runs of an experiment: scenario x design point x replication, by index, never stored.

Run ``i`` of an experiment with ``P`` design points and ``R`` replications is scenario
``i // (P R)``, design point ``(i // R) % P`` and replication ``i % R``; its id is
``<scenario>_p<point>_r<replication>`` with zero-padded numbers (``baseline_p0_r07``), so ids
sort in plan order and name the run's files. Replication ``r`` always gets seed
``experiment.seeds[r]`` (common random numbers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from platsim.errors import InputError
from platsim.experiment.spec import Experiment
from platsim.experiment.tasks import RunSummary, RunTask

#: Columns of ``runs.parquet`` besides one column per varied parameter (after ``seed``).
RUN_COLUMNS: tuple[str, ...] = (
    "run_id",
    "scenario",
    "design_point",
    "replication",
    "seed",
    "status",
    "error",
    "traceback",
    "wall_seconds",
)


#: Most runs an experiment may plan. The driver rebuilds the runs table (a row per run) in
#: memory at every rewrite of runs.parquet: measured at 1 million runs, 5 s and 360 MiB, both
#: linear in the runs; the limit keeps that under a GiB, and larger studies split well.
MAX_RUNS = 2_000_000


def check_plan_size(experiment: Experiment) -> None:
    """Refuse a plan too big to hold, before anything is allocated or written.

    Raises:
        InputError: More than :data:`MAX_RUNS` runs (naming the larger factor, the
            replications or the design).
    """
    runs = experiment.runs
    if runs <= MAX_RUNS:
        return
    points, replications = experiment.design_points, experiment.replications
    field = "design" if points > replications else "replications"
    raise InputError(
        f"the plan has {runs:,} runs ({len(experiment.scenarios)} scenario(s) x {points:,} "
        f"design point(s) x {replications:,} replication(s)), more than a batch can hold",
        file=experiment.file,
        field=field,
        value=experiment.design_points if field == "design" else replications,
        allowed=f"at most {MAX_RUNS:,} runs: fewer replications, design points "
        "(samples, grid values) or scenarios",
    )


@dataclass(frozen=True)
class PlannedRun:
    """One run of the plan.

    Attributes:
        index: Position in the plan.
        run_id: Identifier and file stem.
        scenario_index: Index of the scenario in the experiment.
        design_point: Index of the design point.
        replication: Replication index.
        seed: The replication's seed.
    """

    index: int
    run_id: str
    scenario_index: int
    design_point: int
    replication: int
    seed: int


class RunPlan:
    """Enumerates an experiment's runs and builds their tasks and the ``runs`` table."""

    def __init__(self, experiment: Experiment) -> None:
        """Plan an experiment's runs.

        Raises:
            InputError: The plan is too big (see :func:`check_plan_size`).
        """
        check_plan_size(experiment)
        self.experiment = experiment
        self.points = experiment.design_points
        self.replications = experiment.replications
        self._point_width = len(str(max(self.points - 1, 0)))
        self._replication_width = len(str(max(self.replications - 1, 0)))
        self._point_values = _point_records(experiment.design)

    def __len__(self) -> int:
        return self.experiment.runs

    def run_id(self, scenario_index: int, design_point: int, replication: int) -> str:
        """The id of a run, e.g. ``open_data_p03_r17``."""
        name = self.experiment.scenarios[scenario_index].name
        return (
            f"{name}_p{design_point:0{self._point_width}d}"
            f"_r{replication:0{self._replication_width}d}"
        )

    def run(self, index: int) -> PlannedRun:
        """The run at position ``index`` of the plan."""
        per_scenario = self.points * self.replications
        scenario_index, rest = divmod(index, per_scenario)
        design_point, replication = divmod(rest, self.replications)
        return PlannedRun(
            index=index,
            run_id=self.run_id(scenario_index, design_point, replication),
            scenario_index=scenario_index,
            design_point=design_point,
            replication=replication,
            seed=self.experiment.seeds[replication],
        )

    def __iter__(self) -> Iterator[PlannedRun]:
        for index in range(len(self)):
            yield self.run(index)

    def task(self, run: PlannedRun, directory: str | Path) -> RunTask:
        """The task a worker needs to make ``run`` and write it into ``directory``."""
        experiment = self.experiment
        return RunTask(
            run_id=run.run_id,
            directory=str(directory),
            scenario=experiment.scenarios[run.scenario_index].scenario,
            seed=run.seed,
            steps=experiment.steps,
            overrides=dict(self._point_values[run.design_point]),
            record_platforms=experiment.spec.outputs.platforms,
        )

    def table(self, statuses: Mapping[str, RunSummary]) -> pd.DataFrame:
        """The ``runs`` table: one row per planned run, in plan order.

        Columns: run_id, scenario, design_point, replication, seed, one column per varied
        parameter (named by its dotted path), status (ok / failed / pending), error,
        traceback, wall_seconds.

        Args:
            statuses: Summaries of the finished runs, by run id.
        """
        experiment = self.experiment
        total = len(self)
        index = np.arange(total, dtype=np.int64)
        per_scenario = self.points * self.replications
        scenario_index = index // per_scenario
        design_point = (index // self.replications) % self.points
        replication = index % self.replications
        names = np.array([entry.name for entry in experiment.scenarios], dtype=object)
        seeds = np.asarray(experiment.seeds, dtype=np.int64)
        run_ids = [self.run(int(i)).run_id for i in index]
        columns: dict[str, Any] = {
            "run_id": run_ids,
            "scenario": names[scenario_index],
            "design_point": design_point,
            "replication": replication,
            "seed": seeds[replication],
        }
        design = parquet_safe(experiment.design)
        for name in design.columns:
            columns[name] = design[name].to_numpy()[design_point]
        summaries = [statuses.get(run_id) for run_id in run_ids]
        columns["status"] = [s.status if s else "pending" for s in summaries]
        columns["error"] = [s.error if s else None for s in summaries]
        columns["traceback"] = [s.traceback if s else None for s in summaries]
        columns["wall_seconds"] = np.array(
            [s.wall_seconds if s else np.nan for s in summaries], dtype=float
        )
        table = pd.DataFrame(columns)
        for name in ("run_id", "scenario", "status", "error", "traceback"):
            table[name] = table[name].astype("string")  # text with nulls, even when all null
        return table


def _point_records(design: pd.DataFrame) -> list[dict[str, Any]]:
    """Each design point as ``{path: value}`` with plain Python values."""
    return [
        {name: _plain(value) for name, value in row.items()}
        for row in design.to_dict(orient="records")
    ] or [{}]


def _plain(value: Any) -> Any:
    """A numpy scalar as the matching Python scalar (what the scenario schema expects)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a design frame whose columns Parquet can store.

    Columns holding lists or mappings (e.g. a grid over a whole platform entry) are stored as
    JSON text; others are kept as they are.
    """
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if column.dtype == object and column.map(lambda v: isinstance(v, list | dict)).any():
            safe[name] = column.map(lambda v: json.dumps(v, sort_keys=True, default=str))
    return safe
