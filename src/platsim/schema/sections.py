"""The scenario sections of the world the platforms act on: simulation, territory, population,
economy, public action and mobility. Each field is declared with :func:`param` (unit, range,
source)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from platsim.schema.parameters import Section, param


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


#: The Territory section's lists of INSEE codes.
CODE_FIELDS = ("regions", "departements", "epcis", "communes")

#: The Territory section's fields that choose real French communes (``source: insee``).
INSEE_FIELDS = ("source", *CODE_FIELDS, "urban_density")

_CODES = {"unit": "INSEE codes", "source": "INSEE, Code officiel géographique"}


class Territory(Section):
    """The municipalities and their network: generated, read from a file, or INSEE communes.

    ``source: insee`` takes real French communes from the bundled INSEE table."""

    source: Literal["generator", "file", "insee"] | None = Field(
        None,
        description="Where the municipalities come from: generator (the generator parameters "
        "below), file (territory.file) or insee (French communes from the bundled INSEE "
        "table, chosen by the codes below; no code: metropolitan France). Default: file when "
        "territory.file is set, insee when codes are, generator otherwise.",
        json_schema_extra={"unit": "choice", "source": "user choice"},
    )
    regions: tuple[str, ...] = Field(
        (), description="insee: région codes, e.g. '11' (Ile-de-France).", json_schema_extra=_CODES
    )
    departements: tuple[str, ...] = Field(
        (), description="insee: département codes, e.g. '78' (Yvelines).", json_schema_extra=_CODES
    )
    epcis: tuple[str, ...] = Field(
        (), description="insee: EPCI codes (SIREN), e.g. '200073344'.", json_schema_extra=_CODES
    )
    communes: tuple[str, ...] = Field(
        (),
        description="insee: commune codes, e.g. '78486' (Le Perray-en-Yvelines).",
        json_schema_extra=_CODES,
    )
    urban_density: float = param(
        200.0,
        "inhabitants / km2",
        "insee: density from which a commune is urban (replaces urban_threshold).",
        gt=0,
        le=100_000,
        source="INSEE 2020 density grid: 200 gives its shares of rural communes (88%) and "
        "population (33%)",
    )

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

    @field_validator("file")
    @classmethod
    def _check_file(cls, value: str | None) -> str | None:
        if value is not None and "\0" in value:
            raise PydanticCustomError("path_characters", "A path cannot hold a NUL character")
        return value

    @model_validator(mode="after")
    def _check_bounds(self) -> Territory:
        source = self.resolved_source
        if source == "file" and self.file is None:
            raise ValueError("source file needs territory.file")
        if self.file is not None and source != "file":
            raise ValueError(f"territory.file cannot be used with source {source}")
        given = [name for name in CODE_FIELDS if getattr(self, name)]
        if given and source != "insee":
            raise ValueError(f"{', '.join(given)} need source insee")
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
        if source == "generator" and self.n_regions > self.n_municipalities:
            raise ValueError(
                f"n_regions ({self.n_regions}) cannot exceed n_municipalities "
                f"({self.n_municipalities})"
            )
        return self

    @property
    def resolved_source(self) -> str:
        """``source``, or its default: file when ``file`` is set, insee when codes are,
        generator otherwise."""
        if self.source is not None:
            return self.source
        if self.file is not None:
            return "file"
        return "insee" if any(getattr(self, name) for name in CODE_FIELDS) else "generator"


class Population(Section):
    """Households (worker agents) and their attributes."""

    inhabitants_per_agent: float = param(
        20.0,
        "inhabitants",
        "Working-age residents one worker agent stands for (the model's money is per "
        "working-age resident: multiply its totals by this to get the territory's).",
        ge=1,
        le=100_000,
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
    wealth_consumption_share: float = param(
        0.01,
        "per month",
        "Share of positive savings households spend each month on top of c x disposable "
        "income (w); savings settle at (1 - c) / w months of disposable income (20 at the "
        "defaults: more than French households' deposits and savings accounts, a little over "
        "a year of disposable income, less than their financial assets, several years). 12% "
        "a year, the upper end of French marginal propensities to consume out of wealth "
        "(liquid assets, less wealthy households).",
        gt=0,
        le=1,
        source="Arrondel, Lamarche & Savignac 2015 (ECB WP 1817), upper end",
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
        0.0015,
        "per month",
        "Exits for reasons outside the model (owner's retirement without a buyer, health, "
        "takeover): 1.8% a year, about a fifth of the some 10% of French firms that close "
        "each year (insolvencies alone are about 2% a year); the rest must come from the "
        "failure rule.",
        ge=0,
        le=1,
        source="INSEE (Insee Première 463 and 740); outside share an assumption",
    )
    cash_buffer_months: float = param(
        3.0,
        "months of costs",
        "Cash a firm keeps before paying out: this many months of its wage bill plus fixed cost.",
        ge=0,
        le=120,
    )
    payout_rate: float = param(
        0.1,
        "per month",
        "Share of its cash above the buffer a firm pays to its owners each month: a mean "
        "delay of 10 months between earning and paying, as for a dividend paid in spring "
        "out of the previous year's profit.",
        ge=0,
        le=1,
    )
    resident_owner_share: float = param(
        0.5,
        "share",
        "Share of payouts (dividends and the cash of exiting firms) going to owners living in "
        "the territory (households of the firm's municipality, in proportion to their positive "
        "savings); the rest leaves the territory.",
        ge=0,
        le=1,
    )
    entry_rate: float = param(
        0.002,
        "per firm per month",
        "Expected entrants per active firm and month at the first month's profit margin; "
        "entry scales with the firms' aggregate margin relative to it (free entry: crowded "
        "markets draw fewer entrants). Set so that entry balances exits in the baseline "
        "(seeds 1-3, 120 months: 250 entries for 219 exits, firms +3%).",
        ge=0,
        le=1,
        source="measured steady state (docs/ODD.md 10.2)",
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
    digital_investment: float = param(
        2_000.0,
        "EUR per employee",
        "One-off cost of digitising (equipment, software, training), per employee (at least "
        "one), paid from the firm's cash above its buffer and bought outside the territory.",
        ge=0,
        le=1_000_000,
        source="assumption: a few thousand euros for a small firm's digital transition",
    )
    digital_payback_months: float = param(
        36.0,
        "months",
        "A firm digitises only if the labour cost it saves recovers the investment within "
        "this many months.",
        gt=0,
        le=600,
        source="assumption: small firms ask investments to pay back within about 3 years",
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
        0.12,
        "matches / month",
        "A in M = A U^alpha V^(1-alpha), per commuting zone; calibrated so baseline "
        "unemployment settles near 7-9% (months 48-120, seeds 1-3: 7.8%).",
        ge=0,
        le=10,
        source="calibrated to INSEE unemployment (7.3% in 2023)",
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
    epci_integration: float = param(
        0.37,
        "share of service budget",
        "Integration of every EPCI (kappa0, from step 0): share of its members' service "
        "budgets spent jointly at the EPCI's scale, with its coordination cost.",
        ge=0,
        le=1,
        source="DGCL, Les collectivités locales en chiffres 2023: the integration "
        "coefficient (CIF) of EPCIs averages about 0.37",
    )
    coordination_per_member: float = param(
        0.031,
        "cost factor / member",
        "Coordination cost of joint services per member beyond the first: the joint cost "
        "per head is multiplied by 1 + this x (members - 1) + coordination_per_km x distance.",
        ge=0,
        le=1,
        source="calibrated so that an average French EPCI (28 communes of 1,900 inhabitants, "
        "10 km) saves nothing by pooling: Frère, Leprince & Paty (2014) find no systematic "
        "saving from inter-municipal cooperation",
    )
    coordination_per_km: float = param(
        0.01,
        "cost factor / km",
        "Coordination cost of joint services per km of the members' mean road distance "
        "(population-weighted) to the EPCI's seat.",
        ge=0,
        le=1,
    )
    pooling: Literal["none", "epci"] = Field(
        "none",
        description="Deeper inter-municipal integration from policy_start: none, or each "
        "EPCI's members vote (qualified majority) on raising its integration to "
        "pooling_share.",
        json_schema_extra={"unit": "choice", "source": "scenario lever"},
    )
    pooling_share: float = param(
        0.6,
        "share of service budget",
        "Integration an EPCI votes on under pooling: epci (above epci_integration).",
        gt=0,
        le=1,
        source="assumption: the most integrated communautés have integration coefficients "
        "of 0.5-0.7 (DGCL)",
    )
    conditional_funding: bool = Field(
        False,
        description="From policy_start, the State pays integration_grant per inhabitant and "
        "unit of integration above epci_integration to the members of EPCIs that deepened "
        "(a grant conditional on cooperation, like the DGF's integration coefficient).",
        json_schema_extra={"unit": "switch", "source": "scenario lever"},
    )
    integration_grant: float = param(
        5.4,
        "EUR / inhabitant / month / unit of integration",
        "State grant per inhabitant for each unit of integration above epci_integration "
        "under conditional_funding.",
        ge=0,
        le=500,
        source="DGF dotation d'intercommunalité: about 1.6 bn EUR a year (DGCL 2023), about "
        "24 EUR per inhabitant a year at the average integration 0.37",
    )
    broadband_programme: float = param(
        0.0,
        "EUR / inhabitant / month",
        "State fibre programme from policy_start: what the State offers a month per "
        "inhabitant of the targeted municipalities, paid as its share of works the "
        "municipalities co-finance (0: none).",
        ge=0,
        le=50,
        source="scenario lever; Plan France Très Haut Débit: State subsidies of 3.3 bn EUR "
        "over 2013-2020 for the public networks of the less dense areas (about 1.3 EUR a "
        "month per inhabitant of those areas)",
    )
    broadband_state_share: float = param(
        0.5,
        "share",
        "The State's share of each euro of the programme's works; the municipality pays the "
        "rest from its budget (the offer it cannot match is not spent).",
        gt=0,
        le=1,
        source="Plan France Très Haut Débit: about half of the public money of the public "
        "networks from the State, the rest from local authorities (order of magnitude)",
    )
    broadband_delay_months: int = param(
        24,
        "months",
        "Months between the programme's spending on works and the lines it pays for connecting.",
        ge=0,
        le=120,
        source="assumption: a public network connects premises one to three years after its "
        "funding",
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
    advisory_advisers: float = param(
        0.0,
        "advisers / 1,000 firms",
        "Regional advisory service for firms' digital transformation from policy_start: "
        "advisers paid by each region per 1,000 of its active firms (0: none).",
        ge=0,
        le=20,
        source="scenario lever; Ma Solution Numérique of the AURA region: 230 business "
        "advisers (report 2019) for about 600,000 firms, 0.38 per 1,000",
    )
    advisory_diagnostics: float = param(
        2.0,
        "diagnostics / adviser / month",
        "Firms an adviser can diagnose in a month (the service's capacity).",
        gt=0,
        le=40,
        source="assumption: one to two adviser-days a diagnostic with its follow-up, advisers "
        "giving part of their time to the programme (range 1 to 8)",
    )
    advisory_adviser_cost: float = param(
        6_000.0,
        "EUR / adviser / month",
        "What the region pays for an adviser a month (the service's budget).",
        gt=0,
        le=50_000,
        source="assumption: loaded cost of a chamber of commerce adviser (4,000 to 8,000); "
        "3,000 EUR a diagnostic at the defaults, below the 7,500 EUR per firm of the "
        "Lyon Entreprises & Numérique programmes (3.0 M EUR for 400 firms, 2017)",
    )
    advisory_time_cost: float = param(
        400.0,
        "EUR / diagnostic",
        "The firm's own cost of a diagnostic (its manager's time): a firm applies only if "
        "digitising would gain it more, over the payback horizon, than this.",
        ge=0,
        le=100_000,
        source="assumption: about a day of a small firm's manager (300 to 600 EUR)",
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
                "conditional_funding rewards deeper integration: set pooling to epci "
                "(with pooling none no EPCI can deepen)"
            )
        if self.pooling != "none" and self.pooling_share <= self.epci_integration:
            raise ValueError(
                f"pooling_share ({self.pooling_share}) must exceed epci_integration "
                f"({self.epci_integration}): EPCIs vote on deepening their integration"
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
