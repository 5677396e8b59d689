"""Tensor layers: Linear, containers, shape helpers, activations and Dropout, as in torch.nn."""

import math
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from autograd import Tensor, linear
from autograd.dtypes import get_default_dtype
from autograd.rng import as_generator

from . import functional as F
from . import init
from .module import Module, Parameter, record_call


class Linear(Module):
    """y = x @ weight.T + bias: (..., in_features) -> (..., out_features); weight (out, in).

    Starts like torch: weight and bias uniform in +-1/sqrt(in_features), drawn from `generator`
    (an int seed or a numpy Generator; by default the global one), in the default float dtype.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, generator: Any = None
    ) -> None:
        rng = as_generator(generator)
        self.in_features, self.out_features = in_features, out_features
        dtype = get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        self.bias = None
        if bias:
            bound = 1 / math.sqrt(in_features) if in_features else 0.0
            self.bias = init.uniform_(Parameter(np.empty(out_features, dtype)), -bound, bound, rng)

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
            fusable = type(modules[i]) is Linear and type(after) is ReLU
            if fusable and not (modules[i].hooked or after.hooked):
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


class Unflatten(Module):
    """Axis `dim` split into `unflattened_size`: (N, 12) -> (N, 3, 4) for Unflatten(1, (3, 4))."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        return x.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


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


class Softmin(Softmax):
    """softmax(-x) along dim: the smallest entries get the most weight."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)


class GLU(Softmax):
    """The gated linear unit: x cut in halves a, b along dim, a * sigmoid(b)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)


class PReLU(Module):
    """A leaky ReLU whose slope is learned: x for x > 0, weight * x below; one slope, or one per
    channel (axis 1) with num_parameters=C, each starting at `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, get_default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class CosineSimilarity(Module):
    """F.cosine_similarity(x1, x2, dim, eps) as a module: (N, D), (N, D) -> (N,)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class Dropout(Module):
    """Zero each element with probability p while training, scaling the rest by 1/(1-p).

    The expected value is unchanged; in eval mode it is the identity. Masks come from
    `generator` (an int seed or a numpy Generator), by default the global generator that
    `manual_seed` seeds.
    """

    def __init__(self, p: float = 0.5, generator: Any = None) -> None:
        F.check_probability(type(self).__name__, p)
        self.p, self.rng = p, as_generator(generator)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Zero whole channels while training: each feature map x[n, c] of (N, C, H, W) input
    with probability p, the rest scaled by 1/(1-p); the identity in eval mode.

    Neighbouring pixels of a feature map are alike, so zeroing single ones hardly regularises
    a convolutional net; zeroing maps does. A 3-d input is read as (N, C, L), as torch reads
    it, each row x[n, c] dropped whole (torch warns that this may change; so does this).
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(f"Dropout2d: expected input (N, C, H, W) or (N, C, L), got {x.shape}")
        if x.ndim == 3:
            warnings.warn(
                "Dropout2d: a 3-d input is read as (N, C, L), each row dropped whole (as torch);"
                " for one image (C, H, W), add the batch axis",
                stacklevel=2,
            )
        return F.dropout2d(x, self.p, self.training, self.rng)


class Embedding(Module):
    """A lookup table: integer indices (...) -> rows of `weight` (..., embedding_dim).

    weight (num_embeddings, embedding_dim) starts N(0, 1) as in torch, drawn from `generator`;
    the row `padding_idx`, if given, starts at zero and gets no gradient.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        generator: Any = None,
    ) -> None:
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(
                f"Embedding: padding_idx {padding_idx} is outside 0..{num_embeddings - 1}"
            )
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        weight = Parameter(np.empty((num_embeddings, embedding_dim), get_default_dtype()))
        self.weight = init.normal_(weight, generator=generator)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, x itself where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) below."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(ELU):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1))."""

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class SELU(Module):
    """scale * elu(x, alpha) with the self-normalising constants."""

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)


class Mish(Module):
    """x * tanh(softplus(x))."""

    def forward(self, x: Tensor) -> Tensor:
        return F.mish(x)


class Hardswish(Module):
    """x * relu6(x + 3) / 6."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardswish(x)


class Hardsigmoid(Module):
    """relu6(x + 3) / 6."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardsigmoid(x)


class Hardtanh(Module):
    """x limited to [min_val, max_val]; gradient 1 strictly inside."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Module):
    """min(max(x, 0), 6)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu6(x)


class LogSigmoid(Module):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""

    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)
