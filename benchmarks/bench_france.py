"""Benchmark: real French territories from the bundled INSEE table.

Run ``python benchmarks/bench_france.py`` for the targets at the default scale, or add
``--full`` for metropolitan France at one worker agent per working-age resident (about 41 M
agents: several minutes and about 10 GiB). Each case runs in a fresh Python process, so its
peak resident set size (``resource.getrusage``) is its own. Targets (issue "Real French
territories"):

- ``yvelines``: a 120-month run <= 2 s;
- ``france`` at the default 20 inhabitants per agent: build <= 20 s, a step <= 1 s, <= 2 GiB;
- ``france`` at 1 inhabitant per agent (``--full``): build <= 3 min, a step <= 15 s,
  <= 16 GiB.

Step times are the median of the steps after the first (which also pays one-off costs).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time

#: name -> (scenario, inhabitants per agent, steps to time, targets: build s, step s, GiB)
CASES: dict[str, tuple[str, float, int, tuple[float, float, float]]] = {
    "yvelines": ("yvelines", 20.0, 120, (float("inf"), 2.0 / 120, 2.0)),
    "france": ("france", 20.0, 6, (20.0, 1.0, 2.0)),
    "france-full": ("france", 1.0, 4, (180.0, 15.0, 16.0)),
}


def _peak_gib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**3 if sys.platform == "darwin" else peak / 1024**2


def measure(case: str) -> dict[str, float]:
    """Build the case's model, time its steps, and return the figures."""
    from platsim import TerritoryModel

    scenario, per_agent, steps, _ = CASES[case]
    start = time.perf_counter()
    model = TerritoryModel(
        scenario=scenario, seed=1, overrides={"population.inhabitants_per_agent": per_agent}
    )
    build = time.perf_counter() - start
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    return {
        "municipalities": model.territory.n,
        "agents": len(model.workers),
        "build_s": build,
        "first_step_s": times[0],
        "step_s": statistics.median(times[1:]),
        "run_s": build + sum(times),
        "peak_gib": _peak_gib(),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(argv[1])))
        return
    cases = ["yvelines", "france"] + (["france-full"] if "--full" in argv else [])
    print(
        f"{'case':<12} {'communes':>8} {'agents':>11} {'build s':>8} {'step s':>7} "
        f"{'run s':>7} {'peak GiB':>8}  targets (build s, step s, GiB)"
    )
    for case in cases:
        done = subprocess.run(
            [sys.executable, __file__, "--one", case], capture_output=True, text=True, check=True
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        build_target, step_target, memory_target = CASES[case][3]
        met = (
            row["build_s"] <= build_target
            and row["step_s"] <= step_target
            and row["peak_gib"] <= memory_target
        )
        if case == "yvelines":  # its target is the whole 120-month run
            met = row["run_s"] <= 2.0 and row["peak_gib"] <= memory_target
        print(
            f"{case:<12} {row['municipalities']:>8,} {row['agents']:>11,} {row['build_s']:>8.1f} "
            f"{row['step_s']:>7.2f} {row['run_s']:>7.1f} {row['peak_gib']:>8.2f}  "
            f"({build_target:g}, {step_target:.3g}, {memory_target:g}) "
            f"{'met' if met else 'NOT MET'}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
