"""Morris elementary effects: trajectories (``SALib.sample.morris``) and mu*, sigma read off
their outcomes (``SALib.analyze.morris``), side by side.


``samples`` (N) trajectories of ``D + 1`` points each on a ``levels``-level grid, in SALib's
order, so ``SALib.analyze.morris.analyze`` can read the outcomes of design points 0, 1, ...
directly; :func:`analyze` does so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import morris as salib_morris

from platsim.experiment.samplers.parameters import (
    Parameter,
    as_generator,
    design_frame,
    finish_column,
)
from platsim.experiment.samplers.sobol import salib_problem


def sample(
    parameters: Sequence[Parameter],
    samples: int,
    rng_or_seed: int | np.random.Generator,
    *,
    levels: int = 4,
) -> pd.DataFrame:
    """Return ``samples`` Morris trajectories over the parameters' ranges.

    Args:
        parameters: Parameters with ``low < high``.
        samples: N, the number of trajectories.
        rng_or_seed: Seed or generator (same seed, same design).
        levels: Number of grid levels per parameter (even, SALib's ``num_levels``).

    Returns:
        Design frame with ``N * (D + 1)`` rows.
    """
    points = salib_morris.sample(
        salib_problem(parameters), samples, num_levels=levels, seed=as_generator(rng_or_seed)
    )
    frame = design_frame(points, parameters)
    for index, parameter in enumerate(parameters):
        frame[parameter.name] = finish_column(points[:, index], parameter)
    return frame


def analyze(
    problem: Mapping[str, Any],
    points: np.ndarray,
    outputs: np.ndarray,
    *,
    level: float,
    seed: int,
    levels: int = 4,
) -> pd.DataFrame:
    """Morris mu* with its ``level`` interval, sigma and mu of each parameter.

    Args:
        problem: SALib's problem (:func:`platsim.experiment.samplers.sobol.salib_problem`).
        points: The design matrix, one row per point, in the design's order.
        outputs: The outcome at each design point.
        level: Confidence level of the bootstrap interval of mu*.
        seed: Seed of the bootstrap.
        levels: The design's grid levels.

    Returns:
        parameter, mu_star, mu_star_low, mu_star_high, sigma, mu.
    """
    from SALib.analyze import morris

    s = morris.analyze(
        dict(problem),
        np.asarray(points, dtype=float),
        outputs,
        num_levels=levels,
        conf_level=level,
        print_to_console=False,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu_star": s["mu_star"],
            "mu_star_low": s["mu_star"] - s["mu_star_conf"],
            "mu_star_high": s["mu_star"] + s["mu_star_conf"],
            "sigma": s["sigma"],
            "mu": s["mu"],
        }
    )
