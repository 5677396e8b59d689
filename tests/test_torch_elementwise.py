"""torch's conventions for the elementwise math, activations, logic and bitwise ops, where the op
table's smooth random points cannot look: gradients at kinks and jumps, signed zeros, integer
inputs, bool results, and the errors. Each is checked against torch itself."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import autograd
from autograd import Tensor

# (what, tracegrad fn, torch fn, the points: at the kinks or jumps of the op)
KINKS = [
    ("floor_at_integers", Tensor.floor, torch.floor, [-1.0, 0.0, 2.0, 2.5]),
    ("round_at_halves", Tensor.round, torch.round, [-0.5, 0.5, 1.5, 2.5]),
    ("sign_at_0", Tensor.sign, torch.sign, [0.0, -0.0, 3.0]),
    ("frac_at_integers", Tensor.frac, torch.frac, [-2.0, 0.0, 1.0]),
    ("elu_at_0", lambda x: x.elu(2.0), lambda t: F.elu(t, 2.0), [0.0]),
    ("celu_at_0", lambda x: x.celu(2.0), lambda t: F.celu(t, 2.0), [0.0]),
    ("selu_at_0", Tensor.selu, F.selu, [0.0]),
    ("hardtanh_at_bounds", Tensor.hardtanh, F.hardtanh, [-1.0, 1.0, 0.0]),
    ("relu6_at_0_and_6", Tensor.relu6, F.relu6, [0.0, 6.0, 3.0]),
    ("hardsigmoid_at_3", Tensor.hardsigmoid, F.hardsigmoid, [-3.0, 3.0, 0.0]),
    ("hardswish_at_3", Tensor.hardswish, F.hardswish, [-3.0, 3.0, 0.0]),
    ("softsign_at_0", Tensor.softsign, F.softsign, [0.0]),
    ("logaddexp_tie", lambda x: x.logaddexp(x.detach()), lambda t: t.logaddexp(t.detach()), [1.0]),
    ("copysign_at_zeros", lambda x: x.copysign(-1.0), lambda t: t.copysign(-1.0), [0.0, -0.0, 2.0]),
    ("remainder_at_a_multiple", lambda x: x % 1.5, lambda t: t % 1.5, [3.0, -3.0, 0.0]),
    ("fmod_at_a_multiple", lambda x: x.fmod(1.5), lambda t: t.fmod(1.5), [3.0, -3.0, 0.0]),
]


@pytest.mark.parametrize(
    ("fn", "torch_fn", "point"), [row[1:] for row in KINKS], ids=[row[0] for row in KINKS]
)
def test_values_and_gradients_at_kinks_match_torch(fn, torch_fn, point):
    x = Tensor(np.array(point), requires_grad=True)
    out = fn(x)
    out.sum().backward()
    t = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    expected = torch_fn(t)
    expected.sum().backward()
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    np.testing.assert_array_equal(np.signbit(out.data), np.signbit(expected.detach().numpy()))
    # torch's hardsigmoid slope is 1/6 rounded to float32 even in float64: 3e-8 off
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-7, atol=0)


def test_copysign_gives_the_sign_source_a_zero_gradient_like_torch():
    x, y = Tensor(np.array([1.5, -2.0]), requires_grad=True), Tensor(np.array([-1.0, 3.0]), True)
    x.copysign(y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, -1.0])
    np.testing.assert_array_equal(y.grad.data, [0.0, 0.0])


@pytest.mark.parametrize(
    "name", ["floor", "ceil", "trunc", "round", "sign", "square", "remainder", "fmod"]
)
def test_integer_tensors_stay_integer_like_torch(name):
    data = np.array([-7, -2, 0, 3, 8], np.int64)
    args = (np.int64(3),) if name in ("remainder", "fmod") else ()
    out = getattr(Tensor(data, dtype=np.int64), name)(*args)
    expected = getattr(torch.from_numpy(data), name)(*args)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, expected.numpy())


def test_integer_division_by_zero_raises_like_torch():
    with pytest.raises(ZeroDivisionError):
        Tensor([5, 3], dtype=np.int64) // Tensor([0, 1], dtype=np.int64)
    with pytest.raises(ZeroDivisionError):
        Tensor([5, 3], dtype=np.int64) % 0


def test_floor_divide_and_remainder_operators_match_python_and_torch():
    x, y = np.array([7.0, -7.0, 7.5, -0.5]), np.array([2.0, 2.0, -2.0, 3.0])
    tx, ty = torch.tensor(x), torch.tensor(y)
    np.testing.assert_array_equal((Tensor(x) // Tensor(y)).data, (tx // ty).numpy())
    np.testing.assert_array_equal((Tensor(x) % Tensor(y)).data, (tx % ty).numpy())
    np.testing.assert_array_equal((10.0 % Tensor(y)).data, (10.0 % ty).numpy())
    np.testing.assert_array_equal((10.0 // Tensor(y)).data, (10.0 // ty).numpy())
    assert not (Tensor(x, requires_grad=True) // 2).requires_grad  # torch has no gradient for it


def test_sign_of_nan_is_0_like_torch():
    assert Tensor([math.nan]).sign().item() == torch.tensor([math.nan]).sign().item() == 0.0


def test_logic_results_are_bool_off_the_graph():
    x = Tensor(np.array([math.nan, math.inf, -1.0, 0.0]), requires_grad=True)
    for name in ["isnan", "isinf", "isfinite", "logical_not"]:
        out = getattr(x, name)()
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, getattr(torch.tensor(x.data), name)().numpy())


def test_allclose_and_equal_answer_like_torch():
    a, b = np.array([1.0, 2.0]), np.array([1.0 + 1e-9, 2.0])
    assert Tensor(a).allclose(b) is torch.allclose(torch.tensor(a), torch.tensor(b)) is True
    assert Tensor(a).allclose(b + 1.0) is False
    assert Tensor(a).equal(Tensor(a.copy())) is True
    assert Tensor(a).equal(Tensor(b)) is False
    assert Tensor(a).equal(Tensor(a[:1])) is False  # another shape
    nan = np.array([math.nan])
    assert Tensor(nan).allclose(nan) is False
    assert Tensor(nan).allclose(nan, equal_nan=True) is True


def test_bitwise_operators_follow_torch_on_integers_and_bools():
    a, b = np.array([12, -3, 0, 7], np.int64), np.array([10, 5, 1, 2], np.int64)
    x, y = Tensor(a, dtype=np.int64), Tensor(b, dtype=np.int64)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    for ours, theirs in [
        (x & y, ta & tb),
        (x | y, ta | tb),
        (x ^ y, ta ^ tb),
        (~x, ~ta),
        (x << y, ta << tb),
        (x >> 1, ta >> 1),
        (3 & x, 3 & ta),
        (x.bitwise_xor(5), ta.bitwise_xor(5)),
    ]:
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    mask = Tensor(np.array([True, False, True]))
    np.testing.assert_array_equal((~mask).data, [False, True, False])
    assert (mask & mask).dtype == np.bool_


def test_bitwise_ops_refuse_float_tensors():
    with pytest.raises(TypeError, match="bitwise_and: only integer and bool tensors, got float32"):
        Tensor([1.0]) & Tensor([2.0])
    with pytest.raises(TypeError, match="bitwise_not"):
        ~Tensor([1.0])


def test_glu_refuses_an_odd_axis():
    with pytest.raises(ValueError, match="glu: axis 1 has 3 elements"):
        Tensor(np.zeros((2, 3))).glu(dim=1)


def test_lerp_reaches_its_end_exactly_at_weight_1():
    start, end = Tensor(np.array([0.1, -3.3])), Tensor(np.array([0.7, 1e-17]))
    np.testing.assert_array_equal(start.lerp(end, 1.0).data, end.data)


@pytest.mark.parametrize(
    ("fn", "torch_fn"),
    [
        (lambda a, b: autograd.outer(a, b), torch.outer),
        (lambda a, b: a.dot(b), torch.dot),
    ],
)
def test_vector_products_refuse_matrices(fn, torch_fn):
    with pytest.raises(ValueError, match="1-d"):
        fn(Tensor(np.ones((2, 2))), Tensor(np.ones(2)))


def test_matrix_products_refuse_the_wrong_number_of_axes():
    with pytest.raises(ValueError, match="mm: expected 2-d and 2-d tensors"):
        autograd.mm(Tensor(np.ones(3)), Tensor(np.ones((3, 2))))
    with pytest.raises(ValueError, match="bmm: batches"):
        autograd.bmm(Tensor(np.ones((2, 1, 3))), Tensor(np.ones((3, 3, 1))))


def test_einsum_takes_a_list_implicit_output_and_errors_like_torch():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    out = autograd.einsum("ij,jk", [Tensor(a), Tensor(b)])
    np.testing.assert_array_equal(out.data, torch.einsum("ij,jk", torch.tensor(a), torch.tensor(b)))
    with pytest.raises(ValueError, match="has sizes"):
        autograd.einsum("ij,jk->ik", Tensor(a), Tensor(a))
    with pytest.raises(ValueError, match="names 2 operands, got 1"):
        autograd.einsum("ij,jk->ik", Tensor(a))


def test_addmm_with_beta_0_ignores_input_like_torch():
    c = np.full((2, 2), math.nan)
    x, y = np.eye(2), np.arange(4.0).reshape(2, 2)
    out = autograd.addmm(Tensor(c), Tensor(x), Tensor(y), beta=0.0, alpha=2.0)
    expected = torch.addmm(torch.tensor(c), torch.tensor(x), torch.tensor(y), beta=0.0, alpha=2.0)
    np.testing.assert_array_equal(out.data, expected.numpy())
