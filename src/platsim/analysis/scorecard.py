"""The report's first section: a scorecard of which scenario changes what.

One row per scenario (arm) other than the baseline, one column per outcome family, each cell
the headline outcome's paired difference from the baseline (:func:`platsim.analysis.compare.
compare`): its sign, its size (relative change) and whether its 95% interval excludes 0.
Colours come from a diverging colour-blind-safe palette (ColorBrewer ``RdBu``) oriented by the
outcome's better direction, so *better* is blue and *worse* red whether the outcome is better
higher or lower; *no clear difference* is grey. Then one sentence per scenario, written from the
same numbers.

The headline outcome of each column is declared in :data:`HEADLINES` (the first recorded
candidate is used). Public cost is the outcome ``public_cost``; results made before it existed
lack it, and its column then says so.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from platsim.analysis.figures import png

#: Scorecard columns: (column label, candidate outcomes, first recorded one is used).
HEADLINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("concentration", ("hhi_goods", "hhi")),
    ("value retention", ("leakage_share",)),
    ("employment", ("unemployment_rate",)),
    ("cohesion", ("theil_municipal", "rural_urban_income_ratio")),
    ("public cost", ("public_cost",)),
)
#: Short names of the headline outcomes in cells and sentences.
LABELS: dict[str, str] = {
    "hhi_goods": "goods HHI",
    "hhi": "HHI",
    "leakage_share": "leakage",
    "unemployment_rate": "unemployment",
    "theil_municipal": "municipal Theil",
    "rural_urban_income_ratio": "rural/urban income ratio",
    "public_cost": "monthly public cost",
}
#: Better direction assumed for an outcome the comparison table gives none.
DEFAULT_BETTER: dict[str, str] = {"public_cost": "lower"}
#: Verdict and text of the public-cost cell of a scenario that spends no public money at all
#: (its cumulative cost is 0 in every replication, see :mod:`platsim.analysis.per_euro`).
NO_COST = "no public cost"
#: Text of a column whose outcome is not recorded.
NOT_RECORDED = {"public cost": "not recorded (results made before public_cost existed)"}
#: Matplotlib colormap: diverging, colour-blind safe; its high end (blue) is "better".
PALETTE = "RdBu"
#: Grey of "no clear difference" (and of cells without a value).
GREY = "#d9d9d9"
#: Relative change (as a fraction) at which a cell's colour is the palette's deepest.
FULL_SCALE = 0.2
MINUS = "\u2212"


def headline_columns(table: pd.DataFrame) -> list[tuple[str, str | None]]:
    """``(column label, outcome)`` of each scorecard column; outcome None when none recorded."""
    recorded = set(table["outcome"])
    return [(label, next((n for n in names if n in recorded), None)) for label, names in HEADLINES]


def signed(value: float, digits: int) -> str:
    """``value`` with its sign (a true minus) and ``digits`` decimals; 0 without a sign."""
    text = f"{value:+,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", MINUS)


def _unit_format(unit: str, value: float) -> tuple[float, int, str]:
    """``(scaled value, decimals, unit words)`` of a difference in ``unit``."""
    if unit == "share":
        return value * 100, 1, " points"
    if unit == "0-10,000":
        return value, 0, ""
    if "EUR" in unit:
        if abs(value) >= 1e5:
            return value / 1e6, 2, " M EUR"
        return value, 0, " EUR"
    magnitude = abs(value)
    digits = (
        3
        if magnitude == 0 or math.isnan(magnitude)
        else max(0, 2 - math.floor(math.log10(magnitude)))
    )
    return value, min(digits, 10), ""


def format_effect(unit: str, diff: float, low: float, high: float) -> str:
    """A paired difference and its interval in the outcome's unit: shares in points (1 decimal),
    0-10,000 indices as integers, money in EUR (M EUR from 100,000), others in 3 significant
    digits; e.g. ``+3.7 points [+3.7, +3.8]``, ``−436 [−451, −420]``."""
    if math.isnan(diff):
        return "–"
    value, digits, words = _unit_format(unit, diff)
    scale = value / diff if diff else _unit_format(unit, 1.0)[0]
    text = signed(value, digits) + words
    if not (math.isnan(low) or math.isnan(high)):
        text += f" [{signed(low * scale, digits)}, {signed(high * scale, digits)}]"
    return text


def goodness(row: Any) -> float:
    """Where a cell sits on the palette, in [-1, 1]: positive is better, negative worse, NaN
    for no clear difference (grey). Its size grows with the relative change up to
    :data:`FULL_SCALE`, from 0.3 so that any clear effect is visibly coloured."""
    if row["verdict"] not in ("better", "worse"):
        return math.nan
    rel = float(row["rel_change"])
    size = 1.0 if math.isnan(rel) else min(abs(rel) / FULL_SCALE, 1.0)
    strength = 0.3 + 0.7 * size
    return strength if row["verdict"] == "better" else -strength


def colour(value: float) -> tuple[float, float, float, float]:
    """RGBA of a :func:`goodness` value (grey when NaN)."""
    import matplotlib

    if math.isnan(value):
        return matplotlib.colors.to_rgba(GREY)
    # Keep off the palette's darkest ends, where black text is hard to read.
    return matplotlib.colormaps[PALETTE](0.5 + 0.42 * value)


def text_colour(value: float) -> str:
    """Grey on grey, white on the palette's deep ends, black elsewhere."""
    if math.isnan(value):
        return "#555555"
    return "#ffffff" if abs(value) > 0.6 else "#000000"


def _verdict_row(table: pd.DataFrame, arm: str, outcome: str) -> pd.Series | None:
    rows = table[(table["arm"] == arm) & (table["outcome"] == outcome)]
    if rows.empty:
        return None
    row = rows.iloc[0].copy()
    # no direction: None, or NaN in a text column (pandas stores None so)
    better = (None if pd.isna(row["better"]) else row["better"]) or DEFAULT_BETTER.get(outcome)
    if row["verdict"] in ("higher", "lower") and better:
        row["verdict"] = "better" if row["verdict"] == better else "worse"
    return row


def cells(table: pd.DataFrame, no_cost: Collection[str] = ()) -> pd.DataFrame:
    """One row per scenario and scorecard column: ``arm``, ``column``, ``outcome``, ``diff``,
    ``diff_low``, ``diff_high``, ``rel_change``, ``verdict``, ``text`` (the effect as shown),
    ``goodness`` (:func:`goodness`). A column without a recorded outcome has ``outcome`` ``""``
    and its text says so. The public-cost cell of the arms in ``no_cost`` (no public money
    spent since step 0) has verdict and text :data:`NO_COST`, grey."""
    arms = [
        a
        for a in dict.fromkeys(table["arm"])
        if not (table[table["arm"] == a]["verdict"] == "baseline").all()
    ]
    rows = []
    for arm in arms:
        for label, outcome in headline_columns(table):
            row = _verdict_row(table, arm, outcome) if outcome else None
            if row is None:
                rows.append(
                    {
                        "arm": arm,
                        "column": label,
                        "outcome": "",
                        "diff": math.nan,
                        "diff_low": math.nan,
                        "diff_high": math.nan,
                        "rel_change": math.nan,
                        "verdict": "not recorded",
                        "text": NOT_RECORDED.get(label, "not recorded"),
                        "goodness": math.nan,
                    }
                )
                continue
            free = label == "public cost" and arm in no_cost
            effect = format_effect(row["unit"], row["diff"], row["diff_low"], row["diff_high"])
            rel = float(row["rel_change"])
            size = "" if math.isnan(rel) else f" ({signed(rel * 100, 1)}%)"
            rows.append(
                {
                    "arm": arm,
                    "column": label,
                    "outcome": outcome,
                    "diff": row["diff"],
                    "diff_low": row["diff_low"],
                    "diff_high": row["diff_high"],
                    "rel_change": rel,
                    "verdict": NO_COST if free else row["verdict"],
                    "text": NO_COST if free else effect + size,
                    "goodness": math.nan if free else goodness(row),
                }
            )
    return pd.DataFrame(rows)


def sentences(
    table: pd.DataFrame, extra: Mapping[str, str] | None = None, no_cost: Collection[str] = ()
) -> dict[str, str]:
    """One sentence per scenario from the scorecard's numbers, e.g. ``open_data: goods HHI −436
    [−451, −420]; unemployment −0.6 points [−0.9, −0.4]; leakage +3.7 points [+3.7, +3.8];
    municipal Theil no clear difference.`` (columns without a recorded outcome are left out).
    ``extra`` adds a last phrase to a scenario's sentence (the effects per euro); the arms in
    ``no_cost`` read :data:`NO_COST` for public cost (:func:`cells`)."""
    frame = cells(table, no_cost)
    out: dict[str, str] = {}
    for arm, part in frame.groupby("arm", sort=False):
        parts = []
        for row in part.itertuples(index=False):
            if not row.outcome:
                continue
            label = LABELS.get(row.outcome, row.outcome)
            if row.verdict == NO_COST:
                parts.append(NO_COST)
            elif row.verdict in ("better", "worse"):
                parts.append(f"{label} {row.text.split(' (')[0]}")
            else:
                parts.append(f"{label} no clear difference")
        if extra and extra.get(str(arm)):
            parts.append(extra[str(arm)])
        out[str(arm)] = f"{arm}: " + "; ".join(parts) + "."
    return out


def scorecard(table: pd.DataFrame, no_cost: Collection[str] = ()) -> tuple[Any, str]:
    """The scorecard as a heatmap figure (matplotlib) and as an HTML table (``no_cost``: see
    :func:`cells`)."""
    import matplotlib.pyplot as plt

    frame = cells(table, no_cost)
    arms = list(dict.fromkeys(frame["arm"]))
    columns = [label for label, _ in HEADLINES]
    outcomes = dict(headline_columns(table))
    figure, ax = plt.subplots(figsize=(2.4 * len(columns) + 1.6, 0.55 * len(arms) + 1.4))
    grid = [[colour(math.nan)] * len(columns) for _ in arms]
    for row in frame.itertuples(index=False):
        i, j = arms.index(row.arm), columns.index(row.column)
        grid[i][j] = colour(row.goodness)
        text = (
            row.text
            if row.verdict in ("better", "worse", NO_COST)
            else ("no clear difference" if row.outcome else row.text)
        )
        ax.text(
            j,
            i,
            text.replace(" [", "\n["),
            ha="center",
            va="center",
            fontsize=7,
            color=text_colour(row.goodness),
        )
    ax.imshow(grid, aspect="auto")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(
        [f"{c}\n({LABELS.get(outcomes[c], outcomes[c])})" if outcomes[c] else c for c in columns],
        fontsize=8,
    )
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(arms)))
    ax.set_yticklabels(arms, fontsize=8)
    ax.set_xticks([x - 0.5 for x in range(1, len(columns))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(arms))], minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    figure.tight_layout()

    head = "<th>scenario</th>" + "".join(
        f"<th>{html.escape(c)}"
        + (f"<br><small>{html.escape(outcomes[c])}</small>" if outcomes[c] else "")
        + "</th>"
        for c in columns
    )
    body = []
    for arm in arms:
        part = frame[frame["arm"] == arm].set_index("column")
        tds = []
        for c in columns:
            row = part.loc[c]
            css = row["verdict"] if row["verdict"] in ("better", "worse") else "unclear"
            plain = css != "unclear" or not row["outcome"] or row["verdict"] == NO_COST
            shown = (
                html.escape(row["text"])
                if plain
                else (f"no clear difference<br><small>{html.escape(row['text'])}</small>")
            )
            rgba = colour(row["goodness"])
            style = "background:rgb({},{},{})".format(*(round(255 * x) for x in rgba[:3]))
            style += f";color:{text_colour(row['goodness'])}"  # readable on deep colours
            tds.append(
                f'<td class="score {css}" data-outcome="{html.escape(str(row["outcome"]))}" '
                f'data-diff="{float(row["diff"])!r}" style="{style}">{shown}</td>'
            )
        body.append(f"<tr><th>{html.escape(arm)}</th>{''.join(tds)}</tr>")
    return figure, f'<table class="scorecard"><tr>{head}</tr>{"".join(body)}</table>'


def section(
    table: pd.DataFrame, extra: Mapping[str, str] | None = None, no_cost: Collection[str] = ()
) -> str:
    """The report's scorecard section: heading, heatmap, explanation, table, sentences (with
    ``extra``'s phrase and ``no_cost``, see :func:`sentences`)."""
    frame = cells(table, no_cost)
    if frame.empty:
        return ""
    figure, table_html = scorecard(table, no_cost)
    baseline = html.escape(str(table.attrs.get("baseline", "the baseline")))
    at = html.escape(str(table.attrs.get("at", "")))
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences(table, extra, no_cost).values())
    return (
        "<h2>Scorecard: which scenario changes what</h2>"
        + png(figure, alt="scorecard")  # first, so that it fits the first screen
        + f"<p>Each cell: the headline outcome's difference from {baseline} ({at}), "
        "paired by replication, with its 95% "
        "interval and relative change. Blue is better, red worse, whatever the outcome's "
        "direction (deeper for larger relative changes, full at 20%); grey: the interval "
        "includes 0 (no clear difference). Shares are in percentage points; HHIs on the "
        "0-10,000 scale. The full comparison table is in the "
        '<a href="#appendix">appendix</a> at the end.</p>' + table_html + f"<ul>{items}</ul>"
    )
