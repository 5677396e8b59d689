"""EarlyStopping: stop when a monitored epoch value stops improving, and keep the best weights."""

import math
import numbers

import numpy as np

from autograd.arguments import is_whole
from nn import Module

from .history import History


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
        if not is_whole(patience):
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
