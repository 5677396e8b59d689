"""The optimizer ladder, from the simplest rung up."""

from typing import Any

from .optimizer import Optimizer


class SGD(Optimizer):
    """Plain gradient descent: p <- p - lr * dL/dp."""

    def update(self, p: Any, grad: Any) -> None:
        p.data -= self.lr * grad
