"""Value: one float that remembers how it was computed, so it can send gradients back.

Every op below computes its output, then says how to send the output's gradient `g` back to its
inputs (its vector-Jacobian product, VJP): one gradient per input, by the chain rule.

    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (-4.0, -4.0, 3.0)
"""

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from numbers import Real

from .graph import backward
from .modes import anomaly_mode, check_output, grad_mode


class Value:
    """A scalar node of the computation graph: `data` (float), `grad` (d output / d this).

    Semantics, as in PyTorch:
    - a node used twice gets the sum of both gradients (`b = a + a` gives `a.grad == 2`);
    - leaves accumulate over `backward()` calls until you zero them (`zero_grad`);
    - `backward()` frees the graph's VJPs; pass `retain_graph=True` to go through it again.
    Subgradients where the slope is undefined: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope,
    and `maximum(a, b)` at a tie gives half the gradient to each side (like `torch.maximum`).
    """

    __slots__ = ("__weakref__", "data", "grad", "label", "op", "parents", "vjp")
    saved_versions = None  # the node protocol's; a Value's data is never changed in place
    requires_grad = True
    shape = ()
    broadcasts = False  # gradients are floats: nothing to sum back, nothing shared to copy

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data, "Value")
        self.grad = 0.0
        self.parents: tuple[Value, ...] = ()
        self.vjp: Callable | None = None
        self.op = ""
        self.label = label

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    def backward(self, retain_graph: bool = False, explain: bool = False) -> None:
        """Fill `.grad` of every node this one depends on with d self / d node; `explain`
        prints each step of the chain rule (graphs of up to 40 nodes)."""
        backward(self, 1.0, retain_graph, explain=explain)

    def __add__(self, other: "Value | float") -> "Value":
        other = _lift(other, "add")
        return _result(self.data + other.data, "+", (self, other), lambda g: (g, g))

    def __mul__(self, other: "Value | float") -> "Value":
        other = _lift(other, "mul")
        return _result(
            self.data * other.data, "*", (self, other), lambda g: (g * other.data, g * self.data)
        )

    def __pow__(self, other: "Value | float") -> "Value":
        if isinstance(other, Value):  # a ** b = exp(b log a), defined for a > 0
            if self.data <= 0:
                raise ValueError(f"pow: a Value exponent needs a positive base, got {self.data}")
            return (other * self.log()).exp()
        n = _as_float(other, "pow")
        return _result(
            _power(self.data, n), f"**{n:g}", (self,), lambda g: (g * _power_slope(self.data, n),)
        )

    def exp(self) -> "Value":
        """e ** self."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp: exp({self.data}) overflows a float") from None
        return _result(out, "exp", (self,), lambda g: (g * out,))

    def log(self) -> "Value":
        """Natural logarithm; ValueError unless self > 0."""
        if self.data <= 0:
            raise ValueError(f"log: input must be positive, got {self.data}")
        return _result(math.log(self.data), "log", (self,), lambda g: (g / self.data,))

    def tanh(self) -> "Value":
        out = math.tanh(self.data)
        return _result(out, "tanh", (self,), lambda g: (g * (1.0 - out * out),))

    def sigmoid(self) -> "Value":
        """1 / (1 + e^-x), computed without overflow for large |x|."""
        x = self.data
        out = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return _result(out, "sigmoid", (self,), lambda g: (g * out * (1.0 - out),))

    def relu(self) -> "Value":
        """max(x, 0); slope 0 at 0."""
        on = self.data > 0
        return _result(self.data if on else 0.0, "relu", (self,), lambda g: (g if on else 0.0,))

    def leaky_relu(self, slope: float = 0.01) -> "Value":
        """x for x > 0, else slope * x; slope `slope` at 0 (like torch)."""
        k = 1.0 if self.data > 0 else _as_float(slope, "leaky_relu")
        return _result(k * self.data, "leaky_relu", (self,), lambda g: (g * k,))

    def abs(self) -> "Value":
        """|x|; slope 0 at 0."""
        sign = (self.data > 0) - (self.data < 0)
        return _result(abs(self.data), "abs", (self,), lambda g: (g * sign,))

    def maximum(self, other: "Value | float") -> "Value":
        """The larger of the two; at a tie each side gets half the gradient."""
        other = _lift(other, "maximum")
        a, b = self.data, other.data
        share = 1.0 if a > b else 0.0 if a < b else 0.5
        return _result(max(a, b), "max", (self, other), lambda g: (g * share, g * (1.0 - share)))

    max = maximum

    @staticmethod
    def sum(terms: Iterable["Value | float"]) -> "Value":
        """One node adding all `terms` (cheaper than a chain of binary adds)."""
        terms = tuple(t if isinstance(t, Value) else _lift(t, "sum") for t in terms)
        n = len(terms)
        return _result(sum(t.data for t in terms), "sum", terms, lambda g: (g,) * n)

    @staticmethod
    def dot(
        ws: Sequence["Value | float"],
        xs: Sequence["Value | float"],
        bias: "Value | float | None" = None,
    ) -> "Value":
        """w1*x1 + ... + wn*xn (+ bias) as one node: a neuron's pre-activation, 5x faster than
        n muls and adds. A side given as plain numbers (a network's input) stays constant: no
        nodes, no gradients. A side mixing numbers and Values is lifted whole."""
        if len(ws) != len(xs):
            raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
        w_nodes, wd = _side(ws)
        x_nodes, xd = _side(xs)
        parents = (*w_nodes, *x_nodes)
        slopes = [*(xd if w_nodes else ()), *(wd if x_nodes else ())]  # d total / d each parent
        total = sum(map(operator.mul, wd, xd))
        if bias is not None:
            bias = _lift(bias, "dot")
            parents, slopes, total = (*parents, bias), [*slopes, 1.0], total + bias.data
        return _result(total, "dot", parents, lambda g: list(map(g.__mul__, slopes)))  # g * each

    def __neg__(self) -> "Value":  # -x = x * -1
        return self * -1.0

    def __sub__(self, other: "Value | float") -> "Value":  # x - y = x + (-y)
        return self + -_lift(other, "sub")

    def __rsub__(self, other: float) -> "Value":
        return _lift(other, "sub") + -self

    def __truediv__(self, other: "Value | float") -> "Value":  # x / y = x * y**-1
        return self * _reciprocal(_lift(other, "div"))

    def __rtruediv__(self, other: float) -> "Value":
        return _lift(other, "div") * _reciprocal(self)

    def __radd__(self, other: float) -> "Value":
        return _lift(other, "add") + self

    def __rmul__(self, other: float) -> "Value":
        return _lift(other, "mul") * self

    def __rpow__(self, other: float) -> "Value":
        return _lift(other, "pow") ** self


def _result(data: float, op: str, parents: tuple, vjp: Callable) -> Value:
    """The output Value of an op; it records its inputs and VJP only while grad mode is on."""
    out = Value(data)
    if anomaly_mode.enabled:
        check_output(op, parents, data)
    if grad_mode.enabled:
        out.parents, out.vjp, out.op = parents, vjp, op
    return out


def _lift(x: Value | float, op: str) -> Value:
    """`x` itself if it is a Value, else a constant Value holding the number."""
    if isinstance(x, Value):
        return x
    return Value(x if type(x) is float else _as_float(x, op))


def _side(terms: Sequence[Value | float]) -> tuple[Sequence[Value], list[float]]:
    """One side of a dot: its terms as Values (numbers lifted) and their numbers; or, when no
    term is a Value, no nodes and the plain numbers (a constant side). map() keeps the two
    common cases (all Values, all floats) in C: a dot runs once per neuron per example."""
    if all(map(isinstance, terms, repeat(Value))):
        return terms, list(map(_DATA, terms))
    if not any(map(isinstance, terms, repeat(Value))):
        return [], [t if type(t) is float else _as_float(t, "dot") for t in terms]
    nodes = [_lift(t, "dot") for t in terms]
    return nodes, list(map(_DATA, nodes))


_DATA = operator.attrgetter("data")


def _as_float(x: object, op: str) -> float:
    """`x` as a Python float; TypeError naming the type unless it is a real number."""
    if not isinstance(x, Real):
        raise TypeError(f"{op}: expected a real number, got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{op}: {type(x).__name__} too large for a float") from None


def _reciprocal(v: Value) -> Value:
    """v ** -1, refusing v = 0 with an error that names division."""
    if v.data == 0.0:
        raise ZeroDivisionError("div: division by zero")
    return v**-1.0


def _power(x: float, n: float) -> float:
    """x ** n as a real float, or an error naming the operands."""
    try:
        out = x**n
    except ZeroDivisionError:
        raise ZeroDivisionError(f"pow: {x} ** {n} divides by zero") from None
    except OverflowError:
        raise OverflowError(f"pow: {x} ** {n} overflows a float") from None
    if isinstance(out, complex):
        raise ValueError(f"pow: {x} ** {n} is not a real number")
    return out


def _power_slope(x: float, n: float) -> float:
    """d/dx x ** n, infinite at x = 0 for 0 < n < 1 (like torch)."""
    if n == 0.0:
        return 0.0
    if x == 0.0 and n < 1.0:
        return math.inf
    return n * x ** (n - 1.0)
