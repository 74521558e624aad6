"""Scenario files: YAML in, a validated, frozen :class:`Scenario` out.

A scenario file is read as plain YAML (``yaml.safe_load``: no tag can build a Python
object), merged over the file it ``extends`` (recursively, paths relative to the file),
filled with defaults and validated by pydantic. Every field has a default, a unit and a
range; every problem is reported as :class:`platsim.errors.InputError` naming the file,
the field, the value and what is allowed. Nothing unknown is ignored and nothing invalid
silently becomes a default.

Typical use::

    >>> from platsim.scenario import load_scenario
    >>> scenario = load_scenario("baseline")          # a bundled scenario, by name
    >>> scenario.simulation.steps
    120
    >>> scenario.with_overrides({"economy.matching_efficiency": 0.3}).economy.matching_efficiency
    0.3
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from platsim.errors import InputError, InputErrors

BUNDLED_PACKAGE = "platsim.scenarios"


def param(
    default: Any,
    unit: str,
    description: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    source: str = "assumption",
) -> Any:
    """Declare a scenario parameter with its default, unit, range and source.

    The unit and source land in the JSON schema (``json_schema_extra``) so the ODD's
    parameter table and ``platsim validate`` messages are generated from one place.
    """
    return Field(
        default,
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        json_schema_extra={"unit": unit, "source": source},
    )


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Simulation(Section):
    """Time frame of a run."""

    steps: int = param(120, "months", "Number of monthly steps of a run.", ge=1, le=10_000)
    policy_start: int = param(
        12,
        "month",
        "Step at which governance levers switch on; before it every scenario shares the same "
        "history.",
        ge=0,
        le=10_000,
    )
    panel_every: int = param(
        12, "months", "Period of the municipal panel (maps); 0 records none.", ge=0, le=10_000
    )


class Territory(Section):
    """The municipalities and their network: generated, or read from ``file``."""

    file: str | None = Field(
        None,
        description="CSV or GeoJSON territory file (id, name, x/y or lon/lat, population; "
        "optional region, connectivity, services), relative to the scenario file. When "
        "set, the generator parameters below are not used.",
        json_schema_extra={"unit": "path", "source": "user data"},
    )
    n_municipalities: int = param(
        100, "municipalities", "Municipalities generated.", ge=1, le=100_000
    )
    area_km: float = param(80.0, "km", "Side of the square the territory occupies.", gt=0, le=5_000)
    n_regions: int = param(
        4, "regions", "Regions, each around one of the largest towns.", ge=1, le=1_000
    )
    urban_threshold: float = param(
        2_000.0,
        "inhabitants",
        "Population from which a municipality is urban.",
        gt=0,
        source="INSEE urban unit threshold",
    )
    median_population: float = param(
        458.0,
        "inhabitants",
        "Median municipal population (below the 2,000-inhabitant start of the Pareto tail).",
        gt=0,
        lt=2_000,
        source="INSEE communes",
    )
    tail_share: float = param(
        0.15,
        "share",
        "Share of municipalities in the Pareto tail, above 2,000 inhabitants.",
        gt=0,
        lt=0.5,
        source="INSEE communes (85% under 2,000)",
    )
    rank_size_slope: float = param(
        -0.72,
        "log-log slope",
        "Rank-size slope of the largest municipalities.",
        ge=-3,
        lt=0,
        source="INSEE communes, largest 1,000",
    )
    centre_min_population: float = param(
        20_000.0,
        "inhabitants",
        "Smallest population of a regional centre (the territory's towns).",
        gt=0,
    )
    max_population: float = param(
        150_000.0,
        "inhabitants",
        "Largest possible municipality (upper cut of the Pareto tail). Keeps the default "
        "territory near 300,000 inhabitants; set about 2.2e6 (Paris) for France-sized runs.",
        gt=0,
    )
    cluster_km: float = param(
        12.0, "km", "Spread of municipalities around their centre.", gt=0, le=1_000
    )
    detour_factor: float = param(1.3, "ratio", "Road length / straight-line distance.", ge=1, le=3)
    commute_km: float = param(
        30.0, "km", "Radius of a commuting zone along the road network.", gt=0, le=500
    )
    gravity_d0_km: float = param(
        10.0, "km", "Distance decay of commuting and shopping weights exp(-d/d0).", gt=0, le=500
    )
    urban_connectivity: float = param(
        0.9, "index 0-1", "Mean broadband connectivity of urban municipalities.", ge=0, le=1
    )
    rural_connectivity_low: float = param(
        0.3, "index 0-1", "Lower bound of rural connectivity (uniform).", ge=0, le=1
    )
    rural_connectivity_high: float = param(
        0.7, "index 0-1", "Upper bound of rural connectivity (uniform).", ge=0, le=1
    )

    @model_validator(mode="after")
    def _check_bounds(self) -> Territory:
        if self.file is None and self.max_population <= self.centre_min_population:
            raise ValueError(
                f"max_population ({self.max_population:g}) must exceed centre_min_population "
                f"({self.centre_min_population:g})"
            )
        if self.rural_connectivity_low > self.rural_connectivity_high:
            raise ValueError(
                "rural_connectivity_low must not exceed rural_connectivity_high "
                f"({self.rural_connectivity_low} > {self.rural_connectivity_high})"
            )
        if self.file is None and self.n_regions > self.n_municipalities:
            raise ValueError(
                f"n_regions ({self.n_regions}) cannot exceed n_municipalities "
                f"({self.n_municipalities})"
            )
        return self


class Population(Section):
    """Households (worker agents) and their attributes."""

    inhabitants_per_agent: float = param(
        20.0, "inhabitants", "Residents one worker agent stands for.", ge=1, le=100_000
    )
    working_age_share: float = param(
        0.62,
        "share",
        "Working-age residents / population; every working-age resident is a labour-market "
        "participant (inactivity is not modelled).",
        gt=0,
        le=1,
        source="INSEE: population aged 15-64, about 62%",
    )
    skill_mean_urban: float = param(0.55, "index 0-1", "Mean skill of urban residents.", gt=0, lt=1)
    skill_mean_rural: float = param(0.45, "index 0-1", "Mean skill of rural residents.", gt=0, lt=1)
    literacy_mean_urban: float = param(
        0.6, "index 0-1", "Mean digital literacy of urban residents.", gt=0, lt=1
    )
    literacy_mean_rural: float = param(
        0.45, "index 0-1", "Mean digital literacy of rural residents.", gt=0, lt=1
    )
    trait_concentration: float = param(
        6.0, "Beta a+b", "Concentration of the Beta laws of skill and literacy.", gt=0, le=1_000
    )
    initial_unemployment: float = param(
        0.08, "share", "Unemployed share of the labour force at start.", ge=0, lt=1
    )


class Economy(Section):
    """Firms, households' spending, wages and the labour market."""

    consumption_share: float = param(
        0.8, "share", "Share of disposable income households spend (c).", ge=0, le=1
    )
    local_share: float = param(
        0.5,
        "share",
        "Share of household spending bought from local-services firms in the commuting zone; "
        "the rest is bought outside the territory.",
        ge=0,
        le=1,
    )
    firms_per_worker: float = param(
        0.1, "firms / worker agent", "Firm agents per worker agent at start.", gt=0, le=1
    )
    share_local_services: float = param(
        0.5, "share", "Share of firms in local services at start and entry.", ge=0, le=1
    )
    share_traditional: float = param(
        0.3, "share", "Share of firms in traditional sectors at start and entry.", ge=0, le=1
    )
    share_knowledge: float = param(
        0.2,
        "share",
        "Share of firms in knowledge-intensive sectors at start and entry.",
        ge=0,
        le=1,
    )
    productivity_local_services: float = param(
        2.0, "x wage level", "Mean revenue per worker of local services / wage level.", gt=0
    )
    productivity_traditional: float = param(
        2.4, "x wage level", "Mean revenue per worker of traditional firms / wage level.", gt=0
    )
    productivity_knowledge: float = param(
        3.2, "x wage level", "Mean revenue per worker of knowledge firms / wage level.", gt=0
    )
    productivity_sigma: float = param(
        0.2, "log sd", "Dispersion of firm productivity (lognormal).", ge=0, le=2
    )
    wage_level: float = param(
        1_500.0,
        "EUR / month",
        "Wage of a median-skill worker at a productivity-1 firm; productivities are revenue "
        "per worker in this unit. Mean wages come out near 2,500 EUR (France's mean net wage).",
        gt=0,
        source="calibrated to INSEE mean net wage",
    )
    wage_skill_premium: float = param(
        2.0,
        "log points / unit skill",
        "Skill premium: w = level * exp(k (skill - 0.5)) * productivity^e.",
        ge=0,
        le=10,
    )
    wage_productivity_elasticity: float = param(
        0.5, "elasticity", "Elasticity of the wage to the employer's productivity.", ge=0, le=2
    )
    fixed_cost: float = param(
        3_000.0, "EUR / month / firm", "Fixed cost paid to outside suppliers.", ge=0
    )
    revenue_smoothing: float = param(
        0.5, "weight", "Weight of this month's revenue in the revenue firms plan on.", gt=0, le=1
    )
    layoff_buffer: float = param(
        0.1, "share", "Over-staffing tolerated before layoffs.", ge=0, le=5
    )
    exit_months: int = param(
        6, "months", "Months of negative cash after which a firm exits.", ge=1, le=600
    )
    exogenous_exit_rate: float = param(
        0.005,
        "per month",
        "Exits for reasons outside the model (retirement, takeover).",
        ge=0,
        le=1,
    )
    entry_rate: float = param(
        0.006, "per firm per month", "Expected entrants per existing firm and month.", ge=0, le=1
    )
    startup_cash: float = param(
        10_000.0, "EUR", "Capital an entrant brings from outside the territory.", ge=0
    )
    entry_skill_weight: float = param(
        2.0, "utility / unit", "Entry attraction of residents' mean skill.", ge=0, le=50
    )
    entry_connectivity_weight: float = param(
        1.0, "utility / unit", "Entry attraction of broadband connectivity.", ge=0, le=50
    )
    agglomeration_local_services: float = param(
        0.0,
        "elasticity",
        "Entry attraction of same-sector firms nearby (local services).",
        ge=0,
        le=5,
    )
    agglomeration_traditional: float = param(
        0.2,
        "elasticity",
        "Entry attraction of same-sector firms nearby (traditional).",
        ge=0,
        le=5,
    )
    agglomeration_knowledge: float = param(
        0.6,
        "elasticity",
        "Entry attraction of same-sector firms nearby (knowledge).",
        ge=0,
        le=5,
    )
    digital_initial_share: float = param(
        0.3, "share", "Share of firms digitised at start (scaled by connectivity).", ge=0, le=1
    )
    digital_adoption_rate: float = param(
        0.01, "per month", "Base monthly probability that a firm digitises.", ge=0, le=1
    )
    digital_productivity_gain: float = param(
        0.15, "share", "Productivity gain of digitising.", ge=0, le=5
    )
    external_demand_elasticity: float = param(
        1.0,
        "elasticity",
        "Elasticity of a traded sector's external demand to its mean productivity (cheaper "
        "products sell more); 1 keeps its employment neutral to productivity gains.",
        ge=0,
        le=5,
    )
    external_demand_persistence: float = param(
        0.95, "AR(1) coefficient", "Persistence of the external demand cycle.", ge=0, lt=1
    )
    external_demand_shock_sd: float = param(
        0.01, "log sd / month", "Monthly shock to external demand (business cycle).", ge=0, le=1
    )
    separation_rate: float = param(0.01, "per month", "Exogenous job separations.", ge=0, le=1)
    matching_efficiency: float = param(
        0.3,
        "matches / month",
        "A in M = A U^alpha V^(1-alpha), per commuting zone; calibrated so baseline "
        "unemployment settles near 7-9%.",
        ge=0,
        le=10,
    )
    matching_elasticity: float = param(
        0.5,
        "elasticity",
        "alpha, elasticity of matches to unemployment.",
        gt=0,
        lt=1,
        source="Petrongolo & Pissarides 2001",
    )
    replacement_rate: float = param(
        0.57,
        "share of last wage",
        "Unemployment benefit paid from outside the territory.",
        ge=0,
        le=1,
        source="France, allocation de retour a l'emploi",
    )
    benefit_months: int = param(
        24,
        "months",
        "Months an unemployment benefit lasts.",
        ge=0,
        le=600,
        source="France, ARE maximum duration",
    )
    minimum_income: float = param(
        600.0,
        "EUR / month",
        "Minimum income after benefits run out.",
        ge=0,
        source="France, RSA order of magnitude",
    )
    income_tax_rate: float = param(0.03, "share", "Local tax on household income.", ge=0, le=1)
    profit_tax_rate: float = param(0.05, "share", "Local tax on positive firm profits.", ge=0, le=1)

    @model_validator(mode="after")
    def _check_sector_shares(self) -> Economy:
        total = self.share_local_services + self.share_traditional + self.share_knowledge
        if abs(total - 1.0) > 1e-9:
            raise ValueError(
                "share_local_services + share_traditional + share_knowledge must sum to 1 "
                f"(they sum to {total:g})"
            )
        return self


class Public(Section):
    """Municipal budgets, services, broadband and training."""

    grant_per_capita: float = param(
        40.0, "EUR / worker agent / month", "State grant to municipalities.", ge=0
    )
    service_cost: float = param(
        600.0,
        "EUR / worker agent / month",
        "c0 in the service cost per head c(P) = c0 * P^-theta (P: pooled inhabitants).",
        gt=0,
    )
    service_scale_elasticity: float = param(
        0.2, "elasticity", "theta: economies of scale in public services.", ge=0, le=1
    )
    service_adjustment: float = param(
        0.2,
        "per month",
        "Speed at which service levels move to what budgets pay for.",
        gt=0,
        le=1,
    )
    pooling: Literal["none", "region"] = Field(
        "none",
        description="Inter-municipal pooling of services from policy_start: none, or every "
        "municipality pools its service budget with its region.",
        json_schema_extra={"unit": "choice", "source": "scenario lever"},
    )
    pooling_share: float = param(
        0.5,
        "share of service budget",
        "Share of a pool member's service budget spent jointly at the pool's scale.",
        gt=0,
        le=1,
    )
    pooling_participation: float = param(
        0.5, "share", "Share of municipalities joining a pool voluntarily.", ge=0, le=1
    )
    conditional_funding: bool = Field(
        False,
        description="From policy_start, the state pays municipalities outside a pool only "
        "unpooled_grant_factor of the grant (funding conditional on cooperation), so every "
        "municipality joins the pool.",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    unpooled_grant_factor: float = param(
        0.5,
        "share",
        "Grant kept by non-pooled municipalities under conditional funding.",
        ge=0,
        le=1,
    )
    broadband_programme: float = param(
        0.0,
        "EUR / worker agent / month",
        "State-funded broadband programme from policy_start (0: none).",
        ge=0,
        source="scenario lever",
    )
    broadband_rural_targeting: bool = Field(
        True,
        description="The broadband programme goes to rural municipalities only.",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    training_programme: float = param(
        0.0,
        "places / 1,000 workers",
        "State-funded training places from policy_start, on top of municipal ones (0: none).",
        ge=0,
        le=1_000,
        source="scenario lever",
    )
    broadband_share: float = param(
        0.05, "share of budget", "Municipal budget spent on broadband.", ge=0, le=1
    )
    broadband_cost: float = param(
        2_000.0,
        "EUR / worker agent",
        "Spending per head that closes the whole connectivity gap to 1.",
        gt=0,
    )
    training_share: float = param(
        0.03,
        "share of budget",
        "Municipal budget spent on training unemployed workers.",
        ge=0,
        le=1,
    )
    training_cost: float = param(
        500.0, "EUR / trainee / month", "Cost of one training place for a month.", gt=0
    )
    training_months: int = param(3, "months", "Length of a training programme.", ge=1, le=60)
    training_literacy_gain: float = param(
        0.3, "share of gap", "Share of the literacy gap to 1 closed by a programme.", ge=0, le=1
    )

    @model_validator(mode="after")
    def _check_conditional_funding(self) -> Public:
        if self.conditional_funding and self.pooling == "none":
            raise ValueError(
                "conditional_funding needs a pool to join: set pooling to region "
                "(with pooling none every municipality would lose its grant)"
            )
        return self

    @model_validator(mode="after")
    def _check_budget_shares(self) -> Public:
        if self.broadband_share + self.training_share > 1:
            raise ValueError(
                "broadband_share + training_share cannot exceed 1 "
                f"({self.broadband_share} + {self.training_share})"
            )
        return self


class Mobility(Section):
    """Household relocation."""

    relocation_rate: float = param(
        0.002, "per month", "Share of households that relocate each month.", ge=0, le=1
    )
    weight_jobs: float = param(
        3.0, "utility / unit", "Weight of the zone's job ratio in destination choice.", ge=0
    )
    weight_services: float = param(
        2.0, "utility / unit", "Weight of the service level in destination choice.", ge=0
    )
    weight_connectivity: float = param(
        1.0, "utility / unit", "Weight of connectivity in destination choice.", ge=0
    )
    housing_cost_elasticity: float = param(
        0.3,
        "elasticity",
        "Housing cost rising with population: destination weight ~ population^(1-e).",
        ge=0,
        le=1,
    )


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
    return {"global": PlatformSpec(kind="global")}


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


SECTIONS: dict[str, type[Section]] = {
    "simulation": Simulation,
    "territory": Territory,
    "population": Population,
    "economy": Economy,
    "public": Public,
    "mobility": Mobility,
    "platforms": Platforms,
    "data": Data,
    "competition": Competition,
    "labour": Labour,
}


class Scenario(BaseModel):
    """A complete, validated scenario. Immutable: use :meth:`with_overrides` to vary it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("baseline", description="Scenario name (the file's stem by default).")
    description: str = Field("", description="One line saying what the scenario represents.")
    simulation: Simulation = Simulation()
    territory: Territory = Territory()
    population: Population = Population()
    economy: Economy = Economy()
    public: Public = Public()
    mobility: Mobility = Mobility()
    platforms: Platforms = Platforms()
    data: Data = Data()
    competition: Competition = Competition()
    labour: Labour = Labour()
    source: str | None = Field(None, exclude=True, description="File the scenario came from.")

    def to_dict(self) -> dict[str, Any]:
        """Return the resolved scenario as plain data (what gets hashed and stored)."""
        return self.model_dump(mode="json", exclude={"source"})

    def hash(self) -> str:
        """Return a SHA-256 of the resolved parameters: equal parameters, equal hash.

        The name and description are left out, so two files that set the same parameters
        are recognisably the same scenario.
        """
        parameters = {key: value for key, value in self.to_dict().items() if key in SECTIONS}
        canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def get(self, path: str) -> Any:
        """Return the value at a dotted path such as ``"economy.matching_efficiency"``."""
        node: Any = self
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, BaseModel) and part in type(node).model_fields:
                node = getattr(node, part)
            else:
                raise InputError(
                    "unknown parameter", field=path, value=path, allowed=_allowed_paths_hint(path)
                )
        return node

    def with_overrides(
        self, overrides: Mapping[str, Any], *, origin: str | None = None
    ) -> Scenario:
        """Return a new scenario with dotted-path overrides applied and validated.

        Args:
            overrides: ``{"economy.matching_efficiency": 0.3, ...}``.
            origin: Where the overrides come from, for error messages (e.g. ``"--set"``).

        Raises:
            InputError: An unknown path, or a value the schema rejects.
        """
        data = self.to_dict()
        for path, value in overrides.items():
            self.get(path)  # raises for an unknown path
            _set_path(data, path.split("."), value)
        return validate_scenario(data, file=origin or self.source, source=self.source)


def _set_path(data: dict[str, Any], parts: list[str], value: Any) -> None:
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def parameter_paths() -> list[str]:
    """Every settable dotted parameter path, in schema order."""
    return [f"{name}.{field}" for name, cls in SECTIONS.items() for field in cls.model_fields]


def iter_parameters() -> Iterator[dict[str, Any]]:
    """Yield one record per parameter: path, default, unit, range, description, source.

    This is the single source of the ODD's parameter table.
    """
    groups: list[tuple[str, type[BaseModel]]] = [*SECTIONS.items()]
    groups.insert(list(SECTIONS).index("platforms") + 1, ("platforms.catalogue.NAME", PlatformSpec))
    for prefix, cls in groups:
        for field_name, info in cls.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            default = info.get_default(call_default_factory=True)
            if isinstance(default, dict):
                default = {key: "..." for key in default}
            yield {
                "path": f"{prefix}.{field_name}",
                "default": "required" if info.is_required() else default,
                "unit": extra.get("unit", ""),
                "range": _range_text(cls, field_name),
                "description": info.description or "",
                "source": extra.get("source", "assumption"),
            }


def _range_text(cls: type[BaseModel], field_name: str) -> str:
    info = cls.model_fields[field_name]
    annotation = info.annotation
    if getattr(annotation, "__origin__", None) is Literal:
        return " | ".join(map(str, annotation.__args__))
    if annotation is bool:
        return "true | false"
    if field_name == "start":
        return "[0, 10000] or policy_start"
    lower = upper = None
    lower_open = upper_open = False
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            lower = item.ge
        if getattr(item, "gt", None) is not None:
            lower, lower_open = item.gt, True
        if getattr(item, "le", None) is not None:
            upper = item.le
        if getattr(item, "lt", None) is not None:
            upper, upper_open = item.lt, True
    if lower is None and upper is None:
        return "path or empty" if field_name == "file" else "any"
    left = "(" if lower_open else "["
    right = ")" if upper_open else "]"
    low = "-inf" if lower is None else f"{lower:g}"
    high = "inf" if upper is None else f"{upper:g}"
    if lower is None:
        left = "("
    if upper is None:
        right = ")"
    return f"{left}{low}, {high}{right}"


def _allowed_paths_hint(path: str) -> str:
    section = path.split(".")[0]
    if section in SECTIONS:
        return ", ".join(f"{section}.{name}" for name in SECTIONS[section].model_fields)
    return "sections " + ", ".join(SECTIONS)


# --------------------------------------------------------------------------------------------
# Loading


def bundled_scenarios() -> dict[str, Path]:
    """Map each bundled scenario's name to its file."""
    folder = resources.files(BUNDLED_PACKAGE)
    try:  # a file added or removed changes the folder's modification time
        stamp = Path(str(folder)).stat().st_mtime_ns
    except OSError:
        stamp = None
    if stamp is None or _BUNDLED[0] != stamp:
        listing = {
            Path(item.name).stem: Path(str(item))
            for item in sorted(folder.iterdir(), key=lambda entry: entry.name)
            if item.name.endswith(".yaml")
        }
        _BUNDLED[:] = [stamp, listing]
    return dict(_BUNDLED[1])


_BUNDLED: list[Any] = [None, {}]  # [folder stamp, listing] of the last bundled_scenarios()


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """Turn a path, or the name of a bundled scenario, into an existing file path.

    Raises:
        InputError: Neither an existing file nor a bundled scenario name.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = bundled_scenarios()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    if path.exists():
        raise InputError("is not a file", file=path)
    raise InputError(
        "no such scenario file",
        file=path,
        allowed="an existing YAML file or a bundled scenario: " + ", ".join(bundled),
    )


class DuplicateKeyError(yaml.YAMLError):
    """A mapping repeats a key (YAML would silently keep the last value)."""

    def __init__(self, key: Any, where: str) -> None:
        super().__init__(f"duplicate key {key!r} at {where}")
        self.key = key
        self.where = where


# libyaml's parser when PyYAML was built with it (about ten times faster); both are safe
# loaders: the constructor is SafeConstructor either way, so no tag can build an object.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe YAML loader (no Python object tags) that rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise DuplicateKeyError(key, f"line {mark.line + 1}, column {mark.column + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping safely (no Python object tags) with errors naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"cannot be read ({error.__class__.__name__}: {error})", file=path
        ) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a safe loader: no object tags
    except DuplicateKeyError as error:
        raise InputError(
            "key given twice",
            file=path,
            field=error.where,
            value=error.key,
            allowed="each key once per mapping",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"invalid YAML: {problem}", file=path, field=where) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(
            "must be a YAML mapping of sections",
            file=path,
            value=type(data).__name__,
            allowed="sections " + ", ".join(SECTIONS),
        )
    return data


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _first_comment(path: Path) -> str:
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                return stripped.lstrip("#").strip()
            if stripped:
                break
    except OSError:
        pass
    return ""


def _resolve_extends(
    path: Path, chain: tuple[Path, ...] = (), read: list[FileStamp] | None = None
) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise InputError("extends forms a cycle", file=path, field="extends", value=cycle)
    if read is not None:  # read before parsing: a change while parsing is seen next time
        read.append((resolved, _stamp(resolved)))
    data = read_yaml(path)
    territory = data.get("territory")
    if isinstance(territory, dict) and isinstance(territory.get("file"), str):
        # Relative to the file that sets it, not to the file that extends it.
        territory_file = Path(territory["file"])
        if not territory_file.is_absolute():
            territory["file"] = str((path.parent / territory_file).resolve())
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(
            "must be a file name",
            file=path,
            field="extends",
            value=parent,
            allowed="a path to another scenario file, relative to this one",
        )
    parent_path = (path.parent / parent) if not Path(parent).is_absolute() else Path(parent)
    if not parent_path.is_file():
        bundled = bundled_scenarios()
        if parent in bundled:
            parent_path = bundled[parent]
        else:
            raise InputError(
                "extended scenario not found",
                file=path,
                field="extends",
                value=parent,
                allowed="an existing scenario file relative to this one, or a bundled name",
            )
    base = _resolve_extends(parent_path, (*chain, resolved), read)
    base.pop("name", None)
    base.pop("description", None)
    return _deep_merge(base, data)


FileStamp = tuple[Path, bytes | None]


def _stamp(path: Path) -> bytes | None:
    """A file's contents, or None if it cannot be read. Contents rather than modification
    times: a file rewritten within the same clock tick, at the same size, still differs."""
    try:
        return path.read_bytes()
    except OSError:
        return None


# Scenarios already loaded, by file (as resolved, and as given: ``source`` records the latter),
# with the contents of every file read for them (the file and those it extends). A batch or a
# benchmark builds the same scenario hundreds of times; parsing and validating it again costs
# about 2.5 ms each time, reading the files again a few microseconds.
_LOADED: dict[tuple[Path, str], tuple[tuple[FileStamp, ...], Scenario]] = {}
_LOADED_MAX = 32


def _load_file(path: Path) -> Scenario:
    """Parse, merge and validate one scenario file, or copy the scenario parsed before if
    none of the files it was read from has changed since."""
    key = (path.resolve(), str(path))
    cached = _LOADED.get(key)
    if cached is not None and all(_stamp(file) == stamp for file, stamp in cached[0]):
        # a deep copy: a frozen scenario still holds a dict (the platform catalogue) that a
        # caller could change in place
        return cached[1].model_copy(deep=True)
    read: list[FileStamp] = []
    data = _resolve_extends(path, read=read)
    data.setdefault("name", path.stem)
    if "description" not in data:
        data["description"] = _first_comment(path)
    scenario = validate_scenario(data, file=path, source=str(path))
    _LOADED.pop(key, None)
    while len(_LOADED) >= _LOADED_MAX:  # the oldest first: a long session stays small
        _LOADED.pop(next(iter(_LOADED)), None)
    _LOADED[key] = (tuple(read), scenario)
    return scenario.model_copy(deep=True)


def load_scenario(
    name_or_path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    overrides_origin: str = "overrides",
) -> Scenario:
    """Load, merge (``extends``), fill defaults and validate a scenario file.

    Args:
        name_or_path: A YAML file path, or the name of a bundled scenario (``"baseline"``).
        overrides: Optional dotted-path values applied after loading.
        overrides_origin: How error messages name the overrides (e.g. ``"--set"``).

    Returns:
        The frozen, validated scenario.

    Raises:
        InputError: Anything wrong with the file, naming file, field, value and what is allowed.
    """
    path = resolve_scenario_path(name_or_path)
    scenario = _load_file(path)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin=overrides_origin)
    return scenario


def validate_scenario(
    data: Mapping[str, Any], *, file: str | Path | None = None, source: str | None = None
) -> Scenario:
    """Validate plain data (already merged) into a :class:`Scenario`.

    Raises:
        InputError: One entry per invalid field (as :class:`InputErrors` when several).
    """
    payload = {
        key: ({} if value is None and key in SECTIONS else value) for key, value in data.items()
    }
    platforms = payload.get("platforms")
    if isinstance(platforms, dict) and isinstance(platforms.get("catalogue"), dict):
        # a platform set to null is removed (lets a scenario drop an inherited platform)
        catalogue = {k: v for k, v in platforms["catalogue"].items() if v is not None}
        payload["platforms"] = {**platforms, "catalogue": catalogue}
    if "source" in payload:
        raise InputError(
            "unknown key",
            file=file,
            field="source",
            value="source",
            allowed=", ".join([*Scenario.model_fields.keys() - {"source"}, "extends"]),
        )
    if source is not None:
        payload["source"] = source
    try:
        return Scenario.model_validate(payload)
    except ValidationError as error:
        problems = [_to_input_error(item, file) for item in error.errors()]
        if len(problems) == 1:
            raise problems[0] from None
        raise InputErrors(problems) from None


def _to_input_error(item: Mapping[str, Any], file: str | Path | None) -> InputError:
    loc = [str(part) for part in item["loc"]]
    field = ".".join(loc) if loc else None
    kind = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    if kind == "extra_forbidden":
        parent = loc[:-1]
        allowed_names = (
            list(SECTIONS[parent[0]].model_fields)
            if len(parent) == 1 and parent[0] in SECTIONS
            else [name for name in Scenario.model_fields if name != "source"] + ["extends"]
        )
        return InputError(
            "unknown key",
            file=file,
            field=field,
            value=loc[-1],
            allowed=", ".join(allowed_names),
        )
    if kind == "missing":
        return InputError("is required", file=file, field=field)
    allowed = None
    if len(loc) == 2 and loc[0] in SECTIONS and loc[1] in SECTIONS[loc[0]].model_fields:
        allowed = _range_text(SECTIONS[loc[0]], loc[1])
        annotation = SECTIONS[loc[0]].model_fields[loc[1]].annotation
        type_name = getattr(annotation, "__name__", None)
        if type_name in ("int", "float") and allowed:
            allowed = f"{'an integer' if type_name == 'int' else 'a number'} in {allowed}"
    if "expected" in ctx and allowed is None:
        allowed = str(ctx["expected"])
    message = item["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        value = None
    if isinstance(value, dict) and kind not in ("model_type", "dict_type"):
        value = None
    return InputError(message, file=file, field=field, value=value, allowed=allowed)
