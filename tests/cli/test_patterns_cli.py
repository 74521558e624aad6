"""Tests for ``platsim patterns``: exit codes 0 (every pattern holds), 1 (one fails) and 2
(bad input, one line), and the CSV's columns, on a tiny scenario run in-process."""

from __future__ import annotations

import pandas as pd

from platsim.cli import main

TINY = ["baseline", "--set", "territory.n_municipalities=20", "--steps", "3"]
FAST = ["--replications", "2", "--workers", "1"]

PATTERNS = """\
patterns:
  - name: unemployment
    statistic: unemployment_rate
    window: [1, 3]
    target: 0.5
    tolerance: {tolerance}
    source: a generous target
  - name: activity
    statistic: activity_rate
    window: [1, 3]
    target: 1.0
    tolerance: 0.01
    source: the model's own 100%
"""


def write(tmp_path, tolerance: float = 0.5):
    file = tmp_path / "patterns.yaml"
    file.write_text(PATTERNS.format(tolerance=tolerance))
    return file


def test_every_pattern_holds_exit_0_and_the_csv(tmp_path, capsys) -> None:
    csv = tmp_path / "table.csv"
    code = main(["patterns", *TINY, *FAST, "--patterns", str(write(tmp_path)), "--out", str(csv)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    table = pd.read_csv(csv)
    assert list(table.columns) == [
        "pattern", "target", "tolerance", "measured", "low", "high", "passed", "source"
    ]  # fmt: skip
    assert table["pattern"].tolist() == ["unemployment", "activity"]
    assert table["passed"].tolist() == [True, True]
    assert (table["low"] <= table["measured"]).all() and (table["measured"] <= table["high"]).all()
    assert "2 of 2 patterns hold" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_an_impossible_target_exits_1(tmp_path, capsys) -> None:
    code = main(["patterns", *TINY, *FAST, "--patterns", str(write(tmp_path, 0.0001))])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "FAIL" in captured.out and "1 of 2 patterns hold" in captured.out


def test_a_bad_pattern_file_exits_2_in_one_line(tmp_path, capsys) -> None:
    file = write(tmp_path, -1)
    code = main(["patterns", *TINY, *FAST, "--patterns", str(file)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert str(file) in lines[0] and "patterns[0].tolerance" in lines[0] and "got -1" in lines[0]
    assert "Traceback" not in captured.out + captured.err


def test_a_window_past_the_run_and_a_bad_override_exit_2(tmp_path, capsys) -> None:
    file = write(tmp_path)
    code = main(["patterns", *TINY[:-1], "2", *FAST, "--patterns", str(file)])
    captured = capsys.readouterr()
    assert code == 2 and "patterns[0].window" in captured.err and "(2)" in captured.err
    code = main(["patterns", "baseline", "--set", "economy.consumption_share=2", *FAST])
    captured = capsys.readouterr()
    assert code == 2 and "economy.consumption_share" in captured.err
    assert "Traceback" not in captured.out + captured.err


def test_a_missing_pattern_file_or_out_folder_exits_2_before_running(tmp_path, capsys) -> None:
    code = main(["patterns", *TINY, *FAST, "--patterns", str(tmp_path / "nope.yaml")])
    captured = capsys.readouterr()
    assert code == 2 and "nope.yaml" in captured.err
    csv = tmp_path / "no" / "table.csv"
    code = main(["patterns", *TINY, *FAST, "--patterns", str(write(tmp_path)), "--out", str(csv)])
    captured = capsys.readouterr()
    assert code == 2 and "--out" in captured.err and "runs to make" not in captured.err
    assert "Traceback" not in captured.out + captured.err
