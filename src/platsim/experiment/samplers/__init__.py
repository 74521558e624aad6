"""Samplers: parameter ranges in, a design (one row per design point) out.

Every method is its own module exposing the same function (SALib style)::

    sample(parameters, samples, rng_or_seed, **options) -> pandas.DataFrame

- :mod:`.grid`: full factorial over each parameter's ``values`` (``samples`` unused);
- :mod:`.lhs`: Latin hypercube (``scipy.stats.qmc``), ``samples`` points;
- :mod:`.sobol`: Saltelli/Sobol' (SALib), ``N * (2D + 2)`` points (``second_order=False``:
  ``N * (D + 2)``);
- :mod:`.morris`: Morris trajectories (SALib), ``N * (D + 1)`` points (``levels=4``).

:data:`SAMPLER_MODULES` maps the method names used in experiment files to these modules; a
new method is one module and one entry there. Modules load on first use (scipy.stats and
SALib take seconds to import), so a grid experiment never imports them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pandas as pd

from platsim.experiment.samplers.parameters import Parameter

Sampler = Callable[..., pd.DataFrame]

#: Method name (as written in experiment files) -> module whose ``sample`` implements it.
SAMPLER_MODULES: dict[str, str] = {
    "grid": "platsim.experiment.samplers.grid",
    "lhs": "platsim.experiment.samplers.lhs",
    "sobol": "platsim.experiment.samplers.sobol",
    "morris": "platsim.experiment.samplers.morris",
}

#: Methods that draw from ``low``/``high`` ranges (grid takes ``values``).
CONTINUOUS_METHODS: frozenset[str] = frozenset({"lhs", "sobol", "morris"})


def get_sampler(method: str) -> Sampler:
    """Return the ``sample`` function of a method (``grid``, ``lhs``, ``sobol``, ``morris``).

    Raises:
        KeyError: Unknown method.
    """
    return importlib.import_module(SAMPLER_MODULES[method]).sample


__all__ = ["CONTINUOUS_METHODS", "SAMPLER_MODULES", "Parameter", "Sampler", "get_sampler"]
