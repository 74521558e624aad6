"""Tests of platsim.analysis.report and `platsim report`: one self-contained HTML file that
renders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import platsim.experiment.results
from headless_chromium import CHROMIUM, CHROMIUM_ARGS
from platsim.analysis.inequality import gini_figure, municipal_lorenz
from platsim.analysis.levers import lever_text, levers
from platsim.analysis.report import platform_shares, register_arms
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
#: Scenarios whose platforms multi-home (antitrust) or that add a platform
#: (cooperative_platform), on the bundled 100-municipality territory where a few
#: municipalities end with no worker agent.
MARKET = """
name: market
scenarios: [baseline, antitrust, cooperative_platform]
replications: 2
steps: 60
seed: 20261125
outputs:
  panel_every: 30
  platforms: true
"""
#: How the levers table names the platform cooperative_platform adds.
ADDED_COOPERATIVE = (
    "adds platform cooperative (cooperative, segment freelance, start policy_start, "
    "quality 0.8, commission 10%, initial_share 0.0, capital 0.001, "
    "connectivity_threshold 0.3, outside_supplier_share 0%, partner_share 0%, "
    "operating_cost 5%, fixed_cost 0.0)"
)
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts"


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real small batch."""
    folder = tmp_path_factory.mktemp("report")
    (folder / "tiny.yaml").write_text(EXPERIMENT)
    assert run_batch(folder / "tiny.yaml", folder / "results", executor="local").exit_code == 0
    return folder / "results"


@pytest.fixture(scope="module")
def market_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real batch with a platform market of several platforms (about 2 s)."""
    folder = tmp_path_factory.mktemp("market")
    (folder / "market.yaml").write_text(MARKET)
    assert run_batch(folder / "market.yaml", folder / "results", executor="local").exit_code == 0
    return folder / "results"


@pytest.fixture(scope="module")
def market_report(market_dir: Path) -> str:
    """The text of the report of ``market_dir``, written through the command line."""
    assert main(["report", str(market_dir), "-o", str(market_dir.parent / "market.html")]) == 0
    return (market_dir.parent / "market.html").read_text(encoding="utf-8")


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
    assert "labour.minimum_hourly_pay" in text  # the lever worker_protection changes


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


def test_report_of_results_without_lorenz_files_says_so(
    results_dir: Path, tmp_path: Path, without_lorenz
) -> None:
    old = without_lorenz(results_dir, tmp_path / "old")
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


def test_municipal_lorenz_leaves_out_municipalities_without_income(
    market_dir: Path, market_report: str
) -> None:
    """Municipalities with no worker agent have no income per head (NaN): they are left out and
    counted, so that no curve is NaN (the figure was empty)."""
    with platsim.experiment.results.open(market_dir) as results:
        _, arms = register_arms(results)
        curves, left = municipal_lorenz(results, arms)
        last = results.df(
            "SELECT count(*) AS rows, count(*) FILTER (WHERE income_per_head IS NULL "
            "OR isnan(income_per_head)) AS missing, sum(population) FILTER (WHERE "
            "income_per_head IS NULL OR isnan(income_per_head)) AS people "
            "FROM panel WHERE step = (SELECT max(step) FROM panel)"
        ).iloc[0]
    assert last["missing"] > 0, "the case tested: municipalities without income per head"
    assert set(curves) == {"baseline", "antitrust", "cooperative_platform"}
    for arm, (x, y) in curves.items():
        assert np.isfinite(x).all() and np.isfinite(y).all(), arm
        assert x[0] == y[0] == 0 and x[-1] == pytest.approx(1) and y[-1] == pytest.approx(1)
        assert (np.diff(x) >= 0).all() and (y <= x + 1e-12).all(), arm  # a Lorenz curve
    assert left["rows"] == last["rows"] and left["left_out"] == last["missing"]
    assert left["population_left_out"] == (last["people"] or 0)
    assert (
        f"{int(last['missing']):,} of the {int(last['rows']):,} municipality rows" in market_report
    )


def test_platform_shares_add_up(market_dir: Path, market_report: str) -> None:
    """The stacked shares are each kind's share of the transactions of its segment's open
    platforms: at most 1 per segment at every step (they reached 1.07 with closed platforms'
    frozen market_share) and 1 at the last step; one figure per segment."""
    with platsim.experiment.results.open(market_dir) as results:
        _, arms = register_arms(results)
        shares = platform_shares(results)
        raw = results.df(
            "SELECT max(total) AS most FROM (SELECT run_id, step, sum(market_share) AS total "
            "FROM platforms GROUP BY ALL)"
        )["most"].iloc[0]
    assert raw > 1 + 1e-6, "the case tested: market_share columns that do not add up"
    assert set(shares["arm"]) == set(arms) and shares["share"].notna().all()
    assert set(shares["segment"]) == {"goods", "local_services", "freelance"}
    totals = shares.groupby(["arm", "segment", "step"])["share"].sum()
    assert (totals <= 1 + 1e-9).all(), totals[totals > 1 + 1e-9]
    last = totals.xs(totals.index.get_level_values("step").max(), level="step")
    assert np.allclose(last, 1.0), last
    assert (shares["share"] >= 0).all()
    assert "share of the month's transactions" in market_report
    section = market_report.split("<h2>Platform market</h2>")[1]
    for heading in ("goods", "local services", "freelance"):
        assert f"<h3>Segment: {heading}</h3>" in section


def test_concentration_series_put_each_segment_next_to_the_total(market_report: str) -> None:
    from platsim.analysis.report import series_groups

    members = ["mean_commission", "hhi", "top_share", "data_hhi", "hhi_goods"]
    members += ["hhi_local_services", "hhi_freelance", "top_share_goods", "leakage_share"]
    groups = series_groups(members)
    assert groups[0] == (
        ["hhi", "hhi_goods", "hhi_local_services", "hhi_freelance", "top_share", "top_share_goods"],
        4,
    )
    assert groups[1] == (["mean_commission", "data_hhi", "leakage_share"], 3)
    assert series_groups(["hhi", "data_hhi"]) == [(["hhi", "data_hhi"], 3)]
    section = market_report.split("<h3>concentration</h3>")[1].split("<h3>")[0]
    assert section.count("<img") >= 2


def test_gini_chart_labels_lie_inside_the_figure() -> None:
    """The scenario names under the bars were cut off at the bottom."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = [
        "baseline",
        "trusted_third_party",
        "open_data",
        "territorial_platform",
        "cooperative_platform",
        "skills_platform",
        "intermunicipal_pooling",
        "worker_protection",
        "antitrust",
        "broadband",
        "policy_mix",
    ]
    mean = np.linspace(0.24, 0.25, len(arms))
    gini = pd.DataFrame(
        {"mean": mean, "mean_low": mean - 0.004, "mean_high": mean + 0.004}, index=arms
    )
    figure = gini_figure(gini, arms)
    try:
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        box = figure.bbox
        (ax,) = figure.axes
        low, high = ax.get_ylim()  # the y tick labels drawn, not those beyond the limits
        shown = [t for t in ax.get_yticklabels() if low <= t.get_position()[1] <= high]
        texts = [*ax.get_xticklabels(), *shown, ax.title, ax.xaxis.label, ax.yaxis.label]
        assert [t.get_text() for t in ax.get_xticklabels()] == arms
        for text in texts:
            if not text.get_text():
                continue
            extent = text.get_window_extent(renderer)
            assert extent.x0 >= box.x0 - 0.5 and extent.x1 <= box.x1 + 0.5, text.get_text()
            assert extent.y0 >= box.y0 - 0.5 and extent.y1 <= box.y1 + 0.5, text.get_text()
    finally:
        plt.close(figure)


def test_levers_name_a_new_platform_in_one_line(market_dir: Path, market_report: str) -> None:
    """A platform added by a scenario reads as one item, not one path per field."""
    manifest = json.loads((market_dir / "manifest.json").read_text())
    rows = lever_text(manifest, "baseline")
    assert rows["baseline"] == "(the baseline)"
    coop = rows["cooperative_platform"]
    assert "platforms.catalogue" not in coop and "None" not in coop
    added = [item for item in coop.split("; ") if item.startswith("adds platform")]
    assert added == [ADDED_COOPERATIVE]
    assert "competition.commission_cap: 1.0 → 0.15" in rows["antitrust"]  # other levers
    assert "platform" not in rows["antitrust"]
    # a baseline that is no scenario name (a grid arm) is read as the first scenario, as levers()
    assert "platform" not in lever_text(manifest, "baseline@p0")["antitrust"]
    # a scenario removing the baseline's platform, and one changing a field of it
    removed = json.loads(json.dumps(manifest["scenarios"][0]))
    removed["name"] = "no_leader"
    del removed["parameters"]["platforms"]["catalogue"]["goods-leader"]
    cheaper = json.loads(json.dumps(manifest["scenarios"][0]))
    cheaper["name"] = "cheaper"
    cheaper["parameters"]["platforms"]["catalogue"]["goods-leader"]["commission"] = 0.1
    manifest["scenarios"] += [removed, cheaper]
    rows = lever_text(manifest, "baseline")
    assert rows["no_leader"] == "removes platform goods-leader (global)"
    old = manifest["scenarios"][0]["parameters"]["platforms"]["catalogue"]["goods-leader"]
    expected = f"platforms.catalogue.goods-leader.commission: {old['commission']} → 0.1"
    assert rows["cheaper"] == expected
    assert "adds platform cooperative (cooperative, " in market_report


def test_report_says_what_the_replications_can_tell(market_report: str) -> None:
    """A simple power statement after the comparison (issue 18, item 5)."""
    section = market_report.split("<h3>Are there enough replications?</h3>")[1].split("<h2>")[0]
    assert "With 2 paired replications per scenario" in section
    assert "80% power" in section and "no clear difference" in section
    assert "<details><summary>Detectable difference per outcome" in section
    assert "<td>gini_income</td>" in section


def test_maps_of_insee_communes_draw_their_departements_outlines(
    tmp_path: Path, results_dir: Path
) -> None:
    from platsim.analysis.report import _outlines

    experiment = tmp_path / "real.yaml"
    experiment.write_text(
        "name: real\nscenarios: [yvelines]\nreplications: 1\nsteps: 2\noutputs:\n  panel_every: 1\n"
    )
    run_batch(experiment, tmp_path / "out", executor="local")
    real = platsim.experiment.results.open(tmp_path / "out")
    rings = _outlines(real, set(real.panel.columns))
    assert len(rings) == 1  # the one département, Yvelines
    panel = real.df("SELECT x_km, y_km FROM panel")
    from matplotlib.path import Path as Outline

    assert Outline(rings[0]).contains_points(panel.to_numpy(), radius=-1.5).mean() > 0.99
    generated = platsim.experiment.results.open(results_dir)
    assert _outlines(generated, set(generated.panel.columns)) == []
