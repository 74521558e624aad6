"""Latin hypercube sample (``scipy.stats.qmc.LatinHypercube``).

``samples`` points; along every parameter each of the ``samples`` equal-width strata of
``[low, high]`` holds exactly one point (before integer rounding).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from platsim.experiment.samplers.parameters import Parameter, as_generator, scale_unit_points


def sample(
    parameters: Sequence[Parameter],
    samples: int,
    rng_or_seed: int | np.random.Generator,
) -> pd.DataFrame:
    """Return a Latin hypercube of ``samples`` points over the parameters' ranges.

    Args:
        parameters: Parameters with ``low < high``.
        samples: Number of design points.
        rng_or_seed: Seed or generator (same seed, same design).

    Returns:
        Design frame with ``samples`` rows.
    """
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    engine = qmc.LatinHypercube(d=len(parameters), rng=as_generator(rng_or_seed))
    return scale_unit_points(engine.random(samples), parameters)
