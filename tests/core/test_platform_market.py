"""Tests for platsim.core.phases.platform_market: commissions, data regimes, quality, data decay,
market shares, platform choices, acquisitions and entrants."""

from __future__ import annotations

import numpy as np
import pytest

from platsim.core.agents import Status
from platsim.core.model import TerritoryModel
from platsim.core.phases import platform_market as market
from platsim.core.platforms import codes_bound

N = 25
GLOBAL = {"kind": "global"}
COOPERATIVE = {"kind": "cooperative", "commission": 0.08, "outside_supplier_share": 0.0}
ENTRANT = {"kind": "entrant", "quality": 0.8, "commission": 0.12, "outside_supplier_share": 0.0}
TERRITORIAL = {
    "kind": "territorial",
    "commission": 0.05,
    "commission_slope": 0.0,
    "outside_supplier_share": 0.0,
}


def build(seed: int = 1, **overrides) -> TerritoryModel:
    return TerritoryModel(seed=seed, overrides={"territory.n_municipalities": N, **overrides})


def popcount(masks: np.ndarray) -> np.ndarray:
    bits = np.arange(63, dtype=np.int64)
    return ((masks[:, None] >> bits[None, :]) & 1).sum(axis=1)


# --------------------------------------------------------------------------------------------
# Commissions


def test_global_commission_rises_with_share_and_is_capped_from_policy_start() -> None:
    model = build(
        **{
            "simulation.policy_start": 4,
            "competition.commission_cap": 0.2,
            "platforms.catalogue": {
                "global": {**GLOBAL, "commission": 0.15, "commission_slope": 0.15},
                "coop": {**COOPERATIVE, "commission": 0.25},
            },
        }
    )
    glob, coop = model.platforms
    seen_uncapped, shares = False, []
    for _ in range(8):
        model.step()
        cap = 0.2 if model.steps >= 4 else 1.0
        assert glob.commission == pytest.approx(min(cap, 0.15 + 0.15 * glob.market_share))
        assert coop.commission == pytest.approx(min(cap, 0.25))
        seen_uncapped |= model.steps < 4 and glob.commission > 0.2
        shares.append(glob.market_share)
    assert seen_uncapped, "the cap should not bind before policy_start"
    assert 0 < min(shares) < 1, "the test needs a global share strictly between 0 and 1"


@pytest.mark.parametrize(
    ("share", "cap", "expected"),
    [(0.0, 1.0, 0.15), (0.4, 1.0, 0.21), (1.0, 1.0, 0.30), (1.0, 0.25, 0.25), (0.2, 0.1, 0.1)],
)
def test_commission_rule_direct(share, cap, expected) -> None:
    model = build(**{"simulation.policy_start": 0, "competition.commission_cap": cap})
    glob = model.platforms[0]
    glob.market_share = share
    market.set_commissions(model)
    assert glob.commission == pytest.approx(expected)


# --------------------------------------------------------------------------------------------
# Data regimes, quality and decay

STOCKS = np.array([100.0, 40.0, 10.0])  # global, cooperative, entrant


def data_model(policy_start: int = 0, **data) -> tuple[TerritoryModel, list]:
    overrides = {f"data.{key}": value for key, value in data.items()}
    model = build(
        **{
            "simulation.policy_start": policy_start,
            "platforms.catalogue": {"global": GLOBAL, "coop": COOPERATIVE, "e": ENTRANT},
            **overrides,
        }
    )
    platforms = market.active_platforms(model)
    for platform, stock in zip(platforms, STOCKS, strict=True):
        platform.data = stock
    return model, platforms


@pytest.mark.parametrize("regime", ["closed", "portability", "open", "trusted_third_party"])
def test_no_sharing_before_policy_start(regime) -> None:
    model, platforms = data_model(policy_start=5, regime=regime, share=0.5)
    np.testing.assert_allclose(market.effective_data(model, platforms), STOCKS)


@pytest.mark.parametrize("regime", ["closed", "portability"])
def test_closed_and_portability_use_own_stock(regime) -> None:
    model, platforms = data_model(regime=regime, share=0.8, public_data=5_000.0)
    np.testing.assert_allclose(market.effective_data(model, platforms), STOCKS)


@pytest.mark.parametrize("municipalities", [True, False])
def test_open_data_adds_share_of_others_and_public_data(municipalities) -> None:
    model, platforms = data_model(
        regime="open", share=0.4, public_data=1_000.0, municipalities_participate=municipalities
    )
    public = 0.4 * 1_000.0 if municipalities else 0.0
    others = STOCKS.sum() - STOCKS
    expected = STOCKS + 0.4 * others + public
    np.testing.assert_allclose(market.effective_data(model, platforms), expected)


@pytest.mark.parametrize("global_participates", [False, True])
def test_trusted_third_party_serves_participants_only(global_participates) -> None:
    model, platforms = data_model(
        regime="trusted_third_party",
        share=0.5,
        public_data=600.0,
        global_participates=global_participates,
    )
    effective = market.effective_data(model, platforms)
    if global_participates:
        pooled = STOCKS.sum()
        np.testing.assert_allclose(effective, STOCKS + 0.5 * (pooled - STOCKS) + 300.0)
    else:
        assert effective[0] == STOCKS[0], "the global platform stays out of the pool"
        pooled = STOCKS[1:].sum()
        np.testing.assert_allclose(effective[1:], STOCKS[1:] + 0.5 * (pooled - STOCKS[1:]) + 300.0)


def test_quality_is_q0_plus_beta_log_effective_data_after_steps() -> None:
    model = build(
        **{
            "simulation.policy_start": 2,
            "data.regime": "open",
            "platforms.data_effect": 0.7,
            "platforms.catalogue": {
                "global": GLOBAL,
                "coop": {**COOPERATIVE, "quality": 0.4},
            },
        }
    )
    for _ in range(5):
        model.step()
        for platform in market.active_platforms(model):
            expected = platform.spec.quality + 0.7 * np.log1p(platform.effective_data)
            assert platform.quality == pytest.approx(expected)
        effective = market.effective_data(model, market.active_platforms(model))
        np.testing.assert_allclose([p.effective_data for p in model.platforms], effective)
    assert model.platforms[1].effective_data > model.platforms[1].data  # open data in force


def test_data_decays_at_lambda_without_transactions_and_grows_with_them() -> None:
    model = build(**{"platforms.data_decay": 0.1, "platforms.data_unit": 0.002})
    glob = model.platforms[0]
    glob.data, glob.transactions = 1_000.0, 0.0
    market.update_data_and_quality(model)
    assert glob.data == pytest.approx(900.0)
    market.update_data_and_quality(model)
    assert glob.data == pytest.approx(810.0)
    assert glob.quality == pytest.approx(glob.spec.quality + 0.5 * np.log1p(810.0))
    unit = 0.002 * model.reference_spending
    glob.transactions = 3 * unit
    market.update_data_and_quality(model)
    assert glob.data == pytest.approx(0.9 * 810.0 + 3.0)
    assert glob.transactions == 0.0 and glob.last_transactions == pytest.approx(3 * unit)


def test_market_shares_sum_to_one_over_active_platforms() -> None:
    model = build(
        seed=4,
        **{
            "platforms.entry_rate": 0.3,
            "platforms.acquisition_rate": 0.0,  # a purchase after the shares are set
            "platforms.catalogue": {"global": GLOBAL, "coop": COOPERATIVE},
        },
    )
    for _ in range(12):
        model.step()
        active = market.active_platforms(model)
        shares = np.array([p.market_share for p in active])
        transactions = np.array([p.last_transactions for p in active])
        assert transactions.sum() > 0
        assert shares.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(shares, transactions / transactions.sum())
    assert len(active) >= 2


# --------------------------------------------------------------------------------------------
# Choices


def check_memberships(model: TerritoryModel, multihoming: bool) -> None:
    workers, firms = model.workers, model.firms
    active = {p.index for p in market.active_platforms(model)}
    on = np.flatnonzero(workers.platform >= 0)
    assert set(np.unique(workers.platform[on])) <= active, "a household on a closed platform"
    reach = np.array([p.reach for p in model.platforms])
    assert reach[workers.platform[on], workers.home[on]].all(), (
        "a household uses a platform that does not reach its home"
    )
    member = firms.platforms != 0
    assert firms.alive[member].all(), "a dead firm sits on a platform"
    assert firms.digital[member].all(), "a non-digitised firm sits on a platform"
    closed_bits = sum(np.int64(1) << p.index for p in model.platforms if not p.active)
    assert not (firms.platforms & np.int64(closed_bits)).any(), "a firm on a closed platform"
    if not multihoming:
        assert (popcount(firms.platforms) <= 1).all(), "single-homing broken"


def test_memberships_respect_reach_life_and_single_homing() -> None:
    model = build(
        seed=2,
        **{
            "simulation.policy_start": 3,
            "mobility.relocation_rate": 0.0,  # movers: see test_movers_keep_platforms_in_reach
            "platforms.acquisition_rate": 0.0,  # see test_acquired_members_stay_within_...
            "platforms.entry_rate": 0.3,
            "platforms.entrant_grace_months": 3,
            "platforms.catalogue": {
                "global": {**GLOBAL, "connectivity_threshold": 0.5},
                "territorial": {**TERRITORIAL, "start": "policy_start", "partner_share": 0.5},
                "coop": COOPERATIVE,
            },
        },
    )
    check_memberships(model, multihoming=False)
    for _ in range(15):
        model.step()
        check_memberships(model, multihoming=False)
    assert (model.workers.platform >= 0).any()
    assert (model.firms.platforms != 0).sum() > 10
    assert model.municipalities.connectivity.min() < 0.5, "some municipality out of reach"


def test_movers_keep_platforms_in_reach() -> None:
    model = build(
        seed=2,
        **{
            "mobility.relocation_rate": 0.2,
            "platforms.acquisition_rate": 0.0,
            "platforms.catalogue": {"territorial": {**TERRITORIAL, "start": 0}},
        },
    )
    for _ in range(4):
        model.step()
        check_memberships(model, multihoming=False)
        workers = model.workers
        gig = np.flatnonzero(workers.gig_platform >= 0)
        reach = np.array([p.reach for p in model.platforms])
        assert reach[workers.gig_platform[gig], workers.home[gig]].all()


def test_platforms_opening_together_share_households_evenly() -> None:
    same = {"kind": "global", "commission_slope": 0.0}
    model = build(
        **{
            "platforms.entry_rate": 0.0,
            "platforms.catalogue": {"a": same, "b": same, "c": same},
        }
    )
    counts = np.array([p.households for p in model.platforms], dtype=float)
    assert counts.sum() > 1_000
    shares = counts / counts.sum()
    np.testing.assert_allclose(shares, 1 / 3, atol=0.05)


def test_multihoming_only_once_in_force() -> None:
    model = build(
        seed=3,
        **{
            "simulation.policy_start": 4,
            "competition.multihoming": True,
            "platforms.outside_option": -2.0,
            "platforms.catalogue": {"global": GLOBAL, "coop": {**COOPERATIVE, "quality": 1.0}},
        },
    )
    for _ in range(3):
        model.step()
        assert not model.multihoming_allowed()
        check_memberships(model, multihoming=False)
    for _ in range(6):
        model.step()
        assert model.multihoming_allowed()
        check_memberships(model, multihoming=True)
    assert (popcount(model.firms.platforms) >= 2).any(), "nobody multi-homed"


def test_switching_cost_under_interoperability_and_portability() -> None:
    model = build(**{"simulation.policy_start": 0, "competition.switching_cost": 2.0})
    assert market.switching_cost(model) == 2.0
    model = build(
        **{
            "simulation.policy_start": 0,
            "competition.multihoming": True,
            "competition.interoperable_switching_cost": 0.4,
            "data.regime": "portability",
            "data.share": 0.75,
        }
    )
    assert market.switching_cost(model) == pytest.approx(0.4 * 0.25)
    model = build(**{"simulation.policy_start": 5, "data.regime": "portability"})
    assert market.switching_cost(model) == 1.0  # not yet in force


def test_adoption_grows_only_where_a_platform_reaches() -> None:
    model = build(
        **{
            "platforms.entry_rate": 0.0,  # entrants would reach other municipalities
            "platforms.catalogue": {"global": {**GLOBAL, "connectivity_threshold": 0.6}},
        }
    )
    reach = model.platforms[0].reach
    assert reach.any() and (~reach).any()
    start = model.platform_share.copy()
    model.run_for(6)
    reach = model.platforms[0].reach  # connectivity only rises: unreached all along
    assert (model.platform_share[reach] > start[reach]).all()
    np.testing.assert_array_equal(model.platform_share[~reach], start[~reach])
    ceiling = model.scenario.platforms.adoption_ceiling
    assert (model.platform_share <= max(ceiling, model.scenario.platforms.adoption_start)).all()


# --------------------------------------------------------------------------------------------
# Acquisitions


def acquisition_model(**overrides) -> TerritoryModel:
    """A global platform and an entrant with members on every side; the entrant is bought
    for sure when the global platform's share is 1 (acquisition_rate 1)."""
    model = build(
        seed=5,
        **{
            "platforms.entry_rate": 0.0,
            "platforms.acquisition_rate": 1.0,
            "platforms.catalogue": {"global": GLOBAL, "startup": ENTRANT},
            **overrides,
        },
    )
    glob, entrant = model.platforms
    workers, firms = model.workers, model.firms
    reached = np.flatnonzero(entrant.reach[workers.home])
    workers.platform[reached[:50]] = entrant.index
    workers.status[reached[50:55]] = Status.PLATFORM
    workers.employer[reached[50:55]] = -1
    workers.gig_platform[reached[50:55]] = entrant.index
    digital = np.flatnonzero(firms.alive & firms.digital & entrant.reach[firms.municipality])
    firms.platforms[digital[:8]] = np.int64(1) << entrant.index
    entrant.data, glob.data = 123.0, 1_000.0
    entrant.gig_pool = 40.0
    glob.market_share = 0.999999
    return model


def test_acquisition_moves_members_and_data_to_the_buyer_and_closes_the_target() -> None:
    model = acquisition_model()
    glob, entrant = model.platforms
    workers, firms = model.workers, model.firms
    households = np.flatnonzero(workers.platform == entrant.index)
    gig = np.flatnonzero(workers.gig_platform == entrant.index)
    member_firms = np.flatnonzero(firms.platforms == np.int64(1) << entrant.index)
    market.acquire(model)
    assert entrant.closed and not entrant.active
    assert model.events["acquisitions"] == 1
    assert (workers.platform[households] == glob.index).all()
    assert (workers.gig_platform[gig] == glob.index).all()
    assert (workers.status[gig] == Status.PLATFORM).all()
    assert (firms.platforms[member_firms] == np.int64(1) << glob.index).all()
    assert glob.data == pytest.approx(1_123.0)
    assert glob.gig_pool == pytest.approx(40.0) and entrant.gig_pool == 0.0
    market.count_members(model)
    assert glob.households >= len(households) and entrant.households == 0


def test_acquisition_happens_when_forced_during_a_run() -> None:
    model = build(
        seed=6,
        **{
            "platforms.entry_rate": 0.0,
            "platforms.acquisition_rate": 1.0,
            "platforms.catalogue": {"global": GLOBAL, "startup": ENTRANT},
        },
    )
    acquisitions = 0
    for _ in range(4):
        model.step()
        acquisitions += model.events["acquisitions"]
    assert acquisitions == 1
    assert model.platforms[1].closed
    assert (model.workers.platform != 1).all()


def test_acquisition_ban_applies_from_policy_start() -> None:
    banned = acquisition_model(
        **{"simulation.policy_start": 0, "competition.acquisition_ban_share": 0.5}
    )
    market.acquire(banned)
    assert banned.platforms[1].active and banned.events["acquisitions"] == 0
    before = acquisition_model(
        **{"simulation.policy_start": 5, "competition.acquisition_ban_share": 0.5}
    )
    market.acquire(before)
    assert before.platforms[1].closed, "the ban must not apply before policy_start"
    small = acquisition_model(
        **{"simulation.policy_start": 0, "competition.acquisition_ban_share": 0.5}
    )
    small.platforms[0].market_share = 0.49
    # below the ban share: bought with probability 0.49 at each try
    for _ in range(40):
        market.acquire(small)
        if small.platforms[1].closed:
            break
    assert small.platforms[1].closed, "below the ban share a platform may acquire"


def test_default_ban_share_one_means_no_ban_even_for_a_monopolist() -> None:
    model = acquisition_model(**{"simulation.policy_start": 0})
    model.platforms[0].market_share = 1.0  # an entrant without transactions: share exactly 1
    market.acquire(model)
    assert model.platforms[1].closed


def test_acquired_members_stay_within_the_buyers_reach() -> None:
    model = acquisition_model(
        **{
            "platforms.catalogue": {
                "global": {**GLOBAL, "connectivity_threshold": 0.6},
                "startup": {**ENTRANT, "connectivity_threshold": 0.0},
            }
        }
    )
    glob, entrant = model.platforms
    assert (entrant.reach & ~glob.reach).any()
    market.acquire(model)
    assert entrant.closed
    check_memberships(model, multihoming=False)
    workers = model.workers
    gig = workers.gig_platform >= 0
    assert glob.reach[workers.home[gig]].all()
    firms = model.firms
    on_glob = (firms.platforms >> glob.index) & 1 == 1
    assert glob.reach[firms.municipality[on_glob]].all()


# --------------------------------------------------------------------------------------------
# Entrants


def entrant_model(**overrides) -> TerritoryModel:
    return build(
        seed=7,
        **{
            "platforms.entry_rate": 0.0,
            "platforms.acquisition_rate": 0.0,
            "platforms.entrant_grace_months": 4,
            "platforms.entrant_survival_data": 200.0,
            # nobody uses it: it gathers no data of its own
            "platforms.catalogue": {"global": GLOBAL, "startup": {**ENTRANT, "quality": -10.0}},
            **overrides,
        },
    )


def test_entrant_without_data_closes_after_the_grace_period() -> None:
    model = entrant_model()
    entrant = model.platforms[1]
    for _ in range(3):
        model.step()
        assert entrant.active, f"closed before the grace period (step {model.steps})"
    model.step()
    assert entrant.closed and model.events["platform_exit"] == 1
    assert entrant.effective_data < 200.0
    assert (model.workers.platform != entrant.index).all()


def test_entrant_survives_under_open_data_with_public_data() -> None:
    model = entrant_model(
        **{
            "simulation.policy_start": 0,
            "data.regime": "open",
            "data.share": 0.5,
            "data.public_data": 2_000.0,
        }
    )
    entrant = model.platforms[1]
    model.run_for(10)
    assert entrant.active
    assert entrant.effective_data >= 0.5 * 2_000.0
    assert entrant.data < 200.0, "it survives on shared data, not on its own"


def test_entrants_appear_at_the_entry_rate_in_a_region() -> None:
    model = build(seed=8, **{"platforms.entry_rate": 1.0, "platforms.acquisition_rate": 0.0})
    model.run_for(5)
    entrants = [p for p in model.platforms if p.kind == "entrant"]
    assert len(entrants) == 5
    assert [p.name for p in entrants] == [f"entrant-{k}" for k in range(1, 6)]
    assert [p.opens for p in entrants] == [1, 2, 3, 4, 5]
    for platform in entrants:
        assert 0 <= platform.region < model.territory.n_regions
        assert not platform.reach[model.territory.region != platform.region].any()
        assert platform.spec.outside_supplier_share == 0.0


def test_codes_bound_covers_every_member_code() -> None:
    model = TerritoryModel(
        scenario="policy_mix", seed=3, overrides={"territory.n_municipalities": 30}
    )
    for _ in range(30):
        model.step()
        bound = codes_bound(model)
        assert (model.workers.platform < bound).all()
        assert (model.workers.gig_platform < bound).all()


def test_one_platform_households_join_where_it_reaches_and_draw_the_same_noise() -> None:
    model = TerritoryModel(seed=4, overrides={"territory.n_municipalities": 30})
    platforms = market.active_platforms(model)
    assert len(platforms) == 1
    platform = platforms[0]
    platform.reach[: model.territory.n // 2] = False  # half the territory out of reach
    market_now = market.quality_matrix(model)
    households = np.arange(0, len(model.workers), 3)
    expected_state = np.random.Generator(type(model.rng.bit_generator)())
    expected_state.bit_generator.state = model.rng.bit_generator.state
    expected_state.standard_exponential(len(households))
    market.choose_household_platforms(model, households, market=market_now)
    reached = platform.reach[model.workers.home[households]]
    np.testing.assert_array_equal(
        model.workers.platform[households], np.where(reached, platform.index, -1)
    )
    assert model.rng.bit_generator.state == expected_state.bit_generator.state


def test_firms_prefer_the_platform_with_the_lower_commission() -> None:
    """Two cooperatives alike in all but the commission: digitised firms choosing between
    them (switching costs alike: none is a member yet) take the cheaper one more often."""
    cheap = {**COOPERATIVE, "commission": 0.02}
    dear = {**COOPERATIVE, "commission": 0.6}
    model = build(
        seed=3,
        **{
            "platforms.entry_rate": 0.0,
            "platforms.catalogue": {"cheap": cheap, "dear": dear},
            "platforms.revision_share": 1.0,
            "platforms.commission_weight": 4.0,
            "platforms.outside_option": -20.0,  # every revising firm joins one
        },
    )
    first, second = model.platforms
    assert (first.commission, second.commission) == (0.02, 0.6)
    firms = model.firms
    firms.digital[:] = True
    firms.platforms[:] = 0
    market.revise_firms(model)
    revising = firms.alive & first.reach[firms.municipality] & second.reach[firms.municipality]
    on_cheap = (firms.platforms[revising] == np.int64(1) << first.index).sum()
    on_dear = (firms.platforms[revising] == np.int64(1) << second.index).sum()
    assert on_cheap + on_dear > 200
    # logit odds: exp(commission_weight * 0.58) ~ 10, whatever the noise
    assert on_cheap > 4 * on_dear
