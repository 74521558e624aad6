"""Full factorial grid: every combination of every parameter's ``values``.

The first parameter varies slowest (``itertools.product`` order), so a grid over
``data.regime`` x ``data.share`` lists every share for the first regime, then the next.
``samples`` and ``rng_or_seed`` are accepted for the common signature and not used.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from platsim.experiment.samplers.parameters import Parameter, design_frame


def sample(
    parameters: Sequence[Parameter],
    samples: int | None = None,
    rng_or_seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Return every combination of the parameters' values, one design point per row.

    Args:
        parameters: Parameters with ``values`` (non-empty).
        samples: Not used (a grid's size is the product of the numbers of values).
        rng_or_seed: Not used (a grid is not random).

    Returns:
        Design frame with ``prod(len(values))`` rows.

    Raises:
        ValueError: A parameter has no values.
    """
    levels = []
    for parameter in parameters:
        if not parameter.values:
            raise ValueError(f"parameter {parameter.name!r} needs values for a grid")
        levels.append(parameter.values)
    return design_frame(list(itertools.product(*levels)), parameters)
