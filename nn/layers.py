"""Tensor layers: Linear, containers, shape helpers, activations and Dropout, as in torch.nn."""

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from autograd import Tensor, linear
from autograd.rng import as_generator

from . import functional as F
from . import init
from .module import Module, Parameter, record_call


class Linear(Module):
    """y = x @ weight.T + bias: (..., in_features) -> (..., out_features); weight (out, in).

    Starts like torch: weight and bias uniform in +-1/sqrt(in_features), drawn from `generator`
    (an int seed or a numpy Generator).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, generator: Any = None
    ) -> None:
        rng = as_generator(generator)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), np.float32))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        self.bias = None
        if bias:
            bound = 1 / math.sqrt(in_features) if in_features else 0.0
            self.bias = init.uniform_(
                Parameter(np.empty(out_features, np.float32)), -bound, bound, rng
            )

    def forward(self, x: Tensor, relu: bool = False) -> Tensor:
        """The layer's output, passed through relu when `relu` (Sequential's fused Linear+ReLU)."""
        return linear(x, self.weight, self.bias, relu=relu)

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class Sequential(Module):
    """Modules applied in order; children are named "0", "1", ... like torch.

    A Linear directly followed by a ReLU runs as one fused op (same values and gradients as the
    two calls; bench/mlp.py's steps are 5-10% faster for it).
    """

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            _check_module("Sequential", i, module)
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def forward(self, x: Any) -> Any:
        modules, i = self.children(), 0
        while i < len(modules):
            after = modules[i + 1] if i + 1 < len(modules) else None
            if type(modules[i]) is Linear and type(after) is ReLU:
                out = modules[i].forward(x, relu=True)
                record_call(out, (modules[i], after), (x,))
                x, i = out, i + 2
            else:
                x, i = modules[i](x), i + 1
        return x

    def __getitem__(self, i: int) -> Module:
        return list(self)[i]

    def __len__(self) -> int:
        return len(self.children())

    def __iter__(self) -> Iterator[Module]:
        return iter(self.children())


class ModuleList(Module):
    """A list of modules whose parameters the parent finds ("0", "1", ... like torch)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> "ModuleList":
        _check_module("ModuleList.append", len(self), module)
        setattr(self, str(len(self)), module)
        return self

    def __getitem__(self, i: int) -> Module:
        return self.children()[i]

    def __len__(self) -> int:
        return len(self.children())

    def __iter__(self) -> Iterator[Module]:
        return iter(self.children())


def _check_module(where: str, position: int, module: Any) -> None:
    """TypeError unless `module`, to be child number `position` of a container, is a Module."""
    if not isinstance(module, Module):
        raise TypeError(f"{where}: module {position} must be a Module, got {type(module).__name__}")


class Identity(Module):
    """Returns its input."""

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class GELU(Module):
    """x * Phi(x); approximate="tanh" for the tanh form (torch's names)."""

    def __init__(self, approximate: str = "none") -> None:
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return x.gelu(self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.silu()


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(self.dim)


class Dropout(Module):
    """Zero each element with probability p while training, scaling the rest by 1/(1-p).

    The expected value is unchanged; in eval mode it is the identity. Masks come from
    `generator` (an int seed or a numpy Generator).
    """

    def __init__(self, p: float = 0.5, generator: Any = None) -> None:
        F.check_probability("Dropout", p)
        self.p, self.rng = p, as_generator(generator)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
