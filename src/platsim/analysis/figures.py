"""Small helpers shared by the report's sections: a matplotlib figure as an embedded image."""

from __future__ import annotations

import base64
import html
import io
from typing import Any


def png(figure: Any, alt: str = "figure") -> str:
    """A matplotlib figure as an ``<img>`` with a base64 data URI (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # No bbox_inches="tight": it draws the figure once more; layouts leave room instead.
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
