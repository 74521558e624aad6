"""Matplotlib figures of a running model: the territory map and the outcome plots.

Two views, each a :class:`LiveFigure`: :class:`MapView` draws the territory (municipalities at
their coordinates, road links, coloured by unemployment or by the share of households'
spending made on platforms, sized by population) and :class:`OutcomesView` the market shares
of the goods platforms, the HHI (overall and per segment), unemployment and the Theil index
over time. Matplotlib draws everything on the server, so the page needs
no JavaScript from the internet (unlike Vega/Altair charts).

A step must redraw quickly in the app, so a live view draws its static part (axes, ticks,
links, legends) once and, at each step, only its data artists over a saved copy of it
(blitting), then encodes the picture as PNG. The static part is redrawn only when it changes:
a new model, another colouring, a platform joining the plot or a curve leaving its scale.

For notebooks, :func:`map_figure` and :func:`outcomes_figure` return ordinary figures.

>>> from platsim import TerritoryModel
>>> model = TerritoryModel(seed=1, overrides={"territory.n_municipalities": 20})
>>> map_figure(model, "adoption").axes[0].get_title()
'Step 0: platform share of spending'
>>> MapView().png(model)[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter
from PIL import Image

from platsim.core.phases.observation import panel_rows
from platsim.core.spending import spending_budgets, split_by_platform
from platsim.schema.platforms import ENTRANT
from platsim.schema.segments import GOODS, LOCAL_SERVICES, SEGMENTS
from platsim.territory.france import outlines_km

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel

ColourBy = Literal["unemployment", "adoption"]

#: Map colourings and their labels.
COLOUR_CHOICES: dict[ColourBy, str] = {
    "unemployment": "unemployment rate",
    "adoption": "platform share of spending",
}

#: Top of the unemployment colour scale (a fixed scale keeps colours comparable over steps).
UNEMPLOYMENT_SCALE = 0.25

#: Top of the colour scale of the platform share of spending (higher shares get its colour).
ADOPTION_SCALE = 0.5

#: Most platforms drawn in the market-share plot (the largest ones).
MAX_PLATFORM_LINES = 6

#: A platform enters the market-share plot once its share has reached this.
PLATFORM_SHOWN_FROM = 0.01

#: Colours of platforms, by their position in ``model.platforms`` (stable over a run).
PLATFORM_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def municipal_values(model: TerritoryModel, colour_by: ColourBy) -> np.ndarray:
    """The value each municipality is coloured by.

    Args:
        model: The model.
        colour_by: ``"unemployment"`` (unemployed / labour force not in training, by place of
            residence) or ``"adoption"`` (share of households' spending made on platforms,
            by home municipality: see :func:`platform_spending_share`).

    Raises:
        ValueError: An unknown ``colour_by``.
    """
    if colour_by == "unemployment":
        return panel_rows(model)["unemployment_rate"].to_numpy(dtype=float)
    if colour_by == "adoption":
        return platform_spending_share(model)
    raise ValueError(f"colour_by must be one of {', '.join(COLOUR_CHOICES)}, got {colour_by!r}")


def platform_spending_share(model: TerritoryModel) -> np.ndarray:
    """Share of households' spending made on platforms, per home municipality.

    Computed from the model's current state as consumption does it: each household's goods
    and local-services budgets (:func:`platsim.core.spending.spending_budgets`) split between
    the offline channel and the platforms it has accounts on by the market's logit shares
    (:func:`platsim.core.spending.split_by_platform`, attractions of ``model.market``). The
    budgets are last month's spending; before the first month (no spending yet) every
    household counts for one euro, split the same way. Local-services spending a platform
    hands back to the offline channel (no member seller in the buyer's reach) counts here as
    platform spending. 0 in a municipality without spending.
    """
    workers, n = model.workers, model.territory.n
    spending = np.asarray(workers.spending, dtype=float)
    if not np.add.reduce(spending) > 0:
        spending = np.ones(len(spending))
    budgets = spending_budgets(model, spending)
    online = np.zeros(n)
    for segment in (GOODS, LOCAL_SERVICES):
        market = model.market.get(segment)
        if market is None:
            continue
        for who, parts in split_by_platform(model, segment, market, budgets[segment]):
            online += np.bincount(workers.home[who], weights=parts.sum(axis=0), minlength=n)
    total = np.bincount(workers.home, weights=spending, minlength=n)
    return np.divide(online, total, out=np.zeros(n), where=total > 0)


def colour_scale(model: TerritoryModel, colour_by: ColourBy) -> tuple[float, float]:
    """Fixed (vmin, vmax) of a colouring, so that colours mean the same at every step."""
    if colour_by == "unemployment":
        return 0.0, UNEMPLOYMENT_SCALE
    return 0.0, ADOPTION_SCALE


def marker_sizes(
    population: np.ndarray, largest: float = 600.0, smallest: float = 14.0
) -> np.ndarray:
    """Marker areas proportional to population (the largest municipality gets ``largest``)."""
    population = np.asarray(population, dtype=float)
    top = float(population.max()) if population.size and population.max() > 0 else 1.0
    return smallest + largest * population / top


def market_shares(model: TerritoryModel) -> pd.DataFrame:
    """Market share of each platform by step (one column per platform, catalogue order)."""
    frame = model.platform_frame()
    if frame.empty:
        return pd.DataFrame(index=pd.Index([], name="step"))
    table = frame.pivot_table(
        index="step", columns="platform", values="market_share", aggfunc="sum"
    ).fillna(0.0)
    order = [p.name for p in model.platforms if p.name in table.columns]
    return table[order]


def scale_top(largest: float, base: float) -> float:
    """The smallest of ``base * 2**k`` (k >= 0) at or above ``largest``: a stable axis top."""
    if not np.isfinite(largest) or largest <= base:
        return base
    return base * 2.0 ** math.ceil(math.log2(largest / base) - 1e-12)


def territory_signature(model: TerritoryModel) -> tuple[int, int]:
    """Identify a territory (places, populations, links): equal for models rebuilt on it."""
    territory = model.territory
    columns = [territory.x_km, territory.y_km, territory.population, territory.urban]
    points = np.column_stack(columns).astype(float)
    edges = np.asarray(territory.edges, dtype=np.int64)
    return territory.n, hash(points.tobytes() + edges.tobytes())


def png_bytes(canvas: FigureCanvasAgg, compress_level: int = 1) -> bytes:
    """Encode what the canvas holds as PNG (fast compression: it goes over a local socket)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(
        buffer, format="png", compress_level=compress_level
    )
    return buffer.getvalue()


class LiveFigure:
    """A figure whose static part is drawn once and whose data artists are redrawn.

    Subclasses implement :meth:`static_key` (what the static part depends on),
    :meth:`build` (create axes and artists, returning the artists that change) and
    :meth:`update` (give those artists the model's current data).

    Args:
        size: Figure size in inches.
        dpi: Resolution.
        live: Mark changing artists as animated and blit them (the app); False draws an
            ordinary figure (notebooks).
    """

    def __init__(self, size: tuple[float, float], dpi: int = 80, *, live: bool = True) -> None:
        self.figure = Figure(figsize=size, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.live = live
        self._key: Any = None
        self._background: Any = None
        self._artists: list[Artist] = []

    def static_key(self, model: TerritoryModel) -> Any:
        """A value that changes whenever the static part must be redrawn."""
        raise NotImplementedError

    def build(self, model: TerritoryModel, key: Any) -> list[Artist]:
        """Draw the static part on the cleared figure; return the changing artists."""
        raise NotImplementedError

    def update(self, model: TerritoryModel) -> None:
        """Set the changing artists to the model's current state."""
        raise NotImplementedError

    def _animated(self, artist: Artist) -> Artist:
        artist.set_animated(self.live)
        return artist

    def draw(self, model: TerritoryModel) -> Figure:
        """Bring the figure up to date with ``model`` and render it on the canvas."""
        key = self.static_key(model)
        if key != self._key or self._background is None:
            self.figure.clear()
            self._artists = [self._animated(artist) for artist in self.build(model, key)]
            self.update(model)
            self.canvas.draw()  # draws everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._key = key
        else:
            self.update(model)
            self.canvas.restore_region(self._background)
        if self.live:
            for artist in self._artists:
                self.figure.draw_artist(artist)
        return self.figure

    def png(self, model: TerritoryModel) -> bytes:
        """The figure for ``model`` as PNG bytes."""
        self.draw(model)
        return png_bytes(self.canvas)


class MapView(LiveFigure):
    """The territory map: municipalities sized by population, coloured by a chosen value.

    Municipalities are discs at ``(x_km, y_km)`` with an area proportional to population,
    urban ones ringed in black; grey lines are the road links (``territory.edges``, the
    Delaunay network); a territory of INSEE communes also shows its départements' outlines
    (Lambert-93 km). Colours use a fixed scale (:func:`colour_scale`).

    Args:
        colour_by: ``"unemployment"`` or ``"adoption"``; may be changed between draws.
        size: Figure size in inches.
        dpi: Resolution.
        live: See :class:`LiveFigure`.
    """

    def __init__(
        self,
        colour_by: ColourBy = "unemployment",
        *,
        size: tuple[float, float] = (6.0, 5.0),
        dpi: int = 80,
        live: bool = True,
    ) -> None:
        super().__init__(size, dpi, live=live)
        if colour_by not in COLOUR_CHOICES:
            raise ValueError(f"colour_by must be one of {', '.join(COLOUR_CHOICES)}")
        self.colour_by: ColourBy = colour_by
        self._order = np.zeros(0, dtype=np.int64)

    def static_key(self, model: TerritoryModel) -> Any:
        """Redraw for another territory or colouring (a lever change keeps the territory)."""
        return (
            territory_signature(model),
            self.colour_by,
        )

    def build(self, model: TerritoryModel, key: Any) -> list[Artist]:
        """Draw links, colour bar and legend; return the discs and the title."""
        territory = model.territory
        vmin, vmax = colour_scale(model, self.colour_by)
        axes = self.figure.add_axes((0.09, 0.08, 0.72, 0.84))
        colour_axes = self.figure.add_axes((0.84, 0.12, 0.03, 0.76))
        xy = np.column_stack([territory.x_km, territory.y_km]).astype(float)
        edges = np.asarray(territory.edges, dtype=np.int64).reshape(-1, 2)
        if len(edges):
            axes.add_collection(
                LineCollection(xy[edges], colors="#9a9a9a", linewidths=0.6, alpha=0.7, zorder=1)
            )
        if territory.places is not None:  # INSEE communes: their départements' outlines
            axes.add_collection(
                LineCollection(
                    outlines_km(territory.places), colors="#4a4a4a", linewidths=0.9, zorder=1.5
                )
            )
        population = np.asarray(territory.population, dtype=float)
        self._order = np.argsort(-population, kind="stable")  # small discs drawn on top
        urban = np.asarray(territory.urban, dtype=bool)[self._order]
        discs = axes.scatter(
            xy[self._order, 0],
            xy[self._order, 1],
            s=marker_sizes(population)[self._order],
            c=np.zeros(len(self._order)),
            cmap="YlOrRd" if self.colour_by == "unemployment" else "viridis",
            vmin=vmin,
            vmax=vmax,
            edgecolors=np.where(urban[:, None], [[0.0, 0.0, 0.0, 1.0]], [[0.45, 0.45, 0.45, 0.9]]),
            linewidths=np.where(urban, 1.4, 0.3),
            zorder=2,
            plotnonfinite=True,
        )
        bar = self.figure.colorbar(discs, cax=colour_axes)
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        bar.set_label(COLOUR_CHOICES[self.colour_by])
        margin = 0.04 * max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1.0)
        axes.set_xlim(xy[:, 0].min() - margin, xy[:, 0].max() + margin)
        axes.set_ylim(xy[:, 1].min() - margin, xy[:, 1].max() + margin)
        axes.set_aspect("equal", adjustable="box")
        axes.set_xlabel("km")
        axes.set_ylabel("km")
        axes.legend(
            handles=[
                Line2D([], [], marker="o", ls="", mfc="white", mec="black", mew=1.4, label="urban"),
                Line2D([], [], marker="o", ls="", mfc="#dddddd", mec="#999999", label="rural"),
                Line2D([], [], color="#9a9a9a", label="road link"),
            ],
            loc="lower left",
            fontsize="x-small",
            framealpha=0.8,
            title="disc area: population",
            title_fontsize="x-small",
        )
        title = axes.set_title(" ")
        self._discs, self._title = discs, title
        return [discs, title]

    def update(self, model: TerritoryModel) -> None:
        """Colour the discs by the current values; the title names the step."""
        values = municipal_values(model, self.colour_by)
        self._discs.set_array(values[self._order])
        self._title.set_text(f"Step {model.steps}: {COLOUR_CHOICES[self.colour_by]}")


#: HHI curves of the concentration panel: metric, label, colour, line style.
HHI_CURVES = (
    ("hhi", "all (weighted)", "#1f5f9e", "-"),
    ("hhi_goods", "goods", "#ff7f0e", "--"),
    ("hhi_local_services", "local services", "#2ca02c", "--"),
    ("hhi_freelance", "freelance", "#9467bd", "--"),
)


class OutcomesView(LiveFigure):
    """Market shares of platforms, HHI, unemployment and the Theil index over time.

    The shares panel draws the goods platforms (shares of the goods segment's platform
    transactions; another segment if the scenario has no goods platform); the concentration
    panel shows the HHI of each segment and their transaction-weighted mean (``hhi``; NaN,
    so not drawn, at step 0).

    The time axis spans the whole run (``model.max_steps``), so it does not move as the model
    steps; a dotted line marks ``simulation.policy_start``, when levers switch on. The Theil
    panel stacks its between (urban vs rural) and within parts under the total.

    Args:
        size: Figure size in inches.
        dpi: Resolution.
        live: See :class:`LiveFigure`.
    """

    def __init__(
        self, *, size: tuple[float, float] = (6.4, 5.2), dpi: int = 80, live: bool = True
    ) -> None:
        super().__init__(size, dpi, live=live)
        self._axes: dict[str, Any] = {}
        self._lines: dict[str, Line2D] = {}
        self._stack: list[Artist] = []
        self._shares = pd.DataFrame()
        self._metrics = pd.DataFrame()
        self._model = 0

    def _data(self, model: TerritoryModel) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self._metrics.empty or len(self._metrics) != model.steps + 1 or self._model != id(model):
            self._metrics = model.metrics_frame()
            self._shares = market_shares(model)
            self._model = id(model)
        return self._metrics, self._shares

    @staticmethod
    def shown_segment(model: TerritoryModel) -> str:
        """The segment whose platforms the shares panel draws: goods (the headline market)
        if the scenario has goods platforms, else the first segment with any."""
        segments = [p.segment for p in model.platforms]
        if GOODS in segments or not segments:
            return GOODS
        return next(s for s in SEGMENTS if s in segments)

    @classmethod
    def shown_platforms(cls, model: TerritoryModel, shares: pd.DataFrame) -> tuple[str, ...]:
        """Platforms drawn, in catalogue order: those of :meth:`shown_segment` in the
        scenario's catalogue, then its entrants once they reach 1%, the largest by peak share
        first; at most :data:`MAX_PLATFORM_LINES`."""
        if shares.empty:
            return ()
        segment = cls.shown_segment(model)
        peak = shares.max()
        planned = [
            p.name
            for p in model.platforms
            if p.kind != ENTRANT and p.segment == segment and p.name in shares.columns
        ]
        entrants = [
            p.name
            for p in model.platforms
            if p.kind == ENTRANT
            and p.segment == segment
            and p.name in shares.columns
            and peak[p.name] >= PLATFORM_SHOWN_FROM
        ]
        entrants.sort(key=lambda name: -float(peak[name]))
        kept = set((planned + entrants)[:MAX_PLATFORM_LINES])
        return tuple(str(name) for name in shares.columns if name in kept)

    def static_key(self, model: TerritoryModel) -> Any:
        """Redraw for a newly shown platform, a curve above its scale, or another time frame."""
        metrics, shares = self._data(model)
        return (
            model.max_steps,
            model.scenario.simulation.policy_start,
            self.shown_platforms(model, shares),
            scale_top(float(metrics["unemployment_rate"].max()), 0.15),
            scale_top(float(metrics["theil_municipal"].max()), 0.01),
        )

    def build(self, model: TerritoryModel, key: Any) -> list[Artist]:
        """Draw the four panels' axes, scales and legends; return the curves."""
        _, _, shown, unemployment_top, theil_top = key
        grid = self.figure.subplots(2, 2, sharex=True)
        self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.1, top=0.93, hspace=0.3)
        self._axes = dict(zip(("shares", "hhi", "unemployment", "theil"), grid.flat, strict=True))
        titles = {
            "shares": f"{self.shown_segment(model).replace('_', ' ').capitalize()} "
            "platforms' market shares",
            "hhi": "Concentration (HHI, 0-10,000)",
            "unemployment": "Unemployment rate",
            "theil": "Theil index of municipal income",
        }
        tops = {
            "shares": 1.0,
            "hhi": 10_000.0,
            "unemployment": unemployment_top,
            "theil": theil_top,
        }
        policy_start = model.scenario.simulation.policy_start
        for name, axes in self._axes.items():
            axes.set_title(titles[name], fontsize=11)
            axes.tick_params(labelsize=9)
            axes.set_xlim(0, max(model.max_steps, 1))
            axes.set_ylim(0, tops[name] * 1.04)
            axes.axvline(policy_start, color="grey", ls=":", lw=1)
            axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
            axes.grid(alpha=0.3)
            if name in ("shares", "unemployment"):
                axes.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
                axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        for axes in grid[1]:
            axes.set_xlabel("step (month)")
        colour = {
            p.name: PLATFORM_COLOURS[i % len(PLATFORM_COLOURS)]
            for i, p in enumerate(model.platforms)
        }
        self._lines = {}
        for platform in shown:
            (line,) = self._axes["shares"].plot([], [], lw=1.6, color=colour.get(platform))
            self._lines[f"platform:{platform}"] = line
        if shown:
            self._axes["shares"].legend(
                handles=[Line2D([], [], color=colour.get(p), label=p) for p in shown],
                loc="center right",
                fontsize=8,
                framealpha=0.7,
            )
        for metric, label, hhi_colour, style in HHI_CURVES:
            (self._lines[metric],) = self._axes["hhi"].plot(
                [], [], color=hhi_colour, ls=style, lw=1.6 if metric == "hhi" else 1.2, label=label
            )
        self._axes["hhi"].legend(loc="lower left", fontsize=7, framealpha=0.7)
        (self._lines["unemployment"],) = self._axes["unemployment"].plot(
            [], [], color="#1f5f9e", lw=1.6
        )
        (self._lines["theil"],) = self._axes["theil"].plot([], [], color="black", lw=1.2)
        self._axes["theil"].legend(
            handles=[
                Line2D([], [], color="black", label="Theil (total)"),
                Patch(color="#c44e52", alpha=0.8, label="between urban / rural"),
                Patch(color="#8fb1d6", alpha=0.8, label="within"),
            ],
            loc="upper left",
            fontsize=8,
            framealpha=0.7,
        )
        self._stack = []
        return list(self._lines.values())

    def update(self, model: TerritoryModel) -> None:
        """Give every curve the data so far; redo the Theil stack."""
        metrics, shares = self._data(model)
        steps = metrics["step"].to_numpy()
        for key, line in self._lines.items():
            if key.startswith("platform:"):
                name = key.removeprefix("platform:")
                if name in shares.columns:
                    line.set_data(shares.index.to_numpy(), shares[name].to_numpy())
                else:
                    line.set_data([], [])
        for metric, *_ in HHI_CURVES:
            if metric in metrics.columns:
                self._lines[metric].set_data(steps, metrics[metric].to_numpy(dtype=float))
        self._lines["unemployment"].set_data(steps, metrics["unemployment_rate"].to_numpy())
        self._lines["theil"].set_data(steps, metrics["theil_municipal"].to_numpy())
        for artist in self._stack:
            artist.remove()
        axes = self._axes["theil"]
        between = metrics["theil_between"].to_numpy()
        total = between + metrics["theil_within"].to_numpy()
        self._stack = [
            self._animated(axes.fill_between(steps, 0, between, color="#c44e52", alpha=0.8, lw=0)),
            self._animated(
                axes.fill_between(steps, between, total, color="#8fb1d6", alpha=0.8, lw=0)
            ),
        ]
        theil_line = self._lines["theil"]
        others = [line for line in self._lines.values() if line is not theil_line]
        self._artists = [*self._stack, *others, theil_line]


def map_figure(
    model: TerritoryModel, colour_by: ColourBy = "unemployment", **options: Any
) -> Figure:
    """An ordinary figure of the territory map (see :class:`MapView`), e.g. for notebooks."""
    return MapView(colour_by, live=False, **options).draw(model)


def outcomes_figure(model: TerritoryModel, **options: Any) -> Figure:
    """An ordinary figure of the outcome plots (see :class:`OutcomesView`)."""
    return OutcomesView(live=False, **options).draw(model)
