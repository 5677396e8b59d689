"""The Tensor engine: construction and the dtype policy, PyTorch's autograd semantics, higher-order
gradients, the course example, Value and Tensor agreeing, error messages, numerics at extremes,
gradcheck's teeth on Tensors, graphs freed without the cyclic collector, and broadcasting undone
by the walk. The per-op case table lives in test_tensor_ops.py."""

import operator
import re
import warnings
import weakref
from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import cyclic_gc_disabled

from autograd import (
    GradcheckError,
    Tensor,
    Value,
    arange,
    concat,
    cross_entropy,
    enable_grad,
    full,
    grad,
    gradcheck,
    gradgradcheck,
    linear,
    maximum,
    no_grad,
    ones,
    ones_like,
    rand,
    randn,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from autograd.graph import topo_order
from autograd.tensor import apply

SETTINGS = settings(max_examples=30, deadline=None)
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
TORCH_DTYPE = {F32: torch.float32, F64: torch.float64}


def leaf(values, dtype=F64) -> Tensor:
    """A leaf that requires grad, holding `values` in `dtype` (float64 unless told)."""
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def twin(t: Tensor) -> torch.Tensor:
    """A torch leaf holding a copy of t's data, in t's dtype, that requires grad."""
    return torch.tensor(t.data.copy(), dtype=TORCH_DTYPE[t.dtype], requires_grad=True)


# --- 1. construction and the dtype policy -------------------------------------------------------

# (data, the dtype the Tensor gets) with dtype= left out
DTYPE_POLICY = [
    pytest.param([1.5, -2.0], F32, id="list_of_floats"),
    pytest.param([1, 2, 3], F32, id="list_of_ints"),
    pytest.param(2.5, F32, id="python_float"),
    pytest.param(7, F32, id="python_int"),
    pytest.param(np.arange(3), F32, id="int64_array"),
    pytest.param(np.zeros(2, np.float16), F32, id="float16_array"),
    pytest.param(np.array([0.1, 0.2]), F64, id="float64_array"),
    pytest.param(np.float64(0.1), F64, id="float64_scalar"),
    pytest.param(np.array([0.1, 0.2], np.float32), F32, id="float32_array"),
    pytest.param(np.array([True, False]), np.dtype(bool), id="bool_array"),
]


@pytest.mark.parametrize(("data", "dtype"), DTYPE_POLICY)
def test_construction_follows_the_dtype_policy(data, dtype):
    t = Tensor(data)
    assert t.dtype == dtype
    assert t.shape == np.shape(data)
    np.testing.assert_array_equal(t.data, np.asarray(data).astype(dtype))


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1.5, 2.0], np.float64),
        ([1, 2], np.int64),
        (np.array([0.1, 0.2]), np.float32),
        (np.array([0.1, 0.2], np.float32), np.float64),
        ([1.0, 0.0], bool),
    ],
)
def test_dtype_argument_overrides_the_policy(data, dtype):
    t = Tensor(data, dtype=dtype)
    assert t.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(t.data, np.asarray(data).astype(dtype))


@pytest.mark.parametrize(
    "data",
    [[1 + 2j], np.array([1j], np.complex64), ["a", "b"], np.array(["x"])],
    ids=["complex_list", "complex64_array", "strings", "string_array"],
)
def test_non_real_data_raises_type_error_naming_its_dtype(data):
    with pytest.raises(TypeError, match=re.escape(str(np.asarray(data).dtype))):
        Tensor(data)


@pytest.mark.parametrize(
    ("data", "dtype"), [([True, False], None), ([1, 2], np.int64), ([1, 2], np.int32)]
)
def test_requires_grad_on_a_non_float_dtype_raises_type_error(data, dtype):
    expected = np.asarray(data, dtype).dtype
    with pytest.raises(TypeError, match=str(expected)):
        Tensor(data, requires_grad=True, dtype=dtype)


# (op on Tensors and numbers, the same op on arrays)
BINARY_OPS = [
    pytest.param(operator.add, operator.add, id="add"),
    pytest.param(operator.sub, operator.sub, id="sub"),
    pytest.param(operator.mul, operator.mul, id="mul"),
    pytest.param(operator.truediv, operator.truediv, id="div"),
    pytest.param(operator.pow, operator.pow, id="pow"),
    pytest.param(maximum, np.maximum, id="maximum"),
]


@pytest.mark.parametrize(("op", "numpy_op"), BINARY_OPS)
@pytest.mark.parametrize(("left", "right"), [(F32, F64), (F64, F32), (F32, F32), (F64, F64)])
def test_mixed_float_dtypes_promote_like_numpy(op, numpy_op, left, right):
    a, b = Tensor(np.array([1.5, 2.0], left)), Tensor(np.array([0.5, 3.0], right))
    out = op(a, b)
    assert out.dtype == np.result_type(left, right)
    np.testing.assert_allclose(out.data, numpy_op(a.data, b.data), rtol=1e-6)


@pytest.mark.parametrize(("op", "numpy_op"), BINARY_OPS)
@pytest.mark.parametrize("number", [2.0, 3, np.float64(2.0)], ids=["float", "int", "np_float64"])
@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("side", ["right", "left"])
def test_a_number_takes_the_tensor_dtype(op, numpy_op, number, dtype, side):
    t = Tensor(np.array([1.5, 2.0], dtype))
    out = op(t, number) if side == "right" else op(number, t)
    assert out.dtype == dtype
    expected = numpy_op(t.data, number) if side == "right" else numpy_op(number, t.data)
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("op", "number"),
    [(operator.mul, 0.5), (operator.add, 0.5), (operator.truediv, 0.5), (operator.truediv, 2)],
    ids=["mul", "add", "div", "div_int"],
)
def test_an_integer_tensor_with_a_number_matches_torch(op, number):
    # The number (or 1 / number) must not be cast to the integer dtype first (0.5 -> 0).
    ints = Tensor([1, 2, 3], dtype=np.int64)
    expected = op(torch.tensor([1, 2, 3]), number)
    np.testing.assert_allclose(op(ints, number).data, expected.numpy())


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize(("x_dtype", "w_dtype", "b_dtype"), [(F32, F64, F32), (F64, F32, F32)])
def test_linear_of_mixed_dtypes_computes_in_the_promoted_one_and_gives_each_its_own(
    relu, x_dtype, w_dtype, b_dtype
):
    # As x @ w.T + b does: the fused op casts (recorded) rather than mixing dtypes in a kernel.
    rng = np.random.default_rng(0)
    shapes = {(3, 4): x_dtype, (2, 4): w_dtype, (2,): b_dtype}
    x, w, b = (leaf(rng.standard_normal(shape), dtype) for shape, dtype in shapes.items())
    out = linear(x, w, b, relu=relu)
    assert out.dtype == F64
    out.sum().backward()
    copies = [leaf(t.data, t.dtype) for t in (x, w, b)]
    composed = copies[0] @ copies[1].T + copies[2]
    (composed.relu() if relu else composed).sum().backward()
    for t, copy in zip((x, w, b), copies, strict=True):
        assert t.grad.dtype == t.dtype
        np.testing.assert_allclose(t.grad.data, copy.grad.data, rtol=1e-6)


def test_a_float32_leaf_in_a_float64_computation_gets_a_float32_gradient():
    x = leaf([1.5, -2.0], F32)
    w = Tensor(np.array([0.1, 3.0]))  # float64
    out = (x * w).exp().sum()
    assert out.dtype == F64
    out.backward()
    assert x.grad.dtype == F32
    expected = w.data * np.exp(x.data.astype(F64) * w.data)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-6)


def test_shape_ndim_dtype_size_and_transpose():
    data = np.arange(6.0).reshape(2, 3)
    t = Tensor(data)
    assert (t.shape, t.ndim, t.dtype, t.size) == ((2, 3), 2, F64, 6)
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.data, data.T)


def test_item_gives_a_python_number():
    value = Tensor(np.float64(2.5)).item()
    assert type(value) is float
    assert value == 2.5


def test_numpy_and_asarray_share_the_data():
    t = Tensor(np.arange(3.0))
    assert t.numpy() is t.data
    assert np.shares_memory(np.asarray(t), t.data)
    t.numpy()[0] = 9.0
    assert t[0].item() == 9.0


def test_len_and_indexing():
    data = np.arange(6.0).reshape(3, 2)
    t = Tensor(data)
    assert len(t) == 3
    row = t[1]
    assert isinstance(row, Tensor)
    np.testing.assert_array_equal(row.data, data[1])
    assert t[2, 1].item() == data[2, 1]


REPR_OPS = [
    pytest.param(lambda x: x * 2.0, "<MulBackward0>", id="mul"),
    pytest.param(lambda x: x + 2.0, "<AddBackward0>", id="add"),
    pytest.param(lambda x: x.exp(), "<ExpBackward0>", id="exp"),
    pytest.param(lambda x: x.sum(), "<SumBackward0>", id="sum"),
    pytest.param(lambda x: x[0], "<GetitemBackward0>", id="getitem"),
    pytest.param(lambda x: x.reshape(2, 1), "<ReshapeBackward0>", id="reshape"),
    pytest.param(lambda x: x @ x, "<MatmulBackward0>", id="matmul"),
]


@pytest.mark.parametrize(("fn", "grad_fn"), REPR_OPS)
def test_repr_of_an_op_result_names_its_grad_fn_as_torch_does(fn, grad_fn):
    text = repr(fn(leaf([1.5, -2.0], F32)))
    assert f"grad_fn={grad_fn})" in text
    assert "dtype" not in text  # float32, torch's default, is not shown
    assert "requires_grad" not in text


def test_repr_of_a_leaf_reads_like_torch():
    assert repr(leaf([1.5, -2.0])) == (
        "tensor([ 1.5000, -2.0000], dtype=torch.float64, requires_grad=True)"
    )
    assert repr(Tensor([[1.0, 2.0]])) == "tensor([[1., 2.]])"
    assert repr(Tensor(np.zeros((0, 3)))) == "tensor([], size=(0, 3), dtype=torch.float64)"


def test_tensor_function_is_the_constructor():
    t = tensor([1, 2], requires_grad=True, dtype=np.float64)
    assert isinstance(t, Tensor)
    assert (t.dtype, t.requires_grad) == (F64, True)
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


@pytest.mark.parametrize(("factory", "fill"), [(zeros, 0.0), (ones, 1.0)])
@pytest.mark.parametrize(
    ("args", "shape"),
    [((2, 3), (2, 3)), (((2, 3),), (2, 3)), (([2, 3],), (2, 3)), ((4,), (4,)), ((), ())],
    ids=["sizes", "tuple", "list", "one_size", "no_size"],
)
def test_zeros_and_ones_take_both_shape_forms(factory, fill, args, shape):
    t = factory(*args)
    assert (t.shape, t.dtype, t.requires_grad) == (shape, F32, False)
    np.testing.assert_array_equal(t.data, np.full(shape, fill))


@pytest.mark.parametrize(("shape", "expected"), [((2, 3), (2, 3)), (4, (4,))])
def test_full(shape, expected):
    t = full(shape, 7.5)
    assert (t.shape, t.dtype) == (expected, F32)
    np.testing.assert_array_equal(t.data, np.full(expected, 7.5))


@pytest.mark.parametrize("args", [(5,), (1, 2, 0.25), (3, 0, -1), (5.0,), (0, 1, 1.0)])
def test_arange_picks_its_dtype_like_torch(args):
    """Whole bounds and step give int64, any float among them the default float32."""
    t, theirs = arange(*args), torch.arange(*args)
    assert str(t.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(t.data, theirs.numpy())


# Factories with dtype=: each must give the dtype it was asked for.
DTYPED_FACTORIES = [
    pytest.param(lambda dt: zeros(2, 3, dtype=dt), id="zeros"),
    pytest.param(lambda dt: ones((2, 3), dtype=dt), id="ones"),
    pytest.param(lambda dt: full((2, 3), 4, dtype=dt), id="full"),
    pytest.param(lambda dt: arange(4, dtype=dt), id="arange"),
]


@pytest.mark.parametrize("make", DTYPED_FACTORIES)
@pytest.mark.parametrize("dtype", [F64, F32, np.dtype(np.int64)], ids=str)
def test_factories_honour_their_dtype(make, dtype):
    assert make(dtype).dtype == dtype


@pytest.mark.parametrize("factory", [zeros, ones, randn, rand])
def test_factories_requires_grad(factory):
    t = factory(2, requires_grad=True)
    assert t.requires_grad
    (t * t).sum().backward()
    assert t.grad.shape == (2,)


@pytest.mark.parametrize("factory", [randn, rand])
def test_random_factories_are_reproducible_from_a_seed_in_both_shape_forms(factory):
    a = factory(2, 3, generator=7)
    b = factory((2, 3), generator=7)
    assert (a.shape, a.dtype) == ((2, 3), F32)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, factory(2, 3, generator=8).data)


@pytest.mark.parametrize("factory", [randn, rand])
def test_random_factories_consume_a_generator(factory):
    rng = np.random.default_rng(7)
    first, second = factory(4, generator=rng), factory(4, generator=rng)
    assert not np.array_equal(first.data, second.data)
    np.testing.assert_array_equal(first.data, factory(4, generator=7).data)  # same stream


def test_rand_is_in_the_unit_interval_and_randn_is_not():
    uniform = rand(1000, generator=0).data
    assert uniform.min() >= 0.0
    assert uniform.max() < 1.0
    assert randn(1000, generator=0).data.min() < 0.0


@pytest.mark.parametrize(("factory", "fill"), [(zeros_like, 0.0), (ones_like, 1.0)])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_like_factories_keep_shape_and_dtype(factory, fill, dtype):
    t = factory(Tensor(np.full((2, 3), 5.0, dtype)))
    assert (t.shape, t.dtype, t.requires_grad) == ((2, 3), dtype, False)
    np.testing.assert_array_equal(t.data, np.full((2, 3), fill))
    assert factory(t, requires_grad=True).requires_grad


# --- 2. autograd semantics, as in PyTorch -------------------------------------------------------


def test_leaves_accumulate_gradients_over_backward_calls_like_torch():
    x = leaf([1.5, -2.0, 0.5])
    xt = twin(x)
    for fn in [lambda v: (v * v).sum(), lambda v: (v * 3.0).exp().sum()]:
        fn(x).backward()
        fn(xt).backward()
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12)
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0, 3.0])


def test_interior_gradients_are_reset_by_each_backward():
    x = leaf([1.5, -2.0])
    mid = x * 2.0
    (mid * mid).sum().backward(retain_graph=True)
    np.testing.assert_allclose(mid.grad.data, 2.0 * mid.data)
    (mid * 3.0).sum().backward()
    np.testing.assert_array_equal(mid.grad.data, [3.0, 3.0])  # not 2 * mid + 3
    np.testing.assert_allclose(x.grad.data, 2.0 * 2.0 * mid.data + 6.0)  # leaves accumulate


@pytest.mark.parametrize("shape", [(3,), (2, 2), (0,)])
def test_backward_of_a_non_scalar_without_gradient_raises(shape):
    out = Tensor(np.ones(shape), requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"one element.*" + re.escape(str(shape))):
        out.backward()


@pytest.mark.parametrize("shape", [(1,), (1, 1)])
def test_backward_of_a_one_element_tensor_needs_no_gradient(shape):
    x = Tensor(np.full(shape, 3.0), requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad.data, np.full(shape, 6.0))


@pytest.mark.parametrize(
    ("out_shape", "gradient_shape"), [((3,), (2,)), ((3,), (3, 1)), ((), (1,)), ((2, 3), (3, 2))]
)
def test_backward_with_a_wrongly_shaped_gradient_names_both_shapes(out_shape, gradient_shape):
    out = Tensor(np.ones(out_shape), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=re.escape(str(gradient_shape))) as info:
        out.backward(np.ones(gradient_shape))
    assert str(out_shape) in str(info.value)


def test_backward_with_a_gradient_weights_the_outputs():
    x = leaf([1.5, -2.0, 0.5])
    xt = twin(x)
    seed = np.array([1.0, -3.0, 0.25])
    (x * x).backward(seed)
    (xt * xt).backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("make", [lambda: Tensor(2.0), lambda: Tensor(2.0) * 3.0])
def test_backward_on_a_tensor_that_does_not_require_grad_raises(make):
    with pytest.raises(RuntimeError, match="does not require grad"):
        make().backward()


def test_second_backward_through_a_freed_graph_raises_mentioning_retain_graph():
    x = leaf([1.5, -2.0])
    out = (x * x).tanh().sum()
    out.backward()
    once = x.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph"):
        out.backward()
    np.testing.assert_array_equal(x.grad.data, once)


def test_retain_graph_allows_a_second_backward_and_leaves_get_double():
    x = leaf([1.5, -2.0])
    mid = x * x
    out = mid.tanh().sum()
    out.backward(retain_graph=True)
    once, mid_once = x.grad.data.copy(), mid.grad.data.copy()
    out.backward()
    np.testing.assert_allclose(x.grad.data, 2.0 * once, rtol=1e-15)
    np.testing.assert_array_equal(mid.grad.data, mid_once)
    with pytest.raises(RuntimeError, match="retain_graph"):
        out.backward()  # the second backward did not retain


UNARY_AND_BINARY = [
    pytest.param(lambda x, y: x * y, id="mul"),
    pytest.param(lambda x, y: x + 1.0, id="add_number"),
    pytest.param(lambda x, y: x.exp(), id="exp"),
    pytest.param(lambda x, y: x.sum(), id="sum"),
    pytest.param(lambda x, y: x @ y, id="matmul"),
    pytest.param(lambda x, y: x[0], id="getitem"),
    pytest.param(lambda x, y: x.softmax(), id="softmax_composed"),
    pytest.param(lambda x, y: concat([x, y]), id="concat"),
]


@pytest.mark.parametrize("fn", UNARY_AND_BINARY)
def test_no_grad_records_nothing_and_enable_grad_inside_records(fn):
    x, y = leaf([1.5, -2.0]), leaf([0.5, 3.0])
    with no_grad():
        out = fn(x, y)
        with enable_grad():
            recorded = fn(x, y)
    assert (out.requires_grad, out.parents, out.vjp, out.op) == (False, (), None, "")
    assert recorded.requires_grad
    assert recorded.parents
    assert recorded.op
    np.testing.assert_array_equal(out.data, recorded.data)


def test_detach_shares_the_data_and_cuts_the_graph():
    w, x = leaf([1.5, -2.0]), leaf([0.5, 3.0])
    y = w * 2.0
    d = y.detach()
    assert d.data is y.data
    assert (d.requires_grad, d.parents) == (False, ())
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)
    assert w.grad is None
    assert d.grad is None


def test_requires_grad_on_a_leaf_turns_gradients_on_and_off():
    x = Tensor(np.array([1.5, -2.0]))
    assert x.requires_grad_() is x
    assert x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, -4.0])
    x.requires_grad_(False)
    assert not (x * x).requires_grad


def test_requires_grad_on_a_non_leaf_raises():
    out = leaf([1.5]) * 2.0
    with pytest.raises(RuntimeError, match="leaf"):
        out.requires_grad_()


def test_constants_never_get_a_gradient():
    x = leaf([1.5, -2.0])
    c = Tensor(np.array([0.5, 3.0]))
    with no_grad():
        made_without_grad = x * 2.0
    out = (x * c + c * made_without_grad).exp().sum()
    out.backward()
    assert c.grad is None
    assert made_without_grad.grad is None
    assert x.grad is not None


# --- 3. higher-order gradients ------------------------------------------------------------------


def test_create_graph_makes_the_gradient_a_tensor_on_a_graph():
    x = leaf([1.5, -2.0])
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    assert g.parents
    assert g.op
    np.testing.assert_allclose(g.data, 3.0 * x.data**2)


def probe(kinds: list) -> Callable[[Tensor], Tensor]:
    """x -> 2x as a hand-made primitive whose VJP notes the kind of gradient it is given."""

    def double(x: Tensor):
        return 2.0 * x.data, lambda g: (kinds.append(type(g)) or 2.0 * g,)

    return lambda x: apply(double, x)


@pytest.mark.parametrize(("create_graph", "kind"), [(False, np.ndarray), (True, Tensor)])
def test_a_plain_backward_runs_vjps_on_arrays_and_a_recorded_one_on_tensors(create_graph, kind):
    kinds: list = []
    x = leaf([1.5, -2.0])
    (probe(kinds)(x) * x).sum().backward(create_graph=create_graph)
    assert kinds == [kind]
    assert type(x.grad) is Tensor and type(x.grad.data) is np.ndarray
    np.testing.assert_allclose(x.grad.data, 4.0 * x.data)
    assert x.grad.requires_grad is create_graph


def test_create_graph_implies_retain_graph():
    x = leaf([1.5, -2.0])
    out = (x**3).sum()
    out.backward(create_graph=True)
    out.backward()  # would raise if the graph had been freed
    np.testing.assert_allclose(x.grad.data, 2.0 * 3.0 * x.data**2)


def test_gradient_of_the_gradient_of_x_cubed_is_6x_like_torch():
    x = leaf([1.5, -2.0, 0.5])
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6.0 * x.data, rtol=1e-14)
    xt = twin(x)
    (gt,) = torch.autograd.grad((xt**3).sum(), xt, create_graph=True)
    gt.sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hessian_vector_product_matches_torch(seed):
    rng = np.random.default_rng(seed)
    a, x0, v = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(4)
    x = leaf(x0)
    (g,) = grad((Tensor(a) @ x).tanh().sum(), [x], create_graph=True)
    (hv,) = grad((g * Tensor(v)).sum(), [x])
    at = torch.tensor(a)

    def f(xt: torch.Tensor) -> torch.Tensor:
        return torch.tanh(at @ xt).sum()

    _, expected = torch.autograd.functional.hvp(f, torch.tensor(x0), torch.tensor(v))
    np.testing.assert_allclose(hv.data, expected.numpy(), rtol=1e-10, atol=1e-12)
    assert x.grad is None


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_returns_gradients_and_changes_no_leaf_grad(create_graph):
    x, w, unused = leaf([1.5, -2.0]), leaf([0.5, 3.0]), leaf([4.0])
    (x * w + unused).sum().backward()  # every leaf now holds a .grad
    before = {name: t.grad for name, t in [("x", x), ("w", w), ("unused", unused)]}
    fresh = leaf([1.0, 1.0])  # a leaf in the graph with no .grad yet
    out = (x * w * fresh).exp().sum()
    (gx,) = grad(out, [x], create_graph=create_graph)
    np.testing.assert_allclose(gx.data, w.data * np.exp(x.data * w.data), rtol=1e-14)
    after = {"x": x.grad, "w": w.grad, "unused": unused.grad}
    assert all(after[name] is before[name] for name in before)
    assert fresh.grad is None


def test_grad_changes_no_interior_grad():
    x = leaf([1.5, -2.0])
    mid = x * 2.0
    (mid * mid).sum().backward(retain_graph=True)
    kept = mid.grad
    grad((mid * 3.0).sum(), [x])
    assert mid.grad is kept


def test_grad_of_a_lone_tensor_is_a_one_tuple_like_torch():
    # a (2, 2) input: iterating over it would give its rows, which are not in the graph
    x = leaf([[1.0, 2.0], [3.0, -1.0]])
    xt = torch.tensor(x.data, requires_grad=True)
    ours = grad((x * x).sum(), x)
    theirs = torch.autograd.grad((xt * xt).sum(), xt)
    assert isinstance(ours, tuple) and len(ours) == len(theirs) == 1
    np.testing.assert_array_equal(ours[0].data, theirs[0].numpy())


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        (np.ones(2), r"grad: inputs must be a Tensor or a list or tuple of Tensors, got ndarray"),
        ("x", r"grad: inputs must be .* got str"),
        ([None], r"grad: inputs\[0\] must be a Tensor, got NoneType"),
    ],
    ids=["array", "string", "list_of_none"],
)
def test_grad_of_inputs_that_are_not_tensors_raises_type_error(inputs, match):
    x = leaf([1.0, 2.0])
    out = (x * x).sum()
    with pytest.raises(TypeError, match=match):
        grad(out, inputs)
    (gx,) = grad(out, [x])  # the failed call changed nothing: the graph is still there
    np.testing.assert_array_equal(gx.data, 2.0 * x.data)


# --- 4. the course example ----------------------------------------------------------------------


@pytest.mark.parametrize(("dtype", "rtol"), [(F64, 1e-14), (F32, 1e-6)])
def test_cross_entropy_gradient_is_softmax_minus_onehot(dtype, rtol):
    z = leaf([1.0, 2.0, 0.5], dtype)
    loss = -z.log_softmax()[1]
    loss.backward()
    logits = np.array([1.0, 2.0, 0.5])
    e = np.exp(logits - logits.max())
    expected = e / e.sum() - np.array([0.0, 1.0, 0.0])
    assert z.grad.dtype == dtype
    np.testing.assert_allclose(z.grad.data, expected, rtol=rtol)
    np.testing.assert_allclose(z.grad.data, [0.2312, -0.3715, 0.1402], atol=5e-5)
    assert z.grad.data.astype(F64).sum() == pytest.approx(0.0, abs=10 * float(np.finfo(dtype).eps))
    assert loss.item() == pytest.approx(-np.log(e[1] / e.sum()), rel=rtol)


# --- 5. Value and Tensor share the walk ---------------------------------------------------------

REAL = st.just(0.0) | st.floats(-3.0, 3.0)
POSITIVE = st.floats(0.1, 3.0)
NONZERO = st.floats(0.1, 3.0) | st.floats(-3.0, -0.1)

# (op, one expression for both Value and Tensor, domain of x, domain of y)
TWINS = [
    pytest.param(operator.add, REAL, REAL, id="add"),
    pytest.param(lambda a, b: a + 2.5, REAL, REAL, id="add_number"),
    pytest.param(lambda a, b: 2.5 + a, REAL, REAL, id="radd_number"),
    pytest.param(operator.sub, REAL, REAL, id="sub"),
    pytest.param(lambda a, b: 2.5 - a, REAL, REAL, id="rsub_number"),
    pytest.param(operator.mul, REAL, REAL, id="mul"),
    pytest.param(lambda a, b: -1.5 * a, REAL, REAL, id="rmul_number"),
    pytest.param(operator.truediv, REAL, NONZERO, id="div"),
    pytest.param(lambda a, b: 2.5 / a, NONZERO, REAL, id="rdiv_number"),
    pytest.param(lambda a, b: -a, REAL, REAL, id="neg"),
    pytest.param(lambda a, b: a**3, REAL, REAL, id="pow_int"),
    pytest.param(lambda a, b: a**-2.0, NONZERO, REAL, id="pow_negative"),
    pytest.param(lambda a, b: a**1.5, POSITIVE, REAL, id="pow_fraction"),
    pytest.param(operator.pow, POSITIVE, REAL, id="pow_value"),
    pytest.param(lambda a, b: 2.5**a, REAL, REAL, id="rpow_number"),
    pytest.param(lambda a, b: a.exp(), REAL, REAL, id="exp"),
    pytest.param(lambda a, b: a.log(), POSITIVE, REAL, id="log"),
    pytest.param(lambda a, b: a.tanh(), REAL, REAL, id="tanh"),
    pytest.param(lambda a, b: a.sigmoid(), REAL, REAL, id="sigmoid"),
    pytest.param(lambda a, b: a.relu(), REAL, REAL, id="relu"),
    pytest.param(lambda a, b: a.leaky_relu(0.1), REAL, REAL, id="leaky_relu"),
    pytest.param(lambda a, b: a.leaky_relu(), REAL, REAL, id="leaky_relu_default"),
    pytest.param(lambda a, b: a.abs(), REAL, REAL, id="abs"),
    pytest.param(lambda a, b: a.maximum(b), REAL, REAL, id="maximum"),
    pytest.param(lambda a, b: a.maximum(b), st.just(0.5), st.just(0.5), id="maximum_tie"),
    pytest.param(lambda a, b: a.maximum(0.5), REAL, REAL, id="maximum_number"),
    pytest.param(lambda a, b: (a * b + a.exp()).tanh() / (1.0 + b * b), REAL, REAL, id="chain"),
]


@pytest.mark.parametrize(("fn", "xs", "ys"), TWINS)
@SETTINGS
@given(data=st.data())
def test_every_value_op_equals_its_tensor_twin(fn, xs, ys, data):
    x, y = data.draw(xs, label="x"), data.draw(ys, label="y")
    va, vb = Value(x), Value(y)
    fn(va, vb).backward()
    ta = Tensor(np.float64(x), requires_grad=True)
    tb = Tensor(np.float64(y), requires_grad=True)
    out = fn(ta, tb)
    out.backward()
    assert (out.shape, out.dtype) == ((), F64)
    assert out.item() == pytest.approx(fn(Value(x), Value(y)).data, rel=1e-12, abs=1e-14)
    grads = [0.0 if t.grad is None else t.grad.item() for t in (ta, tb)]
    assert grads == pytest.approx([va.grad, vb.grad], rel=1e-9, abs=1e-12)


# --- 6. error messages --------------------------------------------------------------------------


def _ones(*shape: int) -> Tensor:
    return Tensor(np.ones(shape))


# (what, the call, exception type, a regex its message matches)
ERRORS = [
    (
        "add_not_broadcastable",
        lambda: _ones(3) + _ones(4),
        ValueError,
        re.escape("add: shapes (3,) and (4,) do not broadcast"),
    ),
    (
        "mul_not_broadcastable",
        lambda: _ones(2, 3) * _ones(2),
        ValueError,
        re.escape("mul: shapes (2, 3) and (2,) do not broadcast"),
    ),
    (
        "matmul_inner",
        lambda: _ones(2, 4) @ _ones(3, 5),
        ValueError,
        re.escape("matmul: (2, 4) @ (3, 5): inner dimensions 4 != 3"),
    ),
    (
        "matmul_vector_inner",
        lambda: _ones(2, 4) @ _ones(3),
        ValueError,
        re.escape("matmul: (2, 4) @ (3,): inner dimensions 4 != 3"),
    ),
    ("matmul_0d_left", lambda: _ones() @ _ones(3), ValueError, re.escape("matmul: () @ (3,)")),
    ("matmul_0d_right", lambda: _ones(3) @ _ones(), ValueError, re.escape("matmul: (3,) @ ()")),
    (
        "matmul_batch",
        lambda: _ones(2, 3, 4) @ _ones(5, 4, 6),
        ValueError,
        r"matmul.*\(2,\) and \(5,\) do not broadcast",
    ),
    (
        "sum_axis",
        lambda: _ones(2, 3).sum(axis=2),
        ValueError,
        re.escape("sum: axis 2 out of range for a 2-d tensor"),
    ),
    (
        "mean_axis",
        lambda: _ones(2, 3).mean(axis=-3),
        ValueError,
        re.escape("axis -3 out of range for a 2-d tensor"),
    ),
    (
        "max_axis",
        lambda: _ones(2, 3).max(axis=(0, 5)),
        ValueError,
        re.escape("max: axis 5 out of range for a 2-d tensor"),
    ),
    ("sum_axis_type", lambda: _ones(2, 3).sum(axis=1.0), TypeError, "sum: axis must be an int"),
    (
        "reshape",
        lambda: _ones(2, 3).reshape(4, 2),
        ValueError,
        r"reshape.*\(2, 3\).*\(4, 2\)",
    ),
    ("permute_repeated", lambda: _ones(2, 3).permute(0, 0), ValueError, r"permute.*\(0, 0\)"),
    ("permute_too_few", lambda: _ones(2, 3).permute(1), ValueError, r"permute.*\(1,\)"),
    ("permute_axis_range", lambda: _ones(2, 3).permute(0, 2), ValueError, r"permute: .*2"),
    ("permute_axes_range", lambda: _ones(2, 3).permute(5, 7), ValueError, r"permute: .*5"),
    ("getitem", lambda: _ones(2, 3)[5], IndexError, re.escape("(2, 3)")),
    ("getitem_second_axis", lambda: _ones(2, 3)[0, 3], IndexError, re.escape("(2, 3)")),
    (
        "where_non_boolean",
        lambda: where(np.array([1, 0]), _ones(2), 0.0),
        TypeError,
        "where: condition must be boolean, got int64",
    ),
    (
        "where_method_non_boolean",
        lambda: _ones(2).where(np.array([1.0, 0.0]), 0.0),
        TypeError,
        "float64",
    ),
    ("add_str", lambda: _ones(2) + "a", TypeError, r"add.*\bstr\b"),
    ("radd_str", lambda: "a" + _ones(2), TypeError, r"add.*\bstr\b"),
    ("mul_none", lambda: _ones(2) * None, TypeError, r"mul.*NoneType"),
    ("gelu", lambda: _ones(2).gelu(approximate="bad"), ValueError, "gelu.*'bad'"),
    ("concat_nothing", lambda: concat([]), ValueError, "concat"),
    ("stack_nothing", lambda: stack([]), ValueError, "stack"),
    (
        "stack_different_shapes",
        lambda: stack([_ones(2), _ones(3)]),
        ValueError,
        r"stack.*\(2,\).*\(3,\)",
    ),
    (
        "concat_different_shapes",
        lambda: concat([_ones(2, 3), _ones(2, 4)]),
        ValueError,
        r"concat.*\(2, 3\).*\(2, 4\)",
    ),
    (
        "max_empty",
        lambda: _ones(0).max(),
        ValueError,
        re.escape("max: no maximum over an empty axis (shape (0,))"),
    ),
    ("max_empty_axis", lambda: _ones(2, 0).max(axis=1), ValueError, re.escape("(2, 0)")),
    ("transpose_three_axes", lambda: _ones(2, 3).transpose(0, 1, 0), TypeError, "transpose"),
]


@pytest.mark.parametrize(
    ("call", "error", "message"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS]
)
def test_errors_name_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "axes",
    [(2, 0, 1), (-1, 0, 1), tuple(np.argsort([1, 2, 0])), (np.int64(2), 0, np.int32(1))],
    ids=["ints", "negative", "argsort", "mixed_numpy_ints"],
)
def test_permute_takes_any_integer_axes_like_numpy(axes):
    data = np.arange(24.0).reshape(2, 3, 4)
    out = Tensor(data).permute(*axes)
    np.testing.assert_array_equal(out.data, data.transpose(axes))


def test_max_over_a_non_empty_axis_of_an_empty_tensor_is_empty_like_numpy_and_torch():
    out = _ones(0, 3).max(axis=1)
    assert out.shape == np.zeros((0, 3)).max(axis=1).shape == tuple(torch.zeros(0, 3).amax(1).shape)


# --- 7. numerics at the extremes ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize(
    ("fn", "x", "expected"),
    [
        pytest.param(Tensor.sigmoid, 1000.0, 1.0, id="sigmoid_plus"),
        pytest.param(Tensor.sigmoid, -1000.0, 0.0, id="sigmoid_minus"),
        pytest.param(Tensor.tanh, 1000.0, 1.0, id="tanh_plus"),
        pytest.param(Tensor.tanh, -1000.0, -1.0, id="tanh_minus"),
    ],
)
def test_saturating_functions_are_exact_far_out_and_never_overflow(fn, x, expected, dtype):
    t = leaf([x, x], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would warn
        out = fn(t)
        out.sum().backward()
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, [expected, expected])
    np.testing.assert_array_equal(t.grad.data, [0.0, 0.0])


@pytest.mark.parametrize("dtype", [F32, F64])
def test_softmax_of_equal_huge_values_is_uniform(dtype):
    z = leaf(np.full(5, 1e4), dtype)
    p = z.softmax()
    np.testing.assert_allclose(p.data, np.full(5, 0.2), rtol=1e-6)
    p[0].backward()
    assert np.isfinite(z.grad.data).all()
    np.testing.assert_allclose(z.grad.data, [0.16, -0.04, -0.04, -0.04, -0.04], atol=1e-6)


@pytest.mark.parametrize("dtype", [F32, F64])
def test_log_softmax_of_huge_logits_is_finite_and_correct(dtype):
    offsets = np.array([0.0, -1.0, -3.0])
    z = leaf(1e4 + offsets, dtype)
    out = z.log_softmax()
    expected = offsets - np.log(np.exp(offsets).sum())
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    out[0].backward()
    softmax = np.exp(expected)
    np.testing.assert_allclose(z.grad.data, np.array([1.0, 0, 0]) - softmax, atol=1e-6)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity_like_torch():
    data = np.array([[-np.inf, -np.inf, -np.inf], [0.0, 1.0, -np.inf]])
    with np.errstate(divide="ignore"):  # log(0) = -inf is the answer here
        whole = Tensor(data[0]).logsumexp()
        rows = Tensor(data).logsumexp(axis=1)
    assert whole.item() == -np.inf
    expected = torch.tensor(data).logsumexp(dim=1).numpy()
    np.testing.assert_array_equal(rows.data, expected)
    assert not np.isnan(rows.data).any()


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("value", [0.1, 3.3, -2.7])
def test_var_of_a_constant_is_zero_with_a_finite_gradient(value, dtype):
    x = leaf(np.full(7, value), dtype)
    v = x.var()
    v.backward()
    rounding = 4 * np.finfo(dtype).eps * abs(value)  # the mean is off by a few roundings at most
    assert 0.0 <= v.item() <= rounding**2
    assert np.isfinite(x.grad.data).all()
    assert np.abs(x.grad.data).max() <= rounding


# --- 8. gradcheck has teeth on Tensors ----------------------------------------------------------


def squared(vjp: Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """x -> x**2 elementwise as a hand-made primitive whose VJP is vjp(g, x), x in g's kind
    (an array in a plain backward, the Tensor in a recorded one), as ops.py's VJPs take it."""

    def square(x: Tensor):
        return x.data**2, lambda g: (vjp(g, x if isinstance(g, Tensor) else x.data),)

    return lambda x: apply(square, x)


RIGHT = squared(lambda g, x: g * 2.0 * x)
OFF_BY_A_TENTH_PERCENT = squared(lambda g, x: g * 2.0 * x * 1.001)
CONSTANT_SLOPE = squared(lambda g, x: g * 2.0 * np.asarray(x))  # right value, off the graph
POINT = np.array([[0.9, -1.3, 0.7], [1.1, 0.6, -1.7]])


def test_the_hand_made_square_records_its_op():
    out = RIGHT(leaf(POINT))
    assert out.op == "square"
    np.testing.assert_array_equal(out.data, POINT**2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradcheck_and_gradgradcheck_accept_the_right_vjp(seed):
    assert gradcheck(RIGHT, [POINT], rtol=1e-4, seed=seed) is True
    assert gradgradcheck(RIGHT, [POINT], rtol=1e-4, seed=seed) is True


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradcheck_rejects_a_vjp_off_by_a_tenth_of_a_percent(seed):
    with pytest.raises(GradcheckError, match=r"input 0 of shape \(2, 3\), worst at element \("):
        gradcheck(OFF_BY_A_TENTH_PERCENT, [POINT], rtol=1e-4, seed=seed)


def test_gradcheck_message_names_the_input_and_the_worst_element():
    factor = np.ones_like(POINT)
    factor[1, 2] = 1.01  # wrong at one element only
    wrong_at_one = squared(lambda g, x: g * 2.0 * x * factor)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a.sum() + wrong_at_one(b), [POINT[0], POINT], rtol=1e-4)
    message = str(info.value)
    assert "input 1 of shape (2, 3), worst at element (1, 2)" in message
    backward, numeric = (float(s) for s in re.findall(r"gives? (\S+?)(?:,|$)", message))
    assert backward / numeric == pytest.approx(1.01, rel=1e-6)


def test_gradgradcheck_rejects_a_vjp_that_is_right_but_not_differentiable():
    assert gradcheck(CONSTANT_SLOPE, [POINT], rtol=1e-4) is True
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(CONSTANT_SLOPE, [POINT])


# --- 9. graphs are freed without the cyclic collector -------------------------------------------


def _every_kind_of_op(x: Tensor, y: Tensor) -> Tensor:
    """A scalar built from many Tensor ops, primitive and composed, on positive x and y (3,)."""
    m = Tensor(np.arange(6.0).reshape(3, 2))
    terms = [x + y, x - y, 2.0 - x, x * y, x / y, 3.0 / y, x**2.0, x**y, 2.0**y, -x, x.exp()]
    terms += [y.log(), x.tanh(), x.sigmoid(), x.relu(), x.leaky_relu(0.1), x.abs(), x.sqrt()]
    terms += [x.maximum(y), x.minimum(y), x.clip(0.6, 0.8), x.gelu(), x.gelu("tanh"), x.silu()]
    terms += [x.softmax(), x.log_softmax(), x.logsumexp(), x.var(), x.std(), x.max(), x.mean()]
    terms += [x @ y, (x @ m) @ (x @ m), x[1:], x[np.array([0, 0, 2])], x.reshape(3, 1).T]
    terms += [concat([x, y]), stack([x, y]), where(x.data > 0.7, x, y), x.astype(np.float32)]
    return concat([t.reshape(-1).astype(np.float64) for t in terms]).sum()


@pytest.mark.parametrize(
    "then", ["nothing", "backward", "backward_retain_graph", "backward_create_graph"]
)
def test_dropped_graph_is_freed_without_the_cyclic_collector(then):
    """No VJP closure holds its own output; nothing else keeps a dropped graph alive."""
    with cyclic_gc_disabled():
        x, y = leaf([0.7, 1.3, 0.9]), leaf([1.1, 0.5, 2.0])
        out = _every_kind_of_op(x, y)
        if then != "nothing":
            out.backward(
                retain_graph=then == "backward_retain_graph",
                create_graph=then == "backward_create_graph",
            )
        x.grad = y.grad = None  # with create_graph, they hold the graph (as in torch)
        interior = [weakref.ref(node) for node in topo_order(out) if node.parents]
        assert len(interior) > 100
        del out
        alive = sorted({r().op for r in interior if r() is not None})
        assert alive == []


def test_a_weakly_held_interior_node_dies_with_the_output_after_create_graph():
    """The smallest case: one node used twice, differentiated with create_graph."""
    with cyclic_gc_disabled():
        x = leaf([0.5, 1.5])
        mid = x * 3.0
        out = (mid * mid).sum()
        out.backward(create_graph=True)
        x.grad = None
        ref = weakref.ref(mid)
        del mid, out
        assert ref() is None


# --- 10. the walk undoes broadcasting -----------------------------------------------------------


@pytest.mark.parametrize("op", [operator.add, operator.mul], ids=["add", "mul"])
@pytest.mark.parametrize("dtype", [F32, F64])
@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_broadcast_gradients_have_the_input_shapes_and_equal_torch(op, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    (a_shape, b_shape), out_shape = shapes.input_shapes, shapes.result_shape
    a, b = leaf(rng.standard_normal(a_shape), dtype), leaf(rng.standard_normal(b_shape), dtype)
    seed_grad = rng.standard_normal(out_shape)
    out = op(a, b)
    assert out.shape == out_shape
    out.backward(seed_grad)
    at, bt = twin(a), twin(b)
    op(at, bt).backward(torch.tensor(seed_grad, dtype=TORCH_DTYPE[dtype]))
    rtol = 1e-5 if dtype == F32 else 1e-12
    for mine, theirs in [(a, at), (b, bt)]:
        assert mine.grad.shape == mine.shape
        assert mine.grad.dtype == dtype
        np.testing.assert_allclose(mine.grad.data, theirs.grad.numpy(), rtol=rtol, atol=rtol)


@settings(max_examples=25, deadline=None)
@given(
    x=hnp.arrays(np.float64, (3, 5), elements=st.floats(-50, 50)),
    axis=st.sampled_from([0, 1, -1]),
)
def test_fused_log_softmax_equals_its_composition(x, axis):
    # The fused primitive earns its place only if it is the composition, value and gradient.
    g = np.random.default_rng(0).standard_normal(x.shape)
    fused, composed = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    top = Tensor(x.max(axis=axis, keepdims=True))
    out_fused = fused.log_softmax(axis)
    out_composed = composed - top - (composed - top).exp().sum(axis, keepdims=True).log()
    np.testing.assert_allclose(out_fused.data, out_composed.data, rtol=1e-12, atol=1e-12)
    out_fused.backward(g)
    out_composed.backward(g)
    np.testing.assert_allclose(fused.grad.data, composed.grad.data, rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    x=hnp.arrays(np.float64, (4, 3), elements=st.floats(-50, 50)),
    targets=hnp.arrays(np.int64, (4,), elements=st.integers(0, 2)),
)
def test_fused_cross_entropy_equals_its_composition(x, targets):
    g = np.random.default_rng(0).standard_normal(4)
    fused, composed = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    out_fused = cross_entropy(fused, targets)
    out_composed = -composed.log_softmax(1)[np.arange(4), targets]
    np.testing.assert_allclose(out_fused.data, out_composed.data, rtol=1e-12, atol=1e-12)
    out_fused.backward(g)
    out_composed.backward(g)
    np.testing.assert_allclose(fused.grad.data, composed.grad.data, rtol=1e-10, atol=1e-12)
    assert gradgradcheck(lambda t: cross_entropy(t, targets), [x / 10])


@settings(max_examples=25, deadline=None)
@given(
    x=hnp.arrays(np.float64, (2, 3, 4), elements=st.floats(-3, 3)),
    w=hnp.arrays(np.float64, (5, 4), elements=st.floats(-3, 3)),
    b=hnp.arrays(np.float64, (5,), elements=st.floats(-3, 3)),
)
def test_fused_linear_relu_equals_its_composition(x, w, b):
    """linear(relu=True) is linear(...).relu(): values, gradients and second derivatives, at the
    kink too (hypothesis finds outputs of exactly 0)."""
    g = np.random.default_rng(0).standard_normal((2, 3, 5))
    fused, composed = ([Tensor(a, requires_grad=True) for a in (x, w, b)] for _ in range(2))
    out_fused, out_composed = linear(*fused, relu=True), linear(*composed).relu()
    np.testing.assert_allclose(out_fused.data, out_composed.data, rtol=1e-12, atol=1e-12)
    first_fused = grad(out_fused, fused, Tensor(g), create_graph=True)
    first_composed = grad(out_composed, composed, Tensor(g), create_graph=True)
    for ours, theirs in zip(first_fused, first_composed, strict=True):
        np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-10, atol=1e-12)
    second_fused = grad(sum((d * d).sum() for d in first_fused), fused)
    second_composed = grad(sum((d * d).sum() for d in first_composed), composed)
    for ours, theirs, a in zip(second_fused, second_composed, (x, w, b), strict=True):
        ours, theirs = (np.zeros_like(a) if d is None else d.data for d in (ours, theirs))
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)  # None: no path, 0


def test_fused_linear_relu_passes_gradgradcheck_away_from_the_kink():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    assert gradcheck(lambda *t: linear(*t, relu=True), [x, w, b])
    assert gradgradcheck(lambda *t: linear(*t, relu=True), [x, w, b])


@pytest.mark.parametrize(
    ("logits", "targets", "error", "words"),
    [
        (np.zeros((2, 3)), np.array([0, 3]), IndexError, "outside 0..2"),
        (np.zeros((2, 3)), np.array([0.0, 1.0]), ValueError, "integer classes"),
        (np.zeros(3), np.array([0]), ValueError, "(N, C) logits"),
    ],
)
def test_fused_cross_entropy_rejects_bad_targets(logits, targets, error, words):
    with pytest.raises(error, match=re.escape(words)):
        cross_entropy(Tensor(logits), targets)


def test_relu_keeps_nan_like_torch_fused_or_not():
    x = np.array([[np.nan], [-1.0], [2.0]])  # (3, 1): through linear with weight [[1]], bias [0]
    for fused in (False, True):
        leaf = Tensor(x, requires_grad=True)
        out = linear(leaf, Tensor(np.ones((1, 1))), Tensor(np.zeros(1)), relu=fused)
        out = out if fused else out.relu()
        out.sum().backward()
        reference = torch.tensor(x, requires_grad=True)
        torch.relu(reference).sum().backward()
        np.testing.assert_array_equal(out.data, torch.relu(reference).detach().numpy())
        np.testing.assert_array_equal(leaf.grad.data, reference.grad.numpy())


def test_indexing_one_element_holds_a_0d_array():
    t = Tensor(np.arange(3.0), requires_grad=True)
    one = t[1]
    assert type(one.data) is np.ndarray and one.shape == ()
    (one * 2.0).backward()
    np.testing.assert_array_equal(t.grad.data, [0.0, 2.0, 0.0])


ZERO_D_REDUCTIONS = {  # torch takes dim 0 or -1 on a 0-d tensor; ours with the same axis
    "sum": (lambda t, a: t.sum(a), lambda t, a: t.sum(a)),
    "mean": (lambda t, a: t.mean(a), lambda t, a: t.mean(a)),
    "softmax": (lambda t, a: t.softmax(a), lambda t, a: t.softmax(a)),
    "log_softmax": (lambda t, a: t.log_softmax(a), lambda t, a: t.log_softmax(a)),
    "logsumexp": (lambda t, a: t.logsumexp(a), lambda t, a: t.logsumexp(a)),
    "amax": (lambda t, a: t.amax(a), lambda t, a: t.amax(a)),
    "amin": (lambda t, a: t.amin(a), lambda t, a: t.amin(a)),
    "max_dim": (lambda t, a: t.max(a).values, lambda t, a: t.max(a).values),
}


@pytest.mark.parametrize("op", ZERO_D_REDUCTIONS)
@pytest.mark.parametrize("axis", [0, -1])
def test_a_0d_tensor_takes_axis_0_and_minus_1_like_torch(op, axis):
    ours, theirs = ZERO_D_REDUCTIONS[op]
    x = leaf(3.0)
    tx = twin(x)
    out, expected = ours(x, axis), theirs(tx, axis)
    assert out.shape == tuple(expected.shape) == ()
    np.testing.assert_allclose(out.data, expected.detach().numpy())
    out.backward()
    expected.backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("axis", [1, -2])
def test_a_0d_tensor_refuses_other_axes(axis):
    with pytest.raises(ValueError, match=f"sum: axis {axis} out of range for a 0-d tensor"):
        leaf(3.0).sum(axis)
    with pytest.raises(ValueError, match=f"log_softmax: axis {axis} out of range for a 0-d"):
        leaf(3.0).log_softmax(axis)


def test_argmax_of_a_0d_tensor_over_axis_0_is_0_like_torch():
    assert leaf(3.0).argmax(0).item() == torch.tensor(3.0).argmax(0).item() == 0
