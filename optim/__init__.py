"""Optimizers: update parameters from their gradients."""

from .ladder import SGD
from .optimizer import Optimizer

__all__ = ["SGD", "Optimizer"]
