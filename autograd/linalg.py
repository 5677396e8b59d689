"""Linear algebra, torch's names: einsum, outer, dot, mv, mm, bmm, addmm, baddbmm.

Module functions, and the same as Tensor methods where torch has them (class LinearAlgebra,
which Tensor inherits). All but einsum are matmul with torch's shape rules (no broadcasting
where torch has none), so they share its gradient; einsum is a primitive of ops.py.
"""

import functools
import string
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops, tensor
from .dtypes import promote

if TYPE_CHECKING:
    from .tensor import Tensor


def einsum(equation: str, *operands: Any) -> "Tensor":
    """Einstein summation, numpy's and torch's: einsum("ij,jk->ik", a, b) is a @ b; letters
    missing from the output are summed; no "->" means the letters used once, in order; "..."
    stands for broadcast axes; operands may also come as one list.

    A repeated letter in one operand takes its diagonal, and a letter in only one operand and
    not in the output is summed first (both composed, so their gradients come for free), so the
    primitive's gradient is always another einsum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [tensor.lift(x, None, "einsum") for x in operands]
    dtype = functools.reduce(promote, (x.dtype for x in xs))
    xs = [x if x.dtype == dtype else x.astype(dtype) for x in xs]
    inputs, output, broadcast = _parse(equation, [x.ndim for x in xs])
    seen: dict[str, set[int]] = {}
    for letters, x in zip(inputs, xs, strict=True):
        for letter, n in zip(letters, x.shape, strict=True):
            seen.setdefault(letter, set()).add(n)
    for letter, ns in seen.items():  # "..." axes broadcast (sizes 1 and n); letters match
        if len(ns) > 1 and not (letter in broadcast and len(ns) == 2 and 1 in ns):
            raise ValueError(f"einsum: {equation!r}: an index has sizes {sorted(ns)}")
    sizes = {letter: max(ns - {1}, default=1) for letter, ns in seen.items()}
    simple = [
        _distinct(x, letters, output + "".join(inputs[:i] + inputs[i + 1 :]), sizes)
        for i, (x, letters) in enumerate(zip(xs, inputs, strict=True))
    ]
    equation = ",".join(letters for _, letters in simple) + "->" + output
    return tensor.apply(ops.einsum, *(x for x, _ in simple), equation=equation)


def outer(x: Any, y: Any) -> "Tensor":
    """(n,), (m,) -> (n, m): x_i * y_j."""
    x, y = _vectors("outer", x, y)
    return x.reshape(-1, 1) * y.reshape(1, -1)


def dot(x: Any, y: Any) -> "Tensor":
    """(n,), (n,) -> (): the sum of x_i * y_i."""
    x, y = _vectors("dot", x, y)
    return x @ y


def mv(matrix: Any, vector: Any) -> "Tensor":
    """(n, m), (m,) -> (n,)."""
    return _checked("mv", (2, 1), matrix, vector)


def mm(x: Any, y: Any) -> "Tensor":
    """(n, k), (k, m) -> (n, m)."""
    return _checked("mm", (2, 2), x, y)


def bmm(x: Any, y: Any) -> "Tensor":
    """(b, n, k), (b, k, m) -> (b, n, m): one product per batch element (no broadcasting)."""
    x, y = (tensor.lift(t, None, "bmm") for t in (x, y))
    if x.ndim == 3 and y.ndim == 3 and x.shape[0] != y.shape[0]:
        raise ValueError(f"bmm: batches {x.shape} and {y.shape} differ in size")
    return _checked("bmm", (3, 3), x, y)


def addmm(input: Any, x: Any, y: Any, *, beta: float = 1.0, alpha: float = 1.0) -> "Tensor":
    """beta * input + alpha * (x @ y): input broadcasts to (n, m), x (n, k), y (k, m). With
    beta 0, input is ignored (its nan and inf too), as in torch."""
    return _scaled_sum(input, mm(x, y), beta, alpha)


def baddbmm(input: Any, x: Any, y: Any, *, beta: float = 1.0, alpha: float = 1.0) -> "Tensor":
    """beta * input + alpha * bmm(x, y): input broadcasts to (b, n, m)."""
    return _scaled_sum(input, bmm(x, y), beta, alpha)


class LinearAlgebra:
    """torch's linear algebra methods of a Tensor (see the functions above)."""

    def outer(self, other: Any) -> "Tensor":
        return outer(self, other)

    def dot(self, other: Any) -> "Tensor":
        return dot(self, other)

    def mv(self, vector: Any) -> "Tensor":
        return mv(self, vector)

    def mm(self, other: Any) -> "Tensor":
        return mm(self, other)

    def bmm(self, other: Any) -> "Tensor":
        return bmm(self, other)

    def addmm(self, x: Any, y: Any, *, beta: float = 1.0, alpha: float = 1.0) -> "Tensor":
        return addmm(self, x, y, beta=beta, alpha=alpha)

    def baddbmm(self, x: Any, y: Any, *, beta: float = 1.0, alpha: float = 1.0) -> "Tensor":
        return baddbmm(self, x, y, beta=beta, alpha=alpha)


# --- helpers ------------------------------------------------------------------------------------


def _vectors(op: str, x: Any, y: Any) -> tuple["Tensor", "Tensor"]:
    x, y = tensor.lift(x, None, op), tensor.lift(y, None, op)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"{op}: expected two 1-d tensors, got shapes {x.shape} and {y.shape}")
    if op == "dot" and x.shape != y.shape:
        raise ValueError(f"dot: shapes {x.shape} and {y.shape} differ in size")
    return x, y


def _checked(op: str, ndims: tuple[int, int], x: Any, y: Any) -> "Tensor":
    """x @ y after checking the operands have `ndims` axes (torch's rule for mm, mv, bmm)."""
    x, y = tensor.lift(x, None, op), tensor.lift(y, None, op)
    if (x.ndim, y.ndim) != ndims:
        raise ValueError(
            f"{op}: expected {ndims[0]}-d and {ndims[1]}-d tensors, got {x.shape} and {y.shape}"
        )
    return x @ y


def _scaled_sum(input: Any, product: "Tensor", beta: float, alpha: float) -> "Tensor":
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled
    term = tensor.lift(input, product, "addmm")
    return scaled + (term if beta == 1 else term * beta)


def _parse(equation: str, ndims: Sequence[int]) -> tuple[list[str], str, str]:
    """Each operand's letters, the output's and the broadcast axes', with "..." spelled as
    unused letters (the same for the same axes, aligned from the right), the output explicit."""
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum: {equation!r} names {len(inputs)} operands, got {len(ndims)}")
    if any(c not in string.ascii_letters + ".," for c in left + output):
        raise ValueError(f"einsum: {equation!r}: subscripts are letters, ',', '->' and '...'")
    free = [c for c in string.ascii_uppercase if c not in equation]
    spans = [
        ndim - len(letters.replace("...", "")) for letters, ndim in zip(inputs, ndims, strict=True)
    ]
    widest = max(spans, default=0)
    spelled = []
    for letters, ndim, span in zip(inputs, ndims, spans, strict=True):
        if span < 0 or (span and "..." not in letters) or letters.count(".") not in (0, 3):
            raise ValueError(f"einsum: {equation!r}: subscripts {letters!r} for {ndim} axes")
        spelled.append(letters.replace("...", "".join(free[widest - span : widest])))
    broadcast = "".join(free[:widest])
    if not arrow:  # implicit output: the broadcast axes, then the letters used once, in order
        used = "".join(spelled)
        once = (c for c in set(used) if used.count(c) == 1 and c not in broadcast)
        output = broadcast + "".join(sorted(once))
    elif "..." in output:
        output = output.replace("...", broadcast)
    elif widest:
        raise ValueError(f"einsum: {equation!r}: the output needs '...' for the broadcast axes")
    if len(set(output)) != len(output) or not set(output) <= set("".join(spelled)):
        raise ValueError(f"einsum: {equation!r}: each output letter once, and from an operand")
    return spelled, output, broadcast


def _distinct(x: "Tensor", letters: str, keep: str, sizes: dict[str, int]) -> tuple["Tensor", str]:
    """x and its letters, changed so that each letter appears once (a repeated one: the diagonal),
    each appears in `keep` (others: summed out) and each has its full size (broadcast)."""
    unique = "".join(dict.fromkeys(letters))
    if len(unique) < len(letters):  # the diagonal: one arange per distinct letter, shared
        grids = {c: np.arange(x.shape[letters.index(c)]) for c in unique}
        index = tuple(grids[c].reshape([-1 if d == c else 1 for d in unique]) for c in letters)
        x, letters = x[index], unique
    lonely = [i for i, c in enumerate(letters) if c not in keep]
    if lonely:
        x = x.sum(tuple(lonely))
        letters = "".join(c for c in letters if c in keep)
    target = tuple(sizes[c] for c in letters)
    return (x if x.shape == target else x.broadcast_to(*target)), letters
