"""fit's arguments, checked before the first step: TypeError or ValueError naming a bad one."""

from collections.abc import Iterable, Mapping
from types import NoneType
from typing import Any

from autograd.arguments import is_real, is_whole
from nn import Module
from optim.lr_scheduler import LRScheduler
from optim.optimizer import Optimizer

from .early_stopping import EarlyStopping
from .history import History

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


def check_fit_arguments(arguments: Mapping[str, Any]) -> None:
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
    if not is_whole(epochs):
        raise TypeError(f"fit: epochs must be an int, got {epochs!r}")
    if epochs < 1:
        raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
    if clip_grad_norm is None:
        return
    if not is_real(clip_grad_norm):
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
