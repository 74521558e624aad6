"""Tests of the teaching app without a browser: levers, figures, Solara components, CLI.

Levers and figures need no extra; the component and page tests render the app with Solara's
test renderer (``solara.render``) and skip when the ``viz`` extra is missing. The browser
test is ``tests/viz/test_browser.py``.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from platsim.cli import main
from platsim.core.model import TerritoryModel
from platsim.errors import InputError
from platsim.schema import SECTIONS, load_scenario
from platsim.viz import figures
from platsim.viz.levers import (
    LEVER_SPECS,
    LeverSpec,
    check_levers,
    make_lever,
    scenario_levers,
    schema_bounds,
)

SMALL = {"territory.n_municipalities": 20}


def small_model(seed: int = 1, **overrides: Any) -> TerritoryModel:
    return TerritoryModel(seed=seed, overrides={**SMALL, **overrides})


# --------------------------------------------------------------------------------------------
# Levers


def test_levers_are_the_issue_levers_with_schema_choices() -> None:
    levers = {lever.path: lever for lever in scenario_levers(load_scenario("baseline"))}
    assert list(levers) == [spec.path for spec in LEVER_SPECS]
    assert set(levers) == {
        "data.regime",
        "data.share",
        "competition.commission_cap",
        "competition.multihoming",
        "labour.earnings_floor",
        "labour.minimum_hourly_pay",
        "public.pooling",
        "public.broadband_programme",
        "public.advisory_advisers",
        "goods.network_effect",
        "goods.data_effect",
        "platforms.data_quality_elasticity",
        "goods.homing_cost",
    }
    assert levers["competition.multihoming"].kind == "switch"
    assert levers["data.regime"].choices == ("closed", "trusted_third_party", "open", "portability")
    assert levers["public.pooling"].choices == ("none", "epci")
    assert levers["data.regime"].value == "closed"


@pytest.mark.parametrize(
    "spec",
    [
        s
        for s in LEVER_SPECS
        if s.path not in ("data.regime", "public.pooling", "competition.multihoming")
    ],
)
def test_slider_bounds_come_from_the_schema_and_are_accepted(spec: LeverSpec) -> None:
    scenario = load_scenario("baseline")
    lever = make_lever(spec, scenario)
    lower, upper, _, _ = schema_bounds(spec.path)
    assert lever.minimum is not None and lever.maximum is not None
    assert lower is not None and lever.minimum >= lower
    if upper is not None:
        assert lever.maximum <= upper
    else:
        assert lever.maximum == spec.teaching_max
    assert lever.minimum <= lever.value <= lever.maximum
    # both ends of the slider make a valid scenario; one step beyond is refused by the lever
    for value in (lever.minimum, lever.maximum):
        assert scenario.with_overrides({spec.path: value}).get(spec.path) == value
    assert lever.step is not None
    for outside in (lever.minimum - lever.step, lever.maximum + lever.step):
        with pytest.raises(InputError, match="outside the lever's range"):
            lever.check(outside)


def test_schema_bounds_read_ge_le_gt_lt() -> None:
    assert schema_bounds("data.share") == (0.0, 1.0, False, False)
    assert schema_bounds("labour.earnings_floor") == (0.0, None, False, False)
    assert schema_bounds("economy.matching_elasticity") == (0.0, 1.0, True, True)
    # an open bound is moved inside by one step
    lever = make_lever(
        LeverSpec("economy.matching_elasticity", "alpha", step=0.05), load_scenario("baseline")
    )
    assert lever.minimum == pytest.approx(0.05) and lever.maximum == pytest.approx(0.95)
    with pytest.raises(KeyError):
        schema_bounds("economy.no_such_field")


def test_teaching_maximum_grows_to_the_scenario_value(tmp_path: Path) -> None:
    path = tmp_path / "generous.yaml"
    path.write_text("extends: baseline\nlabour:\n  earnings_floor: 3120\n", encoding="utf-8")
    spec = next(s for s in LEVER_SPECS if s.path == "labour.earnings_floor")
    lever = make_lever(spec, load_scenario(path))
    assert lever.path == "labour.earnings_floor"
    assert lever.value == 3120.0
    assert lever.maximum == 3150.0  # rounded up to the slider's step


def test_a_numeric_lever_needs_bounds() -> None:
    with pytest.raises(ValueError, match="teaching maximum"):
        make_lever(LeverSpec("labour.earnings_floor", "floor"), load_scenario("baseline"))


def test_check_levers_refuses_unknown_paths_and_bad_values() -> None:
    levers = scenario_levers(load_scenario("baseline"))
    assert check_levers(levers, {"data.share": 1, "data.regime": "open"}) == {
        "data.share": 1.0,
        "data.regime": "open",
    }
    with pytest.raises(InputError, match="not a lever"):
        check_levers(levers, {"economy.local_share": 0.2})
    with pytest.raises(InputError, match="not an allowed choice"):
        check_levers(levers, {"data.regime": "shared"})
    for bad in ("0.5", True, float("nan"), None):
        with pytest.raises(InputError, match="must be a number"):
            check_levers(levers, {"data.share": bad})


def test_lever_values_are_shown_with_their_unit() -> None:
    levers = {lever.path: lever for lever in scenario_levers(load_scenario("baseline"))}
    assert levers["data.share"].format(0.5) == "50%"
    assert levers["labour.earnings_floor"].format(1100.0) == "1,100 EUR / month"
    assert levers["data.regime"].format("open") == "open"


def test_every_lever_path_is_a_schema_field() -> None:
    for spec in LEVER_SPECS:
        section, name = spec.path.split(".")
        assert name in SECTIONS[section].model_fields


# --------------------------------------------------------------------------------------------
# Figures


def test_map_colours_each_municipality_by_its_value() -> None:
    model = small_model()
    model.run_for(2)
    view = figures.MapView("unemployment")
    png = view.png(model)
    assert png.startswith(b"\x89PNG")
    discs = view._discs
    order = np.argsort(-model.territory.population, kind="stable")
    expected = figures.municipal_values(model, "unemployment")[order]
    np.testing.assert_allclose(np.asarray(discs.get_array()), expected)
    assert len(discs.get_offsets()) == model.territory.n
    # positions are the municipalities' coordinates, sizes grow with population
    np.testing.assert_allclose(discs.get_offsets()[:, 0], model.territory.x_km[order])
    sizes = discs.get_sizes()
    assert np.all(np.diff(sizes) <= 1e-9)  # drawn largest first
    adoption = figures.municipal_values(model, "adoption")
    assert adoption.shape == (model.territory.n,)
    assert np.all((adoption >= 0) & (adoption <= 1))
    # households' platform spending over their spending, as the flows book it
    spending = model.workers.spending
    online = model.flows["goods_platform_spending"] + model.flows["local_platform_spending"]
    households = np.bincount(model.workers.home, weights=spending, minlength=model.territory.n)
    assert float(adoption @ households) == pytest.approx(online, rel=0.05)
    with pytest.raises(ValueError, match="colour_by"):
        figures.municipal_values(model, "income")  # type: ignore[arg-type]


def test_map_draws_the_network_links() -> None:
    model = small_model()
    figure = figures.map_figure(model)
    links = [c for c in figure.axes[0].collections if c.__class__.__name__ == "LineCollection"]
    assert len(links) == 1
    assert len(links[0].get_segments()) == len(model.territory.edges)
    assert figure.axes[0].get_title() == "Step 0: unemployment rate"


def test_live_views_redraw_only_the_data_when_the_model_steps() -> None:
    model = small_model()
    map_view, plot_view = figures.MapView(), figures.OutcomesView()
    first = (map_view.png(model), plot_view.png(model))
    keys = (map_view._key, plot_view._key)
    backgrounds = (map_view._background, plot_view._background)
    model.step()
    second = (map_view.png(model), plot_view.png(model))
    assert second[0] != first[0] and second[1] != first[1]
    assert (map_view._key, plot_view._key) == keys
    assert (map_view._background, plot_view._background) == backgrounds  # blitted
    # the curves hold every step so far
    assert len(plot_view._lines["hhi"].get_xdata()) == model.steps + 1
    assert list(plot_view._lines["unemployment"].get_ydata()) == list(
        model.metrics_frame()["unemployment_rate"]
    )
    # another colouring redraws the static part
    map_view.colour_by = "adoption"
    map_view.png(model)
    assert map_view._key != keys[0]


def test_a_rebuilt_model_on_the_same_territory_keeps_the_map_background() -> None:
    first = small_model()
    view = figures.MapView()
    view.png(first)
    background = view._background
    rebuilt = small_model(**{"competition.commission_cap": 0.5})
    view.png(rebuilt)
    assert view._background is background
    other = small_model(seed=2)
    view.png(other)
    assert view._background is not background


def test_outcome_plots_show_catalogue_platforms_and_large_entrants() -> None:
    model = small_model(
        **{
            "platforms.catalogue": {
                "a": {"kind": "global"},
                "b": {"kind": "cooperative", "start": "policy_start"},
            }
        }
    )
    model.run_for(3)
    shares = figures.market_shares(model)
    shown = figures.OutcomesView.shown_platforms(model, shares)
    assert shown[:2] == ("a", "b")
    for name in shown[2:]:
        assert shares[name].max() >= figures.PLATFORM_SHOWN_FROM
    figure = figures.outcomes_figure(model)
    titles = [axes.get_title() for axes in figure.axes]
    assert titles == [
        "Goods platforms' market shares",
        "Concentration (HHI, 0-10,000)",
        "Unemployment rate",
        "Theil index of municipal income",
    ]
    hhi_labels = [text.get_text() for text in figure.axes[1].get_legend().get_texts()]
    assert hhi_labels == ["all (weighted)", "goods", "local services", "freelance"]


def test_outcome_plots_draw_the_default_goods_platforms() -> None:
    model = small_model()
    model.run_for(2)
    shown = figures.OutcomesView.shown_platforms(model, figures.market_shares(model))
    goods = [p.name for p in model.platforms if p.segment == "goods" and p.kind != "entrant"]
    assert shown == tuple(goods[: figures.MAX_PLATFORM_LINES])


def test_scale_top_doubles_from_its_base() -> None:
    assert figures.scale_top(0.1, 0.15) == 0.15
    assert figures.scale_top(0.2, 0.15) == 0.3
    assert figures.scale_top(0.31, 0.15) == 0.6
    assert figures.scale_top(float("nan"), 0.01) == 0.01


def test_a_step_of_the_default_territory_redraws_within_half_a_second() -> None:
    """The target: step + map + plots of the default territory in <= 0.5 s (server side)."""
    model = TerritoryModel(seed=1)
    map_view, plot_view = figures.MapView(), figures.OutcomesView()
    map_view.png(model), plot_view.png(model)  # first draw builds the static parts
    times = []
    for _ in range(5):
        start = time.perf_counter()
        model.step()
        map_view.png(model)
        plot_view.png(model)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) <= 0.5, times


# --------------------------------------------------------------------------------------------
# Components and the page (Solara's test renderer)


@pytest.fixture
def viz() -> Any:
    pytest.importorskip("solara", reason="the viz extra is missing")
    pytest.importorskip("mesa.visualization", reason="the viz extra is missing")
    import ipyvuetify
    import solara

    from platsim.viz import app

    return solara, ipyvuetify, app


def render_app(viz: Any, scenario: Any = "baseline", seed: int = 1) -> Any:
    """Render the app as a browser session would (with the sidebar's layout)."""
    solara, _, app = viz
    box, rc = solara.render(
        solara.AppLayout(children=[app.TerritoryApp(scenario, seed)]), handle_error=False
    )
    rc.root = box
    return rc


def widgets(rc: Any) -> list[Any]:
    """Every widget on the page (walking ``children``, grid ``items`` and slots)."""
    found, stack, seen = [], [rc.root], set()
    while stack:
        widget = stack.pop()
        if id(widget) in seen or isinstance(widget, str):
            continue
        seen.add(id(widget))
        found.append(widget)
        for attribute in ("children", "items"):
            value = getattr(widget, attribute, None)
            if isinstance(value, list | tuple):
                stack.extend(value)
        for slot in getattr(widget, "v_slots", None) or []:
            stack.append(slot.get("children"))
    return [w for w in found if w is not None and not isinstance(w, list | dict)]


def texts(rc: Any, viz: Any) -> list[str]:
    """Every text shown on the page."""
    return [
        child
        for widget in widgets(rc)
        for child in getattr(widget, "children", None) or []
        if isinstance(child, str)
    ]


def test_page_steps_and_levers_reset_the_model(viz: Any) -> None:
    import ipywidgets

    _, v, _ = viz
    rc = render_app(viz)
    assert "Step: 0" in texts(rc, viz)
    step = rc.find(v.Btn, children=["Step"]).widget
    images = [w.value for w in widgets(rc) if isinstance(w, ipywidgets.Image)]
    for expected in (1, 2, 3):
        step.click()
        assert f"Step: {expected}" in texts(rc, viz)
    after = [w.value for w in widgets(rc) if isinstance(w, ipywidgets.Image)]
    assert len(after) == 2 and all(a != b for a, b in zip(after, images, strict=True))

    # the commission-cap slider: bounded by the schema; moving it rebuilds the model
    sliders = {
        (w.min, w.max, w.step): w for w in widgets(rc) if isinstance(w, v.Slider) and w.label == ""
    }
    cap = sliders[(0.0, 1.0, 0.01)]
    cap.v_model = 0.4
    shown = texts(rc, viz)
    assert "Step: 0" in shown
    assert "Commission cap: 40%" in shown
    assert any("competition.commission_cap = 0.4" in text for text in shown)

    # the data regime selector offers the schema's choices only
    regime = rc.find(v.Select, label="Data regime").widget
    assert regime.items == ["closed", "trusted_third_party", "open", "portability"]
    regime.v_model = "open"
    assert any("data.regime = open" in text for text in texts(rc, viz))

    # Reset keeps the levers
    step.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    shown = texts(rc, viz)
    assert "Step: 0" in shown
    assert any("data.regime = open" in t and "commission_cap = 0.4" in t for t in shown)


def test_each_session_has_its_own_model(viz: Any) -> None:
    _, v, _ = viz
    first, second = render_app(viz), render_app(viz)
    first.find(v.Btn, children=["Step"]).widget.click()
    assert "Step: 1" in texts(first, viz)
    assert "Step: 0" in texts(second, viz)


def test_bad_scenario_shows_the_cli_message(viz: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("economy:\n  matching_efficiency: 99\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_scenario(bad)
    rc = render_app(viz, str(bad))
    _, v, _ = viz
    pre = [w for w in widgets(rc) if isinstance(w, v.Html) and w.tag == "pre"]
    assert len(pre) == 1
    assert raised.value.message() in "".join(map(str, pre[0].children))
    assert "Step: 0" not in texts(rc, viz)


def test_environment_settings(monkeypatch: pytest.MonkeyPatch, viz: Any) -> None:
    _, _, app = viz
    monkeypatch.setenv(app.SCENARIO_ENV, "open_data")
    monkeypatch.setenv(app.SEED_ENV, "7")
    assert app.environment_settings() == ("open_data", 7)
    monkeypatch.setenv(app.SEED_ENV, "seven")
    monkeypatch.delenv(app.SCENARIO_ENV)
    assert app.environment_settings() == ("baseline", 1)


# --------------------------------------------------------------------------------------------
# The command line


class FakeServer:
    """Stands in for the Solara server process."""

    calls: ClassVar[list[tuple[list[str], dict[str, str]]]] = []

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        FakeServer.calls.append((command, env))
        self.returncode = 0

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def poll(self) -> int:
        return 0


def refuse_to_start(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the server must not start")


def test_viz_bad_scenario_exits_2_before_starting(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("platsim.cli.viz.subprocess.Popen", refuse_to_start)
    bad = tmp_path / "bad.yaml"
    bad.write_text("economy:\n  matching_efficiency: 99\n", encoding="utf-8")
    assert main(["viz", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "economy.matching_efficiency" in err and "99" in err and "Traceback" not in err
    assert main(["viz", str(tmp_path / "missing.yaml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err


def test_viz_refuses_a_busy_port_and_a_missing_extra(capsys, monkeypatch) -> None:
    import socket

    monkeypatch.setattr("platsim.cli.viz.subprocess.Popen", refuse_to_start)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["viz", "--port", str(port)]) == 2
    assert "port already in use" in capsys.readouterr().err
    monkeypatch.setattr("platsim.cli.viz.missing_viz_modules", lambda: ["solara"])
    assert main(["viz"]) == 2
    assert 'pip install "platsim[viz]"' in capsys.readouterr().err


def test_viz_serves_on_loopback_with_scenario_and_seed(capsys, monkeypatch) -> None:
    monkeypatch.setattr("platsim.cli.viz.missing_viz_modules", lambda: [])
    monkeypatch.setattr("platsim.cli.viz.port_is_free", lambda port, host="127.0.0.1": True)
    monkeypatch.setattr(
        "platsim.cli.viz.subprocess.Popen", lambda command, env: FakeServer(command, env)
    )
    FakeServer.calls.clear()
    assert main(["viz", "open_data", "--port", "8899", "--seed", "3"]) == 0
    ((command, env),) = FakeServer.calls
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8899"
    assert "platsim.viz.app" in command and "--production" in command
    assert Path(env["PLATSIM_VIZ_SCENARIO"]).name == "open_data.yaml"
    assert env["PLATSIM_VIZ_SEED"] == "3"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert "http://127.0.0.1:8899/" in capsys.readouterr().err


def test_the_app_shows_a_bundled_real_territory(viz: Any) -> None:
    rc = render_app(viz, "yvelines")
    shown = " ".join(texts(rc, viz))
    assert "Traceback" not in shown and "error" not in shown.lower()
    assert "the 259 communes of the département 78 (INSEE)" in shown


def test_the_map_of_a_real_territory_draws_its_departements_outlines() -> None:
    from matplotlib.collections import LineCollection

    from platsim.core.model import TerritoryModel
    from platsim.viz.figures import map_figure

    model = TerritoryModel(scenario="bourgogne_franche_comte", seed=1)
    axes = map_figure(model).axes[0]
    lines = [c for c in axes.collections if isinstance(c, LineCollection)]
    outlines = [c for c in lines if len(c.get_segments()) < 100]  # road links are thousands
    assert len(outlines) == 1 and len(outlines[0].get_segments()) >= 8  # 8 départements


def test_pooling_by_epci_is_offered_on_generated_and_real_territories() -> None:
    from platsim.schema import load_scenario

    generated = {lever.path: lever for lever in scenario_levers(load_scenario("baseline"))}
    real = {lever.path: lever for lever in scenario_levers(load_scenario("yvelines"))}
    assert generated["public.pooling"].choices == ("none", "epci")
    assert real["public.pooling"].choices == ("none", "epci")
