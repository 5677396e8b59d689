"""Run the notebooks top to bottom on a fresh kernel: `python notebooks/run.py [--quick] [NAME...]`.

Quick mode (what `make test` uses) sets TRACEGRAD_NOTEBOOK_QUICK=1, which each notebook reads in
its first cell to shrink its sizes, and leaves the files unchanged. Without it (`make
notebooks`) the notebooks run at full size and are saved with their outputs, for reading on
GitHub. A failing cell (an error, or an `assert` of a stated result) stops the run.
"""

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
QUICK = "TRACEGRAD_NOTEBOOK_QUICK"
TIMEOUT = 600  # seconds per cell


def notebooks() -> list[Path]:
    """Every notebook in this folder, in order (01_..., 02_..., ...)."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def run(path: Path, quick: bool) -> nbformat.NotebookNode:
    """Execute the notebook at `path` in its folder; save it with outputs unless `quick`."""
    notebook = execute(nbformat.read(path, as_version=4), quick)
    if not quick:
        nbformat.write(notebook, path)
    return notebook


def execute(notebook: nbformat.NotebookNode, quick: bool) -> nbformat.NotebookNode:
    """Run every cell of `notebook` on a fresh kernel in this folder, filling in its outputs."""
    previous = os.environ.get(QUICK)
    os.environ[QUICK] = "1" if quick else "0"  # the kernel inherits this process's environment
    try:
        NotebookClient(
            notebook, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": HERE}}
        ).execute()
    finally:
        if previous is None:
            del os.environ[QUICK]
        else:
            os.environ[QUICK] = previous
    return notebook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, files unchanged")
    parser.add_argument("names", nargs="*", help="notebook names, .ipynb optional (default: all)")
    args = parser.parse_args()
    paths = [HERE / Path(name).with_suffix(".ipynb").name for name in args.names] or notebooks()
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        known = ", ".join(path.stem for path in notebooks())
        parser.error(f"no notebook {', '.join(missing)} in {HERE}; there are {known}")
    for path in paths:
        print(f"running {path.name}", file=sys.stderr)
        run(path, args.quick)


if __name__ == "__main__":
    main()
