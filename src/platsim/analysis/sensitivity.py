"""Sensitivity indices of one outcome to the design's parameters (SALib), ``platsim sensitivity``.

The method follows the experiment's design stored in the manifest: a ``sobol`` design
(Saltelli's points) gives Sobol' first-order (S1) and total (ST) indices with their 95%
intervals; a ``morris`` design gives Morris mu*, its interval, and sigma. Any other design
(none, grid, lhs) raises :class:`platsim.errors.InputError`.

Each design point's value is the mean over its replications (done ok) of the outcome at
``at`` (see :func:`platsim.analysis.compare.parse_at`), computed in DuckDB. With several scenarios
the indices are computed per scenario. :func:`analyse` is the pure part (design, points,
outputs -> table) that the tests check on the Ishigami function; each method's indices are
computed by the ``analyze`` beside its ``sample`` (:mod:`platsim.experiment.samplers.sobol`,
:mod:`platsim.experiment.samplers.morris`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from platsim.analysis.compare import LEVEL, At, failed_runs, parse_at, run_values
from platsim.errors import InputError
from platsim.experiment.files import MANIFEST
from platsim.experiment.results import Results
from platsim.experiment.results import open as open_results
from platsim.experiment.samplers import SAMPLER_MODULES

#: Design methods this module analyses.
METHODS = ("sobol", "morris")


@dataclass(frozen=True)
class Design:
    """The part of an experiment's design SALib needs.

    Attributes:
        method: ``sobol`` or ``morris``.
        names: Parameter paths, in design order.
        bounds: ``(low, high)`` of each parameter.
        second_order: Sobol': the design includes second order points.
        levels: Morris: grid levels.
    """

    method: str
    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    second_order: bool = True
    levels: int = 4

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's ``problem`` dictionary."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


@dataclass
class SensitivityResult:
    """Indices of one outcome.

    Attributes:
        method: ``sobol`` or ``morris``.
        outcome: The outcome analysed.
        at: Which value of each run (in words).
        table: One row per scenario and parameter with the indices.
        points: Design points.
        replications: Replications averaged per point.
        failed: Runs not done ok (excluded).
    """

    method: str
    outcome: str
    at: str
    table: pd.DataFrame
    points: int
    replications: int
    failed: list[str] = field(default_factory=list)


def design_from_manifest(manifest: Mapping[str, Any], file: str | Path | None = None) -> Design:
    """Read the design of a results directory's manifest.

    Raises:
        InputError: The design is not ``sobol`` or ``morris``.
    """
    design = manifest.get("design") or {}
    method = design.get("method")
    if method not in METHODS:
        raise InputError(
            "this experiment's design does not support sensitivity indices",
            file=file,
            field="design.method",
            value=method or "none",
            allowed="an experiment with design method sobol (Sobol' indices) or morris "
            "(Morris mu*, sigma)",
        )
    raw = ((manifest.get("experiment") or {}).get("design")) or {}
    params = design.get("parameters") or []
    return Design(
        method=method,
        names=tuple(p["name"] for p in params),
        bounds=tuple((float(p["low"]), float(p["high"])) for p in params),
        second_order=bool(raw.get("second_order", True)),
        levels=int(raw.get("levels") or 4),
    )


def analyse(design: Design, points: np.ndarray, outputs: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices from the design points (in SALib's order) and their outputs.

    Args:
        design: The design.
        points: Design matrix, one row per point (Morris needs it; Sobol' only its size).
        outputs: The outcome at each design point.
        seed: Seed of SALib's bootstrap intervals.

    Returns:
        Sobol': parameter, S1, S1_low, S1_high, ST, ST_low, ST_high. Morris: parameter,
        mu_star, mu_star_low, mu_star_high, sigma, mu.

    Raises:
        InputError: Missing outputs (NaN) or a number of points that does not fit the design.
    """
    y = np.asarray(outputs, dtype=float)
    if np.isnan(y).any():
        raise InputError(
            f"{int(np.isnan(y).sum())} design point(s) have no value",
            field="outcome",
            allowed="every design point with at least one run done ok and a finite outcome",
        )
    method = import_module(SAMPLER_MODULES[design.method])
    options = (
        {"second_order": design.second_order}
        if design.method == "sobol"
        else {"levels": design.levels}
    )
    return method.analyze(design.problem, points, y, level=LEVEL, seed=seed, **options)


def sensitivity(
    directory: str | Path | Results, outcome: str, at: str | At = "end"
) -> SensitivityResult:
    """Sensitivity indices of ``outcome`` in a results directory (method from its design).

    Raises:
        InputError: Not a results directory, design not sobol/morris, unknown outcome, bad
            ``at``, or design points without any run done ok.
    """
    results = directory if isinstance(directory, Results) else open_results(directory)
    try:
        design = design_from_manifest(results.manifest, results.directory / MANIFEST)
        at = parse_at(at)
        values = run_values(results, at, [outcome])
        design_file = str(results.directory / "design.parquet").replace("'", "''")  # SQL quote
        table = results.df(f"SELECT * FROM read_parquet('{design_file}')")
        failed = failed_runs(results)["run_id"].tolist()
    finally:
        if not isinstance(directory, Results):
            results.close()
    table = table.set_index("design_point").sort_index()
    missing = [n for n in design.names if n not in table.columns]
    if missing:
        raise InputError("design.parquet lacks parameters", field="design", value=missing)
    frames = []
    for scenario, part in values.groupby("scenario", sort=False):
        means = part.groupby("design_point")[outcome].mean().reindex(table.index)
        indices = analyse(design, table[list(design.names)].to_numpy(), means.to_numpy())
        indices.insert(0, "scenario", scenario)
        frames.append(indices)
    return SensitivityResult(
        method=design.method,
        outcome=outcome,
        at=at.describe(),
        table=pd.concat(frames, ignore_index=True),
        points=len(table),
        replications=int(values.groupby(["scenario", "design_point"]).size().max()),
        failed=failed,
    )


def sensitivity_figure(result: SensitivityResult) -> bytes:
    """A bar chart of the indices with their intervals (PNG bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table
    bars: Sequence[tuple[str, str]] = (
        (("S1", "first order S1"), ("ST", "total ST"))
        if result.method == "sobol"
        else (("mu_star", "mu* (mean |elementary effect|)"),)
    )
    labels = [
        f"{p}" if table["scenario"].nunique() == 1 else f"{s}: {p}"
        for s, p in zip(table["scenario"], table["parameter"], strict=True)
    ]
    figure, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(labels)), 3.4))
    width = 0.8 / len(bars)
    colours = ("#0072B2", "#E69F00")
    x = np.arange(len(labels))
    for index, (column, label) in enumerate(bars):
        value = table[column].to_numpy(dtype=float)
        err = np.vstack([value - table[f"{column}_low"], table[f"{column}_high"] - value])
        ax.bar(
            x + index * width, value, width, yerr=err, capsize=3, label=label, color=colours[index]
        )
    ax.set_xticks(x + width * (len(bars) - 1) / 2, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(
        "index (share of variance)" if result.method == "sobol" else f"mu* ({result.outcome} units)"
    )
    ax.set_title(
        f"{result.method} sensitivity of {result.outcome} ({result.at}), 95% intervals", fontsize=9
    )
    ax.legend(fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
