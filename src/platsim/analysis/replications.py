"""How many replications a comparison needs: the stabilisation of the coefficient of
variation (Lorscheid, Heine & Meyer 2012) and the detectable difference of each comparison.

Lorscheid et al. (2012, "Opening the 'black box' of simulations", *Computational and
Mathematical Organization Theory* 18) take as many replications as it takes for the
coefficient of variation ``cv_n = s_n / |mean_n|`` of an outcome over the first ``n``
replications to stop moving: the smallest ``n`` from which every further change
``|cv_k - cv_(k-1)|`` (``k > n``) stays below a criterion ``E``. :func:`stabilisation` applies
it to each scenario and outcome of a results directory, replications taken in their order
(their seeds come from one ``SeedSequence``, so the order is arbitrary but fixed).

A stable CV says the spread is known; whether a difference of a given size can be told apart
at that number of replications is :func:`too_wide`'s question (from
:func:`platsim.analysis.power.detectable`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from platsim.errors import InputError

#: Lorscheid et al.'s criterion: changes of the CV below this count as stable.
CRITERION = 0.01
#: The fewest replications a stable CV is judged on.
MIN_REPLICATIONS = 3


def cv_curve(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """The coefficient of variation over the first ``n`` values, for ``n = 1 .. len``.

    ``cv_n = s_n / |mean_n|`` with ``s_n`` the sample standard deviation (``ddof = 1``); NaN
    for ``n = 1`` and wherever the mean is 0.
    """
    x = np.asarray(values, dtype=float)
    n = np.arange(1, len(x) + 1, dtype=float)
    mean = np.cumsum(x) / n
    squares = np.cumsum(x * x)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = (squares - n * mean**2) / (n - 1)
        sd = np.sqrt(np.maximum(variance, 0.0))
        cv = sd / np.abs(mean)
    cv[n < 2] = np.nan
    cv[mean == 0] = np.nan
    return cv


def stable_from(cv: np.ndarray, criterion: float = CRITERION) -> float:
    """The smallest ``n >= MIN_REPLICATIONS`` from which every further change of ``cv``
    stays below ``criterion``; NaN if it never does within the values (or the CV is
    undefined), i.e. more replications are needed to tell."""
    cv = np.asarray(cv, dtype=float)
    if len(cv) <= MIN_REPLICATIONS:
        return np.nan
    change = np.abs(np.diff(cv))  # change[k - 2] = |cv_k - cv_(k-1)|, k = 2 .. len
    unstable = ~(change < criterion)  # NaN changes count as unstable
    ks = np.arange(2, len(cv) + 1)
    last = ks[unstable].max() if unstable.any() else 1
    n = max(int(last), MIN_REPLICATIONS)
    return float(n) if n < len(cv) else np.nan


def stabilisation(
    directory: str | Path,
    at: str = "mean:24-120",
    outcomes: Sequence[str] | None = None,
    criterion: float = CRITERION,
) -> pd.DataFrame:
    """For each arm and outcome of a results directory: the replications, the CV over all of
    them, and the number from which the CV is stable (:func:`stable_from`).

    Args:
        directory: A results directory of ``platsim batch``.
        at: The value of each run (``end``, a step, or ``mean:START-END``).
        outcomes: The outcomes (default: every declared outcome recorded).
        criterion: Lorscheid et al.'s ``E``.

    Returns:
        Columns ``arm`` (the scenario, or ``scenario@pK`` for a point of a grid),
        ``outcome``, ``replications``, ``cv`` (NaN when the mean is 0: a constant 0, such as
        the baseline's public cost, has no coefficient of variation), ``stable_from``.

    Raises:
        InputError: Not a results directory, bad ``at`` or outcome, a criterion not in (0, 1).
    """
    from platsim.analysis.compare import add_arms, run_values
    from platsim.experiment.results import open as open_results

    if not 0 < criterion < 1:
        raise InputError(
            "the criterion is a change of the coefficient of variation",
            field="--criterion",
            value=criterion,
            allowed="a number in (0, 1), e.g. 0.01",
        )
    with open_results(directory) as results:
        values = add_arms(run_values(results, at=at, outcomes=outcomes), results)
    names = [c for c in values.columns if c not in (*IDENTITY, "arm")]
    rows = []
    for arm, runs in values.groupby("arm", sort=False):  # a grid's points are separate arms
        runs = runs.sort_values("replication")
        for name in names:
            series = runs[name].dropna().to_numpy(dtype=float)
            cv = cv_curve(series)
            rows.append(
                {
                    "arm": arm,
                    "outcome": name,
                    "replications": len(series),
                    "cv": float(cv[-1]) if len(cv) else np.nan,
                    "stable_from": stable_from(cv, criterion),
                }
            )
    return pd.DataFrame(rows, columns=["arm", "outcome", "replications", "cv", "stable_from"])


IDENTITY = ("run_id", "scenario", "design_point", "replication", "seed")


def too_wide(table: pd.DataFrame, sizes: Mapping[str, float]) -> pd.DataFrame:
    """The rows of a comparison whose replications cannot tell apart a difference of the
    size asked: the detectable difference (80% power, :func:`platsim.analysis.power.
    detectable`) exceeds it, or is missing (fewer than two paired replications).

    Args:
        table: :func:`platsim.analysis.compare.compare`'s table.
        sizes: Outcome -> the difference that matters (in the outcome's unit, > 0).

    Returns:
        Columns ``arm``, ``outcome``, ``pairs``, ``size``, ``detectable``.

    Raises:
        InputError: A size for an outcome the table does not compare.
    """
    from platsim.analysis.power import detectable

    unknown = sorted(set(sizes) - set(table["outcome"]))
    if unknown:
        raise InputError(
            "no such outcome in the comparison",
            field="--difference",
            value=unknown[0],
            allowed="an outcome compared: " + ", ".join(dict.fromkeys(table["outcome"])),
        )
    compared = table[(table["verdict"] != "baseline") & table["outcome"].isin(list(sizes))]
    rows = detectable(table)
    # an arm with fewer than two pairs has no interval: it cannot tell any difference
    single = compared[compared["pairs"] < 2].assign(detectable=np.nan)
    rows = pd.concat([rows[rows["outcome"].isin(list(sizes))], single], ignore_index=True)
    rows = rows.copy()
    rows["size"] = rows["outcome"].map(dict(sizes)).astype(float)
    wide = rows[~(rows["detectable"] <= rows["size"])]
    return wide[["arm", "outcome", "pairs", "size", "detectable"]].reset_index(drop=True)


def parse_sizes(texts: Sequence[str] | None) -> dict[str, float]:
    """Read ``OUTCOME=SIZE`` options (field ``--difference``).

    Raises:
        InputError: Not ``NAME=NUMBER`` with a positive, finite number.
    """
    sizes: dict[str, float] = {}
    for text in texts or ():
        name, _, number = str(text).partition("=")
        try:
            size = float(number)
        except ValueError:
            size = np.nan
        if not name.strip() or not np.isfinite(size) or size <= 0:
            raise InputError(
                "cannot read the difference that matters",
                field="--difference",
                value=text,
                allowed="OUTCOME=SIZE with a positive number, e.g. unemployment_rate=0.005",
            )
        sizes[name.strip()] = size
    return sizes
