"""One self-contained HTML report of a batch's results directory (``platsim report``).

The file has no external resource: figures are PNG images embedded as base64 ``data:`` URIs,
the style sheet and the appendix's few lines of script are inline, so it opens offline in any
browser and can be sent by e-mail. Sections, in reading order: the scorecard
(:mod:`platsim.analysis.scorecard`) and the same effects per million EUR of cumulative public
cost (:mod:`platsim.analysis.per_euro`), the places that gain and lose most by name on real
territories (:mod:`platsim.analysis.places`; one line on a generated one), what was run
(scenarios and the levers each changes from the baseline, replications, seeds, versions), what
the replications can tell (:mod:`platsim.analysis.power`), time series of each outcome family
with replication bands, maps of the municipal panel, income inequality
(:mod:`platsim.analysis.inequality`), each kind of platform's share of its segment's
transactions over time (one figure per segment: goods, local services, freelance; the
concentration time series put each segment's HHI next to the overall one), Sobol'/Morris
indices when the design allows, and last the full comparison table
(:func:`platsim.analysis.compare.compare`) as an appendix filterable by scenario
(:mod:`platsim.analysis.appendix`). Figures use the Okabe-Ito colour-blind-safe palette;
aggregation runs in DuckDB.
"""

from __future__ import annotations

import base64
import html
import math
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from platsim.analysis import appendix, inequality, per_euro, places, power, scorecard
from platsim.analysis.compare import (
    At,
    add_arms,
    compare,
    default_baseline,
    outcome_names,
    parse_at,
    scenario_order,
)
from platsim.analysis.figures import OKABE_ITO, table_html
from platsim.analysis.figures import png as _png
from platsim.analysis.figures import style as _style
from platsim.analysis.levers import lever_text
from platsim.errors import InputError
from platsim.experiment.results import Results
from platsim.experiment.results import open as open_results
from platsim.output import prepare_directory
from platsim.schema.outcomes import OUTCOMES
from platsim.schema.segments import SEGMENTS

#: Units of the municipal panel columns mapped.
PANEL_UNITS: dict[str, str] = {
    "income_per_head": "EUR / month",
    "employment_rate": "share",
    "unemployment_rate": "share",
    "services": "index 0-1",
    "connectivity": "index 0-1",
    "digital_share": "share",
}
#: Panel columns mapped, if recorded.
MAPPED = ("income_per_head", "employment_rate")
#: Outcomes per time-series figure (a family with more gets several figures).
MAX_SERIES = 9
#: Concentration measures shown for all platforms and then for each segment, side by side.
SEGMENT_MEASURES = ("hhi", "top_share")

CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
h1,h2,h3{color:#0b3d62} table{border-collapse:collapse;font-size:13px;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left} th{background:#eef3f7}
td.better{background:#d6ecf8} td.worse{background:#fbe3cc} img{max-width:100%;height:auto}
.note{color:#555;font-size:14px} code{background:#f3f3f3;padding:0 3px}
ol.places{margin:0;padding-left:1.4em} li.better{color:#08519c} li.worse{color:#a50f15}
li.unclear{color:#666}
"""


def register_arms(results: Results) -> tuple[pd.DataFrame, list[str]]:
    """Register the temporary view ``arms`` (the runs done ok with their ``arm``) on the
    results' connection; return those runs and the arms in the experiment's scenario order."""
    done = "SELECT run_id, scenario, design_point, replication FROM runs WHERE status = 'ok'"
    runs = add_arms(results.df(done), results)
    results.connection.register("arms_frame", runs)
    results.connection.execute("CREATE OR REPLACE TEMP VIEW arms AS SELECT * FROM arms_frame")
    order = scenario_order(results)
    arms = sorted(
        runs["arm"].unique(),
        key=lambda a: (order.index(a.split("@")[0]) if a.split("@")[0] in order else 99, a),
    )
    return runs, arms


def series_groups(members: list[str]) -> list[tuple[list[str], int]]:
    """A family's outcomes as time-series figures: ``(outcomes, columns)`` each.

    Outcomes with a better direction come first. Each measure of
    :data:`SEGMENT_MEASURES` present with its per-segment versions (``hhi``, ``hhi_goods``,
    ``hhi_local_services``, ``hhi_freelance``) fills one row of a figure of its own, so a
    segment's concentration sits next to the overall one; the rest follow in figures of at
    most :data:`MAX_SERIES` outcomes, three a row.
    """
    members = sorted(members, key=lambda n: OUTCOMES[n].better is None)
    rows = []
    for measure in SEGMENT_MEASURES:
        row = [n for n in (measure, *(f"{measure}_{s}" for s in SEGMENTS)) if n in members]
        if len(row) > 1:
            rows.append(row)
    used = {n for row in rows for n in row}
    groups: list[tuple[list[str], int]] = []
    if rows:
        width = max(len(row) for row in rows)
        groups.append(([n for row in rows for n in row], width))
    rest = [n for n in members if n not in used]
    groups += [(rest[i : i + MAX_SERIES], 3) for i in range(0, len(rest), MAX_SERIES)]
    return groups


def series_frame(results: Results, names: list[str]) -> pd.DataFrame:
    """Per arm and step, each outcome's mean over the runs (``NAME__mean``) and its 10th and
    90th percentiles (``NAME__lo``, ``NAME__hi``), in one query: each query over the metrics
    files pays their scan (about 0.5 s on 360 runs), so one for every figure, not one each.
    Needs the ``arms`` view (:func:`register_arms`)."""
    cols = ", ".join(
        f'avg(m."{n}") AS "{n}__mean", quantile_cont(m."{n}", 0.1) AS "{n}__lo", '
        f'quantile_cont(m."{n}", 0.9) AS "{n}__hi"'
        for n in names
    )
    return results.df(
        f"SELECT a.arm, m.step, {cols} FROM metrics m JOIN arms a USING (run_id) "
        "GROUP BY ALL ORDER BY a.arm, m.step"
    )


def _series_figure(
    frame: pd.DataFrame, arms: list[str], names: list[str], family: str, ncols: int = 3
) -> str:
    import matplotlib.pyplot as plt

    # an outcome no run has (the sector shock's, without it) is left out, as is an arm's line
    # that is missing throughout
    names = [name for name in names if frame[f"{name}__mean"].notna().any()]
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    figure, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.0 * nrows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        for index, arm in enumerate(arms):
            part = frame[frame["arm"] == arm]
            style = _style(index)
            if part[f"{name}__mean"].isna().all():
                continue
            ax.plot(part["step"], part[f"{name}__mean"], label=arm, lw=1.4, **style)
            ax.fill_between(
                part["step"],
                part[f"{name}__lo"].astype(float),
                part[f"{name}__hi"].astype(float),
                color=style["color"],
                alpha=0.15,
                lw=0,
            )
        meta = OUTCOMES.get(name)
        better = f" ({meta.better} is better)" if meta and meta.better else ""
        ax.set_title(f"{name}{better}", fontsize=9)
        ax.set_xlabel("step (month)")
        ax.set_ylabel(meta.unit if meta else "")
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(6, len(arms)), fontsize=8)
    figure.suptitle(f"{family}: mean over replications, band 10th-90th percentile", fontsize=11)
    legend_height = 0.25 * math.ceil(len(arms) / 6) + 0.1  # inches
    height = figure.get_figheight()
    figure.tight_layout(rect=(0, legend_height / height, 1, 1))
    return _png(figure)


def _maps(results: Results, arms: list[str], baseline: str) -> str:
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    columns = set(results.panel.columns)
    mapped = [c for c in MAPPED if c in columns]
    if not mapped or not {"x_km", "y_km", "population"} <= columns:
        return '<p class="note">No municipal panel was recorded (outputs.panel_every: 0).</p>'
    last = results.df("SELECT max(step) AS s FROM panel")["s"].iloc[0]
    if pd.isna(last):
        return '<p class="note">No municipal panel was recorded (outputs.panel_every: 0).</p>'
    values = ", ".join(f'avg(p."{c}") AS "{c}"' for c in mapped)
    panel = results.df(
        f"SELECT a.arm, p.municipality, avg(p.x_km) AS x_km, avg(p.y_km) AS y_km, "
        f"avg(p.population) AS population, {values} FROM panel p JOIN arms a USING (run_id) "
        f"WHERE p.step = {int(last)} GROUP BY ALL"
    )
    base_arm = baseline if baseline in arms else arms[0]
    base = panel[panel["arm"] == base_arm].set_index("municipality")
    outlines = _outlines(results, columns)
    parts = [
        f"<p>Municipalities at their coordinates at step {int(last)} (mean over "
        f"replications), sized by population. The baseline ({html.escape(base_arm)}) is "
        "coloured by the level; the other scenarios by their change against it.</p>"
    ]
    shown = arms[:12]
    for column in mapped:
        unit = PANEL_UNITS.get(column, "")
        ncols = min(4, len(shown))
        nrows = math.ceil(len(shown) / ncols)
        figure, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.3 * nrows), squeeze=False)
        changes = []
        for arm in shown:
            part = panel[panel["arm"] == arm].set_index("municipality")
            changes.append((part[column] - base[column].reindex(part.index)).to_numpy(dtype=float))
        span = max((np.nanmax(np.abs(c)) for c in changes if np.isfinite(c).any()), default=0.0)
        span = span or 1e-12
        scale = 400.0 / max(float(panel["population"].max()), 1.0)
        for ax, arm, change in zip(axes.flat, shown, changes, strict=False):
            part = panel[panel["arm"] == arm]
            size = 8 + part["population"].to_numpy(dtype=float) * scale
            level = arm == base_arm
            colour = (
                {"c": part[column], "cmap": "cividis"}
                if level
                else {"c": change, "cmap": "PuOr", "vmin": -span, "vmax": span}
            )
            if outlines:
                ax.add_collection(LineCollection(outlines, colors="#4a4a4a", linewidths=0.7))
            points = ax.scatter(
                part["x_km"], part["y_km"], s=size, edgecolors="k", linewidths=0.3, **colour
            )
            label = f"{'' if level else 'change in '}{column} ({unit})"
            figure.colorbar(points, ax=ax, shrink=0.8).set_label(label, fontsize=7)
            ax.set_title(arm, fontsize=9)
            ax.set_xlabel("x (km)")
            ax.set_ylabel("y (km)")
            ax.set_aspect("equal", adjustable="datalim")
        for ax in list(axes.flat)[len(shown) :]:
            ax.set_visible(False)
        figure.tight_layout()
        parts.append(f"<h3>{html.escape(column)} ({html.escape(unit)})</h3>{_png(figure)}")
    if len(arms) > len(shown):
        parts.append(f'<p class="note">First {len(shown)} of {len(arms)} scenarios shown.</p>')
    return "".join(parts)


def _outlines(results: Results, columns: set[str]) -> list[np.ndarray]:
    """The départements' outlines (km, as the panel's coordinates) when the runs are on INSEE
    communes, whose panel carries their places; none otherwise."""
    if not {"lon", "lat", "departement", "region_code"} <= columns:
        return []
    from platsim.territory.france import outlines_km

    places = results.df(
        "SELECT DISTINCT municipality, lon, lat, departement, region_code FROM panel "
        "WHERE departement IS NOT NULL"
    )
    return outlines_km(places) if len(places) else []


def platform_shares(results: Results) -> pd.DataFrame:
    """Columns ``arm``, ``step``, ``segment``, ``kind``, ``share``: each kind's share of the
    transactions of the segment's open platforms, mean over the arm's runs, so a segment's
    shares at a step add up to 1 (or 0).

    Not ``market_share`` summed: closed platforms keep their last one, and the sum could pass 1.
    Needs the ``arms`` view (:func:`register_arms`) and a platform table with ``kind`` and
    ``market_share``; a table without ``segment`` (results of an older version) counts as one
    segment, ``all``."""
    columns = set(results.platforms.columns)
    volume = "transactions" if "transactions" in columns else "market_share"
    open_only = "WHERE active" if "active" in columns else ""
    segment = "segment" if "segment" in columns else "'all'"
    return results.df(
        f"WITH open AS (SELECT run_id, step, {segment} AS segment, kind, sum({volume}) AS v "
        f"FROM platforms {open_only} GROUP BY ALL), "
        "total AS (SELECT run_id, step, segment, sum(v) AS total FROM open GROUP BY ALL), "
        "runs AS (SELECT a.arm, p.step, count(DISTINCT p.run_id) AS n FROM platforms p "
        "JOIN arms a USING (run_id) GROUP BY ALL) "
        "SELECT a.arm, o.step, o.segment, o.kind, "
        "sum(CASE WHEN t.total > 0 THEN o.v / t.total ELSE 0 END) / any_value(r.n) AS share "
        "FROM open o JOIN total t USING (run_id, step, segment) JOIN arms a USING (run_id) "
        "JOIN runs r ON r.arm = a.arm AND r.step = o.step "
        "GROUP BY a.arm, o.step, o.segment, o.kind ORDER BY a.arm, o.step, o.segment"
    )


def _segment_order(segments: Iterable[str]) -> list[str]:
    present = set(segments)
    return [s for s in SEGMENTS if s in present] + sorted(present - set(SEGMENTS))


def _platforms(results: Results, arms: list[str]) -> str:
    if not {"kind", "market_share"} <= set(results.platforms.columns):
        return '<p class="note">No platform table was recorded (outputs.platforms: false).</p>'
    frame = platform_shares(results)
    if frame.empty:
        return '<p class="note">The platform table is empty.</p>'
    kinds = sorted(frame["kind"].unique())
    parts = [
        "<p>Each kind of platform's share of the month's transactions on its segment's "
        "platforms open that month (stacked: a segment's shares add up to 1; with multihoming a "
        "sale still counts once, on the platform it is made on), mean over replications. Closed "
        "platforms are left out.</p>"
    ]
    for segment in _segment_order(frame["segment"].unique()):
        part = frame[frame["segment"] == segment]
        label = segment.replace("_", " ")
        parts.append(
            f"<h3>Segment: {html.escape(label)}</h3>"
            + _png(_kind_shares_figure(part, arms, kinds), f"platform kinds, {label} segment")
        )
    return "".join(parts)


def _kind_shares_figure(frame: pd.DataFrame, arms: list[str], kinds: list[str]) -> Any:
    import matplotlib.pyplot as plt

    shown = arms[:12]
    ncols = min(4, len(shown))
    nrows = math.ceil(len(shown) / ncols)
    figure, axes = plt.subplots(
        nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False, sharey=True
    )
    for ax, arm in zip(axes.flat, shown, strict=False):
        part = (
            frame[frame["arm"] == arm]
            .pivot_table(index="step", columns="kind", values="share", aggfunc="sum")
            .reindex(columns=kinds)
            .fillna(0.0)
        )
        ax.stackplot(
            part.index,
            part.T.to_numpy(),
            labels=kinds,
            colors=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(kinds))],
        )
        ax.set_title(arm, fontsize=9)
        ax.set_xlabel("step (month)")
        ax.set_ylabel("share of transactions")
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="upper center", ncol=len(kinds), fontsize=8, bbox_to_anchor=(0.5, 1.0)
    )
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.35 / figure.get_figheight()))
    return figure


def _power(table: pd.DataFrame) -> str:
    text, shown = power.summary(table)
    if not text:
        return ""
    return (
        f"<h3>Are there enough replications?</h3><p>{html.escape(text)}</p><details><summary>"
        "Detectable difference per outcome (median over the scenarios) and the replications "
        f"the unclear differences would need (median)</summary>{table_html(shown)}</details>"
    )


def _sensitivity(results: Results, at: At) -> str:
    method = (results.manifest.get("design") or {}).get("method")
    if method not in ("sobol", "morris"):
        return ""
    from platsim.analysis.sensitivity import sensitivity, sensitivity_figure

    parts = [f"<h2>Sensitivity ({html.escape(method)})</h2>"]
    for name in ("gini_income", "hhi", "employment_rate", "theil_municipal"):
        if name not in results.metrics.columns:
            continue
        try:
            result = sensitivity(results, name, at=at)
        except InputError as error:
            parts.append(f'<p class="note">{html.escape(error.message())}</p>')
            continue
        data = base64.b64encode(sensitivity_figure(result)).decode("ascii")
        parts.append(
            f"<h3>{name}</h3>{table_html(result.table.round(4))}"
            f'<img alt="figure" src="data:image/png;base64,{data}">'
        )
    return "".join(parts)


def build_report(
    directory: str | Path | Results, baseline: str | None = None, at: str | At = "end"
) -> tuple[str, list[str]]:
    """The report's HTML text and the runs excluded (not done ok).

    Raises:
        InputError: Not a results directory, unknown baseline, bad ``at``.
    """
    import matplotlib

    matplotlib.use("Agg")
    results = directory if isinstance(directory, Results) else open_results(directory)
    try:
        at = parse_at(at)
        baseline = baseline or default_baseline(results)
        table = compare(results, baseline=baseline, at=at)
        runs, arms = register_arms(results)
        manifest = results.manifest
        rates = per_euro.per_euro(results, table, runs, baseline, at)
        sections = [
            scorecard.section(table, per_euro.phrases(rates), per_euro.free_arms(rates)),
            per_euro.section(rates, baseline, per_euro.end_words(results, at)),
            places.section(results, runs, arms, baseline),
            _what_was_run(manifest, baseline, table, runs),
            f"<h2>Comparison with {html.escape(baseline)} ({html.escape(at.describe())})</h2>"
            f"<p>The full table, {len(table):,} rows ({table['outcome'].nunique()} outcomes x "
            f"{table['arm'].nunique()} scenarios), is in the "
            '<a href="#appendix">appendix</a> at the end, filterable by scenario.</p>'
            + _power(table),
        ]
        names = [n for n in outcome_names(results) if n in OUTCOMES]
        series = series_frame(results, names)
        sections.append("<h2>Time series</h2>")
        for family in dict.fromkeys(OUTCOMES[n].family for n in names):
            members = [n for n in names if OUTCOMES[n].family == family]
            sections.append(f"<h3>{html.escape(family)}</h3>")
            for group, ncols in series_groups(members):
                sections.append(_series_figure(series, arms, group, family, ncols))
        sections.append("<h2>Maps of the territory</h2>" + _maps(results, arms, baseline))
        sections.append(
            "<h2>Income inequality</h2>" + inequality.section(results, table, arms, baseline)
        )
        sections.append("<h2>Platform market</h2>" + _platforms(results, arms))
        sections.append(_sensitivity(results, at))
        sections.append(appendix.section(table))
    finally:
        if not isinstance(directory, Results):
            results.close()
    title = f"platsim report: {manifest.get('name', '')}"
    text = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title><style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        + "".join(sections)
        + "</body></html>"
    )
    return text, table.attrs["failed"]


def _what_was_run(
    manifest: Mapping[str, Any], baseline: str, table: pd.DataFrame, runs: pd.DataFrame
) -> str:
    counts = manifest.get("counts") or {}
    failed = table.attrs["failed"]
    seeds = manifest.get("seeds") or []
    shown_seeds = ", ".join(map(str, seeds[:10])) + (" ..." if len(seeds) > 10 else "")
    design = manifest.get("design") or {}
    items = [
        ("experiment", f"{manifest.get('name')}: {manifest.get('description', '')}"),
        ("platsim version", manifest.get("platsim_version")),
        (
            "runs",
            f"{len(runs)} done ok of {manifest.get('runs')}"
            + (
                f"; {len(failed)} not done ok, excluded: {', '.join(failed[:10])}" if failed else ""
            ),
        ),
        ("replications", manifest.get("replications")),
        ("steps", manifest.get("steps") or "each scenario's"),
        ("root seed / replication seeds", f"{manifest.get('seed')} / {shown_seeds}"),
        ("design", f"{design.get('method') or 'none'} ({design.get('points')} point(s))"),
        ("started / finished", f"{manifest.get('started')} / {manifest.get('finished')}"),
        ("status", f"{manifest.get('status')} {counts if counts else ''}"),
    ]
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in items
    )
    lever_rows = [
        {"scenario": name, f"changes from {baseline}": text}
        for name, text in lever_text(manifest, baseline).items()
    ]
    overrides = (manifest.get("experiment") or {}).get("overrides") or {}
    note = f"<p>Overrides applied to every scenario: {html.escape(str(overrides))}</p>"
    params = design.get("parameters") or []
    varied = "; ".join(
        f"{p['name']} {p.get('values', [p.get('low'), p.get('high')])}" for p in params
    )
    design_text = f"<p>Varied parameters: {html.escape(varied)}</p>" if params else ""
    return (
        "<h2>What was run</h2>"
        + f"<table>{rows}</table>"
        + (note if overrides else "")
        + design_text
        + "<h3>Scenarios and their levers</h3>"
        + table_html(pd.DataFrame(lever_rows))
    )


def write_report(
    directory: str | Path, output: str | Path, baseline: str | None = None, at: str | At = "end"
) -> dict[str, Any]:
    """Write the report of a results directory to ``output`` (one HTML file).

    Returns:
        ``{"path", "bytes", "seconds", "failed"}``.

    Raises:
        InputError: Bad results directory, baseline or ``at``; unwritable output.
    """
    started = time.perf_counter()
    output = Path(output)
    prepare_directory(output.parent if str(output.parent) else Path("."), field="-o")
    text, failed = build_report(directory, baseline=baseline, at=at)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write the report ({error})", file=output, field="-o") from None
    return {
        "path": output,
        "bytes": output.stat().st_size,
        "seconds": time.perf_counter() - started,
        "failed": failed,
    }
