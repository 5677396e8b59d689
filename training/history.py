"""History: what a training run did, one record per step and one per epoch.

A record is a flat dict of floats. `fit` (training.py) writes these keys; any others may be
logged too:

    steps:  step, epoch, loss, lr, grad_norm/<parameter>, update_ratio/<parameter>
    epochs: epoch, loss, val_loss, <metric>, val_<metric>, lr, dead_relu/<layer>

`grad_norm/<parameter>` is the L2 norm of that parameter's gradient; `update_ratio/<parameter>`
is |step| / |parameter| (about 1e-3 is healthy); `dead_relu/<layer>` is the fraction of a ReLU
layer's units that output 0 for every sample of a batch. Parameter and layer names are the
model's (`0.weight`, `2`). `best_epoch` is the epoch whose weights early stopping kept;
`stopped_epoch` the epoch after which early stopping or a callback ended the run (None when it
ran all its epochs).
"""

import csv
from pathlib import Path
from typing import Any

import numpy as np


class History:
    """Per-step and per-epoch records of a training run, and where early stopping stopped it."""

    def __init__(self) -> None:
        self.steps: list[dict[str, float]] = []
        self.epochs: list[dict[str, float]] = []
        self.best_epoch: int | None = None  # the epoch whose weights early stopping kept
        self.stopped_epoch: int | None = None  # the epoch a stop ended the run after

    def log_step(self, **values: float) -> None:
        """Append one step's record."""
        self.steps.append({name: float(v) for name, v in values.items()})

    def log_epoch(self, **values: float) -> None:
        """Append one epoch's record."""
        self.epochs.append({name: float(v) for name, v in values.items()})

    def names(self, per: str = "epoch") -> list[str]:
        """Every key the step or epoch records use, in first-seen order."""
        return list(dict.fromkeys(name for record in self._records(per) for name in record))

    def series(self, name: str, per: str = "epoch") -> np.ndarray:
        """The values of `name` across the step or epoch records: (n,), NaN where one lacks it.

        ValueError, listing the names there are, when no record has `name` (a typo like
        "val_los" would otherwise read as a run that never logged it); check `names(per)` first
        for a value only some runs log.
        """
        if not any(name in record for record in self._records(per)):
            raise ValueError(
                f"History.series: no {per} record has {name!r}; they have {self.names(per)}"
            )
        return self._values(name, per)

    def to_dict(self) -> dict[str, Any]:
        """{"steps": {name: [values]}, "epochs": {...}, "best_epoch": ..., "stopped_epoch": ...}"""
        return {
            "steps": {name: self._values(name, "step").tolist() for name in self.names("step")},
            "epochs": {name: self._values(name, "epoch").tolist() for name in self.names()},
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
        }

    def to_csv(self, path: str | Path, per: str = "epoch") -> None:
        """Write the step or epoch records as CSV, one row each, a column per name (empty where
        a record lacks it)."""
        names = self.names(per)
        with open(path, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=names, restval="")
            writer.writeheader()
            writer.writerows(self._records(per))

    def _values(self, name: str, per: str) -> np.ndarray:
        """series(name, per) without looking for the name first."""
        return np.array([record.get(name, np.nan) for record in self._records(per)])

    def _records(self, per: str) -> list[dict[str, float]]:
        if per not in ("step", "epoch"):
            raise ValueError(f'History: per must be "step" or "epoch", got {per!r}')
        return self.steps if per == "step" else self.epochs

    def __repr__(self) -> str:
        return f"History({len(self.steps)} steps, {len(self.epochs)} epochs)"
