"""The test of issue 18 ("a report a policy analyst reads in five minutes"): the report renders
in headless Chromium with the scorecard on the first screen (a screenshot is kept under a tmp
path), the appendix filters by scenario, no figure plots a series that is all NaN (checked on
the data handed to matplotlib, before drawing), the platform shares add up, and the scorecard's
sentences carry the numbers of ``platsim compare``.

Each test runs on a small experiment (3 scenarios on 20 municipalities, in the default suite)
and on the bundled quick comparison cut to 2 replications of 24 months (its 12 scenarios;
about 30 s, marked slow: ``-m slow``)."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import platsim.experiment.results
from headless_chromium import CHROMIUM, CHROMIUM_ARGS
from platsim.analysis import places, scorecard
from platsim.analysis.figures import empty_series
from platsim.analysis.report import build_report, platform_shares, register_arms
from platsim.cli import main
from platsim.experiment.runner import run_batch

QUICK = Path(__file__).resolve().parents[2] / "experiments" / "quick_comparison.yaml"
#: The first screen of a laptop browser window.
SCREEN = {"width": 1280, "height": 800}
NUMBER = r"[+\u2212]?\d[\d,]*(?:\.\d+)?"


SMALL = """
name: small
scenarios: [baseline, open_data, antitrust]
replications: 3
steps: 18
seed: 3
overrides:
  territory.n_municipalities: 20
  simulation.policy_start: 6
outputs:
  panel_every: 6
  platforms: true
"""


def _experiment(kind: str, folder: Path) -> Path:
    if kind == "small":
        (folder / "small.yaml").write_text(SMALL, encoding="utf-8")
        return folder / "small.yaml"
    spec = yaml.safe_load(QUICK.read_text(encoding="utf-8"))
    spec["scenarios"] = [str((QUICK.parent / name).resolve()) for name in spec["scenarios"]]
    spec.update(replications=2, steps=24)
    spec["outputs"]["panel_every"] = 12
    (folder / "quick.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return folder / "quick.yaml"


@pytest.fixture(scope="module", params=["small", pytest.param("quick", marks=pytest.mark.slow)])
def quick_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results of the small experiment, or of the bundled quick comparison (its 12
    scenarios) with 2 replications of 24 months."""
    folder = tmp_path_factory.mktemp(request.param)
    experiment = _experiment(request.param, folder)
    executor = {"executor": "local"} if request.param == "small" else {"workers": 2}
    result = run_batch(experiment, folder / "results", **executor)
    assert result.exit_code == 0
    return folder / "results"


@pytest.fixture(scope="module")
def quick_report(quick_dir: Path) -> tuple[Path, list[tuple[str, list[str]]]]:
    """The report's file, and for each figure saved into it: its title and what it would
    draw empty (:func:`platsim.analysis.figures.empty_series`), read before drawing."""
    from matplotlib.figure import Figure

    seen: list[tuple[str, list[str]]] = []
    savefig = Figure.savefig

    def checked(figure: Figure, *args: Any, **kwargs: Any) -> Any:
        title = figure._suptitle.get_text() if figure._suptitle else ""
        titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
        seen.append((title or "; ".join(titles[:3]), empty_series(figure)))
        return savefig(figure, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Figure, "savefig", checked)
        text, failed = build_report(quick_dir)
    assert failed == []
    path = quick_dir.parent / "report.html"
    path.write_text(text, encoding="utf-8")
    return path, seen


def test_every_figure_has_data(quick_report: tuple[Path, list[tuple[str, list[str]]]]) -> None:
    path, seen = quick_report
    text = path.read_text(encoding="utf-8")
    assert len(seen) == text.count("<img ") >= 15
    empty = [(title, found) for title, found in seen if found]
    assert empty == []


def test_sections_in_reading_order(quick_report: tuple[Path, list]) -> None:
    text = quick_report[0].read_text(encoding="utf-8")
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", text)
    assert [h.split(":")[0].split(" with ")[0] for h in headings] == [
        "Scorecard",
        "What was run",
        "Comparison",
        "Time series",
        "Maps of the territory",
        "Income inequality",
        "Platform market",
        "Appendix",
    ]
    # a generated territory: the places section is one line saying why it is skipped
    assert text.count('id="places-skipped"') == 1
    assert places.SYNTHETIC.split(",")[0] in text
    assert text.index("Scorecard") < text.index("places-skipped") < text.index("What was run")


def test_platform_shares_add_up(quick_dir: Path) -> None:
    with platsim.experiment.results.open(quick_dir) as results:
        _, arms = register_arms(results)
        shares = platform_shares(results)
    assert set(shares["arm"]) == set(arms) and shares["share"].notna().all()
    assert (shares["share"] >= 0).all()
    totals = shares.groupby(["arm", "segment", "step"])["share"].sum()
    assert (totals <= 1 + 1e-9).all(), totals[totals > 1 + 1e-9]
    last = totals.xs(totals.index.get_level_values("step").max(), level="step")
    assert last.to_numpy() == pytest.approx(1.0)


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ""))


def test_sentences_carry_the_numbers_of_platsim_compare(
    quick_dir: Path, quick_report: tuple[Path, list], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["compare", str(quick_dir), "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    text = quick_report[0].read_text(encoding="utf-8")
    first = text.split("<h2>", 2)[1]
    sentences = re.findall(r"<li>([^<]*)</li>", first)
    arms = table["arm"].unique()
    assert len(sentences) == len(arms) - 1  # every scenario but the baseline
    labels = {scorecard.LABELS[n]: n for n in scorecard.LABELS}
    checked = 0
    for sentence in sentences:
        arm, rest = sentence.removesuffix(".").split(": ", 1)
        for part in rest.split("; "):
            if part == scorecard.NO_COST:  # no public money spent: none at the end either
                row = table[(table["arm"] == arm) & (table["outcome"] == "public_cost")]
                assert row["diff"].iloc[0] == 0, (arm, part)
                continue
            if part.startswith(("per M EUR", "public cost not clearly")):
                continue  # effects per euro, checked in test_per_euro.py
            label = next(
                lab for lab in sorted(labels, key=len, reverse=True) if part.startswith(lab)
            )
            row = table[(table["arm"] == arm) & (table["outcome"] == labels[label])].iloc[0]
            said = part[len(label) + 1 :]
            if said == "no clear difference":
                assert row["verdict"] == "no clear difference", (arm, part)
                continue
            assert row["verdict"] in ("better", "worse"), (arm, part)
            factor, digits = {"share": (100.0, 1), "0-10,000": (1.0, 0)}.get(
                row["unit"], (1.0, None)
            )
            if digits is None:  # 3 significant digits of the difference, its interval alike
                digits = 2 - math.floor(math.log10(abs(row["diff"])))
            numbers = [_number(n) for n in re.findall(NUMBER, said)][:3]
            for got, column in zip(numbers, ("diff", "diff_low", "diff_high"), strict=True):
                want = row[column] * factor
                assert abs(got - want) <= 0.5 * 10**-digits * (1 + 1e-9) + 1e-12, (arm, part)
            checked += 1
    assert checked >= 3  # the clear differences, checked number by number


def _chromium() -> Any:
    if not CHROMIUM.is_file():
        pytest.skip("no headless chromium (Debian package chromium)")
    return pytest.importorskip("playwright.sync_api", reason="python playwright not installed")


def test_scorecard_is_on_the_first_screen_and_the_appendix_filters(
    quick_report: tuple[Path, list], tmp_path: Path
) -> None:
    sync_api = _chromium()
    path = quick_report[0]
    shot = tmp_path / "report_first_screen.png"
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=SCREEN)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=60_000)
            page.screenshot(path=str(shot))  # the first screen only
            heading = page.locator("h2", has_text="Scorecard").bounding_box()
            image = page.locator('img[alt="scorecard"]').bounding_box()
            natural = page.eval_on_selector('img[alt="scorecard"]', "i => i.naturalWidth")
            table = page.locator("table.scorecard").bounding_box()
            rows = page.locator("#appendix-table tr[data-scenario]")
            total = rows.count()
            scenario_names = page.eval_on_selector_all(
                "#appendix-scenario option", "os => os.map(o => o.value).filter(v => v)"
            )
            page.select_option("#appendix-scenario", "open_data")
            shown = page.locator("#appendix-table tr[data-scenario]:not([hidden])")
            one = shown.count()
            scenarios = set(shown.evaluate_all("rs => rs.map(r => r.dataset.scenario)"))
            page.check("#appendix-clear")
            verdicts = shown.evaluate_all("rs => rs.map(r => r.dataset.verdict)")
            count = page.text_content("#appendix-count")
        finally:
            browser.close()
    assert errors == []
    assert shot.is_file() and shot.stat().st_size > 20_000
    # the scorecard's heading and heat map are on the first screen, in full
    assert 0 <= heading["y"] < image["y"] and natural > 0
    assert image["y"] + image["height"] <= SCREEN["height"], image
    assert table["y"] < SCREEN["height"] * 1.6  # its table follows right after
    # the appendix: every row, then one scenario's, then only its clear differences
    outcomes = total // len(scenario_names)
    assert total == len(scenario_names) * outcomes and outcomes >= 30
    assert scenarios == {"open_data"} and one == outcomes
    assert verdicts and set(verdicts) <= {"better", "worse", "higher", "lower"}
    assert count == f"{len(verdicts)} of {total} rows shown"


def test_appendix_holds_every_row_of_the_comparison_last(
    quick_dir: Path, quick_report: tuple[Path, list]
) -> None:
    """Without a browser: the appendix is the last section, one row per scenario and outcome
    with its scenario and verdict for the filter, the scenarios as options."""
    from platsim.analysis.compare import compare

    table = compare(quick_dir)
    text = quick_report[0].read_text(encoding="utf-8")
    appendix = text.split('<h2 id="appendix">')[1]
    assert "<h2" not in appendix and appendix.rstrip().endswith("</body></html>")
    rows = re.findall(r'<tr data-scenario="([^"]+)" data-verdict="([^"]+)">', appendix)
    assert rows == list(zip(table["arm"], table["verdict"], strict=True))
    options = re.findall(r'<option value="([^"]*)">', appendix)
    assert options == ["", *dict.fromkeys(table["arm"])]
    assert "<script>" in appendix and "https:" not in appendix
    # the comparison section in the body only points there
    body = text.split('<h2 id="appendix">')[0]
    assert "data-verdict" not in body and 'href="#appendix"' in body
