"""Every Value op, from one case table, against three oracles: plain math, central differences
(`gradcheck`) and PyTorch in float64. Then the subgradient conventions at kinks, the fused ops
against their compositions, and the errors for bad operands and out-of-domain inputs."""

import math
import operator
from collections.abc import Callable
from functools import reduce
from typing import NamedTuple

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, maximum

SLOPE = 0.1  # leaky_relu slope in the table, unlike the default 0.01 so that both are exercised
GAP = 1e-2  # distance kept from kinks, poles and ties: far wider than gradcheck's eps (1e-6)
TOL = {"rel": 1e-12, "abs": 1e-13}  # a few float64 roundings apart, not a different formula
SETTINGS = settings(max_examples=30, deadline=None)

REAL = st.floats(-3.0, 3.0)
POSITIVE = st.floats(GAP, 5.0)
NONZERO = st.floats(GAP, 3.0) | st.floats(-3.0, -GAP)


def inputs(*domains: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, ...]]:
    """A point: one float per input, input i drawn from domains[i]."""
    return st.tuples(*domains)


def untied(domain: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, float]]:
    """Pairs at least GAP apart, away from maximum's tie."""
    return inputs(domain, domain).filter(lambda p: abs(p[0] - p[1]) > GAP)


class Case(NamedTuple):
    name: str
    value_fn: Callable[..., Value]  # Values -> Value
    torch_fn: Callable[..., torch.Tensor]  # float64 tensors -> 0-d tensor
    math_fn: Callable[..., float]  # floats -> float
    domain: st.SearchStrategy[tuple[float, ...]]  # one float per input, so its length is the arity


def same(name: str, fn: Callable, domain: st.SearchStrategy) -> Case:
    """A row whose one expression (Python operators) means the same on Values, tensors, floats."""
    return Case(name, fn, fn, fn, domain)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _torch_sum(*ts: torch.Tensor) -> torch.Tensor:
    return torch.stack(ts).sum()


def _torch_dot(*ts: torch.Tensor) -> torch.Tensor:
    half = len(ts) // 2
    return torch.dot(torch.stack(ts[:half]), torch.stack(ts[half:]))


def _value_dot(*vs: Value) -> Value:
    half = len(vs) // 2
    return Value.dot(vs[:half], vs[half:])


def _math_dot(*xs: float) -> float:
    half = len(xs) // 2
    return sum(w * x for w, x in zip(xs[:half], xs[half:], strict=True))


WEIGHTS = (0.5, -2.0, 1.5)  # plain-number weights for the mixed dot row


def _const(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64)


CASES = [
    same("add", operator.add, inputs(REAL, REAL)),
    same("add_number_right", lambda a: a + 2.5, inputs(REAL)),
    same("add_number_left", lambda a: 2.5 + a, inputs(REAL)),
    same("sub", operator.sub, inputs(REAL, REAL)),
    same("sub_number_right", lambda a: a - 2.5, inputs(REAL)),
    same("sub_number_left", lambda a: 2.5 - a, inputs(REAL)),
    same("mul", operator.mul, inputs(REAL, REAL)),
    same("mul_number_right", lambda a: a * -1.5, inputs(REAL)),
    same("mul_number_left", lambda a: -1.5 * a, inputs(REAL)),
    same("div", operator.truediv, inputs(REAL, NONZERO)),
    same("div_number_right", lambda a: a / -1.5, inputs(REAL)),
    same("div_number_left", lambda a: 2.5 / a, inputs(NONZERO)),
    same("pow_int", lambda a: a**3, inputs(REAL)),
    same("pow_negative_int", lambda a: a**-2, inputs(NONZERO)),
    same("pow_zero", lambda a: a**0, inputs(REAL)),
    same("pow_fraction", lambda a: a**1.5, inputs(POSITIVE)),
    same("pow_sqrt", lambda a: a**0.5, inputs(POSITIVE)),
    same("pow_value_exponent", operator.pow, inputs(POSITIVE, REAL)),
    same("rpow", lambda a: 2.5**a, inputs(REAL)),
    same("neg", operator.neg, inputs(REAL)),
    Case("exp", lambda a: a.exp(), torch.exp, math.exp, inputs(REAL)),
    Case("log", lambda a: a.log(), torch.log, math.log, inputs(POSITIVE)),
    Case("tanh", lambda a: a.tanh(), torch.tanh, math.tanh, inputs(REAL)),
    Case("sigmoid", lambda a: a.sigmoid(), torch.sigmoid, _sigmoid, inputs(REAL)),
    Case("relu", lambda a: a.relu(), torch.relu, lambda x: max(x, 0.0), inputs(NONZERO)),
    Case(
        "leaky_relu",
        lambda a: a.leaky_relu(SLOPE),
        lambda t: F.leaky_relu(t, SLOPE),
        lambda x: x if x > 0 else SLOPE * x,
        inputs(NONZERO),
    ),
    Case(
        "leaky_relu_default_slope",
        lambda a: a.leaky_relu(),
        F.leaky_relu,
        lambda x: x if x > 0 else 0.01 * x,  # the documented default, torch's too
        inputs(NONZERO),
    ),
    Case("abs", lambda a: a.abs(), torch.abs, abs, inputs(NONZERO)),
    Case("maximum", maximum, torch.maximum, max, untied(REAL)),
    Case("max_method", lambda a, b: a.max(b), torch.maximum, max, untied(REAL)),
    Case(
        "max_number",
        lambda a: a.max(0.5),
        lambda t: torch.maximum(t, _const(0.5)),
        lambda x: max(x, 0.5),
        inputs(REAL.filter(lambda x: abs(x - 0.5) > GAP)),
    ),
    Case("sum", lambda *vs: Value.sum(vs), _torch_sum, lambda *xs: sum(xs), inputs(*[REAL] * 4)),
    Case(
        "sum_with_number",
        lambda a, b: Value.sum([a, 2.5, b]),
        lambda a, b: _torch_sum(a, _const(2.5), b),
        lambda a, b: a + 2.5 + b,
        inputs(REAL, REAL),
    ),
    Case("dot", _value_dot, _torch_dot, _math_dot, inputs(*[REAL] * 6)),
    Case(
        "dot_number_weights",
        lambda *vs: Value.dot(WEIGHTS, vs),
        lambda *ts: _torch_dot(*map(_const, WEIGHTS), *ts),
        lambda *xs: _math_dot(*WEIGHTS, *xs),
        inputs(*[REAL] * len(WEIGHTS)),
    ),
    Case(
        "dot_with_bias",
        lambda *vs: Value.dot(vs[:2], vs[2:4], vs[4]),
        lambda *ts: _torch_dot(*ts[:4]) + ts[4],
        lambda *xs: _math_dot(*xs[:4]) + xs[4],
        inputs(*[REAL] * 5),
    ),
]
by_name = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])


@by_name
@SETTINGS
@given(data=st.data())
def test_forward_matches_plain_math(case: Case, data: st.DataObject) -> None:
    point = data.draw(case.domain, label="point")
    out = case.value_fn(*map(Value, point))
    assert type(out.data) is float
    assert out.data == pytest.approx(case.math_fn(*point), **TOL)


@by_name
@SETTINGS
@given(data=st.data())
def test_gradients_match_central_differences(case: Case, data: st.DataObject) -> None:
    point = data.draw(case.domain, label="point")
    assert gradcheck(case.value_fn, point) is True


@by_name
@SETTINGS
@given(data=st.data())
def test_value_and_gradients_match_torch(case: Case, data: st.DataObject) -> None:
    point = data.draw(case.domain, label="point")
    leaves = [Value(x) for x in point]
    out = case.value_fn(*leaves)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    expected = case.torch_fn(*tensors)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), **TOL)
    assert [leaf.grad for leaf in leaves] == pytest.approx([t.grad.item() for t in tensors], **TOL)


# Where the slope is undefined: (op, Value fn, torch fn, point, documented gradients).
KINKS = [
    ("relu_at_0", lambda a: a.relu(), torch.relu, (0.0,), (0.0,)),
    ("abs_at_0", lambda a: a.abs(), torch.abs, (0.0,), (0.0,)),
    (
        "leaky_relu_at_0",
        lambda a: a.leaky_relu(SLOPE),
        lambda t: F.leaky_relu(t, SLOPE),
        (0.0,),
        (SLOPE,),
    ),
    ("maximum_tie", maximum, torch.maximum, (1.5, 1.5), (0.5, 0.5)),
    ("max_method_tie", lambda a, b: a.max(b), torch.maximum, (-0.5, -0.5), (0.5, 0.5)),
    ("max_of_itself", lambda a: a.max(a), lambda t: torch.maximum(t, t), (2.0,), (1.0,)),
]


@pytest.mark.parametrize(
    ("value_fn", "torch_fn", "point", "documented"),
    [row[1:] for row in KINKS],
    ids=[row[0] for row in KINKS],
)
def test_subgradient_conventions_at_kinks_match_torch(value_fn, torch_fn, point, documented):
    leaves = [Value(x) for x in point]
    value_fn(*leaves).backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    torch_fn(*tensors).backward()
    grads = tuple(leaf.grad for leaf in leaves)
    assert grads == documented
    assert grads == tuple(t.grad.item() for t in tensors)


def _dot_composed(*vs: Value) -> Value:
    half = len(vs) // 2
    return reduce(operator.add, [w * x for w, x in zip(vs[:half], vs[half:], strict=True)])


# A fused n-ary op against the chain of binary ops it replaces: (fused, composed, term counts).
FUSED = [
    pytest.param(_value_dot, _dot_composed, st.integers(1, 4).map(lambda n: 2 * n), id="dot"),
    pytest.param(
        lambda *vs: Value.sum(vs), lambda *vs: reduce(operator.add, vs), st.integers(1, 8), id="sum"
    ),
]


@pytest.mark.parametrize(("fused", "composed", "n_terms"), FUSED)
@SETTINGS
@given(data=st.data())
def test_fused_op_equals_its_composition(fused, composed, n_terms, data) -> None:
    """Same value and same gradient on every leaf, including leaves used as several terms."""
    point = data.draw(st.lists(REAL, min_size=1, max_size=4), label="leaves")
    n = data.draw(n_terms, label="n_terms")
    picks = data.draw(
        st.lists(st.integers(0, len(point) - 1), min_size=n, max_size=n), label="terms"
    )
    fused_leaves = [Value(x) for x in point]
    composed_leaves = [Value(x) for x in point]
    fused_out = fused(*[fused_leaves[i] for i in picks])
    composed_out = composed(*[composed_leaves[i] for i in picks])
    fused_out.backward()
    composed_out.backward()
    assert fused_out.data == pytest.approx(composed_out.data, **TOL)
    assert [v.grad for v in fused_leaves] == pytest.approx([v.grad for v in composed_leaves], **TOL)


def test_dot_keeps_a_side_of_plain_numbers_off_the_graph():
    w1, w2, b, x = Value(0.5), Value(-1.0), Value(0.25), Value(3.0)
    neuron = Value.dot([w1, w2], [2.0, 4], b)  # a network's input: numbers, not Values
    assert neuron.parents == (w1, w2, b) and neuron.data == 0.5 * 2.0 - 4.0 + 0.25
    neuron.backward()
    assert (w1.grad, w2.grad, b.grad) == (2.0, 4.0, 1.0)
    mixed = Value.dot([w1, w2], [x, 2.0])  # one Value on the side: the side is lifted whole
    assert len(mixed.parents) == 4 and mixed.parents[:3] == (w1, w2, x)


def test_dot_with_mismatched_lengths_raises_value_error_naming_dot():
    with pytest.raises(ValueError, match=r"dot: 2 weights but 1 inputs"):
        Value.dot([Value(1.0), Value(2.0)], [Value(3.0)])


# Bad operand types: (what, thunk, op named in the message, type named in the message).
TYPE_ERRORS = [
    ("value_plus_str", lambda: Value(1.0) + "a", "add", "str"),
    ("str_plus_value", lambda: "a" + Value(1.0), "add", "str"),
    ("value_of_str", lambda: Value("x"), "Value", "str"),
    ("value_of_none", lambda: Value(None), "Value", "NoneType"),
    ("value_of_complex", lambda: Value(1 + 2j), "Value", "complex"),
    ("value_times_none", lambda: Value(1.0) * None, "mul", "NoneType"),
    ("none_times_value", lambda: None * Value(1.0), "mul", "NoneType"),
    ("value_times_complex", lambda: Value(1.0) * (1 + 2j), "mul", "complex"),
    ("complex_times_value", lambda: (1 + 2j) * Value(1.0), "mul", "complex"),
    ("value_minus_list", lambda: Value(1.0) - [1.0], "sub", "list"),
    ("list_minus_value", lambda: [1.0] - Value(1.0), "sub", "list"),
    ("value_over_none", lambda: Value(1.0) / None, "div", "NoneType"),
    ("str_over_value", lambda: "a" / Value(1.0), "div", "str"),
    ("value_pow_str", lambda: Value(2.0) ** "a", "pow", "str"),
    ("complex_pow_value", lambda: 1j ** Value(2.0), "pow", "complex"),
    ("maximum_with_str", lambda: maximum(Value(1.0), "a"), "maximum", "str"),
    ("max_method_with_none", lambda: Value(1.0).max(None), "maximum", "NoneType"),
    ("sum_with_str", lambda: Value.sum([Value(1.0), "a"]), "sum", "str"),
    ("dot_with_none", lambda: Value.dot([Value(1.0)], [None]), "dot", "NoneType"),
    ("leaky_relu_slope_str", lambda: Value(-1.0).leaky_relu("a"), "leaky_relu", "str"),
]


@pytest.mark.parametrize(
    ("thunk", "op", "type_name"),
    [row[1:] for row in TYPE_ERRORS],
    ids=[row[0] for row in TYPE_ERRORS],
)
def test_bad_operand_type_raises_type_error_naming_op_and_type(thunk, op, type_name):
    with pytest.raises(TypeError) as info:
        thunk()
    message = str(info.value)
    assert op in message
    assert type_name in message


# Inputs outside an op's domain: (what, thunk, exception, words the message must contain).
DOMAIN_ERRORS = [
    ("log_of_0", lambda: Value(0.0).log(), ValueError, ("log", "0.0")),
    ("log_of_minus_1", lambda: Value(-1.0).log(), ValueError, ("log", "-1.0")),
    ("exp_overflow", lambda: Value(1000.0).exp(), OverflowError, ("exp", "1000.0")),
    ("pow_overflow", lambda: Value(10.0) ** 400.0, OverflowError, ("pow", "10.0")),
    ("negative_base_sqrt", lambda: Value(-2.0) ** 0.5, ValueError, ("pow", "-2.0")),
    ("negative_base_cube_root", lambda: Value(-8.0) ** (1 / 3), ValueError, ("pow", "-8.0")),
    ("zero_to_minus_1", lambda: Value(0.0) ** -1, ZeroDivisionError, ("pow",)),
    ("divide_by_zero", lambda: Value(1.0) / 0.0, ZeroDivisionError, ("div",)),
    ("number_over_zero", lambda: 1.0 / Value(0.0), ZeroDivisionError, ("div",)),
    ("int_too_large", lambda: Value(10**400), OverflowError, ("Value", "int")),
    ("value_exponent_zero_base", lambda: Value(0.0) ** Value(2.0), ValueError, ("pow", "0.0")),
    (
        "value_exponent_negative_base",
        lambda: Value(-1.0) ** Value(2.0),
        ValueError,
        ("pow", "-1.0"),
    ),
    ("rpow_zero_base", lambda: 0.0 ** Value(1.0), ValueError, ("pow", "0.0")),
    ("rpow_negative_base", lambda: (-2.0) ** Value(2.0), ValueError, ("pow", "-2.0")),
]


@pytest.mark.parametrize(
    ("thunk", "error", "words"),
    [row[1:] for row in DOMAIN_ERRORS],
    ids=[row[0] for row in DOMAIN_ERRORS],
)
def test_out_of_domain_input_raises_naming_op_and_value(thunk, error, words):
    with pytest.raises(error) as info:
        thunk()
    assert type(info.value) is error
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(("x", "saturated"), [(1000.0, 1.0), (-1000.0, 0.0)])
def test_sigmoid_is_exact_and_finite_far_from_zero(x, saturated):
    a = Value(x)
    out = a.sigmoid()
    out.backward()
    assert out.data == saturated
    assert a.grad == 0.0
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(t).backward()
    assert (out.data, a.grad) == (torch.sigmoid(t).item(), t.grad.item())
