"""The folders are the layers: a module imports only from its own layer or the layers below.

Every ``import`` and ``from ... import`` of every module under ``src/platsim`` is read (those
inside functions too, which load lazily), so the model core can never come to depend on the
batch runner, the analysis, the command line or the app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import platsim

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "platsim"

#: Bottom to top; a module may import from its own layer and those listed before it.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors"}),
    frozenset({"schema", "numerics", "output"}),
    frozenset({"territory"}),
    frozenset({"core"}),
    frozenset({"simulation"}),
    frozenset({"experiment"}),
    frozenset({"analysis"}),
    frozenset({"cli", "viz"}),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}

#: ``from platsim import NAME``: the module each public name comes from.
PUBLIC = {name: module for name, (module, _) in platsim._PUBLIC.items()}
#: Every module but the package's own __init__ (the public API) and the scenario files' folder.
MODULES = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if path.relative_to(PACKAGE).parts[0] not in ("__init__.py", "scenarios")
)


def part_of(dotted: str) -> str | None:
    """The top-level part of platsim a dotted module name belongs to (None: not platsim's)."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "platsim" and len(parts) > 1 else None


def imported_parts(path: Path) -> set[str]:
    """The parts of platsim that a module imports, at any depth of its code."""
    parts: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path}: a relative import; platsim imports absolutely")
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            if node.module == "platsim":  # from platsim import core, or a public name
                names = [PUBLIC.get(alias.name, f"platsim.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "import_module":
            names = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        else:
            continue
        for part in map(part_of, names):
            if part is not None and part != "__version__":
                assert part in RANK, f"{path}: imports platsim.{part}, which has no layer"
                parts.add(part)
    return parts


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in MODULES}
    assert parts == set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_a_module_imports_only_from_its_layer_or_below(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    above = {part for part in imported_parts(path) if RANK[part] > RANK[own]}
    assert not above, f"{own} (layer {RANK[own]}) imports from higher layers: {sorted(above)}"


def test_the_check_sees_a_lazy_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    from platsim.cli.app import main\n    import platsim.viz\n"
        "    from platsim import run\n    import_module('platsim.analysis.compare')\n"
    )
    assert imported_parts(module) == {"cli", "viz", "simulation", "analysis"}
