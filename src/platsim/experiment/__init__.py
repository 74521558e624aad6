"""Batch experiments: many replicated runs of many scenarios, on one machine or a cluster.

The parts are separate and swappable, as in EMA Workbench's ``em_framework``:

- :mod:`platsim.experiment.spec` reads and validates an experiment file into an
  :class:`~platsim.experiment.spec.Experiment` (scenarios, design, replications, seeds);
- :mod:`platsim.experiment.samplers` turns parameter ranges into a design (grid, Latin
  hypercube, Sobol/Saltelli, Morris), one module per method with one signature;
- :mod:`platsim.experiment.plan` enumerates the runs (scenario x design point x replication);
- :mod:`platsim.experiment.executors` runs a function over tasks: in-process, in a process
  pool or on a Dask cluster;
- :mod:`platsim.experiment.worker` is the function the executors run: one model run, its
  files written atomically by the worker itself;
- :mod:`platsim.experiment.store` owns the results directory (manifest, per-run files,
  ``runs.parquet``) and what ``--resume`` may skip;
- :mod:`platsim.experiment.runner` ties them together (:func:`run_batch`).

Nothing here imports Mesa: the only model entry point used is :func:`platsim.simulation.run`, and
only inside the worker. Importing this package is cheap (no numpy, no pandas).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Experiment", "load_experiment", "run_batch"]


def __getattr__(name: str) -> Any:
    if name in ("Experiment", "load_experiment"):
        from platsim.experiment import spec

        return getattr(spec, name)
    if name == "run_batch":
        from platsim.experiment.runner import run_batch

        return run_batch
    raise AttributeError(f"module 'platsim.experiment' has no attribute {name!r}")
