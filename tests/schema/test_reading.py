"""Tests for platsim.schema.reading: hostile YAML (list keys, aliases, nesting, huge strings and
files, empty files) is refused with one line naming the file, fast, in every command that
reads scenario or experiment files; and error messages never quote a value whole."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from platsim.cli import main
from platsim.errors import InputError, shown
from platsim.schema import load_scenario, read_yaml
from platsim.schema.reading import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_STRING_CHARS

DATA = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_yaml(path)
    return info.value


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error_line(err: str, prefix: str = "error: ") -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix), err
    return lines[0]


# --------------------------------------------------------------------------------------------
# A list or mapping used as a key (case 5)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("? [a, b]\n: 1\n", "list"),
        ("economy:\n  ? {a: 1}\n  : 2\n", "mapping"),
        ("{[1, 2]: x}\n", "list"),
    ],
)
def test_a_list_or_mapping_key_is_one_line_naming_file_and_line(tmp_path, text, kind) -> None:
    path = write(tmp_path / "keys.yaml", text)
    error = read_error(path)
    assert error.file == str(path)
    assert f"a {kind} cannot be a key" in error.message()
    assert "line " in error.message()


@pytest.mark.parametrize("command", ["validate", "run", "viz"])
def test_list_key_in_a_scenario_exits_2_in_every_command(tmp_path, capsys, command) -> None:
    argv = [command, str(DATA / "bad_unhashable_key.yaml")]
    if command == "run":
        argv += ["--out", str(tmp_path / "out")]
    code, out, err = run_cli(argv, capsys)
    assert code == 2
    assert "bad_unhashable_key.yaml" in err and "a list cannot be a key" in err
    assert "Traceback" not in out + err
    if command != "validate":
        one_error_line(err)


def test_list_key_in_an_experiment_exits_2(tmp_path, capsys) -> None:
    path = write(tmp_path / "exp.yaml", "scenarios: [baseline]\nreplications: 1\n? [a]\n: 1\n")
    code, out, err = run_cli(["batch", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "Traceback" not in out + err
    line = one_error_line(err)
    assert "exp.yaml" in line and "a list cannot be a key" in line
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# Limits: aliases, nesting, strings, file size (cases 6 and 11)


def test_billion_laughs_is_refused_fast_in_validate(capsys) -> None:
    started = time.perf_counter()
    code, out, err = run_cli(["validate", str(DATA / "bad_alias_bomb.yaml")], capsys)
    assert time.perf_counter() - started < 1.0
    assert code == 2
    assert "bad_alias_bomb.yaml" in err
    assert f"more than {MAX_NODES:,} values once its aliases" in err
    assert "Traceback" not in out + err


def test_aliases_within_the_limit_are_read(tmp_path) -> None:
    path = write(tmp_path / "ok.yaml", "a: &x [1, 2, 3]\nb: *x\nc: *x\n")
    assert read_yaml(path) == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}


def test_many_plain_values_count_too(tmp_path) -> None:
    path = write(tmp_path / "wide.yaml", "a: [" + ",".join(["1"] * (MAX_NODES + 1)) + "]\n")
    assert "more than" in read_error(path).message()


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_refused(tmp_path, style) -> None:
    depth = MAX_DEPTH + 1
    if style == "flow":
        text = "a: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join("  " * level + "k:\n" for level in range(depth)) + "  " * depth + "k: 1\n"
    error = read_error(write(tmp_path / "deep.yaml", text))
    assert "nested too deeply" in error.message()
    assert f"at most {MAX_DEPTH} deep" in error.message()


def test_nesting_within_the_limit_is_read(tmp_path) -> None:
    depth = MAX_DEPTH - 1
    path = write(tmp_path / "deep.yaml", "a: " + "[" * depth + "]" * depth + "\n")
    assert "a" in read_yaml(path)


def test_huge_nesting_is_refused_without_recursion_error(tmp_path) -> None:
    path = write(tmp_path / "deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    message = read_error(path).message()
    assert "deep.yaml" in message


def test_a_long_string_is_refused_and_not_quoted_whole(tmp_path, capsys) -> None:
    path = write(tmp_path / "long.yaml", "name: " + "x" * (MAX_STRING_CHARS + 1) + "\n")
    started = time.perf_counter()
    code, out, err = run_cli(["validate", str(path)], capsys)
    assert time.perf_counter() - started < 1.0
    assert code == 2
    assert "Traceback" not in out + err
    assert f"a string of {MAX_STRING_CHARS + 1:,} characters" in err
    assert len(err) < 400


def test_a_two_million_character_name_is_refused_within_a_second(tmp_path, capsys) -> None:
    path = write(tmp_path / "huge.yaml", "name: " + "x" * 2_000_000 + "\n")
    started = time.perf_counter()
    code, out, err = run_cli(["validate", str(path)], capsys)
    assert time.perf_counter() - started < 1.0
    assert code == 2
    assert "Traceback" not in out + err
    assert "file too large" in err and "huge.yaml" in err
    assert len(err) < 400


def test_file_size_limit(tmp_path) -> None:
    path = write(tmp_path / "big.yaml", "# " + "x" * MAX_FILE_BYTES + "\n")
    error = read_error(path)
    assert "file too large" in error.message()
    assert f"at most {MAX_FILE_BYTES // 1024:,} KiB" in error.message()


def test_binary_file_is_refused(tmp_path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\x00\xff\xfe\x89PNG\r\n")
    error = read_error(path)
    assert error.file == str(path)
    assert "not UTF-8" in error.message()


# --------------------------------------------------------------------------------------------
# Empty files (case 15)


def test_comment_only_scenario_is_refused_in_validate_and_run(tmp_path, capsys) -> None:
    path = DATA / "bad_empty.yaml"
    code, out, err = run_cli(["validate", str(path)], capsys)
    assert code == 2
    assert "bad_empty.yaml" in err and "is empty" in err and "extends: baseline" in err
    code, out, err = run_cli(["run", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "Traceback" not in out + err
    line = one_error_line(err)
    assert "is empty" in line and "extends: baseline" in line
    assert not (tmp_path / "out").exists()


def test_empty_experiment_file_is_refused(tmp_path, capsys) -> None:
    path = write(tmp_path / "exp.yaml", "# nothing yet\n")
    code, out, err = run_cli(["batch", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "Traceback" not in out + err
    line = one_error_line(err)
    assert "exp.yaml" in line and "is empty" in line and "scenarios" in line


def test_read_yaml_without_if_empty_reads_an_empty_mapping(tmp_path) -> None:
    assert read_yaml(write(tmp_path / "empty.yaml", "# nothing\n")) == {}


# --------------------------------------------------------------------------------------------
# Quoting values


def test_shown_never_formats_a_huge_value_whole() -> None:
    laughs: list = ["lol"] * 9
    for _ in range(9):  # 9^10 strings if walked
        laughs = [laughs] * 9
    started = time.perf_counter()
    assert len(shown(laughs)) <= 80
    assert len(shown("x" * 10_000_000)) <= 80
    assert shown(10**5000) == "an integer of about 5,001 digits"
    assert time.perf_counter() - started < 0.1
    assert shown("ab") == "'ab'" and shown(1.5) == "1.5" and shown(True) == "True"


def test_input_error_quotes_an_aliased_value_briefly() -> None:
    nested: list = [1] * 9
    for _ in range(12):
        nested = [nested] * 9
    started = time.perf_counter()
    message = InputError("wrong", field="name", value=nested).message()
    assert time.perf_counter() - started < 0.1
    assert len(message) < 120


def test_scenario_with_aliases_of_a_wrong_type_is_refused_quickly(tmp_path) -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [
        f"{chr(98 + k)}: &{chr(98 + k)} [{', '.join(['*' + chr(97 + k)] * 8)}]" for k in range(4)
    ]
    text = "\n".join(lines) + "\nsimulation:\n  steps: *e\n"
    path = write(tmp_path / "aliases.yaml", text.replace("a: &a", "x-a: &a"))
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert time.perf_counter() - started < 1.0
    lines = str(info.value).splitlines()
    assert any("simulation.steps: Input should be a valid integer" in line for line in lines)
    assert all(len(line) < 400 for line in lines), lines
