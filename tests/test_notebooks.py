"""The notebooks run top to bottom on a fresh kernel, at small sizes, and reach their stated
results (each asserts its own, e.g. `assert test_accuracy >= 0.97`)."""

import importlib.util
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = [
    "01_value_and_backward.ipynb",
    "02_micrograd_mlp.ipynb",
    "03_tensor_mlp_digits.ipynb",
    "04_optimizer_ladder.ipynb",
    "05_training_diagnostics.ipynb",
]


def load_runner():
    spec = importlib.util.spec_from_file_location("notebook_runner", NOTEBOOKS / "run.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    return runner


runner = load_runner()


def test_the_five_notebooks_are_there():
    assert [path.name for path in runner.notebooks()] == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_and_reaches_its_results(name):
    path = NOTEBOOKS / name
    before = path.read_bytes()
    notebook = runner.run(path, quick=True)
    assert path.read_bytes() == before  # quick runs leave the committed file alone
    kinds = {output.output_type for cell in notebook.cells for output in cell.get("outputs", [])}
    assert "error" not in kinds


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_is_small(name):
    assert (NOTEBOOKS / name).stat().st_size < 1_500_000  # outputs kept, but no megabyte walls
