"""Fuzz test of the input rules (issue 19): random but plausible scenario and experiment files,
made by mutating a valid one (wrong kinds, huge numbers, inf and NaN, aliases, deep nesting,
unknown keys, binary bytes, list keys, empty files), never crash, hang or pass silently wrong:
``platsim validate`` exits 0 or 2, an exit 2 prints the validate format naming the file, a bad
experiment file is one ``error:`` line and exit 2 from ``platsim batch`` before anything runs,
and nothing prints a traceback. Bounded: a fixed number of examples, a few seconds in all."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.spec import load_experiment
from platsim.schema import parameter_paths

EXPERIMENTS = Path(__file__).resolve().parents[1] / "data" / "experiments"
SMALL = str(EXPERIMENTS / "small_baseline.yaml")
PATHS = parameter_paths()
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------------------------
# Values and text fragments a careless or hostile user writes

ODD_VALUES = st.one_of(
    st.booleans(),
    st.none(),
    st.sampled_from(["12", "1e3", "inf", "-inf", "nan", "", "yes", "policy_start", "a\0b"]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e300, -0.0, 5e-324]),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.sampled_from(["a", "kind", "low"]), st.integers(0, 2), max_size=2),
    st.text(max_size=20),
)

RAW_TEXTS = st.sampled_from(
    [
        "",
        "# only a comment\n",
        "---\n...\n",
        "? [a, b]\n: 1\n",
        "simulation:\n  ? {steps: 1}\n  : 2\n",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + k)}: &{chr(98 + k)} [{', '.join(['*' + chr(97 + k)] * 10)}]\n"
            for k in range(8)
        ),
        "name: &n [*n]\n",
        "simulation:\n  steps: " + "[" * 200 + "]" * 200 + "\n",
        "simulation:\n  steps: 1\nsimulation:\n  steps: 2\n",
        "!!python/object/apply:os.system ['echo hacked']\n",
        "name: !!binary aGVsbG8=\n",
        "name: " + "x" * 5000 + "\n",
        "- just\n- a list\n",
        "42\n",
        "extends: extends.yaml\n",
        "extends: [baseline]\n",
        "extends: /\n",
        "simulation: {steps: 3\n",
        "\t- tab\n",
        "economy:\n  fixed_cost: .inf\n  wage_level: 1e400\n",
        "simulation:\n  steps: 0x10\n",
        "territory:\n  file: /dev/null\n",
    ]
)

BINARY = st.binary(min_size=1, max_size=64)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def scenario_texts(draw: st.DrawFn) -> bytes:
    """A scenario file: a valid small one with a few mutations, or hostile text."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "raw", "binary", "spliced"]))
    if kind == "raw":
        return draw(RAW_TEXTS).encode()
    if kind == "binary":
        return draw(BINARY)
    data: dict[str, Any] = {
        "extends": "baseline",
        "simulation": {"steps": 3},
        "territory": {"n_municipalities": 20},
    }
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["field", "field", "unknown", "section", "drop"]))
        if action == "field":
            set_path(data, draw(st.sampled_from(PATHS)), draw(ODD_VALUES))
        elif action == "unknown":
            set_path(data, draw(st.sampled_from(["economy.wage", "zzz", "data.share.x"])), 1)
        elif action == "section":
            data[draw(st.sampled_from(["economy", "platforms", "name"]))] = draw(ODD_VALUES)
        else:
            data.pop(draw(st.sampled_from(["extends", "simulation", "territory"])), None)
    text = dump(data)
    if kind == "spliced":
        text += draw(RAW_TEXTS)
    return text.encode()


@st.composite
def experiment_texts(draw: st.DrawFn) -> bytes:
    """An experiment file: a valid small one with a few mutations, or hostile text."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "raw", "binary"]))
    if kind == "raw":
        return draw(RAW_TEXTS).encode()
    if kind == "binary":
        return draw(BINARY)
    data: dict[str, Any] = {
        "scenarios": [SMALL],
        "replications": 1,
        "steps": 1,
        "seed": 1,
        "design": {
            "method": "grid",
            "parameters": {"territory.rural_connectivity_low": {"values": [0.2, 0.4]}},
        },
    }
    keys = [
        "name",
        "scenarios",
        "replications",
        "steps",
        "seed",
        "design",
        "design.method",
        "design.samples",
        "design.parameters",
        "design.parameters.territory.rural_connectivity_low",
        "design.parameters.territory.rural_connectivity_low.values",
        "design.parameters.territory.rural_connectivity_low.low",
        "outputs.panel_every",
        "overrides",
        "unknown",
    ]
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(keys))
        node: Any = data
        parts = key.split(".")
        if key.startswith("design.parameters.territory"):  # the path is one key
            parts = ["design", "parameters", "territory.rural_connectivity_low", *parts[4:]]
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = draw(ODD_VALUES)
    return dump(data).encode()


# --------------------------------------------------------------------------------------------
# The checks


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text, text
    assert "Error:" not in text.replace("InputError", ""), text  # e.g. "TypeError: ..."


@FUZZ
@given(content=scenario_texts())
def test_validate_answers_0_or_2_with_the_validate_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "fuzzed.yaml"
    path.write_bytes(content)
    started = time.perf_counter()
    code = main(["validate", str(path)])
    elapsed = time.perf_counter() - started
    captured = capsys.readouterr()
    assert elapsed < 2.0, content[:200]
    assert code in (0, 2), (content[:200], captured.err)
    assert_no_traceback(captured.out + captured.err)
    if code == 0:
        assert captured.out.startswith("ok: ") and not captured.err
    else:
        lines = captured.err.splitlines()
        assert lines and lines[0].startswith(f"invalid: {path}"), captured.err
        assert all(line.startswith(str(path)) for line in lines[1:]), captured.err
        assert all(len(line) < 2_000 for line in lines)


@FUZZ
@given(content=experiment_texts())
def test_experiment_files_are_loaded_or_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "fuzzed.yaml"
    path.write_bytes(content)
    started = time.perf_counter()
    try:
        experiment = load_experiment(path)
    except InputError as error:
        message = error.message()
        assert message and len(message) < 2_000
        assert time.perf_counter() - started < 2.0
    else:  # valid: runs are not made here, only the plan's size checked
        assert experiment.runs >= 1 and math.isfinite(experiment.runs)
        return
    out = tmp_path / "results"
    code = main(["batch", str(path), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2, (content[:200], captured.err)
    assert_no_traceback(captured.out + captured.err)
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert lines[0].startswith("error: "), captured.err
    assert not out.exists()
