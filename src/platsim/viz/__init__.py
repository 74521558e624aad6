"""The teaching app: Mesa's SolaraViz page of a territory (install the ``viz`` extra).

Modules:
    levers: the levers students move, with bounds from the scenario schema (no Solara).
    figures: the territory map and the outcome plots as matplotlib figures (no Solara).
    components: Solara components of the page (map, plots, lever card, error page).
    app: the page itself (``Page``, served by ``platsim viz``; ``TerritoryApp`` in notebooks).

Only ``levers`` and ``figures`` work without the ``viz`` extra; this package imports neither
Solara nor Mesa's visualisation until ``components`` or ``app`` is imported.
"""

import warnings

# Mesa 3.3's ComponentsView calls a hook after an early return, which Solara's hook checker
# reports at import; it is harmless (the early return only happens without components).
warnings.filterwarnings(
    "ignore",
    message=r".*ComponentsView: `use_state` found despite early return",
    category=UserWarning,
)
