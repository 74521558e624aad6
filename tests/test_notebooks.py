"""Execute every notebook of ``notebooks/`` and check that notebooks are stored clean.

Each notebook runs top to bottom in a fresh ``python3`` kernel with nbclient (working
directory ``notebooks/``, at most 300 s per cell); any error fails the test. The kernel is
pinned to the interpreter running the tests: a temporary kernel spec named ``python3`` whose
argv starts with ``sys.executable`` is put first on ``JUPYTER_PATH``, so a user-level
``python3`` kernel of another environment cannot be picked up instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT = 300


@pytest.fixture(scope="module")
def this_interpreter_kernel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernel spec directory whose ``python3`` kernel runs ``sys.executable``."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3 (tests)", "language": "python"}),
        encoding="utf-8",
    )
    return root


@pytest.fixture
def pinned_kernel(this_interpreter_kernel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(this_interpreter_kernel))


def execute(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    return client.execute()


def test_there_are_notebooks() -> None:
    assert PATHS, f"no notebook in {NOTEBOOKS}"


@pytest.mark.parametrize("path", PATHS, ids=[path.name for path in PATHS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or execution counts"
    assert notebook.metadata.get("kernelspec", {}).get("name") == KERNEL


@pytest.mark.usefixtures("pinned_kernel")
def test_kernel_runs_this_interpreter() -> None:
    probe = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import os, sys\nprint(sys.executable)\nprint(os.getcwd())")
        ]
    )
    executed = execute(probe)
    executable, cwd = executed.cells[0].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(cwd).resolve() == NOTEBOOKS


@pytest.mark.usefixtures("pinned_kernel")
@pytest.mark.parametrize("path", PATHS, ids=[path.name for path in PATHS])
def test_notebook_runs_without_errors(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    try:
        execute(notebook)
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}")
