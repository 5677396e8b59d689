"""`tracegrad train`: train an MLP with either engine, then write its run folder runs/<name>/.

engine "value": the micrograd-style scalar MLP (nn.MLP) on a two-class 2-D toy dataset, full
batch (one step per epoch), max-margin loss + alpha * L2, as in the course.
engine "tensor": an nn.Sequential ReLU MLP with cross-entropy on any dataset, mini-batches,
trained by nn.fit against a validation split (digits: its test split).

The run folder gets history.csv, loss_curve.png, decision_boundary.png (2-D datasets),
graph.svg (one loss's computation graph; skipped with a reason if graphviz's dot is missing)
and model.npz (the trained weights, loadable with nn.load).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

import nn
from autograd import Tensor, no_grad
from nn import MLP, History, l2_penalty, max_margin_loss
from nn.datasets import make_circles, make_moons, make_spirals, make_xor
from optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from optim.lr_scheduler import (
    CosineAnnealingLR,
    LinearLR,
    LRScheduler,
    OneCycleLR,
    SequentialLR,
    StepLR,
)
from viz import GraphvizMissing, draw_graph, plot_decision_boundary, plot_history, save

TOY_DATASETS = {"moons": make_moons, "circles": make_circles, "spirals": make_spirals,
                "xor": make_xor}  # fmt: skip
DATASETS = (*TOY_DATASETS, "digits")
ENGINES = ("value", "tensor")
OPTIMIZERS: dict[str, Callable[[Any, float], Optimizer]] = {
    "sgd": lambda params, lr: SGD(params, lr=lr),
    "momentum": lambda params, lr: SGD(params, lr=lr, momentum=0.9),
    "nesterov": lambda params, lr: SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda params, lr: Adagrad(params, lr=lr),
    "rmsprop": lambda params, lr: RMSprop(params, lr=lr),
    "adam": lambda params, lr: Adam(params, lr=lr),
    "adamw": lambda params, lr: AdamW(params, lr=lr),
}
DEFAULT_LR = {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.1, "rmsprop": 0.01,
              "adam": 0.01, "adamw": 0.01}  # fmt: skip


def _warmup_cosine(optimizer: Optimizer, epochs: int) -> LRScheduler:
    """A tenth of the epochs warming up linearly from lr/10, then cosine annealing to 0."""
    warmup = max(1, epochs // 10)
    return SequentialLR(
        optimizer,
        [
            LinearLR(optimizer, 0.1, 1.0, warmup),
            CosineAnnealingLR(optimizer, max(1, epochs - warmup)),
        ],
        [warmup],
    )


SCHEDULES: dict[str, Callable[[Optimizer, int], LRScheduler | None]] = {
    "constant": lambda optimizer, epochs: None,
    "step": lambda optimizer, epochs: StepLR(optimizer, max(1, epochs // 3), gamma=0.3),
    "cosine": lambda optimizer, epochs: CosineAnnealingLR(optimizer, epochs),
    "warmup-cosine": _warmup_cosine,
    "onecycle": lambda optimizer, epochs: OneCycleLR(
        optimizer, optimizer.param_groups[0]["lr"], total_steps=epochs
    ),
}


@dataclass
class TrainConfig:
    """Everything `tracegrad train` can be told; the defaults are the demo's first run."""

    name: str = ""  # the run folder's name; "" names it after the dataset
    engine: str = "value"
    dataset: str = "moons"
    samples: int = 100  # toy datasets only
    noise: float = 0.1
    hidden: tuple[int, ...] = (16, 16)
    epochs: int = 100
    batch_size: int = 32  # tensor engine only
    optimizer: str = "sgd"
    lr: float | None = None  # None: DEFAULT_LR of the optimizer
    schedule: str = "constant"
    alpha: float = 1e-4  # value engine: L2 strength
    seed: int = 0
    out: Path = Path("runs")

    def __post_init__(self) -> None:
        for option, value, choices in (("engine", self.engine, ENGINES),
                                       ("dataset", self.dataset, DATASETS),
                                       ("optimizer", self.optimizer, tuple(OPTIMIZERS)),
                                       ("schedule", self.schedule, tuple(SCHEDULES))):  # fmt: skip
            if value not in choices:
                raise ValueError(
                    f"train: {option} must be one of {', '.join(choices)}, got {value!r}"
                )
        if self.engine == "value" and self.dataset == "digits":
            raise ValueError("train: the value engine trains two-class 2-D datasets; "
                             "use --engine tensor for digits")  # fmt: skip

    @property
    def run_dir(self) -> Path:
        return self.out / (self.name or self.dataset)

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr


@dataclass
class TrainResult:
    """Final training loss and accuracy (and validation accuracy for the tensor engine), the
    History, and the files written (and those skipped, with why)."""

    loss: float
    accuracy: float
    history: History
    val_accuracy: float | None = None
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def train(config: TrainConfig, progress: bool | None = None) -> TrainResult:
    """Train as `config` says and write the run folder.

    `progress`: tqdm bars on stderr; None (as nn.fit) shows them only when stderr is a terminal.
    """
    return (train_value if config.engine == "value" else train_tensor)(config, progress)


def train_value(config: TrainConfig, progress: bool | None = None) -> TrainResult:
    """The scalar MLP, full batch: one optimizer (and schedule) step per epoch."""
    X, labels = TOY_DATASETS[config.dataset](config.samples, noise=config.noise, seed=config.seed)
    if labels.max() > 1:
        raise ValueError(f"train: the value engine needs two classes; {config.dataset} has more")
    points, y = X.tolist(), (2.0 * labels - 1.0).tolist()  # classes {0, 1} -> targets {-1, +1}
    model = MLP(2, [*config.hidden, 1], seed=config.seed)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config.learning_rate)
    scheduler = SCHEDULES[config.schedule](optimizer, config.epochs)
    history = History()
    hidden = None if progress is None else not progress  # tqdm: None hides it off a terminal
    bar = tqdm(range(1, config.epochs + 1), desc="train", unit="step", disable=hidden)
    for epoch in bar:
        lr = optimizer.param_groups[0]["lr"]
        scores = [model(x) for x in points]
        loss = max_margin_loss(scores, y) + config.alpha * l2_penalty(model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        accuracy = float(np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, y, strict=True)]))
        history.log_epoch(epoch=epoch, loss=loss.data, accuracy=accuracy, lr=lr)
        bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{accuracy:.0%}")

    @no_grad()
    def predict(grid: np.ndarray) -> np.ndarray:
        return np.array([model(p).data for p in grid.tolist()])

    def graph() -> Any:
        loss = max_margin_loss([model(points[0])], [y[0]])
        loss.backward()
        return draw_graph(loss)

    result = TrainResult(history.epochs[-1]["loss"], history.epochs[-1]["accuracy"], history)
    _write_run(config, result, model, graph, (predict, X, labels))
    return result


def train_tensor(config: TrainConfig, progress: bool | None = None) -> TrainResult:
    """An nn.Sequential ReLU MLP with cross-entropy and nn.fit, validated every epoch."""
    X, y, X_val, y_val = _tensor_data(config)
    classes = int(max(y.max(), y_val.max())) + 1
    model = _relu_mlp([X.shape[1], *config.hidden, classes], config.seed)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config.learning_rate)
    train_loader = nn.DataLoader(nn.TensorDataset(X, y), config.batch_size, shuffle=True,
                                 generator=config.seed)  # fmt: skip
    val_loader = nn.DataLoader(nn.TensorDataset(X_val, y_val), 256)
    history = nn.fit(
        model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader, config.epochs,
        scheduler=SCHEDULES[config.schedule](optimizer, config.epochs),
        metrics={"accuracy": nn.accuracy}, progress=progress,
    )  # fmt: skip
    last = history.epochs[-1]
    result = TrainResult(last["loss"], last["accuracy"], history, last["val_accuracy"])

    def graph() -> Any:
        loss = nn.CrossEntropyLoss()(model(Tensor(X_val[:8])), y_val[:8])
        loss.backward()
        return draw_graph(loss, model=model, collapse_modules=True)

    boundary = (model, np.concatenate([X, X_val]), np.concatenate([y, y_val]))
    _write_run(config, result, model, graph, boundary if X.shape[1] == 2 else None)
    return result


def _tensor_data(config: TrainConfig) -> tuple[np.ndarray, ...]:
    """(X_train, y_train, X_val, y_val), X float32: digits' own split, or a toy dataset's
    points shuffled and split 80/20."""
    if config.dataset == "digits":
        return nn.load_digits(seed=config.seed)
    X, y = TOY_DATASETS[config.dataset](config.samples, noise=config.noise, seed=config.seed)
    order = np.random.default_rng(config.seed).permutation(len(X))
    X, y = X[order].astype(np.float32), y[order]
    cut = int(0.8 * len(X))
    if not 0 < cut < len(X):
        raise ValueError(
            f"train: --samples {config.samples} is too few to split 80/20 into training and "
            "validation points; give at least 2"
        )
    return X[:cut], y[:cut], X[cut:], y[cut:]


def _relu_mlp(sizes: list[int], seed: int) -> nn.Sequential:
    """Linear, ReLU, Linear, ..., Linear through `sizes`, seeded layer by layer."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(pairwise(sizes)):
        layers += [nn.Linear(n_in, n_out, generator=seed + i), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _write_run(
    config: TrainConfig,
    result: TrainResult,
    model: nn.Module,
    graph: Callable[[], Any],
    boundary: tuple | None,
) -> None:
    """history.csv, loss_curve.png, model.npz, decision_boundary.png (given the predictor and
    points) and graph.svg (skipped, with the reason in result.skipped, without graphviz)."""
    run = config.run_dir
    run.mkdir(parents=True, exist_ok=True)
    result.history.to_csv(run / "history.csv")
    metrics = ("loss", "accuracy")
    plot_history(result.history, metrics, path=run / "loss_curve.png")
    result.files += [run / "history.csv", run / "loss_curve.png", nn.save(model, run / "model.npz")]
    if boundary is not None:
        predict, X, labels = boundary
        title = f"{config.engine} MLP on {config.dataset}"
        plot_decision_boundary(predict, X, labels, path=run / "decision_boundary.png",
                               resolution=60, title=title)  # fmt: skip
        result.files.append(run / "decision_boundary.png")
    try:
        result.files.append(save(graph(), run / "graph.svg"))
    except GraphvizMissing as missing:  # the training and the other pictures still count
        result.skipped.append(str(missing))
