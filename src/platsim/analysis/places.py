"""The report's section on places: which EPCIs (or départements) gain and lose most, by name.

Runs on real French communes (``territory.source: insee``) record in their municipal panel each
commune's INSEE ``code``, ``lon``, ``lat``, ``epci``, ``departement`` and ``region_code``. At
each run's last panel step, the communes are grouped by place (:func:`place_level`: the EPCIs,
or the départements when there are more than :data:`MAX_EPCIS` EPCIs, or the communes of a
territory of one EPCI), each outcome of :data:`PLACE_OUTCOMES` is the population-weighted mean
of its communes' values (communes without a value, e.g. no worker agent hence no income per
head, are left out), and each scenario's place value is paired with the baseline's of the same
replication (and design point): mean paired difference with its 95% t-interval over the
replications, as :func:`platsim.analysis.compare.compare` does for the territory as a whole.

The section lists, for each scenario and outcome, the :data:`SHOWN` places that gain most and
those that lose most, by name, then maps every commune in longitude/latitude coloured by its
place's difference, with the départements' outlines. The intervals are each place's own: picking
the extremes among many places favours large differences, which the caption says. A generated
(synthetic) territory has no named place: the section is then one line saying so.
Needs the ``arms`` frame of :func:`platsim.analysis.report.register_arms`.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from platsim.analysis.compare import LEVEL
from platsim.analysis.figures import png
from platsim.analysis.scorecard import format_effect
from platsim.experiment.results import Results

#: Outcomes ranked by place: (panel column, words, better direction, unit).
PLACE_OUTCOMES: tuple[tuple[str, str, str, str], ...] = (
    ("income_per_head", "income per head", "higher", "EUR / month"),
    ("unemployment_rate", "unemployment rate", "lower", "share"),
)
#: EPCIs are the places up to this many; above, the départements (France has 1,247 EPCIs).
MAX_EPCIS = 300
#: Places listed as gaining most, and as losing most, per scenario and outcome.
SHOWN = 3
#: Scenarios mapped (the first ones, in the experiment's order).
MAX_MAPPED = 12
#: Why the section is skipped on a generated territory.
SYNTHETIC = (
    "Places: skipped, the territory is generated (synthetic): its municipalities belong to no "
    "EPCI or département, so no place can be named."
)
#: Words of each place level: (singular, plural).
LEVEL_WORDS = {
    "epci": ("EPCI", "EPCIs"),
    "departement": ("département", "départements"),
    "code": ("commune", "communes"),
}


def place_level(results: Results) -> str | None:
    """The panel column that groups communes into places (``epci``, ``departement`` or
    ``code``), or None when the panel has no French places (a generated territory)."""
    columns = set(results.panel.columns)
    if not {"code", "epci", "departement", "lon", "lat", "population"} <= columns:
        return None
    counts = results.df(
        "SELECT count(DISTINCT epci) AS epci, count(DISTINCT departement) AS departement, "
        "count(DISTINCT code) AS code FROM panel WHERE code IS NOT NULL"
    ).iloc[0]
    if counts["code"] == 0:
        return None
    if 2 <= counts["epci"] <= MAX_EPCIS:
        return "epci"
    if counts["epci"] > MAX_EPCIS and counts["departement"] >= 2:
        return "departement"
    return "code"


def place_names(results: Results, level: str) -> dict[str, str]:
    """``{place code: name}``: EPCI and département names from the bundled commune table,
    commune names from the panel."""
    if level == "code":
        names = results.df("SELECT DISTINCT code, name FROM panel WHERE code IS NOT NULL")
        return dict(zip(names["code"].astype(str), names["name"].astype(str), strict=True))
    from platsim.territory.france import communes_table

    table = communes_table()[[level, f"{level}_name"]].astype(str).drop_duplicates(level)
    return dict(zip(table[level], table[f"{level}_name"], strict=True))


def place_values(results: Results, level: str) -> pd.DataFrame:
    """One row per run done ok and place at the run's last panel step: ``run_id``, ``place``,
    ``step``, ``population`` and each recorded outcome of :data:`PLACE_OUTCOMES`, the
    population-weighted mean over the place's communes that have a value."""
    recorded = [name for name, *_ in PLACE_OUTCOMES if name in set(results.panel.columns)]
    means = ", ".join(
        f'sum(CASE WHEN isfinite(p."{n}") THEN p."{n}" * p.population END) / '
        f'nullif(sum(CASE WHEN isfinite(p."{n}") THEN p.population END), 0) AS "{n}"'
        for n in recorded
    )
    return results.df(
        "WITH last AS (SELECT run_id, max(step) AS step FROM panel GROUP BY run_id) "
        f'SELECT p.run_id, CAST(p."{level}" AS VARCHAR) AS place, any_value(p.step) AS step, '
        f"sum(p.population) AS population, {means} "
        "FROM panel p JOIN last USING (run_id, step) "
        "WHERE p.run_id IN (SELECT run_id FROM runs WHERE status = 'ok') "
        f'AND p."{level}" IS NOT NULL GROUP BY ALL'
    )


def _baseline_rows(runs: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, list[str]]:
    """The baseline's runs and the columns pairing a run with its baseline run (as
    :func:`platsim.analysis.compare.compare`: a scenario pairs by design point and replication,
    a grid arm of one design point by replication)."""
    if baseline in set(runs["scenario"]):
        return runs[runs["scenario"] == baseline], ["design_point", "replication"]
    base = runs[runs["arm"] == baseline]
    single = base["design_point"].nunique() == 1
    return base, ["replication"] if single else ["design_point", "replication"]


def paired_effects(
    values: pd.DataFrame, runs: pd.DataFrame, baseline: str, level: float = LEVEL
) -> pd.DataFrame:
    """Each scenario's paired difference from the baseline, place by place.

    Args:
        values: :func:`place_values` (``run_id``, ``place``, outcome columns).
        runs: The runs done ok with ``run_id``, ``arm``, ``scenario``, ``design_point`` and
            ``replication`` (:func:`platsim.analysis.report.register_arms`).
        baseline: The baseline scenario (or grid arm).
        level: Confidence level of the t-intervals.

    Returns:
        One row per arm other than the baseline, place and outcome: ``arm``, ``place``,
        ``outcome``, ``pairs``, ``baseline_mean``, ``diff``, ``diff_low``, ``diff_high``
        (NaN bounds with fewer than two pairs) and ``verdict`` (better / worse when the
        interval excludes 0, else no clear difference).
    """
    outcomes = [name for name, *_ in PLACE_OUTCOMES if name in values.columns]
    better = {name: direction for name, _, direction, _ in PLACE_OUTCOMES}
    frame = values.merge(runs, on="run_id")
    base_runs, keys = _baseline_rows(runs, baseline)
    base = values[values["run_id"].isin(base_runs["run_id"])].merge(base_runs, on="run_id")
    base = base[[*keys, "place", *outcomes]].rename(columns={n: f"{n}__base" for n in outcomes})
    others = frame[~frame["run_id"].isin(base_runs["run_id"])]
    paired = others.merge(base, on=[*keys, "place"], how="inner")
    parts = []
    for name in outcomes:
        part = paired[["arm", "place"]].copy()
        part["d"] = paired[name] - paired[f"{name}__base"]
        part["b"] = paired[f"{name}__base"].where(part["d"].notna())
        grouped = part.dropna(subset=["d"]).groupby(["arm", "place"], sort=False)
        summary = grouped.agg(
            pairs=("d", "size"), diff=("d", "mean"), sd=("d", "std"), baseline_mean=("b", "mean")
        ).reset_index()
        n = summary["pairs"].to_numpy(dtype=float)
        quantile = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
        half = np.where(n >= 2, quantile * summary["sd"].to_numpy() / np.sqrt(n), np.nan)
        summary["diff_low"] = summary["diff"] - half
        summary["diff_high"] = summary["diff"] + half
        went = np.where(
            summary["diff_low"] > 0, "higher", np.where(summary["diff_high"] < 0, "lower", "")
        )
        summary["verdict"] = np.where(
            went == "", "no clear difference", np.where(went == better[name], "better", "worse")
        )
        summary["outcome"] = name
        parts.append(summary.drop(columns="sd"))
    columns = ["arm", "place", "outcome", "pairs", "baseline_mean", "diff", "diff_low"]
    columns += ["diff_high", "verdict"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def extremes(effects: pd.DataFrame, shown: int = SHOWN) -> pd.DataFrame:
    """The places that gain most and lose most, per arm and outcome: the rows of
    :func:`paired_effects` with ``side`` (``gains`` / ``loses``) and ``rank`` (1 first).

    A place gains when its mean difference goes the outcome's better way; at most ``shown``
    per side, fewer when fewer places gain (or lose)."""
    better = {name: direction for name, _, direction, _ in PLACE_OUTCOMES}
    frame = effects.dropna(subset=["diff"]).copy()
    sign = frame["outcome"].map(lambda n: 1.0 if better[n] == "higher" else -1.0)
    frame["gain"] = frame["diff"] * sign.astype(float)  # float even with no row left
    parts = []
    for (_, _), group in frame.groupby(["arm", "outcome"], sort=False):
        gains = group[group["gain"] > 0].nlargest(shown, "gain").assign(side="gains")
        losses = group[group["gain"] < 0].nsmallest(shown, "gain").assign(side="loses")
        for side in (gains, losses):
            parts.append(side.assign(rank=range(1, len(side) + 1)))
    if not parts:
        return frame.assign(side=[], rank=[])
    return pd.concat(parts, ignore_index=True).drop(columns="gain")


def _listing(rows: pd.DataFrame, names: dict[str, str], unit: str) -> str:
    if rows.empty:
        return '<span class="note">none</span>'
    items = []
    for row in rows.itertuples(index=False):
        name = html.escape(names.get(row.place, row.place))
        effect = html.escape(format_effect(unit, row.diff, row.diff_low, row.diff_high))
        clear = row.verdict in ("better", "worse")
        css = row.verdict if clear else "unclear"
        text = effect if clear else f"{effect}, no clear difference"
        items.append(f'<li class="{css}" data-place="{html.escape(row.place)}">{name}: {text}</li>')
    return f'<ol class="places">{"".join(items)}</ol>'


def places_table(chosen: pd.DataFrame, names: dict[str, str], arms: list[str], outcome: str) -> str:
    """The HTML table of one outcome: one row per scenario, its places gaining and losing
    most with their paired differences and intervals."""
    unit = next(u for n, _, _, u in PLACE_OUTCOMES if n == outcome)
    part = chosen[chosen["outcome"] == outcome]
    rows = []
    for arm in arms:
        mine = part[part["arm"] == arm]
        if mine.empty:
            continue
        cells = "".join(
            f"<td>{_listing(mine[mine['side'] == side].sort_values('rank'), names, unit)}</td>"
            for side in ("gains", "loses")
        )
        rows.append(
            f'<tr data-scenario="{html.escape(arm)}"><th>{html.escape(arm)}</th>{cells}</tr>'
        )
    head = "<tr><th>scenario</th><th>gain most</th><th>lose most</th></tr>"
    return (
        f'<table class="places" data-outcome="{html.escape(outcome)}">{head}{"".join(rows)}</table>'
    )


def map_data(
    results: Results, level: str, effects: pd.DataFrame, outcome: str, arms: list[str]
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """The communes (``lon``, ``lat``, ``population``, ``place``) with one column per arm: the
    paired difference of the commune's place in ``outcome`` (NaN: no pair), and the rings of
    the départements' outlines in longitude/latitude."""
    from platsim.territory.france import outlines_lonlat

    communes = results.df(
        f"SELECT code, any_value(lon) AS lon, any_value(lat) AS lat, "
        f'any_value(CAST("{level}" AS VARCHAR)) AS place, any_value(departement) AS departement, '
        "max(population) AS population FROM panel WHERE code IS NOT NULL GROUP BY code"
    )
    part = effects[effects["outcome"] == outcome]
    for arm in arms:
        values = part[part["arm"] == arm].set_index("place")["diff"]
        communes[arm] = communes["place"].map(values).astype(float)
    return communes, outlines_lonlat(communes)


def map_figure(
    communes: pd.DataFrame, rings: list[np.ndarray], arms: list[str], outcome: str
) -> Any:
    """Small multiples: each scenario's communes at their longitude and latitude, coloured by
    their place's paired difference (blue better, red worse), départements outlined."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    words, better, unit = next((w, b, u) for n, w, b, u in PLACE_OUTCOMES if n == outcome)
    factor, unit_words = (100.0, "points") if unit == "share" else (1.0, unit)
    shown = [arm for arm in arms if np.isfinite(communes[arm].to_numpy(dtype=float)).any()]
    ncols = min(4, len(shown))
    nrows = math.ceil(len(shown) / ncols)
    width = 4.6 if len(shown) <= 4 else 3.6
    figure, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, 0.92 * width * nrows), squeeze=False
    )
    span = max(float(np.nanmax(np.abs(communes[shown].to_numpy(dtype=float)))) * factor, 1e-12)
    size = float(np.clip(3000.0 / max(len(communes), 1), 0.5, 30.0))
    cmap = "RdBu" if better == "higher" else "RdBu_r"
    aspect = 1.0 / math.cos(math.radians(float(communes["lat"].mean())))
    for ax, arm in zip(axes.flat, shown, strict=False):
        values = communes[arm].to_numpy(dtype=float)
        defined = np.isfinite(values)
        if rings:
            ax.add_collection(LineCollection(rings, colors="#4a4a4a", linewidths=0.7))
        if (~defined).any():
            ax.scatter(
                communes["lon"][~defined], communes["lat"][~defined], s=size, c="#bdbdbd", lw=0
            )
        points = ax.scatter(
            communes["lon"][defined],
            communes["lat"][defined],
            s=size,
            c=values[defined] * factor,
            cmap=cmap,
            vmin=-span,
            vmax=span,
            lw=0,
        )
        figure.colorbar(points, ax=ax, shrink=0.8).set_label(
            f"change in {words} ({unit_words})", fontsize=7
        )
        ax.set_title(arm, fontsize=9)
        ax.set_xlabel("longitude (°)", fontsize=8)
        ax.set_ylabel("latitude (°)", fontsize=8)
        ax.set_aspect(aspect, adjustable="datalim")
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    figure.tight_layout()
    return figure


def section(results: Results, runs: pd.DataFrame, arms: list[str], baseline: str) -> str:
    """The report's places section (one line on a generated territory)."""
    level = place_level(results)
    if level is None:
        return f'<p class="note" id="places-skipped">{html.escape(SYNTHETIC)}</p>'
    values = place_values(results, level)
    effects = paired_effects(values, runs, baseline)
    if effects.empty:
        return (
            '<p class="note" id="places-skipped">Places: skipped, no scenario has a municipal '
            "panel paired with the baseline's.</p>"
        )
    names = place_names(results, level)
    one, many = LEVEL_WORDS[level]
    others = [arm for arm in arms if arm in set(effects["arm"])]
    chosen = extremes(effects)
    steps = sorted(set(values["step"].astype(int)))
    when = (
        f"step {steps[0]}"
        if len(steps) == 1
        else f"each run's last panel step ({steps[0]}-{steps[-1]})"
    )
    count = values["place"].nunique()
    parts = [
        f'<h2 id="places">Places: which {many} gain and lose most</h2>'
        f"<p>The {count:,} {many} of the territory at {when} of the municipal panel: each "
        f"{one}'s outcome is the population-weighted mean of its communes' (communes with no "
        f"value, e.g. no worker agent, left out), paired with {html.escape(baseline)}'s in the "
        f"same replication; mean difference with its 95% interval over the replications. Each "
        f"scenario's {SHOWN} {many} whose mean moves most the better way, and most the worse "
        f"way. The intervals are each {one}'s own, not adjusted for picking the extremes among "
        f'{count:,}: an extreme read "no clear difference" is noise.</p>'
    ]
    for outcome, words, better, unit in PLACE_OUTCOMES:
        if outcome not in set(effects["outcome"]):
            continue
        communes, rings = map_data(results, level, effects, outcome, others[:MAX_MAPPED])
        mapped = [a for a in others[:MAX_MAPPED] if communes[a].notna().any()]
        figure = (
            png(map_figure(communes, rings, mapped, outcome), f"map of {words} by {one}")
            if mapped
            else f'<p class="note">No {one} has a paired value of {words} to map.</p>'
        )
        parts.append(
            f"<h3>{html.escape(words)} ({html.escape(unit)}, {better} is better)</h3>"
            + places_table(chosen, names, others, outcome)
            + figure
        )
    parts.append(
        f'<p class="note">Maps: every commune at its longitude and latitude, coloured by its '
        f"{one}'s mean paired difference (blue better, red worse, grey: no value); outlines: "
        "départements."
        + (
            f" First {MAX_MAPPED} of {len(others)} scenarios mapped."
            if len(others) > MAX_MAPPED
            else ""
        )
        + "</p>"
    )
    return "".join(parts)
