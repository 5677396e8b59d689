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
        """Reset every gradient before the next backward."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Apply one update to every parameter."""
        for p in self.params:
            self.update(p)

    def update(self, p: Any) -> None:
        """Change `p.data` using `p.grad`; each optimizer defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")
