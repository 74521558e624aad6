"""The scenario sections on platforms: the catalogue and the market's behaviour, data sharing,
competition rules, and platform work with its protection."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from platsim.schema.parameters import Section, param

#: The kinds of platform, as scenario files name them.
GLOBAL, TERRITORIAL, COOPERATIVE, ENTRANT = "global", "territorial", "cooperative", "entrant"


PlatformKind = Literal["global", "territorial", "cooperative", "entrant"]


class PlatformSpec(Section):
    """One platform of the catalogue (a territorial spec creates one platform per region)."""

    kind: PlatformKind = Field(
        description="global: private mega-platform whose commissions and outside sales leave "
        "the territory; territorial: public, one per region; cooperative: worker-owned; "
        "entrant: a private local start-up.",
        json_schema_extra={"unit": "choice", "source": "brief"},
    )
    start: int | Literal["policy_start"] = Field(
        0,
        description="Step at which the platform opens (a number, or policy_start).",
        json_schema_extra={"unit": "month", "source": "scenario lever"},
    )
    quality: float = param(1.0, "utility", "Intrinsic quality q0 before data.", ge=-10, le=10)
    commission: float = param(
        0.15,
        "share",
        "Commission on sales (global: the rate at zero market share).",
        ge=0,
        le=1,
        source="typical platform commissions 15-30%",
    )
    commission_slope: float = param(
        0.15,
        "share / market share",
        "Global platforms: commission rise per unit market share.",
        ge=0,
        le=1,
    )
    connectivity_threshold: float = param(
        0.3, "index 0-1", "Municipalities below this connectivity are out of reach.", ge=0, le=1
    )
    outside_supplier_share: float = param(
        0.5,
        "share",
        "Share of the platform's household sales served by suppliers outside the territory.",
        ge=0,
        le=1,
    )
    partner_share: float = param(
        0.0,
        "share",
        "Share of digitised firms in reach that join at opening (territorial partners).",
        ge=0,
        le=1,
    )
    adviser_boost: float = param(
        0.0,
        "x adoption probability",
        "Extra digital adoption of firms in reach (territorial advisers): p * (1 + boost).",
        ge=0,
        le=20,
    )
    operating_cost: float = param(
        0.05, "share of sales", "Operating cost (bought outside the territory).", ge=0, le=1
    )


def _default_catalogue() -> dict[str, PlatformSpec]:
    return {GLOBAL: PlatformSpec(kind=GLOBAL)}


class Platforms(Section):
    """Digital platforms: the catalogue and the market's behaviour."""

    catalogue: dict[str, PlatformSpec] = Field(
        default_factory=_default_catalogue,
        description="Platforms by name. A scenario adds one by giving a new name; a name "
        "set to null removes it.",
        json_schema_extra={"unit": "mapping", "source": "scenario lever"},
    )
    adoption_start: float = param(
        0.05,
        "share",
        "Share of household spending made on platforms at the start.",
        ge=0,
        le=1,
    )
    adoption_ceiling: float = param(
        0.15,
        "share",
        "Largest share of spending on platforms (full connectivity, top quality).",
        ge=0,
        le=1,
    )
    adoption_speed: float = param(
        0.04, "per month", "Logistic growth rate of the platform share of spending.", ge=0, le=1
    )
    data_decay: float = param(
        0.02, "per month", "lambda: data stock depreciation.", ge=0, le=1, source="brief"
    )
    data_unit: float = param(
        0.001,
        "x initial monthly household spending",
        "Transaction value worth one unit of data in the quality function.",
        gt=0,
    )
    data_effect: float = param(
        0.5,
        "utility / log data",
        "beta: data network effect q = q0 + beta ln(1 + E).",
        ge=0,
        le=10,
    )
    network_effect: float = param(
        0.5, "utility / log users", "gamma: weight of users on the other side.", ge=0, le=10
    )
    commission_weight: float = param(
        4.0,
        "utility / commission",
        "omega: firms' dislike of commissions.",
        ge=0,
        le=100,
    )
    outside_option: float = param(
        1.0, "utility", "Utility of staying off platforms (digitised firms).", ge=-20, le=20
    )
    revision_share: float = param(
        0.1,
        "per month",
        "Share of households, firms and gig workers revising their choice.",
        ge=0,
        le=1,
        source="brief",
    )
    reach_gain: float = param(
        0.1,
        "share",
        "External market reach gained by a traded firm on a platform.",
        ge=0,
        le=10,
    )
    entry_rate: float = param(
        0.03, "per month", "Probability that a new entrant platform appears.", ge=0, le=1
    )
    entrant_quality: float = param(0.8, "utility", "q0 of entrant platforms.", ge=-10, le=10)
    entrant_commission: float = param(0.12, "share", "Commission of entrants.", ge=0, le=1)
    entrant_survival_data: float = param(
        200.0,
        "data units",
        "Effective data an entrant needs by the end of its grace period.",
        ge=0,
    )
    entrant_grace_months: int = param(
        12, "months", "Months an entrant has to reach the survival data level.", ge=1, le=600
    )
    acquisition_rate: float = param(
        0.05,
        "per month per unit share",
        "Monthly probability that a global platform buys its smallest private rival, times "
        "its market share.",
        ge=0,
        le=1,
    )


class Data(Section):
    """Data-sharing regime (from policy_start)."""

    regime: Literal["closed", "trusted_third_party", "open", "portability"] = Field(
        "closed",
        description="closed: each platform uses its own data; trusted_third_party: "
        "participants pool `share` of their data and all participants use the pool; open: "
        "every platform publishes `share` of its data; portability: users take their history "
        "along, so switching costs fall by `share`.",
        json_schema_extra={"unit": "choice", "source": "scenario lever"},
    )
    share: float = param(
        0.5,
        "share",
        "Fraction of data pooled, published or portable.",
        ge=0,
        le=1,
        source="scenario lever",
    )
    global_participates: bool = Field(
        False,
        description="Trusted third party: the global platform takes part (mandated) rather "
        "than staying out (voluntary participation).",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    municipalities_participate: bool = Field(
        True,
        description="Municipalities use the pooled or open data for their services.",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    public_data: float = param(
        2_000.0,
        "data units",
        "Data of municipalities and utilities made available to platforms with a trusted "
        "third party or open data (times `share`).",
        ge=0,
    )
    public_service_saving: float = param(
        0.2,
        "share of cost",
        "Service cost saved by data-driven services at share 1.",
        ge=0,
        le=1,
    )


class Competition(Section):
    """Competition rules (from policy_start)."""

    commission_cap: float = param(
        1.0,
        "share",
        "Highest commission allowed (1: no cap).",
        ge=0,
        le=1,
        source="scenario lever",
    )
    acquisition_ban_share: float = param(
        1.0,
        "market share",
        "Platforms with at least this market share may not acquire rivals (1: no ban).",
        ge=0,
        le=1,
        source="scenario lever",
    )
    multihoming: bool = Field(
        False,
        description="Interoperability: firms may join several platforms at once.",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    switching_cost: float = param(1.0, "utility", "Cost of changing platform.", ge=0, le=20)
    interoperable_switching_cost: float = param(
        0.3, "utility", "Switching cost when multihoming (interoperability) is on.", ge=0, le=20
    )


class Labour(Section):
    """Platform work and its protection; the skills-matching platform."""

    gig_task_share: float = param(
        0.1,
        "share",
        "Share of platform household sales that are local tasks (delivery, "
        "services) done by gig workers.",
        ge=0,
        le=1,
    )
    gig_connectivity_threshold: float = param(
        0.5, "index 0-1", "Connectivity needed to do platform work.", ge=0, le=1
    )
    gig_literacy_threshold: float = param(
        0.4, "index 0-1", "Digital literacy needed to do platform work.", ge=0, le=1
    )
    gig_entry_rate: float = param(
        0.15,
        "per month",
        "Probability an eligible unemployed worker tries platform work.",
        ge=0,
        le=1,
    )
    gig_exit_rate: float = param(
        0.05, "per month", "Probability a gig worker quits platform work.", ge=0, le=1
    )
    gig_reservation: float = param(
        0.8,
        "x benefit",
        "Gig pay needed, relative to the benefit, to take or keep gig work.",
        ge=0,
        le=10,
    )
    earnings_floor: float = param(
        0.0,
        "EUR / month",
        "Worker protection: platforms top gig pay up to this floor and "
        "take only as many gig workers as the floor allows (0: none).",
        ge=0,
        source="scenario lever",
    )
    social_contribution: float = param(
        0.0,
        "share of gig pay",
        "Worker protection: social contribution platforms pay on gig pay to social insurance "
        "(outside the territory); with a floor it raises each gig worker's cost.",
        ge=0,
        le=1,
        source="scenario lever",
    )
    skills_platform: bool = Field(
        False,
        description="A sector HR platform: raises matching efficiency for digitally literate "
        "job seekers and steers training towards shortage skills (raises skill).",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    skills_matching_gain: float = param(
        0.3, "share", "Extra matching efficiency for skills-platform users.", ge=0, le=10
    )
    skills_training_gain: float = param(
        0.1,
        "share of gap",
        "Skill gap to 1 closed by a skills-platform training path.",
        ge=0,
        le=1,
    )
