"""Tests of platsim.analysis.report and `platsim report`: one self-contained HTML file that
renders."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import platsim.experiment.results
from headless_chromium import CHROMIUM, CHROMIUM_ARGS
from platsim.analysis.report import levers
from platsim.cli import main
from platsim.experiment.runner import run_batch

EXPERIMENT = """
name: tiny
scenarios: [baseline, worker_protection]
replications: 3
steps: 12
seed: 11
overrides:
  territory.n_municipalities: 20
  simulation.policy_start: 4
outputs:
  panel_every: 6
"""
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts"


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real small batch."""
    folder = tmp_path_factory.mktemp("report")
    (folder / "tiny.yaml").write_text(EXPERIMENT)
    assert run_batch(folder / "tiny.yaml", folder / "results", executor="local").exit_code == 0
    return folder / "results"


@pytest.fixture(scope="module")
def report_file(results_dir: Path) -> Path:
    """The report of a real small batch, written through the command line."""
    output = results_dir.parent / "out" / "report.html"
    assert main(["report", str(results_dir), "-o", str(output)]) == 0
    return output


def test_report_is_self_contained(report_file: Path) -> None:
    text = report_file.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", text)
    images = re.findall(r"<img[^>]*>", text)
    assert len(images) >= 6
    assert all('src="data:image/png;base64,' in image for image in images)
    for heading in (
        "What was run",
        "Comparison with baseline",
        "Time series",
        "Maps",
        "Income inequality",
        "Platform market",
    ):
        assert heading in text
    assert "labour.earnings_floor" in text  # the lever worker_protection changes


def test_report_has_the_lorenz_curves_of_household_income(
    report_file: Path, results_dir: Path
) -> None:
    text = report_file.read_text(encoding="utf-8")
    inequality = text.split("<h2>Income inequality</h2>")[1].split("<h2>")[0]
    assert "<h3>Lorenz curves of household income</h3>" in inequality
    images = re.findall(r'<img alt="Lorenz curves of household income" src="([^"]+)"', inequality)
    assert len(images) == 1 and images[0].startswith("data:image/png;base64,")
    assert len(images[0]) > 10_000
    assert "at step 12" in inequality
    assert "no Lorenz curves" not in text
    # the Gini each arm's mean curve implies is that arm's mean gini_income at the last step
    implied = dict(re.findall(r"(baseline|worker_protection) (0\.\d{3})", inequality))
    assert set(implied) == {"baseline", "worker_protection"}
    with platsim.experiment.results.open(results_dir) as results:
        gini = results.df(
            "SELECT r.scenario, avg(m.gini_income) AS gini FROM metrics m "
            "JOIN runs r USING (run_id) WHERE m.step = 12 GROUP BY ALL"
        ).set_index("scenario")["gini"]
    for arm, value in implied.items():
        assert float(value) == pytest.approx(gini[arm], abs=0.005), arm


def test_report_of_results_without_lorenz_files_says_so(results_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(results_dir, old)
    shutil.rmtree(old / "lorenz")  # as written before the lorenz files existed,
    for path in (old / "status").glob("*.json"):  # whose status files list no lorenz, no checks
        record = json.loads(path.read_text())
        record["files"] = [kind for kind in record["files"] if kind != "lorenz"]
        del record["checks"]
        path.write_text(json.dumps(record))
    assert main(["report", str(old), "-o", str(tmp_path / "old.html")]) == 0
    text = (tmp_path / "old.html").read_text(encoding="utf-8")
    assert "These results hold no Lorenz curves of household income" in text
    assert 'alt="Lorenz curves of household income"' not in text
    assert "Lorenz curve of municipal income per head" in text  # the rest is still there


def test_levers_diff_scenario_parameters() -> None:
    manifest = {
        "scenarios": [
            {"name": "baseline", "parameters": {"name": "b", "data": {"share": 0.0, "x": 1}}},
            {"name": "open", "parameters": {"name": "o", "data": {"share": 0.5, "x": 1}}},
        ]
    }
    assert levers(manifest, "baseline") == {"baseline": {}, "open": {"data.share": (0.0, 0.5)}}


def test_report_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "r.html")]) == 2
    assert "not a batch results directory" in capsys.readouterr().err


def test_report_renders_in_headless_chromium(report_file: Path) -> None:
    """Every figure loads (naturalWidth > 0) and nothing is logged as an error."""
    if not CHROMIUM.is_file():
        pytest.skip("no headless chromium (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="python playwright not installed")
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "report_fixture.png"
    shot.unlink(missing_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request",
                lambda r: (
                    errors.append(f"request {r.url}")
                    if not r.url.startswith(("file:", "data:"))
                    else None
                ),
            )
            page.goto(report_file.resolve().as_uri(), wait_until="load", timeout=60_000)
            widths = page.eval_on_selector_all(
                "img", "images => images.map(i => i.complete ? i.naturalWidth : 0)"
            )
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert len(widths) >= 6
    assert all(width > 0 for width in widths), widths
    assert errors == []
    assert shot.is_file() and shot.stat().st_size > 50_000
