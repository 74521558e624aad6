"""The one module that names the files of a results directory; the batch writes them and
:mod:`platsim.experiment.results` reads them through these names::

    DIR/manifest.json              the experiment, versions, seeds, hashes, status
    DIR/design.parquet             design_point and one column per varied parameter
    DIR/runs.parquet               one row per planned run
    DIR/<kind>/<run_id>.parquet    per-run data, one folder per kind of DATA_KINDS
    DIR/status/<run_id>.json       how the run ended; written last, by the worker
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from platsim.errors import InputError

#: Kinds of per-run data files, each in its own subdirectory of the results directory.
DATA_KINDS: tuple[str, ...] = ("metrics", "panel", "platforms", "lorenz")

#: Subdirectory of the per-run status files.
STATUS_DIR = "status"

#: The file that marks a results directory (written by the driver before any run).
MANIFEST = "manifest.json"

#: One row per planned run (rebuilt from the status files).
RUNS_FILE = "runs.parquet"

#: The design's points.
DESIGN_FILE = "design.parquet"


def data_path(directory: str | Path, kind: str, run_id: str) -> Path:
    """Path of a run's data file of the given kind (one of :data:`DATA_KINDS`)."""
    return Path(directory) / kind / f"{run_id}.parquet"


def status_path(directory: str | Path, run_id: str) -> Path:
    """Path of a run's status file."""
    return Path(directory) / STATUS_DIR / f"{run_id}.json"


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """Read a results directory's manifest.

    Raises:
        InputError: No manifest, or not valid JSON.
    """
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "not a batch results directory (no manifest.json)",
            file=directory,
            allowed="a directory written by `platsim batch`",
        ) from None
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read the manifest ({error})", file=path) from None
    if not isinstance(manifest, dict):
        raise InputError("the manifest is not a JSON object", file=path)
    return manifest
