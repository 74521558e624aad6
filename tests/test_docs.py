"""Keep docs/ODD.md true to the code: parameters (catalogue fields included), outcomes,
schedule, ledger flows, bundled scenarios, platform and Lorenz tables and the generated parameter
table; and README.md's command table true to the command line."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from platsim.cli import app
from platsim.core.ledger import INFLOWS, OUTFLOWS
from platsim.core.model import PHASES, TerritoryModel
from platsim.core.platforms import platform_frame
from platsim.schema import bundled_scenarios, iter_parameters, parameter_paths
from platsim.schema.outcomes import OUTCOMES

DOCS = Path(__file__).resolve().parents[1] / "docs"
README = DOCS.parent / "README.md"
ODD = DOCS / "ODD.md"
GENERATOR = DOCS / "generate_parameters.py"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_parameters", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def section(text: str, number: int) -> str:
    """The text of ODD section ``number`` (from its ``## n`` heading to the next ``## ``)."""
    match = re.search(rf"^## {number} .*?(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"ODD.md has no section '## {number} ...'"
    return match.group(0)


def subsection(text: str, number: str) -> str:
    """The text of ODD subsection ``number`` (``"7.9"``) up to the next heading."""
    match = re.search(
        rf"^### {re.escape(number)} .*?(?=^##+ |\Z)", text, flags=re.MULTILINE | re.DOTALL
    )
    assert match, f"ODD.md has no subsection '### {number} ...'"
    return match.group(0)


def test_every_parameter_is_documented(odd: str) -> None:
    paths = [*parameter_paths(), *(row["path"] for row in iter_parameters())]
    missing = [path for path in dict.fromkeys(paths) if f"`{path}`" not in odd]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}"


def test_catalogue_fields_are_in_the_parameter_table(odd: str, generator: ModuleType) -> None:
    block = generator.current_block(odd)
    catalogue = [row for row in iter_parameters() if row["path"].startswith("platforms.catalogue.")]
    assert catalogue, "iter_parameters() yields no platforms.catalogue.NAME.<field> rows"
    for row in catalogue:
        assert f"| `{row['path']}` |" in block


def test_every_ledger_flow_is_documented(odd: str) -> None:
    ledger = subsection(odd, "7.9")
    missing = [name for name in (*INFLOWS, *OUTFLOWS) if f"| `{name}` |" not in ledger]
    assert not missing, f"ledger flows missing from section 7.9 of docs/ODD.md: {missing}"


def test_every_bundled_scenario_is_documented(odd: str) -> None:
    scenarios = subsection(odd, "6.1")
    missing = [name for name in bundled_scenarios() if f"| `{name}` |" not in scenarios]
    assert not missing, f"bundled scenarios missing from section 6.1 of docs/ODD.md: {missing}"


def test_every_platform_table_column_is_documented(odd: str) -> None:
    table = subsection(odd, "8.3")
    missing = [name for name in platform_frame([]).columns if f"`{name}`" not in table]
    assert not missing, f"platform table columns missing from section 8.3: {missing}"


def test_the_lorenz_table_is_documented(odd: str) -> None:
    table = subsection(odd, "8.4")
    columns = TerritoryModel(seed=1, overrides={"territory.n_municipalities": 5}).lorenz_frame()
    missing = [name for name in columns.columns if f"| `{name}` |" not in table]
    assert not missing, f"Lorenz table columns missing from section 8.4: {missing}"
    assert "`lorenz.parquet`" in table and "`model.lorenz_frame()`" in table
    assert "`lorenz.parquet`" in section(odd, 4)  # the outputs listed under Observation


def test_every_outcome_is_documented(odd: str) -> None:
    outcomes = section(odd, 8)
    missing = [name for name in OUTCOMES if f"`{name}`" not in outcomes]
    assert not missing, f"outcomes missing from section 8 of docs/ODD.md: {missing}"


def test_every_outcomes_better_direction_is_the_odd_tables(odd: str) -> None:
    """Comparisons and reports read ``OUTCOMES[name].better``: it must be the ODD's column."""
    documented: dict[str, str | None] = {}
    for line in subsection(odd, "8.1").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            better = cells[3].split()[0]
            documented[cells[0].strip("`")] = None if better == "–" else better
    assert set(documented) == set(OUTCOMES)
    declared = {name: outcome.better for name, outcome in OUTCOMES.items()}
    assert declared == documented
    assert {"higher", "lower", None} == set(documented.values())


def test_every_phase_is_in_the_process_overview(odd: str) -> None:
    overview = section(odd, 3)
    missing = [name for name, _ in PHASES if f"`{name}`" not in overview]
    assert not missing, f"phases missing from section 3 of docs/ODD.md: {missing}"


def test_process_overview_lists_the_phases_in_schedule_order(odd: str) -> None:
    overview = section(odd, 3)
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \|", overview, flags=re.MULTILINE)
    assert [name for _, name in rows] == [name for name, _ in PHASES]


def test_parameter_block_is_up_to_date(odd: str, generator: ModuleType) -> None:
    assert generator.current_block(odd) == generator.render_table(), (
        "the parameter table of docs/ODD.md is stale: run `python docs/generate_parameters.py`"
    )


def test_parameter_block_is_in_section_9(odd: str, generator: ModuleType) -> None:
    parameters = section(odd, 9)
    assert generator.START in parameters and generator.END in parameters


def test_parameters_md_is_up_to_date(generator: ModuleType) -> None:
    written = (DOCS / "parameters.md").read_text(encoding="utf-8")
    assert written == generator.render_parameters_md(), (
        "docs/parameters.md is stale: run `python docs/generate_parameters.py`"
    )


def test_replace_block_is_idempotent_and_keeps_the_rest(odd: str, generator: ModuleType) -> None:
    once = generator.replace_block(odd)
    assert generator.replace_block(once) == once
    head = odd.split(generator.START)[0]
    tail = odd.split(generator.END)[1]
    assert once.startswith(head) and once.endswith(tail)


def test_replace_block_rejects_missing_markers(generator: ModuleType) -> None:
    with pytest.raises(ValueError):
        generator.replace_block("# no markers here\n")


def test_mapping_and_required_defaults_are_rendered(generator: ModuleType) -> None:
    table = generator.render_table(
        [
            {
                "path": "platforms.catalogue",
                "default": {"global": "..."},
                "unit": "mapping",
                "range": "any",
                "description": "Platforms by name.",
                "source": "scenario lever",
            },
            {
                "path": "platforms.catalogue.NAME.kind",
                "default": "required",
                "unit": "choice",
                "range": "global | entrant",
                "description": "Kind.",
                "source": "brief",
            },
        ]
    )
    assert "| `platforms.catalogue` | {global: ...} | mapping |" in table
    assert "table `platforms.catalogue.NAME`" in table
    assert "| `platforms.catalogue.NAME.kind` | required | choice | global \\| entrant |" in table
    assert "**`platforms.catalogue.NAME`**: one entry per platform" in table


def test_assumptions_are_marked(generator: ModuleType) -> None:
    table = generator.render_table(
        [
            {
                "path": "economy.example",
                "default": 1.0,
                "unit": "share",
                "range": "[0, 1]",
                "description": "a | b",
                "source": "assumption",
            }
        ]
    )
    assert "| `economy.example` | 1.0 | share | [0, 1] | a \\| b | *assumption* |" in table


def test_readme_command_table_lists_every_command() -> None:
    """README.md's "Command line" table has one row per ``platsim`` command, no more."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Command line\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Command line' section"
    rows = re.findall(r"^\| `platsim ([a-z-]+)", match.group(1), flags=re.MULTILINE)
    commands = [command.name for command in app.registered_commands]
    assert sorted(rows) == sorted(commands)


#: Every dotted ``platsim.…`` name written in the prose a user reads.
DOCUMENTED = (README, ODD, *sorted((DOCS.parent / "notebooks").glob("*.ipynb")))


def resolve(dotted: str) -> object:
    """The module or attribute a dotted name stands for (imports as needed)."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


def test_every_platsim_name_in_the_docs_exists() -> None:
    # a module moved or renamed leaves no stale path or import in the README, the ODD or the
    # notebooks
    stale = []
    for path in DOCUMENTED:
        text = path.read_text(encoding="utf-8")
        imported = re.findall(r"from (platsim[\w.]*) import ([\w, ]+)", text)
        names = {
            f"{module}.{name.strip()}" for module, listed in imported for name in listed.split(",")
        }
        names |= set(re.findall(r"\bplatsim(?:\.[A-Za-z_]\w*)+", text))
        for dotted in sorted(names):
            try:
                resolve(dotted.removesuffix(".py"))
            except (ImportError, AttributeError):
                stale.append(f"{path.name}: {dotted}")
    assert not stale, "names that no longer exist:\n" + "\n".join(stale)
