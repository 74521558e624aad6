"""Fingerprints of every bundled scenario's outputs: a refactoring changes no result.

For seeds 1-3, each bundled scenario (and the Yvelines territory) is run in full and each of
its four tables (metrics, panel, platforms, Lorenz) is reduced to a SHA-256 of its column
names, dtypes and values, bit for bit. ``tests/data/fingerprints.json`` holds the expected
hashes. A change meant to keep results (a move, a speed-up) must keep them; a change meant to
alter the model rewrites them deliberately, in its own commit, with::

    python tests/test_fingerprints.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from platsim.simulation import run

EXPECTED = Path(__file__).parent / "data" / "fingerprints.json"
SEEDS = (1, 2, 3)
TABLES = ("metrics", "panel", "platforms", "lorenz")


#: Bundled real territories fingerprinted too (the others take 1-40 s a run).
TERRITORIES = ("yvelines",)


def bundled_names() -> list[str]:
    """The bundled scenarios' names, from the package's YAML files, and :data:`TERRITORIES`."""
    folder = resources.files("platsim.scenarios")
    names = [Path(item.name).stem for item in folder.iterdir() if item.name.endswith(".yaml")]
    return sorted([*names, *TERRITORIES])


def table_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's column names, dtypes and values (floats bit for bit)."""
    digest = hashlib.sha256()
    digest.update(repr(list(frame.index.names)).encode())
    digest.update(np.ascontiguousarray(frame.index.to_numpy()).tobytes() if len(frame) else b"")
    for name in frame.columns:
        column = frame[name]
        digest.update(f"{name}:{column.dtype}\n".encode())
        values = column.to_numpy()
        if values.dtype == object:
            digest.update("\x00".join(map(repr, values)).encode())
        else:
            digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def fingerprint(scenario: str, seed: int) -> dict[str, str]:
    """The hash of each output table of one full run."""
    outputs = run(scenario, seed=seed)
    return {table: table_hash(getattr(outputs, table)) for table in TABLES}


def all_fingerprints() -> dict[str, dict[str, str]]:
    return {
        f"{scenario}/{seed}": fingerprint(scenario, seed)
        for scenario in bundled_names()
        for seed in SEEDS
    }


def test_the_fingerprint_file_covers_every_bundled_scenario_and_seed() -> None:
    expected = json.loads(EXPECTED.read_text())
    assert sorted(expected) == sorted(
        f"{name}/{seed}" for name in bundled_names() for seed in SEEDS
    )


@pytest.mark.parametrize("scenario", bundled_names())
def test_outputs_match_their_fingerprints(scenario: str) -> None:
    expected = json.loads(EXPECTED.read_text())
    for seed in SEEDS:
        assert fingerprint(scenario, seed) == expected[f"{scenario}/{seed}"], (
            f"{scenario} seed {seed}: outputs changed; if the change is meant to alter results, "
            "rewrite the fingerprints with `python tests/test_fingerprints.py --write`"
        )


def test_the_hash_sees_one_bit_of_one_value() -> None:
    frame = pd.DataFrame({"step": [0, 1], "x": [0.1, 0.2]})
    changed = frame.copy()
    changed.loc[1, "x"] = np.nextafter(0.2, 1.0)
    assert table_hash(frame) != table_hash(changed)
    assert table_hash(frame) == table_hash(frame.copy())
    assert table_hash(frame) != table_hash(frame.rename(columns={"x": "y"}))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_fingerprints.py --write")
    EXPECTED.write_text(json.dumps(all_fingerprints(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {EXPECTED}")
