"""The brief's stylised facts 1-5, each checked over paired replications.

Every comparison runs the two arms with the same seeds (same territory, same initial state)
and tests the per-seed differences ``arm - reference`` of one statistic, with the criterion
written in the test. Statistics are means over the last ``LAST`` steps of a run unless said
otherwise. Runs are small (40 municipalities, policies from step 12) and spread over two
processes; the numbers each test measured are printed (``pytest -s``) for the issue notes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

N_MUNICIPALITIES = 40
POLICY_START = 12
STEPS = 72
#: Tipping is a long-run property: fact 1 runs the brief's default horizon.
TIPPING_STEPS = 120
LAST = 24
SEEDS = tuple(range(1, 11))
#: Data sharing moves HHI by 1-2% with paired noise about twice that: fact 2 needs more pairs.
DATA_SHARING_SEEDS = tuple(range(1, 21))
COMMON = {
    "territory.n_municipalities": N_MUNICIPALITIES,
    "simulation.policy_start": POLICY_START,
    "simulation.panel_every": 0,
}

IDENTICAL = {"kind": "global", "commission_slope": 0.0}
THREE_IDENTICAL = {
    "platforms.catalogue": {"a": IDENTICAL, "b": IDENTICAL, "c": IDENTICAL},
    "platforms.entry_rate": 0.0,
    "platforms.acquisition_rate": 0.0,
}
#: The global platform's adoption settings (quality, reach) with local ownership, no outside
#: suppliers and the bundled scenarios' commissions; no partners or advisers (same adoption).
TERRITORIAL_ONLY = {
    "kind": "territorial",
    "commission": 0.05,
    "commission_slope": 0.0,
    "outside_supplier_share": 0.0,
}
COOPERATIVE_ONLY = {
    "kind": "cooperative",
    "commission": 0.08,
    "commission_slope": 0.0,
    "outside_supplier_share": 0.0,
}

#: arm -> (scenario, overrides, steps, symmetric start)
ARMS: dict[str, tuple[str, dict[str, Any], int, bool]] = {
    "tipping_strong": (
        "baseline",
        {**THREE_IDENTICAL, "platforms.data_effect": 1.0, "platforms.network_effect": 0.5},
        TIPPING_STEPS,
        True,
    ),
    "tipping_weak": (
        "baseline",
        {**THREE_IDENTICAL, "platforms.data_effect": 0.0, "platforms.network_effect": 0.0},
        TIPPING_STEPS,
        True,
    ),
    "baseline": ("baseline", {}, STEPS, False),
    "open_data": ("open_data", {}, STEPS, False),
    "trusted_third_party": ("trusted_third_party", {}, STEPS, False),
    "no_platform": (
        "baseline",
        {"platforms.catalogue": {}, "platforms.entry_rate": 0.0},
        STEPS,
        False,
    ),
    "territorial_only": (
        "baseline",
        {"platforms.catalogue": {"territorial": TERRITORIAL_ONLY}},
        STEPS,
        False,
    ),
    "cooperative_only": (
        "baseline",
        {"platforms.catalogue": {"cooperative": COOPERATIVE_ONLY}},
        STEPS,
        False,
    ),
    "worker_protection": ("worker_protection", {}, STEPS, False),
    "intermunicipal_pooling": ("intermunicipal_pooling", {}, STEPS, False),
}


def replicate(arm: str, seed: int) -> pd.DataFrame:
    """One run of an arm (top level, so that worker processes can run it): its metrics.

    With a symmetric start, every household chooses again among all the platforms open at
    step 0 once they are all open, so that identical platforms start on equal terms whatever
    the order of the catalogue (see test_platform_market.test_platforms_opening_together_...).
    """
    from platsim.core.model import TerritoryModel
    from platsim.core.phases import platform_market

    scenario, overrides, steps, symmetric = ARMS[arm]
    model = TerritoryModel(scenario=scenario, seed=seed, steps=steps, overrides=COMMON | overrides)
    if symmetric:
        households = np.arange(len(model.workers))
        platform_market.choose_household_platforms(model, households, switching=0.0)
        platform_market.count_members(model)
    while model.running:
        model.step()
    return model.metrics_frame()


class Replications:
    """Runs arms x SEEDS on two processes, once each, and keeps their metrics."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.executor = ProcessPoolExecutor(2, mp_context=context)
        self.metrics: dict[tuple[str, int], pd.DataFrame] = {}

    def __call__(self, *arms: str, seeds: Iterable[int] = SEEDS) -> dict[str, list[pd.DataFrame]]:
        seeds = tuple(seeds)
        missing = [(arm, seed) for arm in arms for seed in seeds if (arm, seed) not in self.metrics]
        futures = {key: self.executor.submit(replicate, *key) for key in missing}
        for key, future in futures.items():
            self.metrics[key] = future.result()
        return {arm: [self.metrics[arm, seed] for seed in seeds] for arm in arms}

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)


@pytest.fixture(scope="module")
def replications():
    runs = Replications()
    yield runs
    runs.close()


def tail_mean(frames: Iterable[pd.DataFrame], column: str, last: int = LAST) -> np.ndarray:
    """Per run: mean of ``column`` over the last ``last`` steps."""
    return np.array([frame[column].iloc[-last:].mean() for frame in frames])


def final(frames: Iterable[pd.DataFrame], column: str) -> np.ndarray:
    return np.array([frame[column].iloc[-1] for frame in frames])


def t_interval(differences: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of the paired differences and its two-sided t confidence interval."""
    d = np.asarray(differences, dtype=float)
    mean = float(d.mean())
    half = float(stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
    return mean, mean - half, mean + half


def report(label: str, differences: np.ndarray) -> str:
    mean, low, high = t_interval(differences)
    text = (
        f"{label}: paired mean difference {mean:.4g}, 95% CI [{low:.4g}, {high:.4g}], "
        f"{(differences < 0).sum()} lower / {(differences > 0).sum()} higher of {len(differences)}"
    )
    print(text)
    return text


def test_all_runs_balance_their_accounts(replications) -> None:
    """Not a stylised fact: the replications themselves keep the money identity."""
    runs = replications(*ARMS)
    for arm, frames in runs.items():
        for seed, frame in zip(SEEDS, frames, strict=True):
            assert frame["accounts_residual"].abs().max() < 1e-9, (arm, seed)


# --------------------------------------------------------------------------------------------
# 1. Tipping


def test_fact1_strong_data_network_effects_tip_the_market(replications) -> None:
    """Three identical platforms, closed data. Criterion: with strong effects (beta = 1,
    gamma = 0.5) the final HHI exceeds 5,000 in most replications (at least 6 of 10); with no
    data or network effects it stays below 4,000 in every replication (the symmetric market
    is 3,333); and the paired difference strong - weak has a 95% t-interval above 0."""
    runs = replications("tipping_strong", "tipping_weak")
    strong, weak = final(runs["tipping_strong"], "hhi"), final(runs["tipping_weak"], "hhi")
    text = report("final HHI, strong - weak effects", strong - weak)
    print(f"strong: {np.round(strong)}; weak: {np.round(weak)}")
    at_72 = np.array([frame["hhi"].iloc[STEPS] for frame in runs["tipping_strong"]])
    print(f"strong, HHI at step {STEPS}: {np.round(at_72)} ({(at_72 > 5_000).sum()} above 5,000)")
    assert (strong > 5_000).sum() >= 6, f"tipped in {(strong > 5_000).sum()} of 10: {strong}"
    assert (weak < 4_000).all(), weak
    assert t_interval(strong - weak)[1] > 0, text


# --------------------------------------------------------------------------------------------
# 2. Data sharing


@pytest.mark.parametrize("arm", ["open_data", "trusted_third_party"])
def test_fact2_data_sharing_lowers_concentration(replications, arm) -> None:
    """Data sharing (share 0.5) against the baseline, over 20 pairs. HHI is bounded at 10,000
    and the baseline sits there in most runs, so many paired differences are exactly 0 and
    the rest skewed: the criterion is a paired sign test, one-sided binomial p < 0.05 that the
    non-zero differences of mean HHI over the last 24 steps are negative more often than not,
    and a negative paired mean."""
    runs = replications("baseline", arm, seeds=DATA_SHARING_SEEDS)
    d = tail_mean(runs[arm], "hhi") - tail_mean(runs["baseline"], "hhi")
    text = report(f"HHI (last {LAST} steps), {arm} - baseline", d)
    report(
        f"top share (last {LAST} steps), {arm} - baseline",
        tail_mean(runs[arm], "top_share") - tail_mean(runs["baseline"], "top_share"),
    )
    nonzero = d[d != 0]
    assert len(nonzero) > 0, "identical HHI in every pair: data sharing changed nothing"
    p = stats.binomtest(int((nonzero < 0).sum()), len(nonzero), 0.5, alternative="greater").pvalue
    assert p < 0.05 and d.mean() < 0, f"{text}; sign test p = {p:.3g}"


# --------------------------------------------------------------------------------------------
# 3. Global platform, leakage and local value


def test_fact3_global_platform_raises_leakage(replications) -> None:
    """Criterion: leakage share (last 24 steps), baseline - no platform: 95% t-interval > 0."""
    runs = replications("baseline", "no_platform")
    d = tail_mean(runs["baseline"], "leakage_share") - tail_mean(
        runs["no_platform"], "leakage_share"
    )
    text = report("leakage share, global platform - no platform", d)
    assert t_interval(d)[1] > 0, text


@pytest.mark.xfail(
    reason="Stylised fact not shown (not a code bug): rural_local_revenue (last 24 steps), "
    "baseline - no platform = -37 EUR per rural household, 95% CI [-102, 27], lower in 7 of "
    "10 seeds. Over 40 seeds -45 [-79, -10], lower in 26 of 40, i.e. -8.4% [-15.9%, -0.9%], "
    "but with other random streams (commit 20d774d) -30 [-66, 6]: at the edge of detection, "
    "drowned by the churn of the few rural local-services firms. Urban local-services revenue "
    "falls as much, -8.5% [-8.9%, -8.0%], in 40 of 40: the global platform lowers local "
    "services everywhere, not rural ones first (low rural connectivity limits adoption).",
    strict=True,
)
def test_fact3_global_platform_lowers_rural_local_revenue(replications) -> None:
    """Criterion: rural local-services revenue per rural household (last 24 steps),
    baseline - no platform: 95% t-interval < 0."""
    runs = replications("baseline", "no_platform")
    d = tail_mean(runs["baseline"], "rural_local_revenue") - tail_mean(
        runs["no_platform"], "rural_local_revenue"
    )
    text = report("rural local revenue, global platform - no platform", d)
    assert t_interval(d)[2] < 0, text


@pytest.mark.parametrize("arm", ["territorial_only", "cooperative_only"])
def test_fact3_local_platform_keeps_value_in_the_territory(replications, arm) -> None:
    """A territorial or cooperative platform instead of the global one (same quality, reach
    and adoption). Criterion: leakage share lower and local value added higher (means over
    the last 24 steps), both paired 95% t-intervals excluding 0 in that direction."""
    runs = replications("baseline", arm)
    leakage = tail_mean(runs[arm], "leakage_share") - tail_mean(runs["baseline"], "leakage_share")
    value = tail_mean(runs[arm], "local_value_added") - tail_mean(
        runs["baseline"], "local_value_added"
    )
    text_leakage = report(f"leakage share, {arm} - global only", leakage)
    text_value = report(f"local value added, {arm} - global only", value)
    report(
        f"rural local revenue, {arm} - global only",
        tail_mean(runs[arm], "rural_local_revenue")
        - tail_mean(runs["baseline"], "rural_local_revenue"),
    )
    assert t_interval(leakage)[2] < 0, text_leakage
    assert t_interval(value)[1] > 0, text_value


# --------------------------------------------------------------------------------------------
# 4. Worker protection


def test_fact4_worker_protection_raises_pay_and_lowers_platform_work(replications) -> None:
    """Criterion: over the last 24 steps, platform_pay_ratio higher and platform_work_share
    lower under worker protection, both paired 95% t-intervals excluding 0 that way."""
    runs = replications("baseline", "worker_protection")
    pay = tail_mean(runs["worker_protection"], "platform_pay_ratio") - tail_mean(
        runs["baseline"], "platform_pay_ratio"
    )
    share = tail_mean(runs["worker_protection"], "platform_work_share") - tail_mean(
        runs["baseline"], "platform_work_share"
    )
    text_pay = report("platform pay ratio, worker protection - baseline", pay)
    text_share = report("platform work share, worker protection - baseline", share)
    assert t_interval(pay)[1] > 0, text_pay
    assert t_interval(share)[2] < 0, text_share


# --------------------------------------------------------------------------------------------
# 5. Pooling


def test_fact5_pooling_narrows_the_rural_urban_service_gap(replications) -> None:
    """Criterion: urban - rural service access (last 24 steps) smaller with pooling and
    conditional funding: paired 95% t-interval < 0."""
    runs = replications("baseline", "intermunicipal_pooling")

    def gap(frames):
        return tail_mean(frames, "urban_service_access") - tail_mean(frames, "rural_service_access")

    d = gap(runs["intermunicipal_pooling"]) - gap(runs["baseline"])
    text = report("urban - rural service gap, pooling - baseline", d)
    assert t_interval(d)[2] < 0, text
