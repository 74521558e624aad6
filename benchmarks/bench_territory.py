"""Benchmark: build time, commuting-matrix size and peak memory of generated territories.

Run ``python benchmarks/bench_territory.py`` (optionally followed by sizes, e.g. ``100 5000``).
Each size is built in a fresh Python process at France's density (``area_for(n)``: about
15.7 km2 per municipality) with the default parameters except ``max_population``: 2.2e6
(about Paris) as for France-sized runs, not the scenario default 150,000. Each process
builds one size, so the peak resident set size (``resource.getrusage``) belongs to that size
alone. The "imports" column is the RSS after importing platsim, before building; the
build's own footprint is the difference.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

DEFAULT_SIZES = (100, 5_000, 35_000)
FRANCE_MAX_POPULATION = 2.2e6
"""Upper cut of the commune sizes at France's scale (Paris has about 2.1 M inhabitants)."""


def _peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def measure(n: int, seed: int = 0) -> dict[str, float]:
    """Build one territory of ``n`` municipalities and return its measurements."""
    import numpy as np

    from platsim.territory import area_for, generate_territory

    imports_mib = _peak_rss_mib()
    start = time.perf_counter()
    territory = generate_territory(
        n_municipalities=n,
        area_km=area_for(n),
        max_population=FRANCE_MAX_POPULATION,
        rng=np.random.default_rng(seed),
    )
    seconds = time.perf_counter() - start
    return {
        "n": n,
        "area_km": area_for(n),
        "seconds": seconds,
        "nnz": territory.commute_km.nnz,
        "nnz_per_row": territory.commute_km.nnz / n,
        "edges": len(territory.edges),
        "population": float(territory.population.sum()),
        "imports_mib": imports_mib,
        "peak_mib": _peak_rss_mib(),
    }


def main(argv: list[str]) -> None:
    """Measure each size in its own process and print a table."""
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or list(DEFAULT_SIZES)
    print(
        f"{'n':>7} {'side km':>8} {'build s':>8} {'commute nnz':>12} {'nnz/row':>8} "
        f"{'edges':>7} {'population':>12} {'imports MiB':>11} {'peak MiB':>9}"
    )
    for n in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(n)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(output.strip().splitlines()[-1])
        print(
            f"{r['n']:>7} {r['area_km']:>8.1f} {r['seconds']:>8.3f} {r['nnz']:>12,} "
            f"{r['nnz_per_row']:>8.1f} {r['edges']:>7,} {r['population']:>12,.0f} "
            f"{r['imports_mib']:>11.0f} {r['peak_mib']:>9.0f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
