"""Tests of platsim.report and `platsim report`: one self-contained HTML file that renders."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from platsim.cli import main
from platsim.experiment.runner import run_batch
from platsim.report import levers

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
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a real small batch, written through the command line."""
    folder = tmp_path_factory.mktemp("report")
    (folder / "tiny.yaml").write_text(EXPERIMENT)
    assert run_batch(folder / "tiny.yaml", folder / "results", executor="local").exit_code == 0
    output = folder / "out" / "report.html"
    assert main(["report", str(folder / "results"), "-o", str(output)]) == 0
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
    assert "Per-household incomes are not stored" in text


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


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_report_renders_in_headless_chromium(report_file: Path) -> None:
    """Every figure loads (naturalWidth > 0) and nothing is logged as an error."""
    if not Path(CHROMIUM).is_file():
        pytest.skip("no headless chromium (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="python playwright not installed")
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "report_fixture.png"
    shot.unlink(missing_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
