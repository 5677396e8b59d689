"""Regenerate the README's pictures in docs/ from the code (`make pictures`).

docs/course_graph.svg      the graph of the course circuit (x + y) * z + max(x, w), by Value
docs/mlp_graph.svg         a trained MLP's loss graph with each module call collapsed to a box
docs/decision_boundary.png the tensor MLP's decision boundary on two spirals
docs/loss_curve.png        its training and validation curves
docs/optimizer_paths_<surface>.png  the optimizer ladder on the ravine, Rosenbrock and saddle
"""

import shutil
import tempfile
from pathlib import Path

from autograd import Value
from tracegrad.cli.runs import TrainConfig, train
from viz import draw_graph, plot_optimizer_paths, ravine, rosenbrock, saddle, save

DOCS = Path(__file__).resolve().parent.parent / "docs"


def course_graph() -> Path:
    x, y, z, w = (Value(v, name) for v, name in ((-2.0, "x"), (5.0, "y"), (-4.0, "z"), (1.0, "w")))
    out = (x + y) * z + x.maximum(w)
    out.label = "out"
    out.backward()
    return save(draw_graph(out), DOCS / "course_graph.svg")


def spirals_run() -> list[Path]:
    """Train the tensor MLP on two spirals and keep its graph, boundary and curves."""
    with tempfile.TemporaryDirectory() as runs:
        config = TrainConfig(engine="tensor", dataset="spirals", samples=400, hidden=(32, 32),
                             epochs=150, optimizer="adam", schedule="warmup-cosine",
                             out=Path(runs))  # fmt: skip
        train(config, progress=False)
        pairs = [("graph.svg", "mlp_graph.svg"), ("decision_boundary.png", "decision_boundary.png"),
                 ("loss_curve.png", "loss_curve.png")]  # fmt: skip
        return [Path(shutil.copy(config.run_dir / a, DOCS / b)) for a, b in pairs]


def optimizer_paths() -> list[Path]:
    paths = []
    for surface in (ravine, rosenbrock, saddle):
        paths.append(DOCS / f"optimizer_paths_{surface.name}.png")
        plot_optimizer_paths(surface, path=paths[-1])
    return paths


def main() -> None:
    for path in [course_graph(), *spirals_run(), *optimizer_paths()]:
        print(f"wrote {path.relative_to(DOCS.parent)}")


if __name__ == "__main__":
    main()
