"""Writing results: every file atomically (temporary name in the same folder, then rename).

A reader, or a batch resumed after a crash, therefore sees either the whole file or no file,
never a truncated one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from platsim.errors import InputError


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary_path = None
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        temporary_path = Path(temporary)
        os.close(handle)
        write(temporary_path)
        os.chmod(temporary_path, FILE_MODE)
        with open(temporary_path, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary_path, path)
    finally:
        if temporary_path is not None and temporary_path.exists():
            temporary_path.unlink()


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` to Parquet atomically (no index column)."""
    _atomic_write(Path(path), lambda tmp: frame.to_parquet(tmp, index=False))


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` to CSV atomically (no index column)."""
    _atomic_write(Path(path), lambda tmp: frame.to_csv(tmp, index=False))


def write_json(data: Any, path: str | Path) -> None:
    """Write ``data`` as indented JSON atomically."""

    def dump(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")

    _atomic_write(Path(path), dump)


def prepare_directory(path: str | Path, *, field: str = "--out") -> Path:
    """Create an output directory, or fail with a clear InputError when that is impossible."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-", delete=True)
        probe.close()
    except OSError as error:
        raise InputError(
            f"cannot write there ({error.strerror or error})",
            field=field,
            value=str(directory),
            allowed="a directory you can create and write to",
        ) from None
    if not directory.is_dir():
        raise InputError("is not a directory", field=field, value=str(directory))
    return directory
