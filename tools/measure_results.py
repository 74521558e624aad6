"""Re-measure the model's results quoted in docs/ODD.md sections 10.2 and 10.3.

Run ``python tools/measure_results.py`` (about a minute on 2 cores) after any change that
alters the model's results or its random streams, and paste what it prints into the ODD:

- the baseline table of 10.2 (unemployment per seed and by year, the run without platforms,
  Beveridge correlations, wages, inequality, services, firms, digitisation, connectivity,
  training, rural population, the largest accounts residual);
- the baseline's platform outcomes at step 120 and over steps 24-120;
- the scenario table of 10.3 (every bundled scenario, means over steps 24-120).

Every run is the bundled scenario with seeds 1-10 (``--seeds``) and its own 120 steps; the
same seeds in every scenario (common random numbers).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

SCENARIOS = (
    "baseline",
    "trusted_third_party",
    "open_data",
    "portability",
    "territorial_platform",
    "cooperative_platform",
    "automotive_transition",
    "skills_platform",
    "intermunicipal_pooling",
    "worker_protection",
    "antitrust",
    "broadband",
    "policy_mix",
    "tipping",
)
NO_PLATFORM = {"platforms.catalogue": {}, "platforms.entry_rate": 0.0}
FIRST, LAST = 24, 120


def metrics_of(job: tuple[str, int, dict[str, Any] | None]) -> pd.DataFrame:
    """The metrics of one run (top level, so that worker processes can run it)."""
    from platsim.simulation import run

    scenario, seed, overrides = job
    return run(scenario, seed=seed, overrides=overrides).metrics


def window(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["step"].between(FIRST, LAST)]


def detrended_correlation(u: np.ndarray, v: np.ndarray) -> float:
    t = np.arange(len(u))
    du = u - np.polyval(np.polyfit(t, u, 1), t)
    dv = v - np.polyval(np.polyfit(t, v, 1), t)
    return float(np.corrcoef(du, dv)[0, 1])


def scenario_row(name: str, frames: list[pd.DataFrame]) -> str:
    def mean(column: str) -> float:
        return float(np.mean([window(f)[column].mean() for f in frames]))

    gaps = [(window(f)["urban_service_access"] - window(f)["rural_service_access"]) for f in frames]
    gap = float(np.mean([g.mean() for g in gaps]))
    return (
        f"| `{name}` | {mean('unemployment_rate'):.1%} | {mean('hhi'):,.0f} | "
        f"{mean('hhi_goods'):,.0f} | {mean('top_share_goods'):.2f} | "
        f"{mean('platform_share_goods'):.1%} | {mean('leakage_share'):.1%} | "
        f"{mean('platform_work_share'):.1%} | "
        f"{mean('platform_pay_ratio'):.2f} | {mean('rural_service_access'):.2f} | {gap:.2f} | "
        f"{mean('rural_local_revenue'):,.0f} |"
    )


def baseline_report(frames: list[pd.DataFrame], without: list[pd.DataFrame]) -> list[str]:
    """The lines of ODD 10.2: the baseline over the seeds, and the same seeds without platforms."""
    w = [window(f) for f in frames]

    def mean(column: str, runs: list[pd.DataFrame] = w) -> float:
        return float(np.mean([f[column].mean() for f in runs]))

    def at(column: str, step: int) -> np.ndarray:
        return np.array([f[column].iloc[step] for f in frames])

    unemployment = np.array([f["unemployment_rate"].mean() for f in w])
    monthly = np.concatenate([f["unemployment_rate"].to_numpy() for f in w])
    low, high = np.percentile(monthly, 5), np.percentile(monthly, 95)
    years = [
        np.mean(
            [
                f[(f.step > 12 * k) & (f.step <= 12 * (k + 1))]["unemployment_rate"].mean()
                for f in frames
            ]
        )
        for k in range(LAST // 12)
    ]
    u_v = [(f["unemployment_rate"].to_numpy(), f["vacancy_rate"].to_numpy()) for f in w]
    correlation = [np.corrcoef(u, v)[0, 1] for u, v in u_v]
    detrended = [detrended_correlation(u, v) for u, v in u_v]
    w_without = [window(f) for f in without]
    firms_change = np.mean(at("firms", LAST) / at("firms", 0) - 1)
    entry = np.mean([f["firm_entry"].iloc[1:].mean() for f in frames])
    exit_ = np.mean([f["firm_exit"].iloc[1:].mean() for f in frames])
    per_seed = ", ".join(f"{100 * x:.1f}" for x in unemployment)
    lines = [
        f"unemployment, mean of steps {FIRST}-{LAST}: {unemployment.mean():.1%} "
        f"(per seed: {per_seed}%); s.d. between seeds {100 * unemployment.std(ddof=1):.1f} "
        f"points; monthly 5th-95th percentile {low:.1%}-{high:.1%}",
        "unemployment by year (mean of seeds): " + ", ".join(f"{100 * y:.1f}%" for y in years),
        f"without platforms: unemployment {mean('unemployment_rate', w_without):.1%}, "
        f"vacancy rate {mean('vacancy_rate', w_without):.1%}",
        f"vacancy rate {mean('vacancy_rate'):.1%}; Beveridge correlation mean "
        f"{np.mean(correlation):.2f} (negative in {sum(c < 0 for c in correlation)} of {len(w)}),"
        f" detrended {np.mean(detrended):.2f} (negative in {sum(c < 0 for c in detrended)})",
        f"mean wage {mean('mean_wage'):,.0f} EUR; Gini {mean('gini_income'):.3f}; rural/urban "
        f"income {mean('rural_urban_income_ratio'):.2f}; services rural "
        f"{mean('rural_service_access'):.2f} vs urban {mean('urban_service_access'):.2f}",
        f"active firms over {LAST} months {firms_change:+.1%}; entry {entry:.1f}, exit "
        f"{exit_:.1f} a month",
    ]
    for column in ("digital_adoption", "mean_connectivity", "rural_population_share"):
        lines.append(
            f"{column}: step 0 {at(column, 0).mean():.3f}, step {LAST} "
            f"{at(column, LAST).mean():.3f}"
        )
    lines.append(f"training share {mean('training_share'):.2%}")
    lines.append(f"platform outcomes: step {LAST} mean (range) | mean of steps {FIRST}-{LAST}")
    for column in (
        "hhi",
        "top_share",
        "hhi_goods",
        "top_share_goods",
        "hhi_local_services",
        "top_share_local_services",
        "hhi_freelance",
        "top_share_freelance",
        "platform_share_goods",
        "platform_share_local_services",
        "platform_share_freelance",
        "leakage_share",
        "platform_spending_share",
        "platform_work_share",
        "platform_pay_ratio",
        "firms_on_platforms",
        "mean_commission",
        "active_platforms",
        "import_share",
    ):
        v = at(column, LAST)
        lines.append(
            f"  {column}: {v.mean():.4g} ({v.min():.4g}-{v.max():.4g}) | {mean(column):.4g}"
        )
    pay = at("platform_pay_ratio", LAST) * at("mean_wage", LAST)
    lines.append(f"  gig pay at step {LAST}: about {pay.mean():,.0f} EUR a month")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    jobs = [(name, seed, None) for name in SCENARIOS for seed in seeds]
    jobs += [("baseline", seed, NO_PLATFORM) for seed in seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        frames = list(pool.map(metrics_of, jobs))
    runs: dict[str, list[pd.DataFrame]] = {}
    for (name, _, overrides), frame in zip(jobs, frames, strict=True):
        runs.setdefault(name if overrides is None else "no_platform", []).append(frame)
    print("## 10.2 baseline")
    for line in baseline_report(runs["baseline"], runs["no_platform"]):
        print(line)
    residual = max(float(np.abs(f["accounts_residual"]).max()) for f in frames)
    print(f"largest accounts_residual over all {len(frames)} runs: {residual:.1e}")
    print("\n## 10.3 scenario table")
    for name in SCENARIOS:
        print(scenario_row(name, runs[name]))


if __name__ == "__main__":
    main()
