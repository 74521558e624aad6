"""Calibrate the platform markets of the baseline: offline utilities and incumbents' qualities.

Two fixed-point searches, printed for a person to copy into the schema's defaults
(``src/platsim/schema/segments.py`` and the catalogue in ``src/platsim/schema/platforms.py``),
then ``python tools/write_baseline.py``:

1. ``offline_utility`` of each segment so that the share of the segment's spending made on
   platforms over months 10-12 (before any policy) matches its target: goods 10% (Fevad
   2023: e-commerce is about 10% of retail), local services 3% and freelance 5%
   (assumptions). A step moves V0 by half the gap in log-odds.
2. each incumbent's intrinsic quality ``q0`` so that its mean share of its segment's platform
   transactions over months 72-96 (entry off) matches its ``initial_share`` (the French
   shares at month 0): a step moves q0 by half the gap in log shares.

Usage: ``python tools/calibrate_markets.py offline [ROUNDS]``,
``python tools/calibrate_markets.py quality [ROUNDS]`` or ``python tools/calibrate_markets.py
both [ROUNDS]`` (both searches in each round, from the same runs, for a change that moves
adoption and shares together). Seeds 1-3 of the default territory;
each round runs a few full simulations (a minute or so).
"""

from __future__ import annotations

import sys

import numpy as np

from platsim import TerritoryModel
from platsim.schema import load_scenario

TARGETS = {"goods": 0.10, "local_services": 0.03, "freelance": 0.05}
SEEDS = (1, 2, 3)


#: Largest change of an offline utility or a quality in one round of :func:`calibrate_both`:
#: adoption of local services is steep in V0 (network effects within commuting zones: +0.3
#: divides it by about 8), so undamped steps oscillate between none and most.
MAX_STEP = 0.1


def observe(overrides: dict, months: int) -> tuple[dict[str, float], dict[str, float]]:
    """Run seeds 1-3 for ``months``: each segment's mean share of its spending on platforms
    over months 10-12, and (when ``months`` >= 96) each platform's mean share of its
    segment's platform transactions over months 72-96, means over the seeds."""
    online: dict[str, list[float]] = {segment: [] for segment in TARGETS}
    platforms: dict[str, list[float]] = {}
    for seed in SEEDS:
        model = TerritoryModel(seed=seed, overrides={**overrides, "simulation.panel_every": 0})
        model.run_for(months)
        frame = model.metrics_frame().iloc[10:13]
        for segment in TARGETS:
            online[segment].append(frame[f"platform_share_{segment}"].mean())
        if months >= 96:
            table = model.platform_frame()
            late = table[table.step >= 72].groupby("platform").market_share.mean()
            for name, share in late.items():
                platforms.setdefault(name, []).append(share)
    return (
        {segment: float(np.mean(values)) for segment, values in online.items()},
        {name: float(np.mean(values)) for name, values in platforms.items()},
    )


def step_utilities(
    utility: dict[str, float], shares: dict[str, float], cap: float = np.inf
) -> None:
    """Move each segment's V0 by half the gap in log-odds to its target (at most ``cap``)."""
    for segment, target in TARGETS.items():
        observed = min(max(shares[segment], 1e-4), 1 - 1e-4)
        gap = np.log(observed / (1 - observed)) - np.log(target / (1 - target))
        utility[segment] += float(np.clip(0.5 * gap, -cap, cap))


def step_qualities(
    catalogue: dict, shares: dict[str, float], factor: float = 0.5, cap: float = np.inf
) -> None:
    """Move each incumbent's q0 by ``factor`` times the gap in log shares (at most ``cap``)."""
    for name, spec in catalogue.items():
        share = shares.get(name, 0.0)
        print(
            f"  {name}: q0 {spec['quality']:.2f} share {share:.3f} target "
            f"{spec['initial_share']:.3f}"
        )
        if share > 0 and spec["initial_share"] > 0:
            step = factor * float(np.log(spec["initial_share"] / share))
            spec["quality"] += float(np.clip(step, -cap, cap))


def calibrate_offline(rounds: int) -> None:
    scenario = load_scenario("baseline")
    utility = {segment: getattr(scenario, segment).offline_utility for segment in TARGETS}
    for round_ in range(rounds):
        shares, _ = observe({f"{s}.offline_utility": v for s, v in utility.items()}, 12)
        print(round_, {s: round(v, 3) for s, v in utility.items()}, shares, flush=True)
        step_utilities(utility, shares)


def calibrate_quality(rounds: int) -> None:
    scenario = load_scenario("baseline")
    catalogue = {name: spec.model_dump() for name, spec in scenario.platforms.catalogue.items()}
    for round_ in range(rounds):
        overrides = {"platforms.catalogue": catalogue, "platforms.entry_rate": 0.0}
        _, shares = observe(overrides, 96)
        print(round_, flush=True)
        step_qualities(catalogue, shares)


def calibrate_both(rounds: int, start: dict[str, float] | None = None) -> None:
    scenario = load_scenario("baseline")
    utility = {segment: getattr(scenario, segment).offline_utility for segment in TARGETS}
    utility |= start or {}
    catalogue = {name: spec.model_dump() for name, spec in scenario.platforms.catalogue.items()}
    for round_ in range(rounds):
        overrides = {
            **{f"{s}.offline_utility": v for s, v in utility.items()},
            "platforms.catalogue": catalogue,
            "platforms.entry_rate": 0.0,
        }
        online, shares = observe(overrides, 96)
        print(round_, {s: round(v, 3) for s, v in utility.items()}, online, flush=True)
        step_utilities(utility, online, cap=MAX_STEP)
        step_qualities(catalogue, shares, factor=0.3, cap=MAX_STEP)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "offline"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    if which == "both":
        # optional starting offline utilities: goods=5.6 local_services=3.9 ...
        pairs = (arg.split("=") for arg in sys.argv[3:])
        calibrate_both(count, {name: float(value) for name, value in pairs})
    else:
        {"offline": calibrate_offline, "quality": calibrate_quality}[which](count)
