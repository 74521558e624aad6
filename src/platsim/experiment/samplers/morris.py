"""Morris elementary-effects trajectories (``SALib.sample.morris``).

``samples`` (N) trajectories of ``D + 1`` points each on a ``levels``-level grid, in SALib's
order, so ``SALib.analyze.morris.analyze`` can read the outcomes of design points 0, 1, ...
directly.
"""

from __future__ import annotations

from collections.abc import Sequence

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
