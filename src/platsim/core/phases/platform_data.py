"""Data regimes: the data each platform of a segment can use (its effective data ``E``).

Under closed data and portability a platform uses its own stock; open data and a trusted
third party add a share of others' data and the public data of the municipalities that take
part (:mod:`platsim.core.phases.data_service`), as :func:`effective_data` specifies
(docs/ODD.md 7.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from platsim.core.phases import data_service
from platsim.core.platforms import Platform
from platsim.schema.platforms import ENTRANT, GLOBAL

if TYPE_CHECKING:
    from platsim.core.model import TerritoryModel


def effective_data(model: TerritoryModel, platforms: list[Platform]) -> np.ndarray:
    """Effective data of each platform of one segment under the data regime in force.

    - closed, portability: its own stock D.
    - open: every platform publishes ``share`` of its data and the municipalities that open
      theirs ``share`` of them: ``D + share (others' D + public)``, for every platform.
    - trusted third party: participants pool ``share`` of their data through the third
      party, and member municipalities entrust it all their data, confidential ones
      included (the third party protects them): ``D + share (other participants' D) +
      public`` for participants, ``D`` for the others. Which platforms take part:
      :func:`participants`.

    ``public`` is the data of the municipalities that take part and, under a trusted third
    party, of the utilities (:func:`data_service.public_data`; municipalities decide in the
    public phase, so the platforms see this month the decisions of the month before).
    """
    stock = np.array([p.data for p in platforms], dtype=float)
    data = model.scenario.data
    if not model.policy_active or data.regime in ("closed", "portability") or len(stock) == 0:
        return stock
    public = data_service.public_data(model)  # members' and (third party) utilities' data
    if data.regime == "open":
        return stock + data.share * (stock.sum() - stock + public)
    participant = participants(
        platforms, stock, public / data.share if data.share > 0 else 0.0, data.global_participates
    )
    pooled = stock[participant].sum()
    shared = stock + data.share * (pooled - stock) + public
    return np.where(participant, shared, stock)


def participants(
    platforms: list[Platform], stock: np.ndarray, public: float, mandated: bool
) -> np.ndarray:
    """Which platforms of a segment take part in a trusted third party.

    Territorial and cooperative platforms always do; private ones (global, entrant) do when
    mandated (``data.global_participates``), or else choose, from the smallest data stock
    up: a platform joins when what it receives is at least what it gives, i.e. when the
    participants' data plus the public data (``public``, in the same units as what a
    platform shares) is at least its own data times the number of participants it would
    give its data to. The first that declines ends the joining (larger ones gain less).
    """
    private = np.array([p.kind in (GLOBAL, ENTRANT) for p in platforms])
    taking_part = ~private | mandated
    if mandated:
        return taking_part
    for k in np.argsort(stock, kind="stable"):
        if not private[k]:
            continue
        others = taking_part.copy()
        others[k] = False
        if stock[others].sum() + public < stock[k] * max(int(others.sum()), 1):
            break
        taking_part[k] = True
    return taking_part
