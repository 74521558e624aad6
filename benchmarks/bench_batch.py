"""Benchmark the batch runner: overhead per run, scaling with workers, memory of the driver.

Run ``python benchmarks/bench_batch.py`` (``--quick`` for a shorter version; ``--full`` also
makes 1,000 default runs for real, about 5 minutes on 2 cores). Printed figures:

1. runner overhead per run: a batch of tiny runs (20 municipalities, 1 step) with the local
   executor, minus the same runs made by calling ``platsim.simulation.run`` directly;
2. throughput of the process pool with 1 and 2 workers on default runs (100 municipalities,
   120 steps, panel every 12 steps), as wall-clock rate (pool start included) and
   steady-state rate (from the first completion of every worker to the last), and the ratio;
3. time for 1,000 default runs on 2 workers, extrapolated from (2), or measured (``--full``);
4. peak RSS of the driver process for 100 and 1,000 tiny runs on the process pool (each
   batch driven from a fresh Python process that imports neither Mesa nor the model).

Targets (issue "Batch experiments at scale", 2-core machine): overhead <= 50 ms per run;
2 workers >= 1.8x the throughput of 1; 1,000 default runs <= 10 minutes; driver peak RSS flat
from 100 to 1,000 runs. The machine's load average is printed: other processes competing for
the cores lower the figures (the workers' average core use is printed to show it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import yaml

TINY = {"territory.n_municipalities": 20}


def write_experiment(
    folder: Path,
    name: str,
    replications: int,
    steps: int,
    overrides: dict | None = None,
    panel_every: int = 12,
) -> Path:
    """An experiment of ``replications`` runs of the bundled baseline."""
    path = folder / f"{name}.yaml"
    content = {
        "name": name,
        "scenarios": ["baseline"],
        "replications": replications,
        "steps": steps,
        "seed": 1,
        "outputs": {"panel_every": panel_every},
        "overrides": overrides or {},
    }
    path.write_text(yaml.safe_dump(content))
    return path


class Timestamps:
    """A progress sink that records when each run finished."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.started = 0.0

    def start(self, title: str, total: int, done: int, failed: int) -> None:
        self.started = time.monotonic()

    def advance(self, summary) -> None:
        if summary.status != "ok":
            raise RuntimeError(f"{summary.run_id} failed: {summary.error}")
        self.times.append(time.monotonic())

    def stop(self) -> None:
        return None


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def measure_overhead(folder: Path, runs: int) -> dict[str, float]:
    """Per-run cost of the batch runner above calling run() directly (tiny runs)."""
    from platsim.experiment.runner import run_batch
    from platsim.experiment.seeds import replication_seeds
    from platsim.schema import load_scenario
    from platsim.simulation import run

    experiment = write_experiment(folder, "overhead", runs, 1, TINY, panel_every=1)
    scenario = load_scenario("baseline").with_overrides({**TINY, "simulation.panel_every": 1})
    for seed in replication_seeds(1, 3):  # warm imports and caches
        run(scenario, seed, 1)
    overheads, cpu_overheads, direct_times = [], [], []
    for repeat in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        for seed in replication_seeds(1, runs):
            run(scenario, seed, 1)
        direct = (time.perf_counter() - wall) / runs
        direct_cpu = (time.process_time() - cpu) / runs
        wall, cpu = time.perf_counter(), time.process_time()
        report = run_batch(experiment, folder / f"overhead-{repeat}", executor="local")
        assert report.ok == runs
        overheads.append((time.perf_counter() - wall) / runs - direct)
        cpu_overheads.append((time.process_time() - cpu) / runs - direct_cpu)
        direct_times.append(direct)
    return {
        "runs": runs,
        "direct_ms": 1000 * min(direct_times),
        "overhead_ms": 1000 * min(overheads),
        "overhead_cpu_ms": 1000 * min(cpu_overheads),
    }


def measure_throughput(folder: Path, workers: int, runs: int, steps: int) -> dict[str, float]:
    """Runs per second of the process pool on default runs."""
    from platsim.experiment.runner import run_batch

    experiment = write_experiment(folder, f"throughput{workers}", runs, steps)
    stamps = Timestamps()
    started = time.monotonic()
    cpu = children_cpu()
    report = run_batch(
        experiment, folder / f"throughput-{workers}", workers=workers, progress=stamps
    )
    wall = time.monotonic() - started
    cpu = children_cpu() - cpu  # the pool's workers, joined when the batch ends
    assert report.ok == runs
    steady_from = stamps.times[workers - 1]
    steady = (len(stamps.times) - workers) / (stamps.times[-1] - steady_from)
    return {
        "workers": workers,
        "runs": runs,
        "wall_s": wall,
        "wall_rate": runs / wall,
        "steady_rate": steady,
        "startup_s": stamps.times[0] - started,
        "cores_used": cpu / wall,
    }


def children_cpu() -> float:
    """CPU seconds of this process's finished children (pool workers once joined)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


DRIVER = textwrap.dedent(
    """
    import json, resource, sys, time
    from platsim.experiment.runner import run_batch

    def peak_rss_mib():
        # VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so it would report the
        # benchmark process that started this one
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.monotonic()
    report = run_batch(sys.argv[1], sys.argv[2], executor="process", workers=2)
    assert report.ok == report.total, report
    print(json.dumps({
        "runs": report.total,
        "seconds": time.monotonic() - started,
        "peak_rss_mib": peak_rss_mib(),
        "mesa_in_driver": "mesa" in sys.modules,
    }))
    """
)


def measure_driver_memory(folder: Path, runs: int) -> dict[str, float]:
    """Peak RSS of a fresh driver process making ``runs`` tiny runs on 2 workers."""
    experiment = write_experiment(folder, f"memory{runs}", runs, 1, TINY, panel_every=1)
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(experiment), str(folder / f"memory-{runs}")],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--full", action="store_true", help="also make 1,000 default runs")
    options = parser.parse_args()
    steps = 60 if options.quick else 120
    scaling_runs = 10 if options.quick else 24

    print(f"load average at start: {load()} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temporary:
        folder = Path(temporary)

        overhead = measure_overhead(folder, 40 if options.quick else 100)
        print(
            f"\n1. runner overhead ({overhead['runs']} tiny runs of "
            f"{overhead['direct_ms']:.0f} ms, local executor, best of 3): "
            f"{overhead['overhead_ms']:.1f} ms/run wall, "
            f"{overhead['overhead_cpu_ms']:.1f} ms/run CPU (target <= 50)"
        )

        rates = {}
        for workers in (1, 2):
            rates[workers] = measure_throughput(folder, workers, scaling_runs, steps)
            figures = rates[workers]
            print(
                f"2. {workers} worker(s), {figures['runs']} default runs of {steps} steps: "
                f"{figures['wall_s']:.1f} s wall ({figures['wall_rate']:.2f} runs/s, start "
                f"{figures['startup_s']:.1f} s), steady {figures['steady_rate']:.2f} runs/s; "
                f"the workers got {figures['cores_used']:.2f} cores on average"
            )
        speedup_wall = rates[2]["wall_rate"] / rates[1]["wall_rate"]
        speedup_steady = rates[2]["steady_rate"] / rates[1]["steady_rate"]
        print(
            f"   2 workers / 1 worker: {speedup_steady:.2f}x steady, {speedup_wall:.2f}x wall "
            "(target >= 1.8x)"
        )

        per_run = 1 / rates[2]["steady_rate"] * (120 / steps)
        extrapolated = 1000 * per_run + rates[2]["startup_s"]
        print(
            f"3. 1,000 default runs of 120 steps on 2 workers: {extrapolated / 60:.1f} min "
            "extrapolated (target <= 10 min)"
        )
        if options.full:
            experiment = write_experiment(folder, "thousand", 1000, 120)
            from platsim.experiment.runner import run_batch

            started = time.monotonic()
            report = run_batch(experiment, folder / "thousand", workers=2)
            seconds = time.monotonic() - started
            print(
                f"   measured: {report.ok} ok, {report.failed} failed in {seconds / 60:.1f} min "
                f"({report.ok / seconds:.2f} runs/s)"
            )

        small, large = (measure_driver_memory(folder, runs) for runs in (100, 1000))
        print(
            f"4. driver peak RSS: {small['peak_rss_mib']:.0f} MiB for {small['runs']} runs, "
            f"{large['peak_rss_mib']:.0f} MiB for {large['runs']} runs "
            f"(+{large['peak_rss_mib'] - small['peak_rss_mib']:.1f} MiB; Mesa in driver: "
            f"{small['mesa_in_driver'] or large['mesa_in_driver']}); 1,000 tiny runs took "
            f"{large['seconds']:.1f} s"
        )
    print(f"\nload average at end: {load()}")


if __name__ == "__main__":
    main()
