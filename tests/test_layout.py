"""The tree is the architecture: imports flow one way between the packages, and each file holds
what a newcomer reads in one sitting."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {  # package: the project packages it may import
    "autograd": set(),
    "nn": {"autograd"},
    "optim": {"autograd"},  # only its array kernels (see the next test): fused updates
    "training": {"autograd", "nn", "optim"},  # the loop, above both
    "viz": {"autograd", "nn", "optim", "training"},  # module names, History, schedules, paths
    "tracegrad": {"autograd", "nn", "optim", "training", "viz"},
}


def imported_packages(path: Path, of: frozenset[str] = frozenset(ALLOWED)) -> set[str]:
    """The top-level names among `of` that the file at `path` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & of


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        wrong = imported_packages(path) - ALLOWED[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


OPTIM_TAKES_FROM_AUTOGRAD = {  # module: the names optim may import from it
    "autograd": {"backend"},
    "autograd.backend": None,  # any kernel
    "autograd.gradients": {"zero_grads"},  # shared with nn.Module.zero_grad
    "autograd.arguments": {"is_real", "is_whole"},  # argument checks
}


def test_optim_takes_only_kernels_and_helpers_from_autograd():
    """optim works on anything with .data and .grad: from autograd it takes array kernels,
    zero_grads and the argument checks, never Tensor."""
    for path in (ROOT / "optim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd"):
                assert node.module in OPTIM_TAKES_FROM_AUTOGRAD, path
                allowed = OPTIM_TAKES_FROM_AUTOGRAD[node.module]
                assert allowed is None or {a.name for a in node.names} <= allowed, path


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_numba_is_imported_only_by_a_backend(package):
    for path in (ROOT / package).rglob("*.py"):
        if imported_packages(path, frozenset({"numba"})):
            assert "backend" in path.parts, f"{path.relative_to(ROOT)} imports numba"


def test_nn_imports_without_optim_or_tqdm():
    """The layers need neither the optimizers nor a progress bar: only the training loop does."""
    blocked = "import sys; sys.modules['tqdm'] = None; sys.modules['optim'] = None; import nn"
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


MOST_LINES = 650  # a library file past this holds more than one idea: split it (issue 15)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_library_file_is_over_650_lines(package):
    for path in (ROOT / package).rglob("*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= MOST_LINES, f"{path.relative_to(ROOT)} has {lines} lines"
