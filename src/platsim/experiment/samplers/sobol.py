"""Saltelli's extension of the Sobol' sequence (``SALib.sample.sobol``) for Sobol' indices.

``samples`` (N, a power of 2) base points give ``N * (2 D + 2)`` design points with second
order indices, ``N * (D + 2)`` without, in SALib's order, so ``SALib.analyze.sobol.analyze``
can read the outcomes of design points 0, 1, 2, ... directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.sample import sobol as salib_sobol

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
