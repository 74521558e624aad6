"""The scenario sections on platforms: the catalogue and the market's behaviour, data sharing,
competition rules, and platform work with its protection."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from platsim.schema.parameters import Section, param
from platsim.schema.segments import FREELANCE, GOODS, LOCAL_SERVICES

#: The kinds of platform, as scenario files name them.
GLOBAL, TERRITORIAL, COOPERATIVE, ENTRANT = "global", "territorial", "cooperative", "entrant"


PlatformKind = Literal["global", "territorial", "cooperative", "entrant"]
SegmentName = Literal["goods", "local_services", "freelance"]

#: Kinds whose commission follows the market rule (the others charge their set commission).
MARKET_PRICED = (GLOBAL, ENTRANT)


class PlatformSpec(Section):
    """One platform of the catalogue (a territorial spec creates one platform per region)."""

    kind: PlatformKind = Field(
        description="global: private platform owned outside the territory (its commissions "
        "and profits leave it), pricing by the market rule; territorial: public, one per "
        "region, its result goes to the region's municipalities; cooperative: owned by its "
        "freelancers or gig workers; entrant: a private start-up owned in the territory, "
        "pricing by the market rule after a promotional start.",
        json_schema_extra={"unit": "choice", "source": "brief"},
    )
    segment: SegmentName = Field(
        GOODS,
        description="The market it serves: goods, local_services or freelance.",
        json_schema_extra={"unit": "choice", "source": "scenario lever"},
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
        "Commission on sales: the rate territorial and cooperative platforms charge, and the "
        "starting rate of market-priced ones (global, entrant).",
        ge=0,
        le=1,
        source="typical platform commissions 15-30%",
    )
    pricing: Literal["market", "fixed", "members"] | None = Field(
        None,
        description="market: the commission follows the market rule (markup over cost rising "
        "with market share); fixed: the set commission; members: the members set it to "
        "cover the platform's costs (operating, fixed and quality). Default: market for "
        "global and entrant platforms, fixed for territorial ones, members for cooperatives.",
        json_schema_extra={"unit": "choice", "source": "Heinrich & Gräbner 2019; brief"},
    )
    initial_share: float = param(
        0.0,
        "share of the segment's platform transactions",
        "Share of its segment's platform transactions at month 0 (incumbents opening at 0): "
        "sets its initial data stock, the history it starts with.",
        ge=0,
        le=1,
    )
    capital: float = param(
        0.0,
        "x initial monthly household spending",
        "Capital brought from outside at opening (cooperative, entrant: it pays losses; the "
        "platform closes when its cash runs out).",
        ge=0,
        le=10,
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
    operating_cost: float = param(
        0.05, "share of sales", "Operating cost (bought outside the territory).", ge=0, le=1
    )
    fixed_cost: float = param(
        0.0,
        "x initial monthly household spending",
        "Fixed monthly cost of running the platform (bought outside the territory).",
        ge=0,
        le=1,
    )


def _incumbent(segment: str, share: float, quality: float, commission: float, **more: object):
    return PlatformSpec(
        kind=more.pop("kind", GLOBAL),
        segment=segment,
        initial_share=share,
        quality=quality,
        commission=commission,
        **more,
    )


def _default_catalogue() -> dict[str, PlatformSpec]:
    """French incumbents of each segment at month 0 (shares of the segment's platform
    transactions): a leader, a national challenger and smaller ones; see docs/ODD.md 5.8."""
    return {
        "goods-leader": _incumbent(GOODS, 0.25, 1.41, 0.18, outside_supplier_share=0.9),
        "goods-challenger": _incumbent(GOODS, 0.12, 1.32, 0.17, outside_supplier_share=0.9),
        "goods-retailer": _incumbent(GOODS, 0.12, 1.33, 0.17, outside_supplier_share=0.8),
        "goods-secondhand": _incumbent(GOODS, 0.16, 1.33, 0.17, outside_supplier_share=0.5),
        "goods-webshops": _incumbent(
            GOODS, 0.35, 0.79, 0.03, outside_supplier_share=0.9, pricing="fixed"
        ),
        "services-leader": _incumbent(LOCAL_SERVICES, 0.5, 0.31, 0.3, outside_supplier_share=0.0),
        "services-challenger": _incumbent(
            LOCAL_SERVICES, 0.35, 0.04, 0.27, outside_supplier_share=0.0
        ),
        "services-local": _incumbent(
            LOCAL_SERVICES,
            0.15,
            0.50,
            0.20,
            kind=ENTRANT,
            outside_supplier_share=0.0,
            capital=0.005,
            fixed_cost=0.0002,
        ),
        "freelance-leader": _incumbent(FREELANCE, 0.5, 1.00, 0.15, outside_supplier_share=0.3),
        "freelance-challenger": _incumbent(FREELANCE, 0.3, 0.60, 0.12, outside_supplier_share=0.5),
        "freelance-global": _incumbent(FREELANCE, 0.2, 0.42, 0.11, outside_supplier_share=0.8),
    }


class Platforms(Section):
    """Digital platforms: the catalogue and the rules platforms follow."""

    catalogue: dict[str, PlatformSpec] = Field(
        default_factory=_default_catalogue,
        description="Platforms by name. A scenario adds one by giving a new name; a name "
        "set to null removes it.",
        json_schema_extra={"unit": "mapping", "source": "scenario lever"},
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
    revision_share: float = param(
        0.1,
        "per month",
        "Share of households, firms and gig workers revising their choice.",
        ge=0,
        le=1,
        source="brief",
    )
    quality_capital_effect: float = param(
        0.15,
        "utility / log quality capital",
        "eta: quality from the platform's quality capital K, q += eta ln(1 + K / u), u the "
        "money unit of data (docs/ODD.md 7.2). At its target a platform spends about "
        "eta delta / (delta + r) of its commission revenue on quality (0.12 at the "
        "defaults).",
        ge=0,
        le=10,
        source="calibrated: quality spending about 12% of commission revenue, the R&D "
        "intensity of software and internet firms (about 10-15%, EU Industrial R&D "
        "Investment Scoreboard)",
    )
    quality_depreciation: float = param(
        0.02,
        "per month",
        "delta: share of the quality capital that depreciates a month.",
        gt=0,
        le=1,
        source="assumption: about 22% a year, within the 15-40% a year estimated for "
        "business R&D capital (Li & Hall 2020)",
    )
    discount_rate: float = param(
        0.005,
        "per month",
        "r: the rate at which platforms discount future commission revenue when they invest "
        "in quality.",
        ge=0,
        le=1,
        source="assumption: about 6% a year, a cost of capital",
    )
    data_quality_elasticity: float = param(
        0.5,
        "elasticity",
        "phi: capital one euro of quality spending buys rises with the platform's effective "
        "data relative to its segment's mean, ((1 + E) / (1 + mean E))^phi: data lower the "
        "cost of quality.",
        ge=0,
        le=5,
        source="assumption; the mechanism is Prüfer & Schottmüller 2021 (the marginal cost "
        "of quality falls with user data)",
    )
    quality_adjustment: float = param(
        0.1,
        "per month",
        "lambda: share of the gap to its target quality capital a platform closes a month "
        "(beyond replacing depreciation).",
        gt=0,
        le=1,
        source="assumption",
    )
    commission_adjustment: float = param(
        0.1,
        "per month",
        "Share of the gap to its target commission a market-priced platform closes a month.",
        gt=0,
        le=1,
    )
    commission_ceiling: float = param(
        0.45,
        "share",
        "Highest commission a market-priced platform sets without regulation.",
        gt=0,
        le=1,
        source="app stores and food delivery charge up to 30-35%",
    )
    reach_gain: float = param(
        0.1,
        "share",
        "Extra external demand a traded firm selling on a goods platform reaches (new "
        "customers outside the territory).",
        ge=0,
        le=10,
    )
    entry_rate: float = param(
        0.03,
        "per month",
        "Probability that a start-up platform (kind entrant) opens in a random segment.",
        ge=0,
        le=1,
    )
    entrant_quality: float = param(0.8, "utility", "q0 of entrant platforms.", ge=-10, le=10)
    entrant_commission: float = param(
        0.02,
        "share",
        "Promotional commission of an entrant during its grace months (subsidised entry, "
        "Caillaud & Jullien 2003); the market rule applies after.",
        ge=0,
        le=1,
    )
    entrant_grace_months: int = param(
        12, "months", "Months of an entrant's promotional commission.", ge=0, le=600
    )
    entrant_capital: float = param(
        0.005,
        "x initial monthly household spending",
        "Capital an entrant brings from outside; it closes when its cash runs out.",
        ge=0,
        le=10,
    )
    entrant_fixed_cost: float = param(
        0.0002,
        "x initial monthly household spending",
        "Fixed monthly cost of an entrant (bought outside the territory).",
        ge=0,
        le=1,
    )
    acquisition_rate: float = param(
        0.05,
        "per month per unit share",
        "Monthly probability that a global platform buys its smallest entrant rival in its "
        "segment, times its market share.",
        ge=0,
        le=1,
    )


class Data(Section):
    """Data-sharing regime (from policy_start)."""

    regime: Literal["closed", "trusted_third_party", "open", "portability"] = Field(
        "closed",
        description="closed: each platform uses its own data; trusted_third_party: "
        "participants pool `share` of their data through the third party and only they use "
        "the pool (municipalities and local platforms take part; private platforms take part "
        "when they gain more than they give, or when mandated); open: every platform "
        "publishes `share` of its data and anyone uses it; portability: users take their "
        "history along, so switching costs fall by `share`.",
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
        description="Trusted third party: private platforms (global, entrant) must take "
        "part (mandated) rather than choose (voluntary: they join when the pool gives them "
        "more data than they put in).",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    municipalities_participate: bool = Field(
        True,
        description="Municipalities may open their data and run a data service (open) or "
        "join the trusted third party (trusted_third_party), each deciding by its expected "
        "saving against its cost (docs/ODD.md 7.6); false: none does.",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    public_data: float = param(
        300.0,
        "data units",
        "Data of municipalities and utilities useful to each segment's platforms: the "
        "municipalities' part brought by those that take part (scaled by their population "
        "share), all of it entrusted to a trusted third party, `share` of it published as "
        "open data; the utilities' part (`utility_share`) to a trusted third party only. "
        "Default: about a quarter of a leading marketplace's own stock.",
        ge=0,
    )
    service_saving: float = param(
        0.005,
        "share of service cost",
        "Share of its service cost a municipality saves with its own open data and data "
        "service (services targeted on what the data show).",
        ge=0,
        le=0.2,
        source="assumption (0.001-0.02), from the European Data Portal's estimate of open "
        "data's cost savings for EU public administrations, 1.7 bn EUR in 2020 (Creating "
        "Value through Open Data, 2015): about 3.3 EUR per inhabitant a year, 0.3-0.5% of "
        "French municipalities' operating spending (about 1,000 EUR per inhabitant)",
    )
    crossing_saving: float = param(
        0.008,
        "share of service cost",
        "Trusted third party: further share of a member's service cost saved by crossing its "
        "data with its utilities' network data (energy and mobility services targeted); "
        "publication alone does not give it.",
        ge=0,
        le=0.2,
        source="assumption (0.002-0.02): energy is about 4% of municipalities' operating "
        "spending (ADEME, Dépenses énergétiques des collectivités locales, 2017) and "
        "targeting with metered network data saves about a fifth of it (assumption)",
    )
    utility_data: float = param(
        1.0,
        "share",
        "Trusted third party: share of each municipality's energy and water network data "
        "that its utilities bring to the third party (the crossing saving scales with it).",
        ge=0,
        le=1,
        source="scenario lever; 1: distributors must give concession authorities their "
        "network data (loi de transition énergétique 2015, art. 179)",
    )
    utility_share: float = param(
        0.5,
        "share",
        "Share of `public_data` that is the utilities' network data: a trusted third party "
        "gets it from the utilities (times `utility_data`) whichever municipalities join; "
        "open data do not publish it. The rest is the municipalities' own data, brought by "
        "those that take part.",
        ge=0,
        le=1,
    )
    neighbour_spillover: float = param(
        0.5,
        "share",
        "Share of a data service's saving that reaches a municipality whose commuting zone "
        "is all taken part (weighted by commuting): every neighbour under open data, member "
        "neighbours only under a trusted third party.",
        ge=0,
        le=1,
    )
    data_service_cost: float = param(
        15_000.0,
        "EUR / municipality / year",
        "Open data: what a municipality pays a year to open its data and run its own data "
        "service (staff time, hosting, tools), whatever its size.",
        ge=0,
        le=10_000_000,
        source="assumption (5,000-83,000): a fifth of a post plus hosting for a town like "
        "Le Perray-en-Yvelines (6,500 inhabitants); portals cost 'from a few thousand to a "
        "few hundred thousand euros', 83,000 EUR of staff on average for mostly large "
        "authorities (Serdalab, La Gazette des communes, 22 July 2013)",
    )
    third_party_fee: float = param(
        0.5,
        "EUR / inhabitant / year",
        "Trusted third party: a member's contribution per inhabitant (the third party's cost "
        "pooled among its members).",
        ge=0,
        le=100,
        source="assumption (0.1-2): order of magnitude of the contributions per inhabitant "
        "of the energy syndicates (FNCCR members) that run shared data services",
    )
    third_party_member_cost: float = param(
        1_000.0,
        "EUR / municipality / year",
        "Trusted third party: a member's own yearly cost of taking part (preparing and "
        "sending its data), whatever its size.",
        ge=0,
        le=1_000_000,
        source="assumption (0-5,000): a few days of a municipal employee's time a year",
    )
    decision_months: int = param(
        12,
        "months",
        "Municipalities decide from policy_start and again every decision_months (0: once).",
        ge=0,
        le=1200,
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
        description="Interoperability: a seller's listing works on every platform of a "
        "segment, so selling on several costs interoperable_homing_cost instead of the "
        "segment's seller_homing_cost.",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    switching_cost: float = param(
        1.0,
        "logit utility",
        "Cost to a buyer or seller of opening an account on a platform it is not on.",
        ge=0,
        le=20,
    )
    interoperable_homing_cost: float = param(
        0.2,
        "logit utility",
        "Sellers' cost of each extra platform under interoperability.",
        ge=0,
        le=20,
    )


#: Labour fields added by issue 15 (worker protection and autonomy): at their defaults they
#: leave the model as it was, so the scenario hash leaves them out (``Scenario.hash``).
PROTECTION_FIELDS = (
    "minimum_hourly_pay",
    "task_value",
    "task_hours",
    "contribution_value",
    "autonomy_share",
    "autonomy_taste",
)


class Labour(Section):
    """Platform work and its protection; a traded sector's transition (shock) and the
    skills platform."""

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
        "(outside the territory); it buys the gig worker accident cover and pension rights, "
        "valued at contribution_value per euro; with a minimum pay or a floor it raises the "
        "platform's cost.",
        ge=0,
        le=1,
        source="scenario lever",
    )
    minimum_hourly_pay: float = param(
        0.0,
        "EUR / hour of activity",
        "Worker protection: task platforms pay at least this per hour of activity (acceptance "
        "to delivery), i.e. minimum_hourly_pay x task_hours per task, topping the pool up "
        "(0: none).",
        ge=0,
        le=200,
        source="scenario lever; ARPE delivery agreement of 20 April 2023: 11.75",
    )
    task_value: float = param(
        5.0,
        "EUR / task",
        "What buyers pay for one task (a delivery, a ride) before commission: the task "
        "platforms' tasks are their task sales / task_value.",
        gt=0,
        le=1000,
        source="assumption: 3.8-4.6 EUR net per task at the baseline's commissions, within "
        "delivery riders' 3-5 EUR per order",
    )
    task_hours: float = param(
        0.33,
        "hours of activity / task",
        "Hours of activity one task takes (from acceptance to delivery, ARPE's definition).",
        gt=0,
        le=24,
        source="assumption: about 20 minutes a delivery",
    )
    contribution_value: float = param(
        0.5,
        "EUR of value / EUR of contribution",
        "What a euro of social contribution on their pay is worth to gig workers (accident "
        "cover, pension rights) in their choice of platform work.",
        ge=0,
        le=1,
        source="assumption: mandated benefits valued below cost (Summers 1989), up to cost "
        "(Gruber 1994)",
    )
    autonomy_share: float = param(
        0.0,
        "share of workers",
        "Share of workers with a taste for autonomy (0: nobody, today's behaviour); only they "
        "consider task work while employed.",
        ge=0,
        le=1,
        source="Mas & Pallais 2017: most workers do not value flexible scheduling, a minority "
        "values it highly",
    )
    autonomy_taste: float = param(
        0.2,
        "share of pay",
        "Mean taste for autonomy of those who have one (exponential): platform work is worth "
        "(1 + taste) x its pay to them.",
        ge=0,
        le=10,
        source="Mas & Pallais 2017: about 20% of wages to avoid employer-set schedules",
    )
    freelance_skill_threshold: float = param(
        0.6, "index 0-1", "Skill needed to sell freelance work.", ge=0, le=1
    )
    freelance_premium: float = param(
        0.2,
        "share of wage",
        "Extra pay over their wage an employee needs to leave the job for freelance work.",
        ge=0,
        le=10,
    )
    transition_job_loss: float = param(
        0.0,
        "share of the sector's jobs",
        "Sector shock (the automotive transition): share of the traditional traded sector's "
        "jobs destroyed, as a fall of its external demand reached linearly over "
        "transition_months from policy_start (0: no shock).",
        ge=0,
        lt=1,
        source="AlixPartners for the Plateforme automobile (PFA) 2021: French automotive "
        "employment -15% to -30% by 2030; Observatoire de la métallurgie 2021: 65,000 jobs "
        "at risk by 2030",
    )
    transition_job_creation: float = param(
        0.0,
        "new jobs / job destroyed",
        "Knowledge-sector jobs created (external demand added) per traditional job destroyed "
        "by the shock.",
        ge=0,
        le=10,
        source="PwC for CLEPA 2021: 226,000 jobs created for 501,000 lost in EU automotive "
        "suppliers by 2040 (0.45)",
    )
    transition_months: int = param(
        96,
        "months",
        "Months over which the shock's demand fall (and the new demand) builds up.",
        ge=1,
        le=600,
        source="the transition to 2030 (AlixPartners for PFA 2021: 2022-2030, 96 months)",
    )
    transition_skill_requirement: float = param(
        0.0,
        "index 0-1",
        "From policy_start, a knowledge-sector vacancy can be filled only by a worker of at "
        "least this skill (0: no requirement).",
        ge=0,
        le=1,
        source="assumption: 0.6 leaves 38% of workers qualified (default territory), the "
        "order of technicians and engineers in manufacturing employment (range 0.5-0.7)",
    )
    skills_platform: bool = Field(
        False,
        description="A sector HR platform (from policy_start): job seekers with the literacy "
        "to use it see the vacancies' skill requirements and apply only to those they meet; "
        "employees of shrinking traditional-sector firms search for a job while employed; "
        "training places go first to users below the requirement, and its paths raise skill.",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    on_the_job_search: float = param(
        0.5,
        "x job-finding probability",
        "Skills platform: job-finding probability of an employee at risk (at a shrinking "
        "traditional-sector firm) relative to an unemployed job seeker's.",
        ge=0,
        le=1,
        source="assumption (range 0.2-1): employed job seekers search less intensely "
        "(Faberman, Mueller, Sahin & Topa 2022)",
    )
    skills_training_gain: float = param(
        0.1,
        "share of gap",
        "Skill gap to 1 closed by a skills-platform training path (with the default wage "
        "premium, about +10% on the wage at skill 0.5).",
        ge=0,
        le=1,
    )
