"""Optimizer: the base of every update rule; it owns the parameters and the loop over them."""

from collections.abc import Iterable
from typing import Any


class Optimizer:
    """Holds `params` (objects with `.data` and `.grad`) and updates each one in `step()`."""

    def __init__(self, params: Iterable[Any], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty list of parameters")
        if not lr >= 0:
            raise ValueError(f"lr must be >= 0, got {lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Forget every gradient before the next backward (a Value's becomes 0, a Tensor's None)."""
        for p in self.params:
            p.grad = 0.0 if isinstance(p.grad, float) else None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for p in self.params:
            if p.grad is not None:
                self.update(p, getattr(p.grad, "data", p.grad))

    def update(self, p: Any, grad: Any) -> None:
        """Change `p.data` in place from `grad` (a float or an array); each optimizer defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")
