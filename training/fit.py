"""The training loop: `fit` trains a model and logs a History.

One step:   out = model(x); loss = loss_fn(out, y); optimizer.zero_grad(); loss.backward();
            [clip_grad_norm_]; optimizer.step(); then a step record in the History.
One epoch:  the steps over train_loader; validation (eval mode, no graph); the epoch record;
            scheduler.step(); the callbacks; early stopping.
A nan or inf loss or gradient ends the run with TrainingDiverged before the parameters change,
with the likely causes in the message. The records' keys are listed in history.py.
"""

import contextlib
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any

import numpy as np
from tqdm.auto import tqdm  # a console bar, or a widget in Jupyter

from autograd import Tensor, modes, no_grad
from nn import Module
from nn.utils import clip_grad_norm_
from optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from optim.optimizer import Optimizer

from .arguments import check_fit_arguments
from .diagnostics import count_nonfinite, dead_relu, l2_norm, largest, ratio
from .divergence import TrainingDiverged
from .early_stopping import EarlyStopping
from .history import History

Metric = Callable[[Tensor, Any], float]  # (output, target) -> a number for the batch
Callback = Callable[[History], Any]  # called after every epoch; returning True stops training


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
    check_fit_arguments(
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
        dead = dead_relu(self.model, x)  # x: the epoch's last training batch
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
            name: 0.0 if p.grad is None else l2_norm(p.grad.data) for name, p in self.named_params
        }
        for name, norm in norms.items():
            if not math.isfinite(norm):
                raise self._diverged(epoch, f"the gradient of {name} has norm {norm}", x, y, norms)
        return norms

    def _update(self) -> dict[str, float]:
        """Clip if asked, step the optimizer; each parameter's |p_after - p_before| / |p_before|."""
        if self.clip_grad_norm is not None:
            clip_grad_norm_([p for _, p in self.named_params], self.clip_grad_norm)
        before = [p.data.copy() for _, p in self.named_params]  # optimizers update in place
        self.optimizer.step()
        return {
            name: ratio(l2_norm(p.data - old), l2_norm(old))
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
            f"{largest(grad_norms)}; try clip_grad_norm or a lower lr)",
        ]
        bad_inputs = count_nonfinite(x) + count_nonfinite(y)
        if bad_inputs:  # then the likeliest cause: first
            causes.insert(0, f"NaN/inf in the input data ({bad_inputs} of this batch's values)")
        where = f"fit: training diverged at epoch {epoch}, step {self.step}"
        return TrainingDiverged.at(where, problem, causes, self.history, self.step)


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


def _step_scheduler(scheduler: LRScheduler, record: dict[str, float]) -> None:
    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(record.get("val_loss", record["loss"]))
    else:
        scheduler.step()
