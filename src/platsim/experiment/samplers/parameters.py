"""What every sampler takes (:class:`Parameter`) and how it shapes its result (a design frame).

A *design* is a :class:`pandas.DataFrame` with one row per design point (index
``design_point``, 0, 1, ...) and one column per parameter, named by the parameter's dotted
scenario path. Continuous samplers draw points in the unit hypercube and scale them with
:func:`scale_unit_points`; integer parameters are rounded half up to whole numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Parameter:
    """One varied parameter of a design.

    Attributes:
        name: Dotted scenario path, e.g. ``"data.share"``.
        low: Lower bound (continuous samplers).
        high: Upper bound (continuous samplers), strictly above ``low``.
        values: The levels a grid takes, in order (grid sampler only).
        integer: The scenario field is an integer: sampled values are rounded to whole numbers.
    """

    name: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    integer: bool = False

    def bounds(self) -> tuple[float, float]:
        """Return ``(low, high)``; raise ValueError when this parameter has no range."""
        if self.low is None or self.high is None:
            raise ValueError(f"parameter {self.name!r} needs low and high for this sampler")
        if not self.low < self.high:
            raise ValueError(f"parameter {self.name!r}: low ({self.low}) must be below high")
        return float(self.low), float(self.high)


def as_generator(rng_or_seed: int | np.random.Generator) -> np.random.Generator:
    """Return ``rng_or_seed`` if it is a Generator, else a new one seeded with it."""
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    return np.random.default_rng(rng_or_seed)


def design_frame(rows: Any, parameters: Sequence[Parameter]) -> pd.DataFrame:
    """Wrap design rows (array or list of tuples) as a design frame with named columns."""
    frame = pd.DataFrame(rows, columns=[parameter.name for parameter in parameters])
    frame.index.name = "design_point"
    return frame


def scale_unit_points(unit: np.ndarray, parameters: Sequence[Parameter]) -> pd.DataFrame:
    """Map points of the unit hypercube to the parameters' ranges (rounding integer ones).

    Args:
        unit: Array of shape (points, len(parameters)) with entries in [0, 1].
        parameters: The parameters, in column order, each with ``low < high``.

    Returns:
        The design frame: float columns, or int64 for integer parameters.
    """
    unit = np.asarray(unit, dtype=float)
    columns: dict[str, np.ndarray] = {}
    for index, parameter in enumerate(parameters):
        low, high = parameter.bounds()
        columns[parameter.name] = finish_column(low + unit[:, index] * (high - low), parameter)
    frame = pd.DataFrame(columns)
    frame.index.name = "design_point"
    return frame


def finish_column(values: np.ndarray, parameter: Parameter) -> np.ndarray:
    """Clip ``values`` to the parameter's bounds and round them if it is an integer."""
    low, high = parameter.bounds()
    values = np.clip(np.asarray(values, dtype=float), low, high)
    if parameter.integer:
        return np.floor(values + 0.5).astype(np.int64)
    return values
