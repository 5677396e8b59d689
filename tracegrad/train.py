"""The main job: train the scalar MLP on two moons, then write its pictures to runs/<name>/."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from autograd import no_grad
from nn import MLP, l2_penalty, max_margin_loss
from nn.datasets import make_moons
from optim import SGD
from viz import GraphvizMissing, draw_graph, plot_decision_boundary, save


@dataclass
class TrainConfig:
    """Everything `tracegrad train` can be told; the defaults are the demo."""

    name: str = "moons"
    samples: int = 100
    noise: float = 0.1
    hidden: tuple[int, ...] = (16, 16)
    steps: int = 100
    lr: float = 0.5
    alpha: float = 1e-4
    seed: int = 0
    out: Path = Path("runs")


@dataclass
class TrainResult:
    """Final loss and accuracy, the per-step history, and the files written."""

    loss: float
    accuracy: float
    history: list[dict[str, float]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files not written, and why


def train_moons(config: TrainConfig, progress: bool = True) -> TrainResult:
    """Full-batch gradient descent on the max-margin loss + alpha * L2, with a progress bar."""
    X, labels = make_moons(config.samples, config.noise, config.seed)
    points, y = X.tolist(), (2.0 * labels - 1.0).tolist()  # classes {0, 1} -> targets {-1, +1}
    model = MLP(2, [*config.hidden, 1], seed=config.seed)
    optimizer = SGD(model.parameters(), lr=config.lr)
    history = []
    bar = tqdm(range(1, config.steps + 1), desc="train", unit="step", disable=not progress)
    for step in bar:
        scores = [model(x) for x in points]
        loss = max_margin_loss(scores, y) + config.alpha * l2_penalty(model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracy = float(np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, y, strict=True)]))
        history.append({"step": step, "loss": loss.data, "accuracy": accuracy})
        bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{accuracy:.0%}")
    run = config.out / config.name
    files = [
        _write_history(history, run / "history.csv"),
        _write_boundary(model, X, labels, run / "decision_boundary.png"),
    ]
    result = TrainResult(history[-1]["loss"], history[-1]["accuracy"], history, files)
    try:
        graph = draw_graph(max_margin_loss([model(points[0])], [y[0]]))
        files.append(save(graph, run / "loss_graph.svg"))
    except GraphvizMissing as missing:  # the training and the other pictures still count
        result.skipped.append(str(missing))
    return result


def _write_boundary(model: MLP, X: np.ndarray, labels: np.ndarray, path: Path) -> Path:
    """The decision boundary the model learned, over the training points, as a PNG."""

    @no_grad()
    def predict(grid: np.ndarray) -> np.ndarray:
        return np.array([model(p).data for p in grid.tolist()])

    plot_decision_boundary(
        predict, X, labels, path=path, resolution=60, title="scalar MLP on two moons"
    )
    return path


def _write_history(history: list[dict[str, float]], path: Path) -> Path:
    """One CSV row per step: step, loss, accuracy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)
    return path
