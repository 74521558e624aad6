"""Compare scenarios of a batch's results directory: means, paired differences, verdicts.

:func:`compare` answers, for every scenario (an *arm*) and outcome: the mean over
replications with its 95% t-interval, the difference from the baseline paired by
replication (runs of replication ``r`` share their seed in every scenario, so the paired
difference removes most of the noise) with its 95% t-interval, the relative change and a
plain-words verdict from the outcome's better direction (:data:`OUTCOMES`): *better* or
*worse* when the paired interval excludes 0, *no clear difference* otherwise (outcomes with no
better direction read *higher* / *lower*).

Per-run values are computed in DuckDB over the Parquet files
(:mod:`platsim.experiment.results`); only the small table of one value per run and outcome
reaches pandas and scipy.

    >>> from platsim.analysis.compare import compare
    >>> table = compare("results/governance_comparison", baseline="baseline")  # doctest: +SKIP
    >>> table.query("outcome == 'hhi'")[["arm", "mean", "diff", "verdict"]]    # doctest: +SKIP

``at`` picks the value of each run: ``"end"`` (last step), ``"STEP"`` (e.g. ``"60"``), or
``"mean:START-END"`` (mean over the steps START..END, both included).

Experiments with a grid design have one arm per scenario and design point
(``baseline@p3``); with a sampled design (lhs, sobol, morris) one arm per scenario, paired with
the baseline by design point and replication.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from platsim.errors import InputError
from platsim.experiment.files import RUNS_FILE
from platsim.experiment.results import Results
from platsim.experiment.results import open as open_results
from platsim.schema.outcomes import OUTCOMES

#: Confidence level of every interval.
LEVEL = 0.95
#: Outcome families left out unless asked for by name.
HIDDEN_FAMILIES = frozenset({"checks"})
#: Design methods whose points are sampled (one arm per scenario, pooled over points).
SAMPLED_METHODS = frozenset({"lhs", "sobol", "morris"})

COLUMNS = [
    "arm",
    "scenario",
    "design_point",
    "outcome",
    "family",
    "unit",
    "better",
    "n",
    "mean",
    "mean_low",
    "mean_high",
    "pairs",
    "baseline_mean",
    "diff",
    "diff_low",
    "diff_high",
    "rel_change",
    "verdict",
]


@dataclass(frozen=True)
class At:
    """Which value of a run's time series is compared.

    Attributes:
        kind: ``"end"``, ``"step"`` or ``"mean"``.
        start: The step (``"step"``) or first step of the window (``"mean"``).
        end: Last step of the window (``"mean"``).
    """

    kind: str
    start: int | None = None
    end: int | None = None

    def describe(self) -> str:
        """A few words for titles: ``"at the last step"``, ``"at step 60"``, ..."""
        if self.kind == "end":
            return "at the last step"
        if self.kind == "step":
            return f"at step {self.start}"
        return f"mean over steps {self.start}-{self.end}"


def parse_at(text: str | int | At) -> At:
    """Parse ``end``, ``STEP`` or ``mean:START-END``.

    Raises:
        InputError: Anything else (field ``--at``).
    """
    if isinstance(text, At):
        return text
    value = str(text).strip()
    if value == "end":
        return At("end")
    if re.fullmatch(r"\d+", value):
        return At("step", int(value))
    match = re.fullmatch(r"mean:(\d+)-(\d+)", value)
    if match and int(match[1]) <= int(match[2]):
        return At("mean", int(match[1]), int(match[2]))
    raise InputError(
        "cannot read the time point",
        field="--at",
        value=value,
        allowed="end, a step (e.g. 60) or mean:START-END with START <= END (e.g. mean:60-120)",
    )


def outcome_names(results: Results, outcomes: Sequence[str] | None = None) -> list[str]:
    """The outcomes to compare: the ones asked for (checked), or every declared one recorded.

    Raises:
        InputError: An outcome is unknown or not recorded in the metrics.
    """
    recorded = [c for c in results.metrics.columns if c not in ("run_id", "step")]
    if outcomes is None:
        return [
            name
            for name in recorded
            if name in OUTCOMES and OUTCOMES[name].family not in HIDDEN_FAMILIES
        ]
    for name in outcomes:
        if name not in recorded:
            raise InputError(
                "unknown outcome",
                file=results.directory / "metrics",
                field="--outcome",
                value=name,
                allowed=", ".join(recorded) if recorded else "none recorded (no metrics yet)",
            )
    return list(outcomes)


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def failed_runs(results: Results) -> pd.DataFrame:
    """The runs not done ok (failed or pending): run_id, scenario, status, error."""
    return results.df(
        "SELECT run_id, scenario, status, error FROM runs WHERE status <> 'ok' ORDER BY run_id"
    )


def runs_without_values(results: Results, frame: pd.DataFrame) -> list[str]:
    """Runs done ok that have no value in ``frame`` (no metrics at the step compared)."""
    done = results.df("SELECT run_id FROM runs WHERE status = 'ok'")["run_id"]
    return sorted(set(done) - set(frame["run_id"]))


def run_values(
    results: Results, at: str | At = "end", outcomes: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per run done ok: its identity and the value of each outcome at ``at``.

    The reduction (last step, one step or a window mean) runs in DuckDB over the metrics files.

    Returns:
        Columns run_id, scenario, design_point, replication, seed, then one per outcome.

    Raises:
        InputError: Bad ``at`` or outcome, no run done ok, or a step outside the runs.
    """
    at = parse_at(at)
    names = outcome_names(results, outcomes)
    identity = "r.run_id, r.scenario, r.design_point, r.replication, r.seed"
    if at.kind == "end":
        values = ", ".join(f"m.{_qi(n)}" for n in names)
        source = (
            "FROM metrics m JOIN (SELECT run_id, max(step) AS last FROM metrics GROUP BY run_id) e"
            " ON m.run_id = e.run_id AND m.step = e.last"
        )
        query = f"SELECT {identity}, {values} {source} JOIN runs r ON r.run_id = m.run_id"
    elif at.kind == "step":
        values = ", ".join(f"m.{_qi(n)}" for n in names)
        query = (
            f"SELECT {identity}, {values} FROM metrics m JOIN runs r ON r.run_id = m.run_id"
            f" WHERE m.step = {at.start}"
        )
    else:
        values = ", ".join(f"avg(m.{_qi(n)}) AS {_qi(n)}" for n in names)
        query = (
            f"SELECT {identity}, {values} FROM metrics m JOIN runs r ON r.run_id = m.run_id"
            f" WHERE m.step BETWEEN {at.start} AND {at.end} GROUP BY ALL"
        )
    frame = results.df(
        f"SELECT * FROM ({query}) WHERE run_id IN "
        "(SELECT run_id FROM runs WHERE status = 'ok') ORDER BY run_id"
    )
    if frame.empty:
        steps = results.df("SELECT min(step) AS lo, max(step) AS hi FROM metrics")
        lo, hi = steps.iloc[0]
        if pd.isna(lo):
            raise InputError("no run done ok (no metrics)", file=results.directory)
        raise InputError(
            "no run has this step",
            file=results.directory,
            field="--at",
            value=at.describe(),
            allowed=f"steps {int(lo)} to {int(hi)}",
        )
    return frame


def design_method(results: Results) -> str | None:
    """The experiment's design method (None: no design)."""
    return (results.manifest.get("design") or {}).get("method")


def add_arms(frame: pd.DataFrame, results: Results) -> pd.DataFrame:
    """Add the ``arm`` column: the scenario, or ``scenario@pK`` for a multi-point grid."""
    frame = frame.copy()
    design = results.manifest.get("design") or {}
    points = int(design.get("points") or 1)
    if points > 1 and design.get("method") not in SAMPLED_METHODS:
        frame["arm"] = frame["scenario"] + "@p" + frame["design_point"].astype(str)
    else:
        frame["arm"] = frame["scenario"]
    return frame


def scenario_order(results: Results) -> list[str]:
    """Scenario names in the experiment's order."""
    return [entry["name"] for entry in results.manifest.get("scenarios", [])]


def default_baseline(results: Results) -> str:
    """``baseline`` if the experiment has it, else its first scenario."""
    names = scenario_order(results)
    return "baseline" if "baseline" in names or not names else names[0]


def t_interval(
    values: Sequence[float] | np.ndarray, level: float = LEVEL
) -> tuple[float, float, float]:
    """Mean of ``values`` (NaN dropped) and its two-sided Student-t interval.

    Returns:
        ``(mean, low, high)``; the bounds are NaN with fewer than two values.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def verdict(better: str | None, diff: float, low: float, high: float) -> str:
    """Plain-words verdict of a paired difference and its interval.

    Args:
        better: The outcome's better direction (``"higher"``, ``"lower"`` or None).
        diff: Mean paired difference (scenario minus baseline).
        low: Lower bound of its interval.
        high: Upper bound of its interval.

    Returns:
        ``better`` / ``worse`` when the interval excludes 0 (``higher`` / ``lower`` for an
        outcome without a better direction), else ``no clear difference``.
    """
    if any(math.isnan(v) for v in (diff, low, high)) or low <= 0.0 <= high:
        return "no clear difference"
    went = "higher" if low > 0.0 else "lower"
    if better is None:
        return went
    return "better" if went == better else "worse"


def _resolve_baseline(
    frame: pd.DataFrame, baseline: str, results: Results
) -> tuple[pd.DataFrame, list[str]]:
    if baseline in set(frame["scenario"]):
        return frame[frame["scenario"] == baseline], ["design_point", "replication"]
    if baseline in set(frame["arm"]):
        base = frame[frame["arm"] == baseline]
        single = base["design_point"].nunique() == 1
        return base, ["replication"] if single else ["design_point", "replication"]
    known = scenario_order(results)
    arms = sorted(set(frame["arm"]) - set(known))
    raise InputError(
        "unknown baseline (or none of its runs is done ok)",
        file=results.directory / RUNS_FILE,
        field="--baseline",
        value=baseline,
        allowed=", ".join(known + arms[:10]) + (" ..." if len(arms) > 10 else ""),
    )


def compare_frame(
    frame: pd.DataFrame,
    baseline_runs: pd.DataFrame,
    keys: list[str],
    outcomes: Sequence[str],
    order: Sequence[str] | None = None,
    level: float = LEVEL,
) -> pd.DataFrame:
    """The comparison table from per-run values (pure pandas/scipy; see :func:`compare`).

    Args:
        frame: One row per run: ``run_id``, ``arm``, ``scenario``, ``design_point``, the
            pairing ``keys`` and one column per outcome.
        baseline_runs: The baseline's rows (same columns).
        keys: Columns pairing a run with its baseline run (``replication``, ...).
        outcomes: Outcome columns.
        order: Arm order (default: order of appearance).
        level: Confidence level.
    """
    rows: list[dict[str, Any]] = []
    arms = list(dict.fromkeys(order or [])) + [
        a for a in dict.fromkeys(frame["arm"]) if a not in (order or [])
    ]
    base = baseline_runs[[*keys, *outcomes]].rename(columns={n: f"{n}__base" for n in outcomes})
    for arm in arms:
        runs = frame[frame["arm"] == arm]
        if runs.empty:
            continue
        paired = runs.merge(base, on=keys, how="inner")
        points = runs["design_point"].unique()
        is_baseline = "run_id" in runs and set(runs["run_id"]) <= set(baseline_runs["run_id"])
        for name in outcomes:
            meta = OUTCOMES.get(name)
            better = meta.better if meta else None
            mean, low, high = t_interval(runs[name].to_numpy(dtype=float), level)
            x = paired[name].to_numpy(dtype=float)
            y = paired[f"{name}__base"].to_numpy(dtype=float)
            ok = ~(np.isnan(x) | np.isnan(y))
            diff, dlow, dhigh = t_interval(x[ok] - y[ok], level)
            base_mean = float(y[ok].mean()) if ok.any() else math.nan
            rel = diff / abs(base_mean) if base_mean and not math.isnan(base_mean) else math.nan
            rows.append(
                {
                    "arm": arm,
                    "scenario": runs["scenario"].iloc[0],
                    "design_point": int(points[0]) if len(points) == 1 else -1,
                    "outcome": name,
                    "family": meta.family if meta else "",
                    "unit": meta.unit if meta else "",
                    "better": better,
                    "n": int((~np.isnan(runs[name].to_numpy(dtype=float))).sum()),
                    "mean": mean,
                    "mean_low": low,
                    "mean_high": high,
                    "pairs": int(ok.sum()),
                    "baseline_mean": base_mean,
                    "diff": diff,
                    "diff_low": dlow,
                    "diff_high": dhigh,
                    "rel_change": rel,
                    "verdict": "baseline" if is_baseline else verdict(better, diff, dlow, dhigh),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def compare(
    directory: str | Path | Results,
    baseline: str | None = None,
    at: str | At = "end",
    outcomes: Sequence[str] | None = None,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Compare every scenario with the baseline, outcome by outcome.

    Args:
        directory: A results directory written by ``platsim batch`` (or opened results).
        baseline: Scenario name (or grid arm ``scenario@pK``) to compare against; default
            ``baseline`` if present, else the first scenario.
        at: ``"end"``, a step, or ``"mean:START-END"``.
        outcomes: Outcomes to compare (default: every declared outcome but the checks).
        level: Confidence level of the intervals.

    Returns:
        One row per arm and outcome (columns :data:`COLUMNS`: mean and interval, paired
        difference and interval, relative change, verdict). ``attrs`` hold ``baseline``,
        ``at``, ``failed`` (runs excluded, as a list of run ids: not done ok, or without a
        value at ``at``; the arms then have fewer replications than planned) and
        ``directory``.

    Raises:
        InputError: Not a results directory, unknown baseline or outcome, bad ``at``.
    """
    results = directory if isinstance(directory, Results) else open_results(directory)
    try:
        at = parse_at(at)
        names = outcome_names(results, outcomes)
        frame = add_arms(run_values(results, at, names), results)
        if outcomes is None:  # by default, not the outcomes no run has (the shock's, without it)
            names = [name for name in names if frame[name].notna().any()]
        baseline = baseline or default_baseline(results)
        base, keys = _resolve_baseline(frame, baseline, results)
        table = compare_frame(frame, base, keys, names, scenario_order(results), level)
        excluded = failed_runs(results)["run_id"].tolist() + runs_without_values(results, frame)
    finally:
        if not isinstance(directory, Results):
            results.close()
    table.attrs.update(
        baseline=baseline,
        at=at.describe(),
        failed=sorted(excluded),
        directory=str(results.directory),
    )
    return table


def format_value(value: float) -> str:
    """A number in 4 significant digits (``–`` for NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4g}"


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as text columns for people: mean [CI], difference [CI], change, verdict."""

    def interval(mean: float, low: float, high: float) -> str:
        if math.isnan(low):
            return format_value(mean)
        return f"{format_value(mean)} [{format_value(low)}, {format_value(high)}]"

    return pd.DataFrame(
        {
            "scenario": table["arm"],
            "outcome": table["outcome"],
            "unit": table["unit"],
            "mean [95% CI]": [
                interval(*r)
                for r in table[["mean", "mean_low", "mean_high"]].itertuples(index=False)
            ],
            "difference [95% CI]": [
                interval(*r)
                for r in table[["diff", "diff_low", "diff_high"]].itertuples(index=False)
            ],
            "change": [
                "–" if math.isnan(v) else f"{v:+.1%}" for v in table["rel_change"].astype(float)
            ],
            "verdict": table["verdict"],
        }
    )


def to_markdown(frame: pd.DataFrame) -> str:
    """A DataFrame as a GitHub-flavoured Markdown table (no extra dependency)."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])
