"""The State's fibre programme at its real scale (the Banque des Territoires / Plan France Très
Haut Débit case of the 2019 report), co-financed by municipalities, connecting with a delay.

From ``policy_start`` the State offers ``broadband_programme`` EUR a month per inhabitant of
the targeted municipalities (rural ones with ``broadband_rural_targeting``, the public
networks' zones, else all). It pays ``broadband_state_share`` of each euro of works; the
municipality pays the rest from its budget, before services (the State's offer it cannot
match is not spent). The money pays for works bought outside the territory the month it is
spent, and the lines it pays for connect ``broadband_delay_months`` later: the works
close the gap ``money / (residents * broadband_cost)`` of ``1 - connectivity`` then, like a
municipality's own broadband spending does at once (7.6).

Money units: an inhabitant is ``1 / working_age_share`` of a working-age resident, and the
model's money is per working-age resident (a worker agent earns one person's wage), so the
offer per worker agent is ``broadband_programme / working_age_share``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def state_offer(model: TerritoryModel) -> np.ndarray:
    """State money offered to each municipality this month (model EUR; zero before
    ``policy_start``, outside the targeted municipalities and without a programme)."""
    public, munis = model.scenario.public, model.municipalities
    if not model.policy_active or public.broadband_programme <= 0:
        return np.zeros(model.territory.n)
    targeted = (
        ~model.territory.urban
        if public.broadband_rural_targeting
        else np.ones(model.territory.n, dtype=bool)
    )
    per_agent = public.broadband_programme / model.scenario.population.working_age_share
    return np.where(targeted, per_agent * munis.residents, 0.0)


def fund_works(model: TerritoryModel, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """This month's State and municipal money for the programme's works, per municipality
    (model EUR): the State's offer, matched by the municipality's share as far as
    ``available`` (its budget this month) allows. The works enter the pipeline."""
    public = model.scenario.public
    offer = state_offer(model)
    state_share = public.broadband_state_share
    wanted = offer * (1.0 - state_share) / state_share
    municipal = np.minimum(wanted, np.maximum(available, 0.0))
    state = np.divide(municipal, wanted, out=np.ones_like(offer), where=wanted > 0) * offer
    # model.broadband_pipeline: the works paid but not connected yet, a ring of delay + 1
    # rows; the works paid at step t sit in row (t + delay) % (delay + 1), read at t + delay
    pipeline = model.broadband_pipeline
    pipeline[(model.steps + len(pipeline) - 1) % len(pipeline)] += state + municipal
    return state, municipal


def works_due(model: TerritoryModel) -> np.ndarray:
    """The money of the works that connect this month (model EUR per municipality), taken
    out of the pipeline: those paid ``broadband_delay_months`` ago (this month's, without a
    delay: call it after :func:`fund_works`)."""
    pipeline = model.broadband_pipeline
    slot = model.steps % len(pipeline)
    due = pipeline[slot].copy()
    pipeline[slot] = 0.0
    return due
