"""Tests of platsim.analysis.sensitivity: Ishigami indices recovered, bad designs refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from platsim.analysis.sensitivity import analyse, design_from_manifest
from platsim.cli import main
from platsim.errors import InputError
from platsim.experiment.runner import run_batch
from platsim.experiment.samplers import get_sampler
from platsim.experiment.samplers.parameters import Parameter

PI = float(np.pi)


def _manifest(method: str, **raw: object) -> dict[str, object]:
    params = [{"name": n, "low": -PI, "high": PI} for n in ("x1", "x2", "x3")]
    return {
        "design": {"method": method, "parameters": params},
        "experiment": {"design": {"method": method, **raw}},
    }


def test_sobol_indices_of_ishigami() -> None:
    design = design_from_manifest(_manifest("sobol", second_order=False))
    parameters = [Parameter(n, -PI, PI) for n in design.names]
    points = get_sampler("sobol")(parameters, 2048, 1, second_order=False)  # platsim's sampler
    x = points[list(design.names)].to_numpy()
    table = analyse(design, x, Ishigami.evaluate(x)).set_index("parameter")
    s1 = [0.3139, 0.4424, 0.0]
    st = [0.5576, 0.4424, 0.2437]
    assert table["S1"].to_numpy() == pytest.approx(s1, abs=0.04)
    assert table["ST"].to_numpy() == pytest.approx(st, abs=0.04)
    assert (table["S1_low"] <= table["S1"]).all() and (table["ST"] <= table["ST_high"]).all()


def test_morris_ranks_ishigami() -> None:
    design = design_from_manifest(_manifest("morris", levels=4))
    parameters = [Parameter(n, -PI, PI) for n in design.names]
    points = get_sampler("morris")(parameters, 200, 1, levels=4)
    x = points[list(design.names)].to_numpy()
    table = analyse(design, x, Ishigami.evaluate(x)).set_index("parameter")
    assert table["mu_star"].idxmax() == "x1"  # x1 has the largest total effect
    assert table.loc["x2", "mu_star"] > 0 and (table["sigma"] >= 0).all()


@pytest.mark.parametrize("method", [None, "grid", "lhs"])
def test_unsupported_designs(method: str | None) -> None:
    with pytest.raises(InputError, match=r"design\.method"):
        design_from_manifest({"design": {"method": method}})


def test_sensitivity_on_a_real_sobol_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: s\nscenarios: [baseline]\nreplications: 1\nsteps: 4\nseed: 3\n"
        "overrides: {territory.n_municipalities: 12, simulation.policy_start: 1}\n"
        "design:\n  method: sobol\n  samples: 4\n  second_order: false\n  parameters:\n"
        "    competition.commission_cap: {low: 0.05, high: 0.3}\n"
        "    labour.earnings_floor: {low: 0.0, high: 1500.0}\n"
        "outputs: {panel_every: 0}\n"
    )
    assert run_batch(tmp_path / "s.yaml", tmp_path / "r", executor="local").exit_code == 0
    figure = tmp_path / "s.png"
    code = main(
        [
            "sensitivity",
            str(tmp_path / "r"),
            "--outcome",
            "mean_commission",
            "--format",
            "csv",
            "--figure",
            str(figure),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "competition.commission_cap" in text and "ST" in text
    assert figure.read_bytes()[:4] == b"\x89PNG"
    assert main(["sensitivity", str(tmp_path / "r"), "--outcome", "nope"]) == 2
