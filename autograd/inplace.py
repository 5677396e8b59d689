"""In-place changes to a Tensor's data: add_, sub_, mul_, div_, pow_, fill_, zero_, copy_,
clamp_, relu_, exp_, sigmoid_, tanh_, abs_, sqrt_, neg_, masked_fill_, scatter_, index_add_,
normal_, uniform_ and the operators +=, -=, *=, /=, **=, as in torch.

They record no graph. Each bumps a version counter (shared by views and detach()ed copies) that
backward checks: an op whose VJP reads an input notes the input's version, and backward refuses to
run that VJP if the version changed since (graph.py). While the graph is recorded, a tensor that
requires grad, or an operand that does, cannot be changed in place.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from . import modes
from .dtypes import KIND_RANK, result_dtype
from .modes import grad_mode, no_grad
from .rng import Seed, as_generator


class InPlace:
    """The in-place methods and version counter of Tensor, which inherits them (they use its
    `data`, `shape`, `dtype`, `requires_grad` and `parents`)."""

    _changes: list | None = None  # [version, last in-place method], shared with views

    @property
    def version(self) -> int:
        """How many in-place changes (add_, mul_, zero_, ...) this data has had. An op whose
        backward reads an input notes its version; backward raises if it changed since."""
        return 0 if self._changes is None else self._changes[0]

    @property
    def changed_by(self) -> str:
        """The in-place method that last changed this data ("" if none)."""
        return "" if self._changes is None else self._changes[1]

    def add_(self, other: Any, alpha: float = 1.0) -> "InPlace":
        """self += alpha * other in place (other broadcast to self's shape); returns self."""
        value = in_place_operand(other, "add_")
        return self._arithmetic_("add_", np.add, value if alpha == 1 else alpha * value)

    def sub_(self, other: Any) -> "InPlace":
        """self -= other in place; returns self."""
        return self._arithmetic_("sub_", np.subtract, in_place_operand(other, "sub_"))

    def mul_(self, other: Any) -> "InPlace":
        """self *= other in place; returns self."""
        return self._arithmetic_("mul_", np.multiply, in_place_operand(other, "mul_"))

    def div_(self, other: Any) -> "InPlace":
        """self /= other in place (true division: an integer tensor cannot hold it)."""
        return self._arithmetic_("div_", np.true_divide, in_place_operand(other, "div_"))

    def pow_(self, other: Any) -> "InPlace":
        """self **= other in place; returns self."""
        return self._arithmetic_("pow_", np.power, in_place_operand(other, "pow_"))

    # x += y is x.add_(y), as in torch: the same array changes, x is not rebound to a new tensor
    def __iadd__(self, other: Any) -> "InPlace":
        return self.add_(other)

    def __isub__(self, other: Any) -> "InPlace":
        return self.sub_(other)

    def __imul__(self, other: Any) -> "InPlace":
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> "InPlace":
        return self.div_(other)

    def __ipow__(self, other: Any) -> "InPlace":
        return self.pow_(other)

    def fill_(self, value: float) -> "InPlace":
        """Every element set to `value` in place; returns self."""
        return self._change("fill_", lambda data: data.fill(value))

    def zero_(self) -> "InPlace":
        """Every element set to 0 in place; returns self."""
        return self._change("zero_", lambda data: data.fill(0))

    def copy_(self, source: Any) -> "InPlace":
        """self's elements replaced by `source`'s (broadcast to self's shape); returns self."""
        source = in_place_operand(source, "copy_")
        return self._change("copy_", lambda data: np.copyto(data, source))

    def clamp_(self, min: float | None = None, max: float | None = None) -> "InPlace":
        """Every element limited to [min, max] in place (min > max gives max, as torch)."""
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        return self._change("clamp_", lambda data: np.clip(data, min, max, out=data))

    def relu_(self) -> "InPlace":
        """Negative elements set to 0 in place (NaN stays NaN)."""
        return self._change("relu_", lambda data: np.maximum(data, 0, out=data))

    # In-place twins of out-of-place methods: the method computes the values (off the graph),
    # which are written back, so each in-place op is its out-of-place op, defined once.

    def exp_(self) -> "InPlace":
        return self._replace_("exp_", lambda x: x.exp())

    def sigmoid_(self) -> "InPlace":
        return self._replace_("sigmoid_", lambda x: x.sigmoid())

    def tanh_(self) -> "InPlace":
        return self._replace_("tanh_", lambda x: x.tanh())

    def abs_(self) -> "InPlace":
        return self._replace_("abs_", lambda x: x.abs())

    def sqrt_(self) -> "InPlace":
        return self._replace_("sqrt_", lambda x: x.sqrt())

    def neg_(self) -> "InPlace":
        return self._replace_("neg_", lambda x: -x)

    def masked_fill_(self, mask: Any, value: Any) -> "InPlace":
        """value (cast to self's dtype) where `mask` is True, in place (masked_fill)."""
        in_place_operand(value, "masked_fill_")  # refuses a value that needs a gradient
        return self._replace_("masked_fill_", lambda x: x.masked_fill(mask, value), cast=True)

    def scatter_(self, dim: int, index: Any, src: Any) -> "InPlace":
        """self[index[i, j], j] = src[i, j] (dim 0; likewise for others), in place (scatter); a
        number src is cast to self's dtype."""
        in_place_operand(src, "scatter_")
        return self._replace_("scatter_", lambda x: x.scatter(dim, index, src), cast=True)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> "InPlace":
        """alpha * source's slice i added at slice index[i] along `dim`, in place (index_add)."""
        in_place_operand(source, "index_add_")
        return self._replace_("index_add_", lambda x: x.index_add(dim, index, source, alpha=alpha))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Seed = None) -> "InPlace":
        """Filled with samples of N(mean, std**2), drawn from `generator` (a seed or a numpy
        Generator) or the global generator (manual_seed); the draws nn.init.normal_ makes."""
        if not std >= 0:
            raise ValueError(f"normal_: std must be >= 0, got {std}")
        rng = as_generator(generator, "normal_")
        draws = mean + std * rng.standard_normal(self.shape)
        return self._change("normal_", lambda data: np.copyto(data, draws, casting="unsafe"))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Seed = None) -> "InPlace":
        """Filled with samples of U(a, b), as normal_; the draws nn.init.uniform_ makes."""
        if not a <= b:
            raise ValueError(f"uniform_: a must be <= b, got a={a}, b={b}")
        rng = as_generator(generator, "uniform_")
        draws = a + (b - a) * rng.random(self.shape)
        return self._change("uniform_", lambda data: np.copyto(data, draws, casting="unsafe"))

    def _arithmetic_(self, name: str, ufunc: np.ufunc, value: Any) -> "InPlace":
        """data = ufunc(data, value) in place, refusing a result self's dtype cannot hold (torch:
        a float result into an integer tensor, an integer one into a bool tensor)."""
        result = result_dtype(self.dtype, value, floating=ufunc is np.true_divide)
        if KIND_RANK[result.kind] > KIND_RANK[self.dtype.kind]:
            raise RuntimeError(
                f"{name}: result type {result} can't be cast to the desired output type "
                f"{self.dtype} of the tensor changed in place"
            )
        return self._change(name, lambda data: ufunc(data, value, out=data, casting="unsafe"))

    def _replace_(self, name: str, compute: Callable[[Any], Any], cast: bool = False) -> "InPlace":
        """The data replaced by compute(self)'s, computed off the graph. Unless `cast`, a result
        self's dtype cannot hold raises RuntimeError (exp_ of an integer tensor, as torch)."""
        with no_grad():
            values = compute(self).data
        if not cast and KIND_RANK[values.dtype.kind] > KIND_RANK[self.dtype.kind]:
            raise RuntimeError(
                f"{name}: result type {values.dtype} can't be cast to the desired output type "
                f"{self.dtype} of the tensor changed in place"
            )
        return self._change(name, lambda data: np.copyto(data, values, casting="unsafe"))

    def _change(self, name: str, update: Callable[[np.ndarray], Any]) -> "InPlace":
        """Apply `update` to the data in place, refusing what would make a gradient wrong."""
        if grad_mode.enabled and self.requires_grad:
            what = "an op result on the graph" if self.parents else "a leaf that requires grad"
            raise RuntimeError(
                f"{name}: {what} {self.shape} is being used in an in-place operation while the "
                "graph is recorded; write x = x + y instead, or change a leaf under no_grad() "
                "(as optimizers do)"
            )
        try:
            update(self.data)
        except (ValueError, TypeError) as error:  # broadcasting, casting, a read-only view
            message = f"{name}: cannot change {self.shape} {self.dtype} in place: {error}"
            raise ValueError(message) from None
        cell = self._version_cell()
        cell[0] += 1
        cell[1] = name
        modes.in_place_seen = True
        return self

    def _version_cell(self) -> list:
        """[version, last in-place method], made on first use; views share their base's."""
        if self._changes is None:
            self._changes = [0, ""]
        return self._changes


def in_place_operand(x: Any, op: str) -> Any:
    """The array (or number) an in-place change applies: a Tensor's data, else x as given.

    A Tensor that needs a gradient is refused while the graph is recorded: the in-place result
    would need one too, and tracegrad records no in-place ops (write x = x + y instead).
    """
    if not isinstance(x, InPlace):
        return x
    if grad_mode.enabled and x.requires_grad:
        raise RuntimeError(
            f"{op}: the operand {x.shape} requires grad, so the result would need a gradient "
            "that an in-place change cannot record; write x = x + y, or use no_grad()"
        )
    return x.data
