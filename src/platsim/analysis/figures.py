"""Small helpers shared by the report's sections: the palette, a matplotlib figure as an
embedded image, a table as HTML, and a check that a figure plots some data."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Okabe & Ito (2008) colour-blind-safe palette (black last).
OKABE_ITO = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
#: Line styles cycled once the palette is used up (more than 8 scenarios).
LINESTYLES = ("-", "--", ":", "-.")


def style(index: int) -> dict[str, Any]:
    """Colour and line style of the ``index``-th scenario."""
    return {
        "color": OKABE_ITO[index % len(OKABE_ITO)],
        "linestyle": LINESTYLES[(index // len(OKABE_ITO)) % len(LINESTYLES)],
    }


def png(figure: Any, alt: str = "figure") -> str:
    """A matplotlib figure as an ``<img>`` with a base64 data URI (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # No bbox_inches="tight": it draws the figure once more; layouts leave room instead.
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def table_html(
    frame: pd.DataFrame, verdict_column: str | None = None, row_data: Sequence[str] = ()
) -> str:
    """A DataFrame as a plain HTML table; cells of ``verdict_column`` reading better or worse
    get that class; each row carries ``data-<column>`` set to its value of each column of
    ``row_data`` (for the inline filters)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        attribute = ""
        for column, value in zip(frame.columns, row, strict=True):
            css = (
                f' class="{value}"'
                if column == verdict_column and value in ("better", "worse")
                else ""
            )
            cells.append(f"<td{css}>{html.escape(str(value))}</td>")
            if column in row_data:
                attribute += f' data-{column}="{html.escape(str(value))}"'
        rows.append(f"<tr{attribute}>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _finite(values: Any) -> bool:
    array = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)
    return bool(np.isfinite(array).any())


def empty_series(figure: Any) -> list[str]:
    """What a figure would draw empty: each visible axes with nothing plotted, and each line,
    scatter or image whose data hold no finite value (all NaN). Empty list: every series has
    data. Read from the figure's artists, i.e. the data handed to matplotlib, before drawing."""
    found = []
    for ax in figure.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        where = ax.get_title() or "an axes"
        series = [*ax.lines, *ax.collections, *ax.images, *ax.patches]
        if not series:
            found.append(f"{where}: nothing plotted")
        for line in ax.lines:
            if not _finite(line.get_ydata()):
                found.append(f"{where}: line {line.get_label()!r} is all NaN")
        for collection in ax.collections:
            offsets = collection.get_offsets()
            if type(collection).__name__ == "PathCollection" and not _finite(offsets):
                found.append(f"{where}: scatter {collection.get_label()!r} is all NaN")
        for image in ax.images:
            if not _finite(image.get_array()):
                found.append(f"{where}: image is all NaN")
    return found
