"""The one module that names the files of a results directory; the batch writes them and
:mod:`platsim.experiment.results` reads them through these names::

    DIR/manifest.json              the experiment, versions, seeds, hashes, status
    DIR/design.parquet             design_point and one column per varied parameter
    DIR/runs.parquet               one row per planned run
    DIR/<kind>/<run_id>.parquet    per-run data, one folder per kind of DATA_KINDS
    DIR/status/<run_id>.json       how the run ended, with each data file's rows, size and
                                   SHA-256; written last, by the worker
    DIR/.lock                      held (``flock``) by the batch writing the directory; the
                                   holder's process id
"""

from __future__ import annotations

import hashlib
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

#: The lock file a batch holds while it writes the directory (see store.lock_directory).
LOCK_FILE = ".lock"

#: What a status file records of each data file (rows, size in bytes, SHA-256 of the bytes).
CHECK_KEYS: tuple[str, ...] = ("rows", "bytes", "sha256")


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


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_check(path: str | Path, rows: int) -> dict[str, int | str]:
    """What a status file records of a data file just written: rows, size, SHA-256."""
    return {"rows": int(rows), "bytes": Path(path).stat().st_size, "sha256": file_digest(path)}


def check_problem(path: Path, check: Any, *, digest: bool) -> str | None:
    """What is wrong with a run's data file, compared with its status file's record.

    Args:
        path: The data file.
        check: Its record (``{"rows", "bytes", "sha256"}``), or None for a status file written
            by a platsim that recorded none (the file's presence is checked then, and with
            ``digest`` that its Parquet footer is readable).
        digest: Also compare the SHA-256 (reads the whole file); else only the size.

    Returns:
        None when the file is as recorded, else a few words (``"missing"``, ``"size 10
        bytes, recorded 2,345"``, ``"content differs from its checksum"``).
    """
    try:
        size = path.stat().st_size
    except OSError:
        return "missing"
    if not isinstance(check, dict):
        return _parquet_problem(path) if digest else None
    recorded = check.get("bytes")
    if isinstance(recorded, int) and size != recorded:
        return f"size {size:,} bytes, recorded {recorded:,}"
    expected = check.get("sha256")
    if digest and isinstance(expected, str):
        try:
            if file_digest(path) != expected:
                return "content differs from its recorded SHA-256"
        except OSError as error:
            return f"unreadable ({error.strerror or error})"
    return None


def _parquet_problem(path: Path) -> str | None:
    """What is wrong with a Parquet file's footer (None: readable)."""
    import pyarrow.parquet

    try:
        pyarrow.parquet.read_metadata(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        return (
            f"not a readable Parquet file ({str(error).splitlines()[0] if str(error) else error})"
        )
    return None
