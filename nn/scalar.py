"""micrograd-style networks on scalar `Value`s: Neuron, Layer, MLP, and their max-margin loss."""

from collections.abc import Sequence

import numpy as np

from autograd import Value
from autograd.rng import as_generator

from .module import Module

Scalars = Sequence[Value | float]


class Neuron(Module):
    """relu(w · x + b) for an input of `nin` numbers (no relu when `nonlin` is False).

    Weights start uniform in [-1, 1] from `seed` (an int, a numpy Generator, or None for the
    global generator that manual_seed seeds); the bias at 0.
    The weighted sum is one `dot` node, so the graph stays small and the step fast.
    """

    def __init__(
        self, nin: int, nonlin: bool = True, seed: int | np.random.Generator | None = None
    ):
        self.w = [Value(w) for w in as_generator(seed).uniform(-1.0, 1.0, nin).tolist()]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def forward(self, x: Scalars) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        act = Value.dot(self.w, x, self.b)
        return act.relu() if self.nonlin else act

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs: x (nin,) -> (nout,)."""

    def __init__(
        self,
        nin: int,
        nout: int,
        nonlin: bool = True,
        seed: int | np.random.Generator | None = None,
    ):
        rng = as_generator(seed)
        self.neurons = [Neuron(nin, nonlin, rng) for _ in range(nout)]

    def forward(self, x: Scalars) -> list[Value]:
        return [n(x) for n in self.neurons]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(repr(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes `nouts` on `nin` inputs; relu between layers, a linear last layer.

    `MLP(2, [16, 16, 1])(x)` maps 2 numbers to one Value (a list when the last size is > 1).
    Parameters are labelled with their dotted names so graph drawings show them.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], seed: int | np.random.Generator | None = None
    ):
        rng = as_generator(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], i != last, rng) for i in range(len(nouts))]
        for name, p in self.named_parameters():
            p.label = name

    def forward(self, x: Scalars) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(repr(layer) for layer in self.layers)}]"


def max_margin_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """Mean hinge loss: mean(relu(1 - y * score)) for labels y in {-1, +1}."""
    if len(scores) != len(labels):
        raise ValueError(f"max_margin_loss: {len(scores)} scores but {len(labels)} labels")
    margins = [(1.0 - y * s).relu() for s, y in zip(scores, labels, strict=True)]
    return Value.sum(margins) * (1.0 / len(margins))
