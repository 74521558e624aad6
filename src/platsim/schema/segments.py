"""The platform markets (segments) as scenario sections: ``goods``, ``local_services`` and
``freelance``. Each platform of the catalogue belongs to one segment; a segment's section says
how its buyers and sellers choose among its platforms and the offline channel.

- ``goods``: marketplaces selling goods to households; offline, goods are bought outside the
  territory (imports); a marketplace's sellers are its member firms anywhere in the territory
  and suppliers outside it.
- ``local_services``: delivery, mobility and home services bought by households; sellers are
  member local-services firms in the buyer's commuting zone and gig workers; network effects
  count users within commuting zones (thin markets in rural areas).
- ``freelance``: skilled independent work bought by firms; offline it is bought outside the
  territory (part of firms' fixed costs); on a platform from the territory's freelancers.

Utilities are in the logit's units (one unit: the Gumbel scale); the same fields, with each
segment's defaults and sources, are declared once in :data:`SEGMENT_FIELDS`.
"""

from __future__ import annotations

from typing import Any

from pydantic import create_model

from platsim.schema.parameters import Section, param

GOODS, LOCAL_SERVICES, FREELANCE = "goods", "local_services", "freelance"

#: The segments, in the order of their codes (``Platform.segment_code``).
SEGMENTS: tuple[str, ...] = (GOODS, LOCAL_SERVICES, FREELANCE)

#: Segments whose buyers are households (freelance work is bought by firms).
HOUSEHOLD_SEGMENTS: tuple[str, ...] = (GOODS, LOCAL_SERVICES)

_LOGIT = "logit utility"

#: field -> (unit, description, bounds, {segment: (default, source)}).
SEGMENT_FIELDS: dict[str, tuple[str, str, dict[str, float], dict[str, tuple[float, str]]]] = {
    "offline_utility": (
        _LOGIT,
        "V0: buyers' utility of the offline channel, against which each platform's utility "
        "sets the share of the segment's spending made on platforms (adoption emerges from "
        "it; it is not capped).",
        {"ge": -20, "le": 20},
        {
            GOODS: (5.35, "calibrated: about 10% of goods spending online at month 0 (Fevad 2023)"),
            LOCAL_SERVICES: (
                3.75,
                "calibrated: about 3% of local-services spending on platforms at month 0 "
                "(assumption from delivery and ride-hailing turnover)",
            ),
            FREELANCE: (
                0.71,
                "calibrated: about 5% of firms' skilled outside services through platforms "
                "at month 0 (assumption)",
            ),
        },
    ),
    "network_effect": (
        "utility / log(1 + users per 100 potential)",
        "gamma: weight of the other side's users (per 100 potential users in reach, so the "
        "term does not depend on the agents' scale).",
        {"ge": 0, "le": 10},
        {
            GOODS: (0.3, "assumption"),
            LOCAL_SERVICES: (0.5, "assumption"),
            FREELANCE: (0.3, "assumption"),
        },
    ),
    "data_effect": (
        "utility / log data",
        "beta: data-driven quality, q = q0 + beta ln(1 + E) with E the effective data.",
        {"ge": 0, "le": 10},
        {
            GOODS: (0.3, "assumption"),
            LOCAL_SERVICES: (0.2, "assumption"),
            FREELANCE: (0.2, "assumption"),
        },
    ),
    "price_sensitivity": (
        "utility / unit commission",
        "alpha: sellers' dislike of the commission; buyers see the part passed on in prices. "
        "Also sets market-priced platforms' markup 1 / (alpha (1 - share)).",
        {"gt": 0, "le": 200},
        {
            GOODS: (10.0, "assumption: a 15% commission on a 25% share"),
            LOCAL_SERVICES: (8.0, "assumption"),
            FREELANCE: (20.0, "assumption: a 15% commission on a 50% share"),
        },
    ),
    "pass_through": (
        "share",
        "Share of a commission passed on in buyers' prices.",
        {"ge": 0, "le": 1},
        {
            GOODS: (0.5, "assumption"),
            LOCAL_SERVICES: (0.7, "assumption"),
            FREELANCE: (0.5, "assumption"),
        },
    ),
    "homing_cost": (
        _LOGIT,
        "Cost to a buyer of each platform used beyond the first (multi-homing).",
        {"ge": 0, "le": 20},
        {
            GOODS: (1.0, "assumption"),
            LOCAL_SERVICES: (1.0, "assumption"),
            FREELANCE: (1.0, "assumption"),
        },
    ),
    "seller_homing_cost": (
        _LOGIT,
        "Cost to a seller of each platform sold on beyond the first (interoperability "
        "replaces it by competition.interoperable_homing_cost).",
        {"ge": 0, "le": 20},
        {GOODS: (1.0, "assumption"), LOCAL_SERVICES: (1.0, "assumption")},
    ),
    "seller_offline_utility": (
        _LOGIT,
        "Sellers' utility of selling offline only (goods and local services; freelancers "
        "choose by pay).",
        {"ge": -20, "le": 20},
        {GOODS: (1.0, "assumption"), LOCAL_SERVICES: (1.0, "assumption")},
    ),
    "task_share": (
        "share",
        "Share of a platform's sales that are tasks done by gig workers (deliveries, rides), "
        "paid from its gig pool (freelance sales are all freelance work).",
        {"ge": 0, "le": 1},
        {
            GOODS: (0.05, "assumption: last-mile delivery"),
            LOCAL_SERVICES: (0.3, "assumption: delivery fee and courier pay"),
        },
    ),
    "literacy_weight": (
        "utility / unit literacy",
        "Buyers' platform utility per unit of digital literacy above 0.5.",
        {"ge": 0, "le": 20},
        {GOODS: (2.0, "assumption"), LOCAL_SERVICES: (2.0, "assumption")},
    ),
    "connectivity_weight": (
        "utility / log connectivity",
        "Buyers' platform utility per log unit of their municipality's connectivity.",
        {"ge": 0, "le": 20},
        {
            GOODS: (1.0, "assumption"),
            LOCAL_SERVICES: (1.0, "assumption"),
            FREELANCE: (1.0, "assumption"),
        },
    ),
}

_DOCS = {
    GOODS: "Goods marketplaces (households buy; member firms and outside suppliers sell).",
    LOCAL_SERVICES: "Local-services platforms (households buy; local firms and gig workers "
    "in the commuting zone sell).",
    FREELANCE: "Freelance platforms (firms buy skilled work; the territory's freelancers sell).",
}


def _segment_section(segment: str) -> type[Section]:
    fields: dict[str, Any] = {}
    for name, (unit, description, bounds, defaults) in SEGMENT_FIELDS.items():
        if segment not in defaults:
            continue
        default, source = defaults[segment]
        fields[name] = (float, param(default, unit, description, source=source, **bounds))
    if segment == FREELANCE:
        fields["budget_share"] = (
            float,
            param(
                0.2,
                "share of fixed cost",
                "Share of firms' outside purchases (fixed costs) that is skilled work a "
                "freelancer could do; offline it is bought outside the territory.",
                ge=0,
                le=1,
            ),
        )
    name = "".join(part.title() for part in segment.split("_"))
    return create_model(name, __base__=Section, __doc__=_DOCS[segment], **fields)


Goods = _segment_section(GOODS)
LocalServices = _segment_section(LOCAL_SERVICES)
Freelance = _segment_section(FREELANCE)

#: segment name -> its section class.
SEGMENT_SECTIONS: dict[str, type[Section]] = {
    GOODS: Goods,
    LOCAL_SERVICES: LocalServices,
    FREELANCE: Freelance,
}
