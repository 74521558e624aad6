"""Issue 14's stylised facts of the platform market, each checked over paired replications.

Every comparison runs the arms with the same seeds (same territory, same initial state) and
tests per-seed statistics or the per-seed differences ``arm - reference``, with the criterion
written in the test. Runs are small (40 municipalities, no panel, policies from month 12) and
spread over two processes; the effect sizes each test measured are printed (``pytest -s``).

Arms are built with the overrides mechanism only (``platforms.catalogue`` of name -> spec and
dotted segment parameters such as ``goods.network_effect``); no test tunes a parameter to make
a fact show: a fact that does not show is a strict xfail giving the measured numbers.
"""

from __future__ import annotations

import itertools
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
#: Policy comparisons: 72 months, statistics averaged over months 48-72.
STEPS = 72
WINDOW = (48, 72)
#: Tipping and stationarity are long-run properties: the default horizon of 120 months.
LONG_STEPS = 120
SEEDS = tuple(range(1, 11))
COMMON = {
    "territory.n_municipalities": N_MUNICIPALITIES,
    "simulation.policy_start": POLICY_START,
    "simulation.panel_every": 0,
}

#: A goods platform owned outside the territory, one of three identical rivals at month 0.
#: Its commission is fixed (the same for all three) so that only data and network effects can
#: separate them: under the market rule a platform's commission rises with its share, a
#: balancing force measured on its own in test_tipping_under_the_market_pricing_rule.
SYMMETRIC = {
    "kind": "global",
    "segment": "goods",
    "quality": 1.3,
    "initial_share": 1 / 3,
    "pricing": "fixed",
    "commission": 0.15,
}
THREE_SYMMETRIC = {
    "platforms.catalogue": {"a": SYMMETRIC, "b": SYMMETRIC, "c": SYMMETRIC},
    "platforms.entry_rate": 0.0,
    "platforms.acquisition_rate": 0.0,
}
#: Homing costs at the schema's maximum: buyers and sellers single-home.
HIGH_HOMING = {"goods.homing_cost": 20.0, "goods.seller_homing_cost": 20.0}
LOW_HOMING = {"goods.homing_cost": 0.0, "goods.seller_homing_cost": 0.0}
STRONG = {"goods.data_effect": 1.0, "goods.network_effect": 1.0}
#: No data or network effect. With them the platforms' utility (quality 1.3) is far below the
#: offline utility (4.55): about 0.05% of goods spending would go online and the top share
#: would be the noise of a few transactions. An offline utility of 0 gives an online share of
#: about 52% (measured), a market in which concentration means something.
WEAK = {"goods.data_effect": 0.0, "goods.network_effect": 0.0, "goods.offline_utility": 0.0}

#: The four data regimes (issue 14: trusted third party, open data, portability,
#: interoperability) and closed data, from policy_start in the default market.
REGIMES: dict[str, dict[str, Any]] = {
    "closed": {"data.regime": "closed"},
    "trusted_third_party": {"data.regime": "trusted_third_party"},
    "open": {"data.regime": "open"},
    "portability": {"data.regime": "portability"},
    "interoperability": {"competition.multihoming": True},
}

#: arm -> (overrides, steps)
ARMS: dict[str, tuple[dict[str, Any], int]] = {
    "tipping_strong": ({**THREE_SYMMETRIC, **HIGH_HOMING, **STRONG}, LONG_STEPS),
    "tipping_weak": ({**THREE_SYMMETRIC, **HIGH_HOMING, **WEAK}, LONG_STEPS),
    "tipping_market_pricing": (
        {
            **THREE_SYMMETRIC,
            "platforms.catalogue": {
                name: {k: v for k, v in SYMMETRIC.items() if k not in ("pricing", "commission")}
                for name in "abc"
            },
            **HIGH_HOMING,
            **STRONG,
        },
        LONG_STEPS,
    ),
    "baseline": ({}, LONG_STEPS),
    # the baseline without its two documented trends: firms keep digitising (ODD 7.3) and
    # municipal training raises workers' digital literacy for good (ODD 7.6)
    "baseline_no_trends": (
        {"economy.digital_adoption_rate": 0.0, "public.training_share": 0.0},
        LONG_STEPS,
    ),
    "multi_homing": (LOW_HOMING, STEPS),
    "single_homing": (HIGH_HOMING, STEPS),
    **{regime: (overrides, STEPS) for regime, overrides in REGIMES.items()},
}


class Run:
    """What the tests read of one replication: its metrics and its goods winner."""

    def __init__(self, metrics: pd.DataFrame, winner: str) -> None:
        self.metrics = metrics
        self.winner = winner


def replicate(arm: str, seed: int) -> Run:
    """One run of an arm (top level, so that worker processes can run it)."""
    from platsim.core.model import TerritoryModel

    overrides, steps = ARMS[arm]
    model = TerritoryModel(seed=seed, steps=steps, overrides=COMMON | overrides)
    while model.running:
        model.step()
    platforms = model.platform_frame()
    last = platforms[(platforms["step"] == model.steps) & (platforms["segment"] == "goods")]
    winner = str(last.sort_values("market_share")["platform"].iloc[-1])
    return Run(model.metrics_frame(), winner)


class Replications:
    """Runs arms x SEEDS on two processes, once each, and keeps them."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.executor = ProcessPoolExecutor(2, mp_context=context)
        self.runs: dict[tuple[str, int], Run] = {}

    def __call__(self, *arms: str, seeds: Iterable[int] = SEEDS) -> dict[str, list[Run]]:
        seeds = tuple(seeds)
        missing = [(arm, seed) for arm in arms for seed in seeds if (arm, seed) not in self.runs]
        futures = {key: self.executor.submit(replicate, *key) for key in missing}
        for key, future in futures.items():
            self.runs[key] = future.result()
        return {arm: [self.runs[arm, seed] for seed in seeds] for arm in arms}

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)


@pytest.fixture(scope="module")
def replications():
    runs = Replications()
    yield runs
    runs.close()


def window_mean(runs: Iterable[Run], column: str, window: tuple[int, int] = WINDOW) -> np.ndarray:
    """Per run: mean of ``column`` over months ``window[0]`` to ``window[1]`` inclusive."""
    first, last = window
    return np.array([run.metrics[column].loc[first:last].mean() for run in runs])


def at_month(runs: Iterable[Run], column: str, month: int) -> np.ndarray:
    return np.array([run.metrics[column].loc[month] for run in runs])


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
    """Not a stylised fact: the replications themselves keep the money identity to 1e-9."""
    runs = replications(*ARMS)
    for arm, arm_runs in runs.items():
        for seed, run in zip(SEEDS, arm_runs, strict=True):
            assert run.metrics["accounts_residual"].abs().max() < 1e-9, (arm, seed)


# --------------------------------------------------------------------------------------------
# (a), (b) Tipping


def test_tipping_emerges_under_strong_effects_and_not_under_weak_ones(replications) -> None:
    """Three identical goods platforms (1/3 of the segment each at month 0), closed data,
    buyers and sellers single-homing. Criterion: with strong effects (data_effect 1,
    network_effect 1) the top platform holds at least 60% of goods platform transactions at
    month 120 in at least 8 of 10 seeds; without data or network effects it holds less than
    50% in every seed (the symmetric market is 33%); the paired difference strong - weak has a
    95% t-interval above 0."""
    runs = replications("tipping_strong", "tipping_weak")
    strong = at_month(runs["tipping_strong"], "top_share_goods", LONG_STEPS)
    weak = at_month(runs["tipping_weak"], "top_share_goods", LONG_STEPS)
    text = report("top_share_goods at month 120, strong - weak effects", strong - weak)
    print(f"strong: {np.round(strong, 3)}; weak: {np.round(weak, 3)}")
    print(
        "online share of goods at month 120: strong "
        f"{at_month(runs['tipping_strong'], 'platform_share_goods', LONG_STEPS).mean():.3f}, "
        f"weak {at_month(runs['tipping_weak'], 'platform_share_goods', LONG_STEPS).mean():.3f}"
    )
    assert (strong >= 0.6).sum() >= 8, f"tipped in {(strong >= 0.6).sum()} of 10: {strong}"
    assert (weak < 0.5).all(), weak
    assert t_interval(strong - weak)[1] > 0, text


@pytest.mark.xfail(
    strict=True,
    reason="measured after issue 15's merges: 'c' wins 8 of seeds 1-10. Not chance alone: the "
    "last platform of the catalogue wins 48 of 100 seeds (seeds 1-40: 24, with the code of "
    "the session's start too: 23; seeds 101-160 with the catalogue reversed: 24 of 60), "
    "against 33 expected (p about 0.002); a small advantage of the last catalogue position, "
    "not found yet (set-up shares are symmetric over 120 seeds; ODD 10.6)",
)
def test_the_winner_varies_across_seeds_under_strong_effects(replications) -> None:
    """Same strong-effect arm. Criterion: the platform with the largest goods share at month
    120 is not always the same: at least two different winners, and no platform wins more than
    7 of 10 seeds (with three identical platforms each wins 1/3 of the time; 8 or more of 10
    for one platform has probability below 1%)."""
    runs = replications("tipping_strong")["tipping_strong"]
    winners = [run.winner for run in runs]
    counts = pd.Series(winners).value_counts()
    print(f"winners by seed: {winners}; counts: {counts.to_dict()}")
    assert len(counts) >= 2, winners
    assert counts.max() <= 7, winners


@pytest.mark.xfail(
    strict=True,
    reason="measured: under the market pricing rule (the default for global platforms) the "
    "same strong-effect market does not tip: top_share_goods at month 120 is 0.50-0.72 "
    "(mean 0.58), >= 0.6 in 4 of 10 seeds (0.41-0.62 and 2 of 10 before platforms invested "
    "in quality); the leader's commission rises with its share and holds it back",
)
def test_tipping_under_the_market_pricing_rule(replications) -> None:
    """Strong effects as above, but each platform prices by the market rule. Criterion (the
    same as for fixed commissions): top share >= 0.6 at month 120 in at least 8 of 10 seeds."""
    runs = replications("tipping_market_pricing")["tipping_market_pricing"]
    top = at_month(runs, "top_share_goods", LONG_STEPS)
    print(f"market pricing, top_share_goods at month 120: {np.round(top, 3)}")
    assert (top >= 0.6).sum() >= 8, top


# --------------------------------------------------------------------------------------------
# (c) Multi-homing


def test_multi_homing_lowers_goods_concentration(replications) -> None:
    """Default market; buyers' and sellers' cost of each extra goods platform 0 (multi-homing)
    against 20 (single-homing). Criterion: the goods HHI over months 48-72 is lower with
    multi-homing in every seed, and the paired 95% t-interval is below 0."""
    runs = replications("multi_homing", "single_homing")
    multi = window_mean(runs["multi_homing"], "hhi_goods")
    single = window_mean(runs["single_homing"], "hhi_goods")
    text = report("hhi_goods, multi-homing - single-homing", multi - single)
    report(
        "top_share_goods, multi-homing - single-homing",
        window_mean(runs["multi_homing"], "top_share_goods")
        - window_mean(runs["single_homing"], "top_share_goods"),
    )
    report(
        "platform_share_goods, multi-homing - single-homing",
        window_mean(runs["multi_homing"], "platform_share_goods")
        - window_mean(runs["single_homing"], "platform_share_goods"),
    )
    assert (multi < single).all(), (multi, single)
    assert t_interval(multi - single)[2] < 0, text


# --------------------------------------------------------------------------------------------
# (d) Data regimes


def regimes_differ(runs: dict[str, list[Run]], a: str, b: str) -> tuple[bool, bool]:
    """Whether the runs of regimes a and b differ in every seed, and whether the paired
    95% t-interval of hhi_goods or of leakage_share (months 48-72, b - a) excludes 0."""
    distinct = all(not x.metrics.equals(y.metrics) for x, y in zip(runs[a], runs[b], strict=True))
    excludes_zero = False
    for column in ("hhi_goods", "leakage_share"):
        differences = window_mean(runs[b], column) - window_mean(runs[a], column)
        _, low, high = t_interval(differences)
        report(f"{column}, {b} - {a}", differences)
        excludes_zero |= low > 0 or high < 0
    return distinct, excludes_zero


#: Measured (issue 15): the trusted third party's effect on the market at real magnitudes.
THIRD_PARTY_MARKET = pytest.mark.xfail(
    strict=True,
    reason="measured: with municipal data services (ODD 7.6) the third party gets the "
    "utilities' network data and those of the small municipalities that join (about a tenth of "
    "residents), public data about 160 units rather than 300, too little to bring private "
    "platforms in: against closed data hhi_goods -10 [-79, +60], leakage_share +0.0007 "
    "[-0.0009, +0.0023] (10 seeds, with issue 15's EPCIs; the runs differ in every seed); it "
    "acts on the members' "
    "services instead (tests/core/test_data_service.py)",
)


@pytest.mark.parametrize(
    "regime",
    [
        pytest.param(r, marks=THIRD_PARTY_MARKET) if r == "trusted_third_party" else r
        for r in REGIMES
        if r != "closed"
    ],
)
def test_each_data_regime_differs_from_closed_data(replications, regime) -> None:
    """Criterion: the runs differ from closed-data runs in every seed, and the regime moves
    the goods HHI or the leakage share (months 48-72) with a paired 95% t-interval that
    excludes 0."""
    runs = replications("closed", regime)
    distinct, excludes_zero = regimes_differ(runs, "closed", regime)
    assert distinct, f"{regime} gives runs identical to closed data"
    assert excludes_zero, f"{regime} does not move hhi_goods or leakage_share"


PAIRS = list(itertools.combinations([r for r in REGIMES if r != "closed"], 2))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_data_regimes_differ_from_each_other(replications, a, b) -> None:
    """Criterion: the runs of two regimes differ in every seed (issue 14: two regimes never
    give identical runs), and the goods HHI or leakage share differs with a paired 95%
    t-interval that excludes 0."""
    runs = replications(a, b)
    distinct, excludes_zero = regimes_differ(runs, a, b)
    assert distinct, f"{a} and {b} give identical runs"
    assert excludes_zero, f"{a} and {b} do not differ in hhi_goods or leakage_share"


# --------------------------------------------------------------------------------------------
# (e) Stationarity


EARLY, LATE = (24, 48), (96, 120)
#: Seeds of the stationarity test (see its docstring).
STATIONARITY_SEEDS = tuple(range(1, 41))


def drift_within_noise(runs: list, column: str) -> tuple[bool, str]:
    """Whether the mean over seeds of (mean over months 96-120 - mean over months 24-48) is
    smaller in absolute value than half the seed-to-seed standard deviation of the months
    24-48 means; and the paired report."""
    early, late = window_mean(runs, column, EARLY), window_mean(runs, column, LATE)
    noise = float(early.std(ddof=1))
    text = report(f"{column}, months 96-120 - months 24-48", late - early)
    print(
        f"{column}: early mean {early.mean():.4g}, late mean {late.mean():.4g}, "
        f"seed-to-seed sd {noise:.4g}, criterion |drift| < {0.5 * noise:.4g}"
    )
    return abs(float((late - early).mean())) < 0.5 * noise, text


@pytest.mark.parametrize("column", ["unemployment_rate", "firms", "hhi_goods"])
def test_the_baseline_without_its_documented_trends_is_stationary(replications, column) -> None:
    """Baseline without policy and without its two documented trends (firms' digitisation,
    training's lasting literacy gains: ODD 7.3, 7.6), 120 months. Criterion: the mean over
    seeds of (mean over months 96-120 - mean over months 24-48) is smaller in absolute value
    than half the seed-to-seed standard deviation of the months 24-48 means. A drift below
    half the spread between seeds is no larger than the difference between two territories
    drawn with different seeds; the drift issue 14 reports for unemployment (7.5% -> 10.4%,
    2.9 points) is about 2.4 such standard deviations (measured 1.2 points) and would fail.
    The baseline's own drift, with the trends, is printed beside it.

    Over 40 seeds, not 10: the criterion compares a mean over seeds with half the seeds'
    spread, so the mean must be measured more precisely than that. With 10 seeds its standard
    error (about 0.3 point of unemployment) is close to the threshold (about 0.5 point) and a
    stationary model fails by chance: measured after issue 15's EPCIs, seeds 1-10 drift by
    -0.81 point, seeds 11-40 by +0.06, all 40 by -0.16 +- 0.39."""
    runs = replications("baseline", "baseline_no_trends", seeds=STATIONARITY_SEEDS)
    report(
        f"{column} drift in the baseline with its trends",
        window_mean(runs["baseline"], column, LATE) - window_mean(runs["baseline"], column, EARLY),
    )
    stationary, text = drift_within_noise(runs["baseline_no_trends"], column)
    assert stationary, text


def test_goods_adoption_rises_mostly_with_the_documented_trends(replications) -> None:
    """The share of goods spending made on platforms rises in the baseline: firms keep
    digitising (more sellers on platforms) and training raises digital literacy for good.
    Criteria: the baseline's drift (months 96-120 - months 24-48) exceeds the drift without
    these two trends (paired 95% t-interval of the difference above 0), and the drift left
    without them is less than half the baseline's (the trends explain most of it)."""
    runs = replications("baseline", "baseline_no_trends")
    column = "platform_share_goods"

    def drift(arm: str) -> np.ndarray:
        return window_mean(runs[arm], column, LATE) - window_mean(runs[arm], column, EARLY)

    with_trends, without = drift("baseline"), drift("baseline_no_trends")
    report(f"{column} drift in the baseline", with_trends)
    report(f"{column} drift without the trends", without)
    difference = with_trends - without
    text = report(f"{column} drift, baseline - without the trends", difference)
    low, _ = stats.t.interval(
        0.95, len(difference) - 1, loc=difference.mean(), scale=stats.sem(difference)
    )
    assert low > 0, text
    assert abs(without.mean()) < 0.5 * with_trends.mean(), (
        f"drift without the trends {without.mean():.4f}, with them {with_trends.mean():.4f}"
    )
