"""Effects per euro: each scenario's headline effects per million EUR of public cost.

Levers cost different amounts of public money, so the scorecard's effects
(:mod:`platsim.analysis.scorecard`) are also given per million EUR of *cumulative* public cost,
so that levers can be compared at equal cost. For each scenario (arm) and replication ``r``,
paired with the baseline's run of the same replication (and design point) as
:func:`platsim.analysis.compare.compare` pairs them:

- ``d_r``: the headline outcome's paired difference, at the comparison's time point (the
  scorecard's number is the mean of ``d_r``);
- ``c_r``: the paired difference of ``public_cost_total`` (EUR since step 0, whole territory)
  at the comparison's *end* step (the last step, the step asked, or the window's last step for
  ``mean:START-END``). The baseline spends nothing on levers, so ``c_r`` is the scenario's own
  cumulative cost; against another baseline it is the extra cost (as an incremental
  cost-effectiveness ratio).

**The statistic: ratio of means, delta-method interval.** The effect per euro is
``R = mean(d) / mean(c)``, shown per million EUR. Its 95% interval is ``R ± t(0.975, n - 1) *
se`` with the first-order (delta-method) standard error
``se = sd(d_r - R * c_r) / (sqrt(n) * |mean(c)|)`` (``sd`` with ``n - 1``), the variance of
``(mean(d) - R * mean(c)) / mean(c)``: it counts the variation of the cost across replications
and its covariance with the effect. The ratio of means was chosen over the mean of the
per-replication ratios ``d_r / c_r`` because (1) it is the quantity a budget needs: spending
``B`` EUR buys ``B * R`` of effect in expectation, whereas the mean of ratios weights the
replications where the lever happened to cost little most, and differs from ``R`` whenever the
cost varies (Jensen); (2) a replication whose cost is near 0 makes ``d_r / c_r`` explode; (3)
``R`` is exactly the scorecard's difference divided by the mean cost shown next to it, so a
reader can check it by hand. When the cost is the same in every replication the interval is the
scorecard's interval divided by the cost, and the verdicts agree.

**When there is no ratio.** A scenario whose cost is exactly 0 in every replication shows *no
public cost* (its effects come for free; they are in the scorecard). When the cost's own 95%
t-interval includes 0, the ratio is not given either ("cost not clearly different from 0"):
the exact (Fieller) interval of a ratio is bounded only when the denominator's interval
excludes 0, and the delta method is then unreliable. A scenario that *saves* public money
(cost clearly below the baseline's, e.g. grants cut under conditional funding) shows its effects
per million EUR *saved*: ``mean(d) / |mean(c)|``, the effect's sign kept, so that a saving
that also improves outcomes reads as better and one that worsens them as the price of the
saving; the table and sentences say *saved*.

The ratio reads as a linear rate: it does not say that half the money buys half the effect.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from platsim.analysis.compare import LEVEL, At, run_values, t_interval
from platsim.analysis.scorecard import (
    HEADLINES,
    LABELS,
    MINUS,
    colour,
    format_effect,
    headline_columns,
    signed,
    text_colour,
)
from platsim.experiment.results import Results
from platsim.schema.outcomes import OUTCOMES

#: The cumulative cost outcome divided by.
COST = "public_cost_total"
#: Money unit of the rates: effects per this many EUR.
PER = 1e6
#: Scorecard columns whose effects are given per euro (public cost itself is the divisor).
EFFECT_COLUMNS = tuple(label for label, _ in HEADLINES if label != "public cost")
#: Cost status of a scenario.
COSTS, SAVES, FREE, UNCLEAR = "cost", "saving", "no public cost", "cost unclear"
#: Rates smaller than this (in the unit shown) are written in e-notation.
SMALL = 1e-3
#: Verdicts of a rate whose interval excludes 0.
CLEAR = ("better", "worse", "higher", "lower")
#: Palette strength of a clear rate's cell (light: the scorecard is the main figure).
STRENGTH = 0.35

COLUMNS = [
    "arm",
    "column",
    "outcome",
    "unit",
    "pairs",
    "cost",
    "cost_low",
    "cost_high",
    "status",
    "diff",
    "rate",
    "rate_low",
    "rate_high",
    "verdict",
]


def cost_at(at: At) -> At:
    """The time point of the cost: the comparison's end step (the window's last step)."""
    return At("step", at.end) if at.kind == "mean" else at


def ratio_of_means(
    d: Sequence[float] | np.ndarray, c: Sequence[float] | np.ndarray, level: float = LEVEL
) -> tuple[float, float, float]:
    """``mean(d) / mean(c)`` and its delta-method t-interval (see the module's docstring).

    Pairs with a NaN are dropped. Returns ``(ratio, low, high)``; the bounds are NaN with fewer
    than two pairs, everything NaN when ``mean(c)`` is 0 or nothing is left.
    """
    d = np.asarray(d, dtype=float)
    c = np.asarray(c, dtype=float)
    ok = ~(np.isnan(d) | np.isnan(c))
    d, c = d[ok], c[ok]
    if d.size == 0 or c.mean() == 0:
        return math.nan, math.nan, math.nan
    ratio = float(d.mean() / c.mean())
    if d.size < 2:
        return ratio, math.nan, math.nan
    residual = d - ratio * c
    se = float(residual.std(ddof=1) / (math.sqrt(d.size) * abs(c.mean())))
    half = float(stats.t.ppf(0.5 + level / 2, d.size - 1)) * se
    return ratio, ratio - half, ratio + half


def cost_status(c: Sequence[float] | np.ndarray, level: float = LEVEL) -> str:
    """:data:`FREE` when every paired cost is 0, :data:`COSTS` / :data:`SAVES` when the cost's
    t-interval lies above / below 0, :data:`UNCLEAR` otherwise (or with one pair only, when
    the interval cannot be told: a single positive or negative cost counts as cost or saving)."""
    c = np.asarray(c, dtype=float)
    c = c[~np.isnan(c)]
    if c.size == 0:
        return UNCLEAR
    if (c == 0).all():
        return FREE
    mean, low, high = t_interval(c, level)
    if math.isnan(low):
        return COSTS if mean > 0 else SAVES if mean < 0 else UNCLEAR
    return COSTS if low > 0 else SAVES if high < 0 else UNCLEAR


def rates(
    values: pd.DataFrame,
    base: pd.DataFrame,
    keys: list[str],
    effects: Sequence[tuple[str, str]],
    level: float = LEVEL,
) -> pd.DataFrame:
    """Effects per :data:`PER` EUR of each arm (pure pandas; see the module's docstring).

    Args:
        values: One row per run: ``run_id``, ``arm``, the pairing ``keys``, the effect outcomes
            at the comparison's time point and :data:`COST` at its end step.
        base: The baseline's rows of ``values``.
        keys: Columns pairing a run with its baseline run.
        effects: ``(scorecard column, outcome)`` pairs.
        level: Confidence level.

    Returns:
        One row per arm other than the baseline and effect (:data:`COLUMNS`): ``cost`` and its
        interval (mean paired cumulative cost over the arm's pairs, EUR), ``status``
        (:func:`cost_status` of those pairs, the arm's whatever the outcome),
        ``diff`` (mean paired difference), ``rate`` and its interval (per :data:`PER` EUR,
        over the pairs where the outcome and the cost are both recorded;
        per EUR saved when ``status`` is :data:`SAVES`; NaN unless the scenario costs or
        saves), ``verdict`` (better / worse / higher / lower when the rate's interval excludes
        0, else no clear difference; ``status`` when there is no rate).
    """
    outcomes = [o for _, o in effects]
    right = base[[*keys, *outcomes, COST]].rename(columns=lambda n: n if n in keys else n + "__b")
    others = values[~values["run_id"].isin(base["run_id"])]
    paired = others.merge(right, on=keys, how="inner")
    rows = []
    for arm, part in paired.groupby("arm", sort=False):
        c_all = (part[COST] - part[COST + "__b"]).to_numpy(dtype=float)
        status = cost_status(c_all, level)  # the arm's, whatever outcome
        cost, cost_low, cost_high = t_interval(c_all, level)
        for column, outcome in effects:
            d = (part[outcome] - part[outcome + "__b"]).to_numpy(dtype=float)
            ok = ~(np.isnan(d) | np.isnan(c_all))
            d, c = d[ok], c_all[ok]
            rate = low = high = math.nan
            if status in (COSTS, SAVES):
                sign = 1.0 if status == COSTS else -1.0
                rate, low, high = (v * PER for v in ratio_of_means(d, sign * c, level))
            meta = OUTCOMES.get(outcome)
            rows.append(
                {
                    "arm": arm,
                    "column": column,
                    "outcome": outcome,
                    "unit": meta.unit if meta else "",
                    "pairs": int(ok.sum()),
                    "cost": cost,
                    "cost_low": cost_low,
                    "cost_high": cost_high,
                    "status": status,
                    "diff": float(d.mean()) if d.size else math.nan,
                    "rate": rate,
                    "rate_low": low,
                    "rate_high": high,
                    "verdict": _verdict(meta.better if meta else None, status, low, high),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _verdict(better: str | None, status: str, low: float, high: float) -> str:
    if status not in (COSTS, SAVES):
        return status
    if math.isnan(low) or low <= 0.0 <= high:
        return "no clear difference"
    went = "higher" if low > 0 else "lower"
    return went if better is None else ("better" if went == better else "worse")


def _pairing(runs: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, list[str]]:
    """The baseline's runs and the pairing columns, as :func:`platsim.analysis.compare.compare`."""
    if baseline in set(runs["scenario"]):
        return runs[runs["scenario"] == baseline], ["design_point", "replication"]
    base = runs[runs["arm"] == baseline]
    single = base["design_point"].nunique() == 1
    return base, ["replication"] if single else ["design_point", "replication"]


def per_euro(
    results: Results, table: pd.DataFrame, runs: pd.DataFrame, baseline: str, at: At
) -> pd.DataFrame | None:
    """:func:`rates` of a results directory for the scorecard's headline outcomes, or None when
    :data:`COST` is not recorded (results made before it existed).

    Args:
        results: Opened results.
        table: The comparison (:func:`platsim.analysis.compare.compare`) at ``at``.
        runs: The runs done ok with their ``arm`` (:func:`platsim.analysis.report.
            register_arms`).
        baseline: The comparison's baseline.
        at: The comparison's time point.
    """
    if COST not in results.metrics.columns:
        return None
    effects = [(c, o) for c, o in headline_columns(table) if c in EFFECT_COLUMNS and o]
    names = [o for _, o in effects]
    if cost_at(at) == at:  # one query (each binds the metrics files: ~1 s on 360 runs)
        values = run_values(results, at, [*names, COST])[["run_id", *names, COST]]
    else:
        values = run_values(results, at, names)[["run_id", *names]]
        cost = run_values(results, cost_at(at), [COST])[["run_id", COST]]
        values = values.merge(cost, on="run_id")
    values = runs.merge(values, on="run_id")
    base_runs, keys = _pairing(runs, baseline)
    base = values[values["run_id"].isin(base_runs["run_id"])]
    return rates(values, base, keys, effects)


def end_words(results: Results, at: At) -> str:
    """Words for the cost's time point, e.g. ``"to step 120"``."""
    step = cost_at(at).start
    if step is None:  # the last step: the experiment's, else the runs' (a query)
        step = (
            results.manifest.get("steps")
            or results.df("SELECT max(step) AS s FROM metrics")["s"].iloc[0]
        )
    return f"to step {int(step)}" if not pd.isna(step) else "to the last step"


def format_rate(unit: str, rate: float, low: float = math.nan, high: float = math.nan) -> str:
    """A rate per M EUR in the outcome's unit, 2 significant digits: shares in points, e.g.
    ``−0.017 points [−0.022, −0.012]``; below :data:`SMALL` in e-notation, ``−2.6e−6``."""
    if math.isnan(rate):
        return "–"
    factor, words = (100.0, " points") if unit == "share" else (1.0, "")
    value = rate * factor
    digits = 2 if value == 0 else max(0, 1 - math.floor(math.log10(abs(value))))

    def show(v: float) -> str:
        return _scientific(v) if 0 < abs(value) < SMALL else signed(v, digits)

    text = show(value) + words
    if not (math.isnan(low) or math.isnan(high)):
        text += f" [{show(low * factor)}, {show(high * factor)}]"
    return text


def _scientific(value: float) -> str:
    """2 significant digits in e-notation, signed: ``−2.6e−6``."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:+.1e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", MINUS)


def format_cost(row: pd.Series | dict) -> str:
    """The cumulative cost of an arm in words: ``36.1 M EUR [35.2, 37.0]``, ``saves ...``,
    ``no public cost``, or ``not clearly different from 0 (...)``."""
    text = format_effect("EUR", row["cost"], row["cost_low"], row["cost_high"])
    if row["status"] == FREE:
        return FREE
    if row["status"] == COSTS:
        return text.replace("+", "")
    if row["status"] == SAVES:
        saved = format_effect("EUR", -row["cost"], -row["cost_high"], -row["cost_low"])
        return "saves " + saved.replace("+", "")
    return f"not clearly different from 0 ({text})"


def free_arms(frame: pd.DataFrame | None) -> list[str]:
    """The arms that spend no public money (:data:`FREE`): the scorecard's public-cost cell and
    sentence then read "no public cost" (:func:`platsim.analysis.scorecard.cells`)."""
    if frame is None:
        return []
    return [str(a) for a in dict.fromkeys(frame.loc[frame["status"] == FREE, "arm"])]


def phrases(frame: pd.DataFrame | None) -> dict[str, str]:
    """One phrase per arm that costs or saves public money (or whose cost is unclear) for the
    scorecard's sentences, e.g. ``per M EUR spent: goods HHI −7.3 [−8.3, −6.3],
    unemployment −0.031 points [−0.047, −0.015]`` (clear rates only, joined by commas as the
    sentence's parts are by semicolons); none for the :func:`free_arms`."""
    if frame is None:
        return {}
    out: dict[str, str] = {}
    for arm, part in frame.groupby("arm", sort=False):
        status = part["status"].iloc[0]
        if status == FREE:
            continue  # the scorecard says "no public cost" (free_arms)
        if status == UNCLEAR:
            out[str(arm)] = "public cost not clearly different from 0 (no rate per euro)"
            continue
        clear = [
            LABELS.get(r.outcome, r.outcome)
            + " "
            + format_rate(r.unit, r.rate, r.rate_low, r.rate_high)
            for r in part.itertuples(index=False)
            if r.verdict in CLEAR
        ]
        head = "per M EUR spent" if status == COSTS else "per M EUR saved"
        out[str(arm)] = f"{head}: " + (", ".join(clear) if clear else "no clear effect")
    return out


def _cell(row: pd.Series) -> str:
    clear = row["verdict"] in CLEAR
    shade = (STRENGTH if row["verdict"] == "better" else -STRENGTH) if clear else math.nan
    if row["verdict"] in ("higher", "lower"):
        shade = math.nan  # no better direction: no colour
    rgb = ",".join(str(round(255 * x)) for x in colour(shade)[:3])
    text = format_rate(row["unit"], row["rate"], row["rate_low"], row["rate_high"])
    if row["status"] == SAVES:
        text += " per M EUR saved"
    if not clear and not math.isnan(row["rate"]):
        text = f"no clear difference<br><small>{html.escape(text)}</small>"
    else:
        text = html.escape(text)
    return (
        f'<td class="rate" data-outcome="{html.escape(row["outcome"])}" '
        f'data-rate="{float(row["rate"])!r}" style="background:rgb({rgb});color:'
        f'{text_colour(shade)}">{text}</td>'
    )


def rates_table(frame: pd.DataFrame, end: str) -> str:
    """The HTML table: a row per scenario that spends or saves public money (or whose cost is
    unclear), its cumulative cost then one rate per effect; then one line naming the scenarios
    with no public cost, which have no rate (compact: most levers spend nothing)."""
    free = free_arms(frame)
    note = (
        f'<p class="note">No public cost (no rate; their effects are in the scorecard): '
        f"{html.escape(', '.join(free))}.</p>"
        if free
        else ""
    )
    frame = frame[~frame["arm"].isin(free)]
    if frame.empty:
        return note
    columns = list(dict.fromkeys(frame["column"]))
    outcomes = dict(zip(frame["column"], frame["outcome"], strict=False))
    head = f"<th>scenario</th><th>cumulative public cost<br><small>{html.escape(end)}</small></th>"
    for c in columns:
        label = html.escape(LABELS.get(outcomes[c], outcomes[c]))
        head += f"<th>{html.escape(c)} per M EUR<br><small>{label}</small></th>"
    body = []
    for arm, part in frame.groupby("arm", sort=False):
        first = part.iloc[0]
        cost = f"<td>{html.escape(format_cost(first))}</td>"
        if first["status"] in (COSTS, SAVES):
            cells = "".join(_cell(row) for _, row in part.iterrows())
        else:
            cells = f'<td class="rate unclear" colspan="{len(columns)}">no rate per euro</td>'
        body.append(f"<tr><th>{html.escape(str(arm))}</th>{cost}{cells}</tr>")
    return f'<table class="per-euro"><tr>{head}</tr>{"".join(body)}</table>' + note


def section(frame: pd.DataFrame | None, baseline: str, end: str) -> str:
    """The report's section on effects per euro (empty when public cost is not recorded).

    Args:
        frame: :func:`per_euro`'s rates, or None.
        baseline: The comparison's baseline, named in the explanation.
        end: Words for the cost's time point, e.g. ``"to step 120"``.
    """
    if frame is None or frame.empty:
        return ""
    return (
        "<h3>Effects per euro</h3>"
        + rates_table(frame, end)
        + "<p>Each headline effect of the scorecard divided by the scenario's cumulative public "
        f"cost ({html.escape(end)}, whole territory, the difference from "
        f"{html.escape(baseline)}'s), "
        "per million EUR, so that levers can be compared at equal cost: the ratio of the mean "
        "effect to the mean cost over the replications, with its 95% interval (delta method, "
        "counting the cost's own variation across replications). Blue is better, red worse, "
        "grey: the interval includes 0. A scenario that spends no public money has no rate "
        "(its effects come for free); one whose cost is not clearly different from 0 has none "
        "either (the ratio would be unbounded); one that saves public money shows its effects "
        "per M EUR saved, their signs kept. A rate is linear: half the money need not buy half "
        "the effect.</p>"
    )
