"""Time and peak memory of `platsim report` on a results directory.

python benchmarks/bench_report.py results/governance_comparison   # target: <= 30 s, 1 GiB
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from platsim.analysis.report import write_report


def main(directory: str, output: str = "report_bench.html") -> None:
    """Write the report of ``directory`` and print its duration, size and peak memory."""
    started = time.perf_counter()
    info = write_report(directory, output)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print(f"{Path(output)}: {info['bytes'] / 1e6:.1f} MB in {seconds:.1f} s, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main(*sys.argv[1:])
