"""The curated public API of ``platsim``: each name is the object it stands for, loaded on first
use, and importing the package alone loads neither Mesa nor the model."""

from __future__ import annotations

import subprocess
import sys

import pytest

import platsim
from platsim.analysis.compare import compare
from platsim.core.model import TerritoryModel
from platsim.experiment.results import open as open_results
from platsim.schema import Scenario, load_scenario
from platsim.simulation import run


def test_each_public_name_is_the_object_it_stands_for() -> None:
    expected = {
        "TerritoryModel": TerritoryModel,
        "Scenario": Scenario,
        "load_scenario": load_scenario,
        "run": run,
        "open_results": open_results,
        "compare": compare,
    }
    assert set(platsim.__all__) == {*expected, "__version__"}
    for name, value in expected.items():
        assert getattr(platsim, name) is value


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        platsim.nothing  # noqa: B018


def test_importing_the_package_loads_neither_mesa_nor_the_model() -> None:
    code = "import sys, platsim; print('mesa' in sys.modules, 'platsim.core.model' in sys.modules)"
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert printed.split() == ["False", "False"]
