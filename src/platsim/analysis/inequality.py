"""The report's section on income inequality: the Gini of household income by scenario with
its interval, the Lorenz curves of household income at the last step (``lorenz`` files), and the
Lorenz curves of municipal income per head from the panel (municipalities with no worker agent,
hence no income per head, left out and counted). Needs the ``arms`` view
(:func:`platsim.analysis.report.register_arms`)."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

from platsim.analysis.figures import png
from platsim.analysis.figures import style as _style
from platsim.experiment.results import Results


def _household_lorenz(results: Results, arms: list[str], baseline: str) -> str:
    """Mean Lorenz curve of household income at each run's last recorded step, per arm."""
    import matplotlib.pyplot as plt

    missing = (
        '<p class="note">These results hold no Lorenz curves of household income (no '
        "<code>lorenz</code> files: written by an older platsim), so they cannot be drawn.</p>"
    )
    if not {"population_share", "income_share"} <= set(results.lorenz.columns):
        return missing
    frame = results.df(
        "WITH last AS (SELECT run_id, max(step) AS step FROM lorenz GROUP BY run_id) "
        "SELECT a.arm, l.population_share AS p, avg(l.income_share) AS mean, "
        "min(l.income_share) AS lo, max(l.income_share) AS hi, count(*) AS runs, "
        "min(l.step) AS first_step, max(l.step) AS last_step "
        "FROM lorenz l JOIN last USING (run_id, step) JOIN arms a USING (run_id) "
        "GROUP BY ALL ORDER BY a.arm, p"
    )
    if frame.empty:
        return missing
    shown = [arm for arm in arms if arm in set(frame["arm"])]
    base_arm = baseline if baseline in shown else shown[0]
    base = frame[frame["arm"] == base_arm].set_index("p")["mean"]
    runs = int(frame.groupby("arm")["runs"].max().sum())
    total = int(results.df("SELECT count(*) AS n FROM arms")["n"].iloc[0])
    figure, (curves, gaps) = plt.subplots(1, 2, figsize=(10.0, 4.6))
    curves.plot([0, 1], [0, 1], color="grey", lw=0.8, linestyle=":", label="line of equality")
    gaps.axhline(0.0, color="grey", lw=0.8, linestyle=":")
    ginis = []
    for index, arm in enumerate(arms):
        part = frame[frame["arm"] == arm]
        if part.empty:
            continue
        style = _style(index)
        x = part["p"].to_numpy(dtype=float)
        mean, low, high = (part[c].to_numpy(dtype=float) for c in ("mean", "lo", "hi"))
        reference = base.reindex(x).to_numpy(dtype=float)
        curves.plot(x, mean, label=arm, lw=1.2, **style)
        curves.fill_between(x, low, high, color=style["color"], alpha=0.15, lw=0)
        gaps.plot(x, mean - reference, lw=1.2, **style)
        gaps.fill_between(
            x, low - reference, high - reference, color=style["color"], alpha=0.15, lw=0
        )
        area = float(np.sum((mean[1:] + mean[:-1]) * np.diff(x)) / 2)
        ginis.append(f"{html.escape(arm)} {1 - 2 * area:.3f}")
    curves.set_xlim(0, 1)
    curves.set_ylim(0, 1)
    curves.set_aspect("equal")
    curves.set_xlabel("cumulative share of households")
    curves.set_ylabel("cumulative share of income")
    curves.set_title("Lorenz curve of household income", fontsize=9)
    gaps.set_xlim(0, 1)
    gaps.set_xlabel("cumulative share of households")
    gaps.set_ylabel(f"cumulative share of income minus {base_arm}'s")
    gaps.set_title(f"difference from {base_arm} (above 0: more equal)", fontsize=9)
    handles, labels = curves.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(6, len(labels)), fontsize=8)
    legend_height = 0.25 * math.ceil(len(labels) / 6) + 0.15  # inches
    figure.tight_layout(rect=(0, legend_height / figure.get_figheight(), 1, 1))
    first, last = int(frame["first_step"].min()), int(frame["last_step"].max())
    when = f"step {last}" if first == last else f"each run's last step ({first}-{last})"
    partial = (
        f" Only {runs} of the {total} runs done ok have Lorenz files (the others were written "
        "by an older platsim)."
        if runs < total
        else ""
    )
    return (
        "<h3>Lorenz curves of household income</h3>"
        f"<p>Household (worker agent) income at {when}: mean over replications of the "
        "cumulative share of income held by the poorest households, read at population shares "
        "0, 0.05, ..., 1, with the band from the lowest to the highest replication; right, "
        f"the same curves and bands minus the mean curve of {html.escape(base_arm)}. Gini "
        "implied by the mean curve (21-point trapezoids, slightly below the exact "
        f"<code>gini_income</code>): {'; '.join(ginis)}."
        f"{partial}</p>" + png(figure, alt="Lorenz curves of household income")
    )


def municipal_lorenz(
    results: Results, arms: list[str]
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[str, float]]:
    """Lorenz curves of municipal income per head at the last panel step, runs of an arm pooled
    (needs the ``arms`` view, :func:`platsim.analysis.report.register_arms`).

    Returns:
        ``{arm: (cumulative population share, cumulative income share)}`` (from 0; empty
        without ``income_per_head`` and ``population``) and ``{"rows", "left_out",
        "population_left_out"}``: the rows without income per head are left out.
    """
    if not {"income_per_head", "population"} <= set(results.panel.columns):
        return {}, {"rows": 0, "left_out": 0, "population_left_out": 0.0}
    panel = results.df(
        "SELECT a.arm, p.run_id, p.income_per_head AS y, p.population AS w FROM panel p "
        "JOIN arms a USING (run_id) WHERE p.step = (SELECT max(step) FROM panel)"
    )
    # A municipality with no worker agent has no income per head (NaN): it would make every
    # cumulative sum after it NaN, so it is left out (and counted for the caption).
    y, w = panel["y"].to_numpy(dtype=float), panel["w"].to_numpy(dtype=float)
    defined = np.isfinite(y) & np.isfinite(w)
    left = {
        "rows": len(panel),
        "left_out": int((~defined).sum()),
        "population_left_out": float(np.nansum(w[~defined])),
    }
    curves = {}
    for arm in arms:
        part = panel[defined & (panel["arm"] == arm).to_numpy()].sort_values("y")
        weights = part["w"].to_numpy(dtype=float)
        income = (part["y"] * part["w"]).to_numpy(dtype=float)
        if part.empty or weights.sum() <= 0 or income.sum() <= 0:
            continue
        x = np.concatenate([[0], np.cumsum(weights) / weights.sum()])
        y = np.concatenate([[0], np.cumsum(income) / income.sum()])
        curves[arm] = (x, y)
    return curves, left


def gini_figure(gini: pd.DataFrame, arms: list[str]) -> Any:
    """The bar chart of each arm's mean Gini of household income with its 95% interval.

    Args:
        gini: The comparison table's ``gini_income`` rows indexed by arm, in ``arms`` order.
    """
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(max(5.0, 0.7 * len(arms)), 3.8))
    low = (gini["mean"] - gini["mean_low"]).fillna(0).to_numpy()
    high = (gini["mean_high"] - gini["mean"]).fillna(0).to_numpy()
    ax.bar(
        range(len(arms)),
        gini["mean"],
        yerr=[low, high],
        capsize=3,
        color=[_style(i)["color"] for i in range(len(arms))],
    )
    ax.set_xticks(range(len(arms)), arms, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("Gini (index 0-1)")
    ax.set_title("Gini of household income with 95% interval", fontsize=10)
    lo = float(np.nanmin(gini["mean_low"].fillna(gini["mean"])))
    hi = float(np.nanmax(gini["mean_high"].fillna(gini["mean"])))
    ax.set_ylim(lo - (hi - lo + 1e-6), hi + (hi - lo + 1e-6))
    figure.tight_layout()  # room for the rotated scenario names under the bars
    return figure


def section(
    results: Results, table: pd.DataFrame, arms: list[str], baseline: str | None = None
) -> str:
    import matplotlib.pyplot as plt

    parts = []
    gini = table[table["outcome"] == "gini_income"].set_index("arm").reindex(arms)
    if not gini.empty and gini["mean"].notna().any():
        parts.append(png(gini_figure(gini, arms)))
    parts.append(_household_lorenz(results, arms, baseline or arms[0]))
    curves, left = municipal_lorenz(results, arms)
    if curves:
        figure, ax = plt.subplots(figsize=(4.5, 4.2))
        for index, arm in enumerate(arms):
            if arm in curves:
                ax.plot(*curves[arm], label=arm, lw=1.2, **_style(index))
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, linestyle=":")
        ax.set_xlabel("cumulative share of population")
        ax.set_ylabel("cumulative share of income")
        ax.set_title("Lorenz curve of municipal income per head (last panel step)", fontsize=9)
        ax.legend(fontsize=7)
        parts.append(
            "<h3>Lorenz curve of municipal income per head</h3><p>Municipalities ranked by "
            "income per head, weighted by population (municipal panel, last panel step, "
            f"the runs of a scenario pooled). Left out: {left['left_out']:,} of the "
            f"{left['rows']:,} municipality rows (one municipality in one run) that have no "
            "worker agent, hence no income per head; they hold "
            f"{left['population_left_out']:,.0f} inhabitants.</p>" + png(figure)
        )
    return "".join(parts)
