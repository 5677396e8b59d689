"""The notebooks run top to bottom on a fresh kernel, at small sizes, and reach their stated
results (each asserts its own, e.g. `assert test_accuracy >= 0.97`)."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = [
    "01_value_and_backward.ipynb",
    "02_micrograd_mlp.ipynb",
    "03_tensor_mlp_digits.ipynb",
    "04_optimizer_ladder.ipynb",
    "05_training_diagnostics.ipynb",
    "06_cnn_digits.ipynb",
    "07_window_classifier.ipynb",
]


def load_runner():
    spec = importlib.util.spec_from_file_location("notebook_runner", NOTEBOOKS / "run.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    return runner


runner = load_runner()


def test_the_seven_notebooks_are_there():
    assert [path.name for path in runner.notebooks()] == EXPECTED


# Checks run after a notebook's own cells, on its variables: what a reader cannot see go wrong.
AFTERWARDS = {
    "03_tensor_mlp_digits.ipynb": """
validation = {row.tobytes() for row in val_loader.dataset.arrays[0]}
assert validation.isdisjoint(row.tobytes() for row in X_test_std)  # fit never saw a test image
assert history.best_epoch is not None  # early stopping chose the weights on validation
""",
    "06_cnn_digits.ipynb": """
assert np.array_equal(val_idx, np.random.default_rng(0).permutation(1438)[:144])  # 03's split
assert {image.tobytes() for image in images_val}.isdisjoint(x.tobytes() for x in images_test)
assert [type(m) for m in cnn] == [type(m) for m in digits_cnn()]  # the CLI's model
""",
}


# Every notebook ends with 3-5 exercises (viz.exercises): each check refused the learner's
# placeholder the first time it ran and accepted the collapsed solution the last time.
EXERCISES_CHECKED = """
from viz.exercises import EXERCISES
assert 3 <= len(EXERCISES) <= 5, EXERCISES
for exercise in EXERCISES:
    assert exercise.attempts[0] is False and exercise.attempts[-1] is True, exercise
"""


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_and_reaches_its_results(name):
    path = NOTEBOOKS / name
    before = path.read_bytes()
    notebook = nbformat.read(path, as_version=4)
    checks = AFTERWARDS.get(name, "") + EXERCISES_CHECKED
    notebook.cells.append(nbformat.v4.new_code_cell(checks))
    notebook = runner.execute(notebook, quick=True)
    assert path.read_bytes() == before  # quick runs leave the committed file alone
    kinds = {output.output_type for cell in notebook.cells for output in cell.get("outputs", [])}
    assert "error" not in kinds


@pytest.mark.parametrize("name", EXPECTED)
def test_exercise_checks_and_solutions_are_collapsed(name):
    """A learner sees each check's verdict and a folded solution, not the answer in the code."""
    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    tagged = {tag: [c for c in cells if tag in c.metadata.get("tags", [])] for tag in TAGS}
    assert 3 <= len(tagged["exercise-check"]) <= 5
    assert len(tagged["solution"]) == len(tagged["exercise-check"])
    for cell in tagged["exercise-check"] + tagged["solution"]:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.source


TAGS = ("exercise-check", "solution")


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_is_small(name):
    assert (NOTEBOOKS / name).stat().st_size < 1_500_000  # outputs kept, but no megabyte walls


def extra(name: str) -> dict[str, Requirement]:
    """The requirements of pyproject.toml's optional-dependencies `name`, by package name."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = map(Requirement, pyproject["project"]["optional-dependencies"][name])
    return {requirement.name: requirement for requirement in requirements}


def test_the_notebooks_extra_has_jupyterlab_and_what_the_notebooks_need():
    notebooks = extra("notebooks")
    assert {"jupyterlab", "ipywidgets", "ipykernel"} <= set(notebooks)
    uses_digits = [p.name for p in runner.notebooks() if "load_digits" in p.read_text("utf-8")]
    assert uses_digits  # so nn.load_digits needs scikit-learn, which the data extra brings
    assert notebooks["tracegrad"].extras == {"data"} and "scikit-learn" in extra("data")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_installs_the_extra_then_serves_the_notebooks_on_localhost_only():
    dry_run = subprocess.run(
        ["make", "--dry-run", "--always-make", "lab"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    install = [i for i, cmd in enumerate(dry_run) if "pip install" in cmd and "[notebooks]" in cmd]
    serve = [i for i, cmd in enumerate(dry_run) if "jupyter lab" in cmd]
    assert len(install) == 1 and len(serve) == 1 and install[0] < serve[0], dry_run
    options = dry_run[serve[0]].split()
    assert "--ip=127.0.0.1" in options and "--notebook-dir=notebooks" in options


def test_the_runner_refuses_an_unknown_notebook_naming_the_ones_there():
    done = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "run.py"), "--quick", "07_nope"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no notebook 07_nope.ipynb" in done.stderr
    assert "01_value_and_backward, 02_micrograd_mlp" in done.stderr
