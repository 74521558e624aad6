"""Sobol' indices: Saltelli's extension of the Sobol' sequence (``SALib.sample.sobol``) and the
indices read off its outcomes (``SALib.analyze.sobol``), side by side.


``samples`` (N, a power of 2) base points give ``N * (2 D + 2)`` design points with second
order indices, ``N * (D + 2)`` without, in SALib's order, so ``SALib.analyze.sobol.analyze``
can read the outcomes of design points 0, 1, 2, ... directly; :func:`analyze` does so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import sobol as salib_sobol

from platsim.errors import InputError
from platsim.experiment.samplers.parameters import (
    Parameter,
    as_generator,
    design_frame,
    finish_column,
)


def salib_problem(parameters: Sequence[Parameter]) -> dict[str, object]:
    """The SALib ``problem`` dictionary of the parameters (names and bounds)."""
    return {
        "num_vars": len(parameters),
        "names": [parameter.name for parameter in parameters],
        "bounds": [list(parameter.bounds()) for parameter in parameters],
    }


def sample(
    parameters: Sequence[Parameter],
    samples: int,
    rng_or_seed: int | np.random.Generator,
    *,
    second_order: bool = True,
) -> pd.DataFrame:
    """Return Saltelli's design for ``samples`` base points (scrambled Sobol' sequence).

    Args:
        parameters: Parameters with ``low < high``.
        samples: N, the number of base points; a power of 2 keeps the sequence balanced.
        rng_or_seed: Seed or generator of the scrambling (same seed, same design).
        second_order: Include the points needed for second order indices.

    Returns:
        Design frame with ``N * (2 D + 2)`` rows (``N * (D + 2)`` without second order).
    """
    points = salib_sobol.sample(
        salib_problem(parameters),
        samples,
        calc_second_order=second_order,
        seed=as_generator(rng_or_seed),
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
    second_order: bool = True,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol' indices with their ``level`` intervals.

    Args:
        problem: SALib's problem (:func:`salib_problem`).
        points: The design matrix (only its size matters here).
        outputs: The outcome at each design point, in the design's order.
        level: Confidence level of the bootstrap intervals.
        seed: Seed of the bootstrap.
        second_order: The design includes the second order points.

    Returns:
        parameter, S1, S1_low, S1_high, ST, ST_low, ST_high.

    Raises:
        InputError: A number of points that does not fit Saltelli's design.
    """
    from SALib.analyze import sobol

    d = len(problem["names"])
    per = 2 * d + 2 if second_order else d + 2
    if outputs.size % per:
        raise InputError(
            "the number of design points does not fit Saltelli's design",
            field="design",
            value=outputs.size,
            allowed=f"a multiple of {per}",
        )
    s = sobol.analyze(
        dict(problem),
        outputs,
        calc_second_order=second_order,
        conf_level=level,
        print_to_console=False,
        # SALib ignores a falsy seed (0) and draws unseeded: a Generator is always used
        seed=np.random.default_rng(seed),
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": s["S1"],
            "S1_low": s["S1"] - s["S1_conf"],
            "S1_high": s["S1"] + s["S1_conf"],
            "ST": s["ST"],
            "ST_low": s["ST"] - s["ST_conf"],
            "ST_high": s["ST"] + s["ST_conf"],
        }
    )
