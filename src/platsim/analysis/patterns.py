"""Patterns: the model's outcomes against France's stylised facts (``platsim patterns``).

A *pattern file* (YAML; the bundled one is :data:`BUNDLED_PATTERNS`) lists patterns, each with

- ``name``: what the row is called;
- ``statistic``: an outcome of ``metrics.parquet`` (:data:`platsim.schema.outcomes.OUTCOMES`),
  averaged over the window's steps, or one of the small functions of a run's metrics in
  :data:`STATISTICS` (entry and exit rates, the Beveridge correlation, unemployment's drift,
  the activity rate);
- ``window``: ``[FIRST, LAST]``, the months (steps, both included) the statistic reads;
- ``target`` and ``tolerance``: the pattern holds when the mean over replications lies within
  ``target ± tolerance``;
- ``source``: where the target comes from;
- ``why`` (optional): why the tolerance is what a modeller would accept.

:func:`pattern_table` is pure: from one metrics frame per run to the table of every pattern:
target, tolerance, the mean over runs (``measured``) with its 95% t-interval (``low``,
``high``, from :func:`platsim.analysis.compare.t_interval`), ``passed`` and ``source``. A
statistic that cannot be measured (NaN in every run) fails.

    >>> import pandas as pd
    >>> runs = [pd.DataFrame({"step": [0, 1, 2], "unemployment_rate": [0.5, 0.25, 0.125]})]
    >>> patterns = [Pattern("u", "unemployment_rate", (1, 2), 0.2, 0.015, "INSEE")]
    >>> pattern_table(runs, patterns)[["pattern", "measured", "passed"]].to_dict("records")
    [{'pattern': 'u', 'measured': 0.1875, 'passed': True}]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from platsim.analysis.compare import t_interval
from platsim.errors import InputError
from platsim.schema import read_yaml
from platsim.schema.outcomes import OUTCOMES

#: The bundled pattern file (France's stylised facts, issue 17).
BUNDLED_PATTERNS = Path(str(resources.files("platsim.analysis") / "patterns.yaml"))

#: Columns of the pattern table (and of ``platsim patterns --out``).
COLUMNS = ["pattern", "target", "tolerance", "measured", "low", "high", "passed", "source"]

#: The default run of ``platsim patterns``: the France territory (34,741 communes) at 200
#: inhabitants per agent (about 200,000 workers instead of 2.0 M at the default 20, so that
#: 4 replications of 120 months take about 2 minutes on 2 cores), every other parameter the
#: baseline's.
DEFAULT_SCENARIO = "france"
DEFAULT_OVERRIDES: dict[str, Any] = {"population.inhabitants_per_agent": 200.0}
DEFAULT_REPLICATIONS = 4
#: The seed of the replications (as ``platsim batch``: replication r gets SeedSequence child r).
DEFAULT_SEED = 20261125

#: Months at each end of the window :func:`unemployment_drift` compares.
DRIFT_MONTHS = 24

PATTERN_KEYS = ("name", "statistic", "window", "target", "tolerance", "source", "why")
REQUIRED_KEYS = PATTERN_KEYS[:-1]


@dataclass(frozen=True)
class Pattern:
    """One pattern of a pattern file (see the module's docstring)."""

    name: str
    statistic: str
    window: tuple[int, int]
    target: float
    tolerance: float
    source: str
    why: str = ""

    def holds(self, measured: float) -> bool:
        """Whether ``measured`` lies within ``target ± tolerance`` (NaN never does)."""
        return bool(abs(measured - self.target) <= self.tolerance)


# --------------------------------------------------------------------------------------------
# Statistics of one run


def _window(metrics: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    first, last = window
    return metrics[(metrics["step"] >= first) & (metrics["step"] <= last)]


def activity_rate(metrics: pd.DataFrame, window: tuple[int, int]) -> float:
    """Labour force / working-age residents: 1 in every run, because the model has no
    inactivity (every working-age resident is a labour-market participant,
    ``population.working_age_share``); no outcome measures it otherwise."""
    return 1.0 if len(_window(metrics, window)) else math.nan


def _yearly_rate(metrics: pd.DataFrame, window: tuple[int, int], events: str) -> float:
    """12 x mean monthly ``events`` / mean ``firms`` over the window (NaN without firms)."""
    rows = _window(metrics, window)
    firms = float(rows["firms"].mean())
    return 12 * float(rows[events].mean()) / firms if firms > 0 else math.nan


def firm_entry_rate(metrics: pd.DataFrame, window: tuple[int, int]) -> float:
    """Firms created a year / active firms: 12 x mean monthly ``firm_entry`` / mean ``firms``
    (NaN without firms)."""
    return _yearly_rate(metrics, window, "firm_entry")


def firm_exit_rate(metrics: pd.DataFrame, window: tuple[int, int]) -> float:
    """Firms closed a year / active firms: 12 x mean monthly ``firm_exit`` / mean ``firms``
    (NaN without firms)."""
    return _yearly_rate(metrics, window, "firm_exit")


def beveridge_correlation(metrics: pd.DataFrame, window: tuple[int, int]) -> float:
    """Correlation of the monthly ``unemployment_rate`` and ``vacancy_rate`` over the window
    (NaN when either is constant)."""
    rows = _window(metrics, window)
    u = rows["unemployment_rate"].to_numpy(dtype=float)
    v = rows["vacancy_rate"].to_numpy(dtype=float)
    if u.size < 3 or np.std(u) == 0 or np.std(v) == 0:
        return math.nan
    return float(np.corrcoef(u, v)[0, 1])


def unemployment_drift(metrics: pd.DataFrame, window: tuple[int, int]) -> float:
    """Mean ``unemployment_rate`` over the window's last :data:`DRIFT_MONTHS` months minus its
    mean over the window's first :data:`DRIFT_MONTHS` months."""
    first, last = window
    u = metrics.set_index("step")["unemployment_rate"]
    start = u[(u.index >= first) & (u.index < first + DRIFT_MONTHS)]
    end = u[(u.index > last - DRIFT_MONTHS) & (u.index <= last)]
    return float(end.mean() - start.mean())


@dataclass(frozen=True)
class Statistic:
    """A registered statistic: its function, the shortest window it needs, and the outcomes
    it reads (checked against a run's metrics)."""

    function: Callable[[pd.DataFrame, tuple[int, int]], float]
    min_months: int
    reads: tuple[str, ...]


#: Statistics other than the outcomes' window means.
STATISTICS: dict[str, Statistic] = {
    "activity_rate": Statistic(activity_rate, 1, ()),
    "firm_entry_rate": Statistic(firm_entry_rate, 1, ("firm_entry", "firms")),
    "firm_exit_rate": Statistic(firm_exit_rate, 1, ("firm_exit", "firms")),
    "beveridge_correlation": Statistic(
        beveridge_correlation, 3, ("unemployment_rate", "vacancy_rate")
    ),
    "unemployment_drift": Statistic(unemployment_drift, 2 * DRIFT_MONTHS, ("unemployment_rate",)),
}


def measure(metrics: pd.DataFrame, pattern: Pattern) -> float:
    """The pattern's statistic in one run (its metrics: ``step`` and the outcomes); NaN (the
    pattern fails) when the run lacks an outcome the statistic reads."""
    registered = STATISTICS.get(pattern.statistic)
    reads = registered.reads if registered is not None else (pattern.statistic,)
    if any(name not in metrics.columns for name in reads):
        return math.nan
    if registered is not None:
        return registered.function(metrics, pattern.window)
    return float(_window(metrics, pattern.window)[pattern.statistic].mean())


def pattern_table(runs: Iterable[pd.DataFrame], patterns: Sequence[Pattern]) -> pd.DataFrame:
    """The pattern table (:data:`COLUMNS`): each pattern measured in every run, the mean over
    runs with its 95% t-interval (NaN bounds with one run), and whether the mean lies within
    target ± tolerance."""
    frames = list(runs)
    rows = []
    for pattern in patterns:
        values = [measure(metrics, pattern) for metrics in frames]
        mean, low, high = t_interval(values)
        rows.append(
            {
                "pattern": pattern.name,
                "target": pattern.target,
                "tolerance": pattern.tolerance,
                "measured": mean,
                "low": low,
                "high": high,
                "passed": pattern.holds(mean),
                "source": pattern.source,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


# --------------------------------------------------------------------------------------------
# Pattern files


def statistic_names() -> list[str]:
    """Every name a pattern's ``statistic`` accepts: the registered statistics, then the
    outcomes."""
    return [*STATISTICS, *OUTCOMES]


def load_patterns(path: str | Path | None = None) -> list[Pattern]:
    """Read and validate a pattern file (default: :data:`BUNDLED_PATTERNS`).

    Raises:
        InputError: The file is missing or not YAML, or a field is missing, unknown or of
            the wrong type or value, naming the file, the field (``patterns[2].tolerance``),
            the value and what is allowed.
    """
    file = Path(path) if path is not None else BUNDLED_PATTERNS
    raw = read_yaml(
        file,
        allowed="the key patterns",
        if_empty="a mapping with the key patterns: a list of patterns",
    )
    unknown = [key for key in raw if key != "patterns"]
    if unknown:
        raise InputError("unknown key", file=file, field=unknown[0], allowed="patterns")
    items = raw.get("patterns")
    if not isinstance(items, list) or not items:
        raise InputError(
            "is required: a non-empty list of patterns"
            if items is None
            else ("is empty" if isinstance(items, list) else "is not a list"),
            file=file,
            field="patterns",
            value=None if items is None or isinstance(items, dict) else items,
            allowed="a list of mappings with keys " + ", ".join(PATTERN_KEYS),
        )
    patterns = [_pattern(item, file, index) for index, item in enumerate(items)]
    seen: set[str] = set()
    for index, pattern in enumerate(patterns):
        if pattern.name in seen:
            raise InputError(
                "name given twice",
                file=file,
                field=f"patterns[{index}].name",
                value=pattern.name,
                allowed="a different name for every pattern",
            )
        seen.add(pattern.name)
    return patterns


def _pattern(item: Any, file: Path, index: int) -> Pattern:
    where = f"patterns[{index}]"
    if not isinstance(item, dict):
        raise InputError(
            "is not a mapping",
            file=file,
            field=where,
            value=item,
            allowed="a mapping with keys " + ", ".join(PATTERN_KEYS),
        )
    for key in item:
        if key not in PATTERN_KEYS:
            raise InputError(
                "unknown key",
                file=file,
                field=f"{where}.{key}",
                allowed=", ".join(PATTERN_KEYS),
            )
    for key in REQUIRED_KEYS:
        if key not in item:
            raise InputError("is required", file=file, field=f"{where}.{key}")

    def text(key: str, *, required: bool = True) -> str:
        value = item.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise InputError(
                "is not a text" if not isinstance(value, str) else "is empty",
                file=file,
                field=f"{where}.{key}",
                value=value,
                allowed="a non-empty text",
            )
        return value.strip()

    def number(key: str, *, positive: bool = False) -> float:
        value = item[key]
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or (positive and value <= 0):
            raise InputError(
                "is not a valid number",
                file=file,
                field=f"{where}.{key}",
                value=value,
                allowed="a number > 0" if positive else "a finite number",
            )
        return float(value)

    statistic = text("statistic")
    if statistic not in STATISTICS and statistic not in OUTCOMES:
        raise InputError(
            "unknown statistic",
            file=file,
            field=f"{where}.statistic",
            value=statistic,
            allowed="an outcome of metrics.parquet or one of " + ", ".join(STATISTICS),
        )
    window = item["window"]
    min_months = STATISTICS[statistic].min_months if statistic in STATISTICS else 1
    if (
        not isinstance(window, list)
        or len(window) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in window)
        or not 0 <= window[0] <= window[1] <= 10_000
        or window[1] - window[0] + 1 < min_months
    ):
        raise InputError(
            "is not a valid window",
            file=file,
            field=f"{where}.window",
            value=window,
            allowed=f"[FIRST, LAST]: months 0 <= FIRST <= LAST <= 10000, at least {min_months} "
            f"month(s) for {statistic}",
        )
    return Pattern(
        name=text("name"),
        statistic=statistic,
        window=(window[0], window[1]),
        target=number("target"),
        tolerance=number("tolerance", positive=True),
        source=text("source"),
        why=text("why", required=False),
    )


def check_windows(patterns: Sequence[Pattern], steps: int, file: str | Path | None) -> None:
    """Refuse a pattern whose window ends after the run's last step (before anything runs).

    Raises:
        InputError: Naming the pattern file, the pattern's window and the run's steps.
    """
    for index, pattern in enumerate(patterns):
        if pattern.window[1] > steps:
            raise InputError(
                f"ends after the run's last step ({steps})",
                file=file if file is not None else BUNDLED_PATTERNS,
                field=f"patterns[{index}].window",
                value=list(pattern.window),
                allowed=f"months within 0-{steps} (or run more steps: --steps)",
            )


def runs_from_metrics(metrics: pd.DataFrame) -> Mapping[str, pd.DataFrame]:
    """One metrics frame per run (sorted by step) from the ``metrics`` view of a batch's
    results (a ``run_id`` column)."""
    return {
        str(run_id): frame.sort_values("step").reset_index(drop=True)
        for run_id, frame in metrics.groupby("run_id", sort=True)
    }
