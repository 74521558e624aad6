"""Seeds of an experiment, all derived from its one ``seed`` by ``numpy.random.SeedSequence``.

Replication ``r`` gets the seed of child ``r`` of ``SeedSequence(seed)`` whatever the scenario
and design point, so runs with the same replication index share their random numbers (common
random numbers) and differences between scenarios or design points can be paired.

Seeds are stored as plain integers below 2**32, which every random generator accepts.

    >>> replication_seeds(20261125, 3) == [replication_seed(20261125, r) for r in range(3)]
    True
"""

from __future__ import annotations

import numpy as np


def replication_seed(seed: int, replication: int) -> int:
    """Return the integer seed of replication ``replication`` of an experiment seeded ``seed``.

    It equals ``SeedSequence(seed).spawn(n)[replication]`` reduced to one 32-bit word, but is
    computed without spawning the earlier children, so it costs the same for any index.
    """
    if replication < 0:
        raise ValueError(f"replication index must be >= 0, got {replication}")
    child = np.random.SeedSequence(entropy=seed, spawn_key=(replication,))
    return int(child.generate_state(1, dtype=np.uint32)[0])


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Return the seeds of replications ``0 .. replications - 1``."""
    return [replication_seed(seed, index) for index in range(replications)]


def design_seed(seed: int) -> int:
    """Return the seed of the design sampler: the root sequence's own first word.

    The root's state is hashed without a spawn key, so it is independent of every
    replication's stream.
    """
    return int(np.random.SeedSequence(entropy=seed).generate_state(1, dtype=np.uint32)[0])
