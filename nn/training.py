"""The training loop: `fit` trains a model and logs a History; EarlyStopping; accuracy.

One step:   out = model(x); loss = loss_fn(out, y); optimizer.zero_grad(); loss.backward();
            [clip_grad_norm_]; optimizer.step(); then a step record in the History.
One epoch:  the steps over train_loader; validation (eval mode, no graph); the epoch record;
            scheduler.step(); the callbacks; early stopping.
A nan or inf loss or gradient ends the run with TrainingDiverged before the parameters change,
with the likely causes in the message. The records' keys are listed in history.py.
"""

import contextlib
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from types import NoneType
from typing import Any

import numpy as np
from tqdm.auto import tqdm  # a console bar, or a widget in Jupyter

from autograd import Tensor, modes, no_grad
from optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from optim.optimizer import Optimizer

from . import utils
from .history import History
from .layers import ReLU, Sequential
from .module import Module

Metric = Callable[[Tensor, Any], float]  # (output, target) -> a number for the batch
Callback = Callable[[History], Any]  # called after every epoch; returning True stops training

__all__ = ["EarlyStopping", "TrainingDiverged", "accuracy", "fit", "progress_bar"]


class TrainingDiverged(RuntimeError):
    """A loss or gradient became nan or inf; the message names the step and the likely causes.

    `.step` is the global number of the failing step and `.history` the run before it (the
    failing step is not logged). The failing step changed no parameter.
    """

    def __init__(self, message: str, history: History, step: int) -> None:
        super().__init__(message)
        self.history = history
        self.step = step

    @classmethod
    def at(
        cls, where: str, problem: str, causes: Sequence[str], history: History, step: int
    ) -> "TrainingDiverged":
        """The error '<where>: <problem>. Likely causes:' and then `causes`, one a line."""
        listed = "\n".join(f"  - {cause}" for cause in causes)
        return cls(f"{where}: {problem}. Likely causes:\n{listed}", history, step)


def accuracy(output: Tensor, target: Any) -> float:
    """The fraction of rows whose argmax is the target class: output (N, C), target (N,) ints."""
    predicted = np.argmax(output.data, axis=-1)
    labels = np.asarray(getattr(target, "data", target))
    if predicted.shape != labels.shape:
        raise ValueError(
            f"accuracy: output {output.shape} gives predictions of shape {predicted.shape}, "
            f"but target has shape {labels.shape}"
        )
    return float(np.mean(predicted == labels))


class EarlyStopping:
    """Stop training when an epoch value (`monitor`) has not improved for `patience` epochs.

    After each epoch, `step` reads `monitor` from the last epoch record. An improvement is lower
    (mode="min") or higher (mode="max") than the best so far by more than `min_delta`; on one,
    the model's state_dict is copied and `history.best_epoch` set. After `patience` epochs in a
    row without one, `history.stopped_epoch` is set and training stops (patience=0: at the first).
    With `restore_best`, fit loads the best weights back when training ends, however it ends
    (early stopping, a callback, or the last epoch), so the model is the best one seen, not the
    last; it does not when TrainingDiverged is raised. The state carries over between fit calls:
    pass the same object to resume.
    """

    def __init__(
        self,
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best: bool = True,
        monitor: str = "val_loss",
        mode: str = "min",
    ) -> None:
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral):
            raise TypeError(f"EarlyStopping: patience must be an int, got {patience!r}")
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        if not (isinstance(min_delta, numbers.Real) and 0 <= min_delta < math.inf):
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got {min_delta!r}")
        if mode not in ("min", "max"):
            raise ValueError(f'EarlyStopping: mode must be "min" or "max", got {mode!r}')
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"EarlyStopping: monitor must name an epoch key, got {monitor!r}")
        self.patience, self.min_delta, self.restore_best = patience, min_delta, restore_best
        self.monitor, self.mode = monitor, mode
        self.best = math.inf if mode == "min" else -math.inf
        self.best_state: dict[str, np.ndarray] | None = None
        self.bad_epochs = 0  # epochs in a row without an improvement

    def step(self, model: Module, history: History) -> bool:
        """Take the last epoch's `monitor` value; True when training should stop."""
        value, epoch = self._monitored(history), history.epochs[-1]["epoch"]
        if self._improves(value):
            self.best, self.bad_epochs = value, 0
            self.best_state = model.state_dict()  # copies
            history.best_epoch = int(epoch)
            return False
        self.bad_epochs += 1
        if self.bad_epochs >= self.patience:
            history.stopped_epoch = int(epoch)
            return True
        return False

    def restore(self, model: Module) -> None:
        """Load the best epoch's weights into `model` (with restore_best, once there is one)."""
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)

    def _monitored(self, history: History) -> float:
        record = history.epochs[-1] if history.epochs else {}
        if self.monitor not in record:
            hint = " (val_ values need a val_loader)" if self.monitor.startswith("val_") else ""
            raise ValueError(
                f"EarlyStopping: monitor={self.monitor!r} is not in the epoch record; "
                f"available: {sorted(record)}{hint}"
            )
        return record[self.monitor]

    def _improves(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
            f"restore_best={self.restore_best}, monitor={self.monitor!r}, mode={self.mode!r})"
        )


def fit(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Optimizer,
    train_loader: Iterable[tuple[Any, Any]],
    val_loader: Iterable[tuple[Any, Any]] | None = None,
    epochs: int = 1,
    scheduler: LRScheduler | None = None,
    clip_grad_norm: float | None = None,
    early_stopping: EarlyStopping | None = None,
    callbacks: Iterable[Callback] = (),
    metrics: Mapping[str, Metric] | None = None,
    progress: bool | None = None,
    history: History | None = None,
    detect_anomaly: bool = False,
) -> History:
    """Train `model` for `epochs` epochs over the (x, y) batches of `train_loader`; its History.

    Each step logs step (global, from 1), epoch, loss, lr, grad_norm/<parameter> (before
    clipping) and update_ratio/<parameter> (|p_after - p_before| / |p_before|; 0 for an unchanged
    zero parameter, inf for a changed one). Each epoch logs epoch (from 1), loss and every
    `metrics` name (means over the training batches weighted by batch size, each computed on the
    batch's output before its step), val_loss and val_<metric> (the same over `val_loader`, in
    eval mode under no_grad), the lr used, and, for a Sequential model, dead_relu/<layer>: the
    fraction of each ReLU's units that are 0 for every row of the last training batch.
    After each epoch: `scheduler.step()` (ReduceLROnPlateau gets val_loss, else the training
    loss), then every callback(history) (one returning True stops training), then
    `early_stopping`. `clip_grad_norm` clips the gradients' total norm before each update.
    `progress`: one tqdm bar over the run's steps with the live loss (see progress_bar); None
    shows it only when stderr is a terminal; otherwise fit prints nothing.
    `history`: a History to continue (steps and epochs count on).
    The model is left in eval mode. Raises TrainingDiverged on a nan or inf loss or gradient;
    `detect_anomaly=True` checks every op and gradient instead (autograd.detect_anomaly), so the
    AnomalyError names the first op that made a NaN or Inf and the line that called it (slow).
    Every argument is checked before the first step: TypeError or ValueError naming a bad one.
    """
    metrics = metrics or {}
    callbacks = list(callbacks) if isinstance(callbacks, Iterable) else callbacks  # read once
    _check_fit_arguments(
        dict(model=model, loss_fn=loss_fn, optimizer=optimizer, train_loader=train_loader,
             val_loader=val_loader, epochs=epochs, scheduler=scheduler,
             clip_grad_norm=clip_grad_norm, early_stopping=early_stopping, callbacks=callbacks,
             metrics=metrics, history=history)
    )  # fmt: skip
    history = History() if history is None else history
    history.stopped_epoch = None  # a resumed run is not stopped (yet)
    trainer = _Trainer(model, loss_fn, optimizer, metrics, clip_grad_norm, history)
    first = int(history.epochs[-1]["epoch"]) + 1 if history.epochs else 1
    last = first + epochs - 1
    steps = epochs * len(train_loader) if isinstance(train_loader, Sized) else None
    bar = progress_bar(steps, progress, f"epoch {first}/{last}")
    with bar, modes.detect_anomaly() if detect_anomaly else contextlib.nullcontext():
        for epoch in range(first, last + 1):
            bar.set_description(f"epoch {epoch}/{last}", refresh=False)
            record = trainer.run_epoch(epoch, train_loader, bar, val_loader)
            if scheduler is not None:
                _step_scheduler(scheduler, record)
            stop = [bool(callback(history)) for callback in callbacks]  # a list: every one runs
            if early_stopping is not None:
                stop.append(early_stopping.step(model, history))
            if any(stop):
                history.stopped_epoch = epoch
                break
    if early_stopping is not None:
        early_stopping.restore(model)
    model.eval()  # ready to evaluate, whether or not validation or dead_relu switched it
    return history


class _Trainer:
    """What one fit call trains and where it logs: the steps and epochs share these."""

    def __init__(
        self,
        model: Module,
        loss_fn: Callable[[Any, Any], Tensor],
        optimizer: Optimizer,
        metrics: Mapping[str, Metric],
        clip_grad_norm: float | None,
        history: History,
    ) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.metrics, self.clip_grad_norm, self.history = metrics, clip_grad_norm, history
        self.named_params = list(model.named_parameters())  # walked once, not every step
        self.step = int(history.steps[-1]["step"]) if history.steps else 0

    def run_epoch(
        self, epoch: int, train_loader: Iterable, bar: tqdm, val_loader: Iterable | None
    ) -> dict[str, float]:
        """Train over the batches of `train_loader` (a step of `bar` each), validate, and log the
        epoch record (returned)."""
        measures, sizes = [], []
        for x, y in map(_pair, train_loader):
            measures.append(self.train_step(epoch, x, y))
            sizes.append(len(x))
            if not bar.disable:  # a hidden bar formats its postfix too (~7 us a step)
                bar.set_postfix(loss=f"{measures[-1]['loss']:.4f}", refresh=False)
            bar.update()
        train = _weighted_means(measures, sizes, "train_loader")
        val = self.validate(val_loader) if val_loader is not None else {}
        if not bar.disable:
            bar.set_postfix({name: f"{value:.4g}" for name, value in {**train, **val}.items()})
        lr = self.optimizer.param_groups[0]["lr"]
        dead = _dead_relu(self.model, x)  # x: the epoch's last training batch
        record = {"epoch": epoch, **train, **val, "lr": lr, **dead}
        self.history.log_epoch(**record)
        return record

    def train_step(self, epoch: int, x: Any, y: Any) -> dict[str, float]:
        """One update from the batch (x, y), logged; the batch's loss and metrics."""
        self.step += 1
        self.model.train()
        out = self.model(x)
        loss = self.loss_fn(out, y)
        value = _loss_value(loss)
        if not math.isfinite(value):
            raise self._diverged(epoch, f"the loss is {value}", x, y, self._last_grad_norms())
        self.optimizer.zero_grad()
        loss.backward()
        grad_norms = self._grad_norms(epoch, x, y)
        lr = self.optimizer.param_groups[0]["lr"]
        update_ratios = self._update()
        self.history.log_step(
            step=self.step,
            epoch=epoch,
            loss=value,
            lr=lr,
            **{f"grad_norm/{name}": norm for name, norm in grad_norms.items()},
            **{f"update_ratio/{name}": ratio for name, ratio in update_ratios.items()},
        )
        return self._measure(value, out, y)

    def validate(self, loader: Iterable) -> dict[str, float]:
        """val_loss and val_<metric>: means over `loader`'s batches weighted by their sizes."""
        self.model.eval()
        measures, sizes = [], []
        with no_grad():
            for x, y in map(_pair, loader):
                out = self.model(x)
                measures.append(self._measure(_loss_value(self.loss_fn(out, y)), out, y))
                sizes.append(len(x))
        means = _weighted_means(measures, sizes, "val_loader")
        return {f"val_{name}": value for name, value in means.items()}

    def _measure(self, loss: float, out: Tensor, y: Any) -> dict[str, float]:
        return {"loss": loss, **{name: float(fn(out, y)) for name, fn in self.metrics.items()}}

    def _grad_norms(self, epoch: int, x: Any, y: Any) -> dict[str, float]:
        """Each parameter's gradient norm (0 without one); TrainingDiverged if one is not finite."""
        norms = {
            name: 0.0 if p.grad is None else _l2_norm(p.grad.data) for name, p in self.named_params
        }
        for name, norm in norms.items():
            if not math.isfinite(norm):
                raise self._diverged(epoch, f"the gradient of {name} has norm {norm}", x, y, norms)
        return norms

    def _update(self) -> dict[str, float]:
        """Clip if asked, step the optimizer; each parameter's |p_after - p_before| / |p_before|."""
        if self.clip_grad_norm is not None:
            utils.clip_grad_norm_([p for _, p in self.named_params], self.clip_grad_norm)
        before = [p.data.copy() for _, p in self.named_params]  # optimizers update in place
        self.optimizer.step()
        return {
            name: _ratio(_l2_norm(p.data - old), _l2_norm(old))
            for (name, p), old in zip(self.named_params, before, strict=True)
        }

    def _last_grad_norms(self) -> dict[str, float]:
        """The gradient norms of the last logged step ({} before the first)."""
        last = self.history.steps[-1] if self.history.steps else {}
        return {
            key.removeprefix("grad_norm/"): v
            for key, v in last.items()
            if key.startswith("grad_norm/")
        }

    def _diverged(
        self, epoch: int, problem: str, x: Any, y: Any, grad_norms: dict[str, float]
    ) -> TrainingDiverged:
        """The error for a nan or inf at this step, listing the likely causes."""
        lr = self.optimizer.param_groups[0]["lr"]
        causes = [
            f"learning rate too high (lr={lr:g})",
            "log of 0 (a probability of exactly 0 or 1 into log or BCE; use logits with "
            "CrossEntropyLoss/BCEWithLogitsLoss)",
            f"exploding gradients (largest gradient norm in the last step: "
            f"{_largest(grad_norms)}; try clip_grad_norm or a lower lr)",
        ]
        bad_inputs = _count_nonfinite(x) + _count_nonfinite(y)
        if bad_inputs:  # then the likeliest cause: first
            causes.insert(0, f"NaN/inf in the input data ({bad_inputs} of this batch's values)")
        where = f"fit: training diverged at epoch {epoch}, step {self.step}"
        return TrainingDiverged.at(where, problem, causes, self.history, self.step)


# fit's arguments that must be of a kind: (the kind, what the error says they must be)
_FIT_ARGUMENT_KINDS = {
    "model": (Module, "an nn.Module"),
    "optimizer": (Optimizer, "an optim.Optimizer, e.g. optim.SGD(model.parameters(), lr=0.1)"),
    "train_loader": (Iterable, "an iterable of (input, target) batches, e.g. an nn.DataLoader"),
    "val_loader": ((Iterable, NoneType), "None or an iterable of (input, target) batches"),
    "scheduler": ((LRScheduler, NoneType), "None or a scheduler from optim.lr_scheduler"),
    "early_stopping": ((EarlyStopping, NoneType), "None or an nn.EarlyStopping"),
    "history": ((History, NoneType), "None or an nn.History to continue"),
}


def _check_fit_arguments(arguments: Mapping[str, Any]) -> None:
    """TypeError or ValueError naming the first of fit's `arguments` (by name) that is wrong."""
    for name, (kind, what) in _FIT_ARGUMENT_KINDS.items():
        if not isinstance(arguments[name], kind):
            raise TypeError(f"fit: {name} must be {what}, got {type(arguments[name]).__name__}")
    if not callable(arguments["loss_fn"]):
        raise TypeError(
            "fit: loss_fn must be callable (output, target) -> loss, e.g. "
            f"nn.CrossEntropyLoss(), got {arguments['loss_fn']!r}"
        )
    _check_fit_numbers(arguments["epochs"], arguments["clip_grad_norm"])
    _check_fit_callables(arguments["callbacks"], arguments["metrics"])


def _check_fit_numbers(epochs: Any, clip_grad_norm: Any) -> None:
    """epochs an int >= 1; clip_grad_norm None or a number > 0."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise TypeError(f"fit: epochs must be an int, got {epochs!r}")
    if epochs < 1:
        raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
    if clip_grad_norm is None:
        return
    if isinstance(clip_grad_norm, bool) or not isinstance(clip_grad_norm, numbers.Real):
        raise TypeError(f"fit: clip_grad_norm must be a number or None, got {clip_grad_norm!r}")
    if not clip_grad_norm > 0:
        raise ValueError(f"fit: clip_grad_norm must be > 0 (or None), got {clip_grad_norm}")


def _check_fit_callables(callbacks: Any, metrics: Any) -> None:
    """callbacks a list of callables; metrics a mapping of new names to callables."""
    if not (isinstance(callbacks, list) and all(map(callable, callbacks))):
        raise TypeError(f"fit: callbacks must be an iterable of callables, got {callbacks!r}")
    if not isinstance(metrics, Mapping):
        raise TypeError(f"fit: metrics must map names to callables, got {metrics!r}")
    for name, fn in metrics.items():
        if name in ("epoch", "loss", "lr") or name.startswith(("val_", "dead_relu/")):
            raise ValueError(f"fit: metric name {name!r} would overwrite a key fit logs")
        if not callable(fn):
            raise TypeError(f"fit: metric {name!r} must be callable (output, target), got {fn!r}")


def progress_bar(total: int | None, progress: bool | None, desc: str) -> tqdm:
    """One tqdm bar for a whole run of `total` steps (None: unknown), updated in place on stderr
    (tqdm.auto: a widget in Jupyter). Shown as `progress` says, or (None) when stderr is a
    terminal; a hidden bar prints nothing. Call .update() after each step."""
    return tqdm(total=total, desc=desc, unit="step", disable=not _shows(progress))


def _shows(progress: bool | None) -> bool:
    """Whether to draw progress bars: as asked, or (None) when stderr is a terminal."""
    if progress is None:
        return sys.stderr is not None and sys.stderr.isatty()
    return bool(progress)


def _pair(batch: Any) -> tuple[Any, Any]:
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        size = f"{len(batch)} items" if isinstance(batch, (tuple, list)) else type(batch).__name__
        raise TypeError(f"fit: a loader must yield (input, target) pairs, got {size}")
    return batch[0], batch[1]


def _loss_value(loss: Any) -> float:
    """The loss as a float; an error unless it is a one-element Tensor."""
    if not isinstance(loss, Tensor):
        raise TypeError(f"fit: loss_fn must return a Tensor, got {type(loss).__name__}")
    if loss.size != 1:
        raise ValueError(
            f"fit: loss_fn must return a scalar loss, got shape {loss.shape} "
            "(reduce it, e.g. reduction='mean')"
        )
    return float(loss.data.reshape(()))


def _weighted_means(
    measures: list[dict[str, float]], sizes: list[int], source: str
) -> dict[str, float]:
    """Each measure's mean over the batches, weighted by the batch sizes."""
    if not measures:
        raise ValueError(f"fit: {source} yielded no batches")
    weights = np.array(sizes, dtype=np.float64) / sum(sizes)
    return {name: float(weights @ [m[name] for m in measures]) for name in measures[0]}


def _l2_norm(a: np.ndarray) -> float:
    """||a||_2 (nan or inf when `a` holds one), without the sum of squares overflowing."""
    norm = math.sqrt(np.vdot(a, a))  # vdot (BLAS) overflows to inf without a warning
    if math.isinf(norm) and np.isfinite(a).all():  # float32 squares overflow above ~1.8e19
        largest = float(np.abs(a).max())
        return largest * math.sqrt(np.vdot(a / largest, a / largest))
    return norm


def _ratio(change: float, size: float) -> float:
    """change / size, with 0 / 0 = 0 (a zero parameter left alone) and x / 0 = inf."""
    if size:
        return change / size
    return 0.0 if change == 0 else math.inf


def _largest(grad_norms: dict[str, float]) -> str:
    """'<norm> (<name>)' for the largest norm, nan counting as largest."""
    if not grad_norms:
        return "none yet (no step finished)"
    name = max(grad_norms, key=lambda k: (math.isnan(grad_norms[k]), grad_norms[k]))
    return f"{grad_norms[name]:.4g} ({name})"


def _count_nonfinite(values: Any) -> int:
    array = np.asarray(getattr(values, "data", values))
    return int(np.count_nonzero(~np.isfinite(array))) if array.dtype.kind in "fc" else 0


def _step_scheduler(scheduler: LRScheduler, record: dict[str, float]) -> None:
    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(record.get("val_loss", record["loss"]))
    else:
        scheduler.step()


def _dead_relu(model: Module, x: Any) -> dict[str, float]:
    """For a Sequential: each ReLU child's fraction of units that are 0 for every row of x.

    The children run one by one, since Sequential's fused Linear+ReLU never shows the ReLU's
    output on its own. {} for any other model.
    """
    if not isinstance(model, Sequential):
        return {}
    model.eval()  # no dropout masks drawn, no BatchNorm statistics moved: training is untouched
    fractions = {}
    with no_grad():
        for name, child in model.named_children():
            x = child(x)
            if isinstance(child, ReLU):
                fractions[f"dead_relu/{name}"] = float(np.all(x.data == 0, axis=0).mean())
    return fractions
