"""`tracegrad train`: train an MLP (or a CNN), then write its run folder runs/<name>/.

engine "value": the micrograd-style scalar MLP (nn.MLP) on a two-class 2-D toy dataset, full
batch (one step per epoch), max-margin loss + alpha * L2, as in the course.
engine "tensor": an nn.Sequential ReLU MLP with cross-entropy on any dataset, mini-batches,
trained by training.fit against a validation split (digits: its test split); with model "cnn",
nn.models.digits_cnn on the images of an image dataset (digits, as (N, 1, 8, 8)) instead.

The run folder is made and checked writable before training starts; an existing one is kept
(the run takes the next free name, moons-2, ...) unless asked to overwrite it. It gets
settings.json (what the run ran with), history.csv, loss_curve.png, decision_boundary.png
(2-D datasets), filters.png (a CNN's first-layer kernels), graph.svg (a computation graph small
enough to read; skipped with a reason if graphviz's dot is missing) and model.npz (the trained
weights, loadable with nn.load).
"""

import contextlib
import importlib.metadata
import itertools
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

import nn
import training
from autograd import Tensor, Value, no_grad
from nn import MLP, l2_penalty, max_margin_loss
from nn.datasets import make_circles, make_moons, make_spirals, make_xor
from nn.models import digits_cnn
from optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from optim.lr_scheduler import (
    CosineAnnealingLR,
    LinearLR,
    LRScheduler,
    OneCycleLR,
    SequentialLR,
    StepLR,
)
from training import History, progress_bar
from viz import (
    GraphvizMissing,
    draw_graph,
    plot_decision_boundary,
    plot_filters,
    plot_history,
    save,
)

TOY_DATASETS = {"moons": make_moons, "circles": make_circles, "spirals": make_spirals,
                "xor": make_xor}  # fmt: skip
IMAGE_SHAPES = {"digits": (1, 8, 8)}  # image datasets: each row's (channels, height, width)
DATASETS = (*TOY_DATASETS, *IMAGE_SHAPES)
ENGINES = ("value", "tensor")
MODELS = ("mlp", "cnn")
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
RUN_FILES = ("settings.json", "history.csv", "loss_curve.png", "decision_boundary.png",
             "filters.png", "graph.svg", "model.npz")  # fmt: skip
# The value engine's max-margin loss is 1 for a model that scores every point 0; a loss this many
# times above that (or the first step's) is diverging even while still finite in float64.
DIVERGED_GROWTH = 1e6
SHOWN_TERMS = 2  # the output neuron's inputs written out in the value engine's graph.svg
VALUE_GRAPH_CAPTION = (
    "The output neuron on the point with the largest loss: score = sum of w * h + b (two terms\n"
    "written out, the rest summed), loss = relu(1 - y * score). Each grad is d loss / d node."
)


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
    model: str = "mlp"  # "cnn": tensor engine, image datasets
    dataset: str = "moons"
    samples: int = 100  # toy datasets only
    noise: float = 0.1
    hidden: tuple[int, ...] = (16, 16)  # the MLP only
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
                                       ("model", self.model, MODELS),
                                       ("dataset", self.dataset, DATASETS),
                                       ("optimizer", self.optimizer, tuple(OPTIMIZERS)),
                                       ("schedule", self.schedule, tuple(SCHEDULES))):  # fmt: skip
            if value not in choices:
                raise ValueError(
                    f"train: {option} must be one of {', '.join(choices)}, got {value!r}"
                )
        if self.model == "cnn" and self.engine != "tensor":
            raise ValueError("train: --model cnn needs --engine tensor (the value engine trains "
                             "scalar MLPs)")  # fmt: skip
        if self.model == "cnn" and self.dataset not in IMAGE_SHAPES:
            raise ValueError(f"train: --model cnn trains on images; --dataset {self.dataset} is "
                             f"2-D points (use --dataset {', '.join(IMAGE_SHAPES)})")  # fmt: skip
        if self.engine == "value" and self.dataset == "digits":
            raise ValueError("train: the value engine trains two-class 2-D datasets; "
                             "use --engine tensor for digits")  # fmt: skip
        if self.name in (".", "..") or any(sep and sep in self.name for sep in SEPARATORS):
            raise ValueError(
                f"train: --name must be a plain folder name (no {' or '.join(SEPARATORS)}, "
                f"not . or ..), got {self.name!r}"
            )

    @property
    def run_dir(self) -> Path:
        """The run folder asked for: <out>/<name>, the name defaulting to the dataset's."""
        return self.out / (self.name or self.dataset)

    @property
    def learning_rate(self) -> float:
        """The learning rate used: lr, or the optimizer's DEFAULT_LR."""
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr

    @property
    def recipe(self) -> str:
        """What made the curves, for their title: "adam, lr = 0.01, cosine schedule"."""
        return f"{self.optimizer}, lr = {self.learning_rate:g}, {self.schedule} schedule"

    def check_given(self, given: Iterable[str]) -> None:
        """ValueError naming the first option in `given` (field names the user set) that this
        engine or dataset does not use, rather than ignoring it."""
        for option in given:
            if option in APPLIES_TO and not APPLIES_TO[option][1](self):
                users, other = APPLIES_TO[option][0], APPLIES_TO[option][2]
                raise ValueError(
                    f"train: --{option.replace('_', '-')} is used only by {users}, "
                    f"not with --{other} {getattr(self, other)}"
                )

    def settings(self) -> dict[str, Any]:
        """What the run ran with, for settings.json: every option that applies to it, the
        learning rate actually used, and the tracegrad version."""
        values = asdict(self) | {"lr": self.learning_rate, "hidden": list(self.hidden)}
        unused = {option for option, (_, applies, _) in APPLIES_TO.items() if not applies(self)}
        return {"tracegrad": _version()} | {
            name: value for name, value in values.items() if name not in {"name", "out", *unused}
        }


SEPARATORS = tuple(dict.fromkeys(filter(None, ("/", "\\", os.sep, os.altsep))))
# options only some runs use: (who uses it, whether this config does, the option that decides)
APPLIES_TO: dict[str, tuple[str, Callable[[TrainConfig], bool], str]] = {
    "alpha": ("the value engine", lambda c: c.engine == "value", "engine"),
    "batch_size": ("the tensor engine", lambda c: c.engine == "tensor", "engine"),
    "hidden": ("the MLP", lambda c: c.model == "mlp", "model"),
    "samples": ("the toy datasets", lambda c: c.dataset in TOY_DATASETS, "dataset"),
    "noise": ("the toy datasets", lambda c: c.dataset in TOY_DATASETS, "dataset"),
}


def _version() -> str:
    try:
        return importlib.metadata.version("tracegrad")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


@dataclass
class RunFolder:
    """The folder a run writes to, made and checked writable before training starts."""

    path: Path
    made: list[Path] = field(default_factory=list)  # folders made for the run, deepest first
    note: str = ""  # why `path` is not the folder asked for; "" when it is

    def discard(self) -> None:
        """Remove the folders made for the run while they are still empty (a failed run)."""
        for folder in self.made:
            with contextlib.suppress(OSError):  # not empty, or gone: leave it
                folder.rmdir()


def open_run_folder(config: TrainConfig, overwrite: bool = False) -> RunFolder:
    """Make and check config.run_dir before any training, so a bad --out fails at once.

    An existing run folder is never written over unless `overwrite`: the run takes the first
    free name <name>-2, <name>-3, ... instead, and .note says so. ValueError naming the path
    when the folder cannot be made or written (a file in the way, no permission, read-only).
    """
    asked, made = config.run_dir, []
    path = asked
    try:
        made = _make_folders(asked.parent)
        if overwrite:
            if asked.exists() and not asked.is_dir():
                raise ValueError(f"train: {asked} is a file, not a run folder; not replacing it")
            made = _make_folders(asked) + made
        else:
            for n in itertools.count(2):
                try:
                    path.mkdir()
                    break
                except FileExistsError:
                    path = asked.with_name(f"{asked.name}-{n}")
            made.insert(0, path)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-") as probe:
            probe.write(b"tracegrad")  # a real write: permissions alone can lie (root, ro mounts)
            probe.flush()
    except OSError as error:
        RunFolder(path, made).discard()
        reason = error.strerror or str(error)
        raise ValueError(f"train: cannot write the run folder {path}: {reason}") from None
    note = "" if path == asked else (
        f"run folder {asked} exists; writing {path} (use --overwrite to replace it)"
    )  # fmt: skip
    return RunFolder(path, made, note)


def _make_folders(folder: Path) -> list[Path]:
    """mkdir -p `folder`; the folders it made, deepest first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


@dataclass
class TrainResult:
    """Final training loss and accuracy (and validation accuracy for the tensor engine), the
    History, the run folder, and the files written (and those skipped, with why)."""

    loss: float
    accuracy: float
    history: History
    val_accuracy: float | None = None
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    run_dir: Path | None = None
    settings: Path | None = None  # the run folder's settings.json


@dataclass
class _Trained:
    """What an engine hands back for the run folder: the result, the model and its shape for
    settings.json, how to draw its graph, and (2-D data) the predictor and points for the
    decision boundary."""

    result: TrainResult
    model: nn.Module
    shape: dict[str, Any]  # an MLP's layer_sizes; a CNN's layers and parameter count
    graph: Callable[[], Any]
    boundary: tuple | None


def train(
    config: TrainConfig, progress: bool | None = None, folder: RunFolder | None = None
) -> TrainResult:
    """Train as `config` says and write the run folder.

    `folder`: where to write, from open_run_folder (default: open_run_folder(config), which
    never overwrites). If training fails, the folders made for the run are removed again and
    nothing is written. `progress`: one tqdm bar on stderr; None (as training.fit) shows it only
    when stderr is a terminal. Divergence raises training.TrainingDiverged, without numpy's overflow
    warnings before it (the error names the step and the likely causes).
    """
    folder = open_run_folder(config) if folder is None else folder
    engine = _train_value if config.engine == "value" else _train_tensor
    try:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            trained = engine(config, progress)
    except BaseException:
        folder.discard()
        raise
    return _write_run(config, folder.path, trained)


def _train_value(config: TrainConfig, progress: bool | None) -> _Trained:
    """The scalar MLP, full batch: one optimizer (and schedule) step per epoch."""
    X, labels = TOY_DATASETS[config.dataset](config.samples, noise=config.noise, seed=config.seed)
    if labels.max() > 1:
        raise ValueError(f"train: the value engine needs two classes; {config.dataset} has more")
    points, y = X.tolist(), (2.0 * labels - 1.0).tolist()  # classes {0, 1} -> targets {-1, +1}
    sizes = [2, *config.hidden, 1]
    model = MLP(sizes[0], sizes[1:], seed=config.seed)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config.learning_rate)
    scheduler = SCHEDULES[config.schedule](optimizer, config.epochs)
    history = History()
    with progress_bar(config.epochs, progress, "train") as bar:
        for epoch in range(1, config.epochs + 1):
            lr = optimizer.param_groups[0]["lr"]
            scores = [model(x) for x in points]
            loss = max_margin_loss(scores, y) + config.alpha * l2_penalty(model.parameters())
            _check_value_loss(loss.data, epoch, lr, history, model)
            optimizer.zero_grad()
            loss.backward()
            if not math.isfinite(_grad_norm(model)):
                raise _value_diverged(epoch, "a gradient is not finite", lr, history, model)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            right = [(s.data > 0) == (t > 0) for s, t in zip(scores, y, strict=True)]
            history.log_epoch(epoch=epoch, loss=loss.data, accuracy=np.mean(right), lr=lr)
            bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{np.mean(right):.0%}", refresh=False)
            bar.update()

    @no_grad()
    def predict(grid: np.ndarray) -> np.ndarray:
        return np.array([model(p).data for p in grid.tolist()])

    def graph() -> Any:
        drawing = draw_graph(output_neuron_loss(model, points, y), rankdir="TB")
        drawing.attr(label=VALUE_GRAPH_CAPTION, labelloc="t", fontname="Helvetica")
        return drawing

    result = TrainResult(history.epochs[-1]["loss"], history.epochs[-1]["accuracy"], history)
    return _Trained(result, model, {"layer_sizes": sizes}, graph, (predict, X, labels))


def _check_value_loss(
    loss: float, epoch: int, lr: float, history: History, model: nn.Module
) -> None:
    """TrainingDiverged if the loss is nan or inf or DIVERGED_GROWTH times its start (or 1)."""
    start = history.epochs[0]["loss"] if history.epochs else loss
    if loss <= DIVERGED_GROWTH * max(start, 1.0):
        return
    grown = f", up from {start:.4g} at step 1" if math.isfinite(loss) else ""
    raise _value_diverged(epoch, f"the loss is {loss:.4g}{grown}", lr, history, model)


def _grad_norm(model: nn.Module) -> float:
    """The L2 norm of every parameter's gradient together (hypot: no overflow on the way)."""
    return math.hypot(*(p.grad for p in model.parameters()))


def _value_diverged(
    epoch: int, problem: str, lr: float, history: History, model: nn.Module
) -> training.TrainingDiverged:
    """The value engine's TrainingDiverged at `epoch` (its step too: one step an epoch)."""
    causes = [
        f"learning rate too high (lr={lr:g}); try a lower --lr",
        f"exploding gradients (gradient norm in the last step: {_grad_norm(model):.4g})",
    ]
    where = f"train: training diverged at epoch {epoch}, step {epoch}"
    return training.TrainingDiverged.at(where, problem, causes, history, epoch)


def output_neuron_loss(model: MLP, points: list[list[float]], targets: list[float]) -> Value:
    """The max-margin loss relu(1 - y * score) of the point the model gets most wrong, built
    small enough to check by hand: the output neuron's SHOWN_TERMS largest terms w * h written
    out, the rest of its weighted sum one leaf, the hidden values h leaves. Backpropagated
    after zeroing every gradient, so each node's grad is d loss / d node: the drawn weights
    and bias get the whole network's gradient for that point's loss (nothing downstream of
    the output neuron is left out), every other parameter 0. Its label names the point.
    """
    *hidden_layers, last = model.layers
    neuron = last.neurons[0]
    with no_grad():
        hidden = []
        for point in points:
            for layer in hidden_layers:
                point = layer(point)
            hidden.append([h.data for h in point])
        margins = [t * neuron(h).data for h, t in zip(hidden, targets, strict=True)]
    i = int(np.argmin(margins))  # the largest loss relu(1 - margin)
    h = hidden[i]
    shown = sorted(np.argsort([-abs(w.data * x) for w, x in zip(neuron.w, h, strict=True)])
                   [:SHOWN_TERMS].tolist())  # fmt: skip
    others = [k for k in range(len(h)) if k not in shown]
    model.zero_grad()
    terms = [_named(neuron.w[k] * Value(h[k], f"h{k}"), f"w{k} * h{k}") for k in shown]
    if others:
        rest = sum(neuron.w[k].data * h[k] for k in others)
        terms.append(Value(rest, f"w * h of the other {len(others)} inputs"))
    score = _named(Value.sum([*terms, neuron.b]), "score")
    margin = _named(Value(targets[i], "y (target)") * score, "margin")
    hinge = _named(1.0 + _named(-margin, "-margin"), "1 - margin")
    where = ", ".join(f"{x:.3g}" for x in points[i])
    loss = _named(hinge.relu(), f"loss of point {i} ({where})")  # its max_margin_loss
    loss.backward()
    return loss


def _named(value: Value, label: str) -> Value:
    value.label = label
    return value


def _train_tensor(config: TrainConfig, progress: bool | None) -> _Trained:
    """An nn.Sequential ReLU MLP, or nn.models.digits_cnn on the images, with cross-entropy and
    training.fit, validated every epoch."""
    X, y, X_val, y_val = _tensor_data(config)
    if config.model == "cnn":
        X, X_val = (rows.reshape(-1, *IMAGE_SHAPES[config.dataset]) for rows in (X, X_val))
        model = digits_cnn(generator=config.seed)  # (N, 1, 8, 8) -> (N, 10)
        shape = {"layers": [str(layer) for layer in model], "parameters": model.num_parameters()}
    else:
        classes = int(max(y.max(), y_val.max())) + 1
        sizes = [X.shape[1], *config.hidden, classes]
        model = _relu_mlp(sizes, config.seed)
        shape = {"layer_sizes": sizes}
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config.learning_rate)
    train_loader = nn.DataLoader(nn.TensorDataset(X, y), config.batch_size, shuffle=True,
                                 generator=config.seed)  # fmt: skip
    val_loader = nn.DataLoader(nn.TensorDataset(X_val, y_val), 256)
    history = training.fit(
        model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader, config.epochs,
        scheduler=SCHEDULES[config.schedule](optimizer, config.epochs),
        metrics={"accuracy": training.accuracy}, progress=progress,
    )  # fmt: skip
    last = history.epochs[-1]
    result = TrainResult(last["loss"], last["accuracy"], history, last["val_accuracy"])

    def graph() -> Any:
        model.zero_grad()  # the drawing shows this loss's gradients, not the last step's too
        loss = nn.CrossEntropyLoss()(model(Tensor(X_val[:8])), y_val[:8])
        loss.backward()
        return draw_graph(loss, model=model, collapse_modules=True)

    boundary = (model, np.concatenate([X, X_val]), np.concatenate([y, y_val]))
    return _Trained(result, model, shape, graph, boundary if X.shape[1:] == (2,) else None)


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


def _write_run(config: TrainConfig, run: Path, trained: _Trained) -> TrainResult:
    """Into `run` (a previous run's files there removed first): settings.json, history.csv,
    loss_curve.png, model.npz, decision_boundary.png (given the predictor and points),
    filters.png (a model whose first layer is a Conv2d) and graph.svg (skipped, with the reason
    in result.skipped, without graphviz)."""
    result = trained.result
    for name in RUN_FILES:  # an overwritten run leaves nothing of its own behind
        (run / name).unlink(missing_ok=True)
    result.run_dir, result.settings = run, run / "settings.json"
    settings = config.settings() | trained.shape
    result.settings.write_text(json.dumps(settings, indent=2) + "\n")
    result.history.to_csv(run / "history.csv")
    metrics = ("loss", "accuracy")
    title = f"{config.engine} {config.model.upper()} on {config.dataset}: {config.recipe}"
    plot_history(result.history, metrics, path=run / "loss_curve.png", title=title)
    model_file = nn.save(trained.model, run / "model.npz")
    result.files += [run / "history.csv", run / "loss_curve.png", model_file]
    if trained.boundary is not None:
        predict, X, labels = trained.boundary
        title = f"{config.engine} MLP on {config.dataset}"
        plot_decision_boundary(predict, X, labels, path=run / "decision_boundary.png",
                               resolution=60, title=title)  # fmt: skip
        result.files.append(run / "decision_boundary.png")
    model = trained.model
    if isinstance(model, nn.Sequential) and isinstance(model[0], nn.Conv2d):
        plot_filters(model[0], path=run / "filters.png")
        result.files.append(run / "filters.png")
    try:
        result.files.append(save(trained.graph(), run / "graph.svg"))
    except GraphvizMissing as missing:  # the training and the other pictures still count
        result.skipped.append(str(missing))
    return result
