"""Tests of platsim.output: atomic writes (whole old file or whole new file, never a torn or
leftover temporary one), file modes, and the output directory check."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from platsim import output
from platsim.errors import InputError


class Interrupted(RuntimeError):
    """Stands for a crash or a full disk in the middle of a write."""


def test_write_json_and_parquet_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame({"step": [0, 1, 2], "hhi": [1.0, 2.5, float("nan")]}, index=[7, 8, 9])
    output.write_parquet(frame, tmp_path / "deep" / "m.parquet")  # parents are created
    back = pd.read_parquet(tmp_path / "deep" / "m.parquet")
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True))  # no index kept
    output.write_json({"a": [1, 2], "path": Path("x")}, tmp_path / "d.json")
    text = (tmp_path / "d.json").read_text()
    assert json.loads(text) == {"a": [1, 2], "path": "x"}
    assert text.endswith("\n") and '\n  "a"' in text  # indented
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json", "deep"]


def test_write_csv_round_trips_without_the_index(tmp_path: Path) -> None:
    frame = pd.DataFrame({"pattern": ["a", "b"], "measured": [0.5, float("nan")]}, index=[3, 4])
    output.write_csv(frame, tmp_path / "deep" / "t.csv")
    back = pd.read_csv(tmp_path / "deep" / "t.csv")
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True))
    assert (tmp_path / "deep" / "t.csv").read_text().splitlines()[0] == "pattern,measured"
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["t.csv"]


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "status.json"
    output.write_json({"version": 1}, target)

    def half_then_crash(path: Path) -> None:
        path.write_text('{"version": 2, "trunc')
        raise Interrupted

    with pytest.raises(Interrupted):
        output._atomic_write(target, half_then_crash)
    assert json.loads(target.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]


def test_an_interrupted_first_write_leaves_no_file_at_all(tmp_path: Path) -> None:
    def crash(path: Path) -> None:
        path.write_bytes(b"PAR1 half")
        raise Interrupted

    with pytest.raises(Interrupted):
        output._atomic_write(tmp_path / "m.parquet", crash)
    assert list(tmp_path.iterdir()) == []


def test_the_writer_writes_a_temporary_file_in_the_same_folder_then_renames(
    tmp_path: Path,
) -> None:
    target = tmp_path / "m.json"
    output.write_json([0], target)
    seen: list[Path] = []

    def write(path: Path) -> None:
        seen.append(path)
        assert json.loads(target.read_text()) == [0], "the final file is untouched meanwhile"
        path.write_text("[1]")

    output._atomic_write(target, write)
    assert seen[0] != target and seen[0].parent == tmp_path
    assert seen[0].name.startswith(".m.json.") and seen[0].suffix == ".tmp"
    assert json.loads(target.read_text()) == [1]
    assert not seen[0].exists()


def test_written_files_get_the_umask_mode_not_mkstemps_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        expected = 0o666 & ~0o022
        assert output._file_mode() == expected
    finally:
        os.umask(old)
    output.write_json({}, tmp_path / "a.json")
    mode = stat.S_IMODE((tmp_path / "a.json").stat().st_mode)
    assert mode == output.FILE_MODE
    assert mode & 0o044 == 0o044 & output.FILE_MODE  # readable by others unless the umask says no


def test_prepare_directory_creates_or_refuses_with_one_clear_error(tmp_path: Path) -> None:
    made = output.prepare_directory(tmp_path / "a" / "b")
    assert made.is_dir() and list(made.iterdir()) == []  # the write probe is gone
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match=r"^--out: cannot write there") as error:
        output.prepare_directory(tmp_path / "file" / "sub")
    assert "file" in str(error.value)
    with pytest.raises(InputError, match="--results"):
        output.prepare_directory(tmp_path / "file", field="--results")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_existing_directory_where_no_file_can_be_created_is_refused() -> None:
    # /proc refuses new files even to root: the write probe must be made in the directory
    with pytest.raises(InputError, match=r"^--out: cannot write there") as error:
        output.prepare_directory("/proc")
    assert "got '/proc'" in str(error.value)
