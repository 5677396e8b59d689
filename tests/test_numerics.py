"""Numerics at the extremes: values and gradients stay finite, and right to float rounding, where
the math allows; compared with float64 references computed in numpy, or with torch in the same
dtype where torch is the documented twin. Every test runs on each available backend (the numba
kernels and the numpy reference), and says in a comment the promise it checks.

Pinned elsewhere, so not repeated here: sigmoid and tanh exact at +-1000 (values, zero
gradients, no warning), softmax of equal 1e4s (uniform, finite gradient), log_softmax of 1e4
plus small offsets, logsumexp of -inf, var of a constant (tests/test_tensor.py); BCE with
logits at +-100 against torch in float32 (tests/test_nn_layers.py); clip_grad_norm_ of nan and
inf gradients, and of one float32 gradient of 1e20 (tests/test_clip.py).
"""

import functools
import math

import numpy as np
import pytest
import torch

import nn.functional as F
from autograd import Tensor, backend
from nn import Parameter
from nn.utils import clip_grad_norm_
from optim import Adam, AdamW

F32, F64 = np.float32, np.float64
TOL = {F32: {"rtol": 1e-6, "atol": 1e-6}, F64: {"rtol": 1e-12, "atol": 1e-12}}
EPS32 = float(np.finfo(F32).eps)

# Logits of +-1e4 in rows that mix signs, ties and small offsets (all exact in float32).
HUGE = np.array([[1e4, -1e4, 0.0, 1e4 - 3], [-1e4, -1e4, -1e4 + 2, -1e4 + 2], [1e4, 1e4, 1e4, 1e4]])


@pytest.fixture(params=backend.available(), autouse=True)
def each_backend(request):
    """Run the test on this backend, then put the active one back."""
    previous = backend.name()
    backend.use(request.param)
    yield request.param
    backend.use(previous)


def leaf(values, dtype) -> Tensor:
    return Tensor(np.array(values, dtype), requires_grad=True)


def log_softmax64(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


# --- log_softmax, cross_entropy, logsumexp ----------------------------------------------------


@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_log_softmax_of_plus_minus_1e4_is_finite_and_right(dtype, axis):
    # log_softmax is max-shifted: at +-1e4 it is finite and right to rounding, and so is its
    # gradient g - softmax * sum(g)
    x = leaf(HUGE, dtype)
    g = np.random.default_rng(0).standard_normal(HUGE.shape).astype(dtype)
    out = x.log_softmax(axis)
    out.backward(g)
    expected = log_softmax64(HUGE, axis)
    softmax = np.exp(expected)
    assert np.isfinite(out.data).all() and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(out.data, expected, **TOL[dtype])
    np.testing.assert_allclose(x.grad.data, g - softmax * g.sum(axis, keepdims=True), **TOL[dtype])


CROSS_ENTROPY = [  # (id, target, keyword arguments); HUGE's rows, 4 classes
    ("indices", np.array([1, 0, 3]), {}),
    ("indices_sum", np.array([1, 0, 3]), {"reduction": "sum"}),
    ("indices_none", np.array([1, 2, 0]), {"reduction": "none"}),
    ("label_smoothing", np.array([1, 0, 3]), {"label_smoothing": 0.1}),
    ("class_weight", np.array([1, 0, 3]), {"weight": np.array([1.0, 2.0, 0.5, 1.5])}),
    ("ignore_index", np.array([1, -100, 3]), {}),
    ("probabilities", np.array([[0, 0.5, 0.5, 0], [1, 0, 0, 0], [0.25] * 4]), {}),
]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize(
    ("target", "kwargs"), [row[1:] for row in CROSS_ENTROPY], ids=[row[0] for row in CROSS_ENTROPY]
)
def test_cross_entropy_of_plus_minus_1e4_equals_torch_in_float64(target, kwargs, dtype):
    # cross_entropy (fused for plain indices, composed otherwise) is finite at logits of +-1e4
    # and equals torch's float64 loss and gradient to rounding
    x = leaf(HUGE, dtype)
    ours = {k: v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    loss = F.cross_entropy(x, target.astype(dtype) if target.dtype.kind == "f" else target, **ours)
    loss.backward(np.ones(loss.shape, dtype))

    t = torch.tensor(HUGE, requires_grad=True)
    theirs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    expected = torch.nn.functional.cross_entropy(t, torch.tensor(target), **theirs)
    expected.backward(torch.ones_like(expected))

    assert np.isfinite(loss.data).all() and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(loss.data, expected.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), **TOL[dtype])


LOGSUMEXP = [  # (id, rows, dtypes)
    ("1e4", [[1e4, 1e4 - 1, 1e4 - 5], [-1e4, -1e4, -1e4], [1e4, -1e4, 0.0]], [F32, F64]),
    ("float32_max", [[3e38, 3e38, -3e38], [-3e38, -3e38, -3e38]], [F32, F64]),
    ("float64_max", [[1e308, 1e308, -1e308], [-1e308, 1e308, 0.0]], [F64]),
]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # x - max: -inf, fine
@pytest.mark.parametrize(
    ("rows", "dtype"),
    [
        pytest.param(rows, dtype, id=f"{name}-{dtype.__name__}")
        for name, rows, dtypes in LOGSUMEXP
        for dtype in dtypes
    ],
)
def test_logsumexp_of_huge_values_never_overflows(rows, dtype):
    # logsumexp shifts by the max: near the largest float it is still finite and right, with
    # gradient softmax (x - max may round to -inf for the elements far below, whose exp is 0)
    x = leaf(rows, dtype)
    out = x.logsumexp(axis=1)
    out.backward(np.ones(out.shape, dtype))
    data = np.array(rows, F64)
    top = data.max(1, keepdims=True)
    with np.errstate(over="ignore"):
        e = np.exp(data - top)
    expected, softmax = top + np.log(e.sum(1, keepdims=True)), e / e.sum(1, keepdims=True)
    assert np.isfinite(out.data).all() and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(out.data, expected[:, 0], **TOL[dtype])
    np.testing.assert_allclose(x.grad.data, softmax, **TOL[dtype])


# --- saturating functions ---------------------------------------------------------------------


TAILS = [-80.0, -30.0, -10.0, 10.0, 30.0, 80.0]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize(
    ("fn", "slope"),
    [
        pytest.param(Tensor.sigmoid, lambda e: e / (1 + e) ** 2, id="sigmoid"),  # e = exp(-|x|)
        pytest.param(Tensor.tanh, lambda e: 4 * e * e / (1 + e * e) ** 2, id="tanh"),
    ],
)
def test_sigmoid_and_tanh_slopes_in_the_tails_are_accurate(fn, slope, dtype):
    # sigmoid and tanh are computed from exp(-|x|): their gradients in the tails come from it too,
    # accurate relative to their tiny size, not the 1 - t**2 that cancels to 0 in float32
    x = leaf(TAILS, dtype)
    fn(x).sum().backward()
    expected = slope(np.exp(-np.abs(np.array(TAILS)))).astype(dtype)
    np.testing.assert_allclose(x.grad.data, expected, rtol=TOL[dtype]["rtol"], atol=0)


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_bce_with_logits_at_plus_minus_100_equals_the_float64_formula(pos_weight, dtype):
    # binary_cross_entropy_with_logits is exact for logits of +-100 and beyond: loss
    # (1 - y) x + (1 + (w - 1) y) softplus(-x), gradient (1 - y) - (1 + (w - 1) y) sigmoid(-x)
    logits = np.array([100.0, -100.0, 100.0, -100.0, 0.0, 100.0, -1000.0])
    target = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.7, 1.0])
    x = leaf(logits, dtype)
    loss = F.binary_cross_entropy_with_logits(
        x, target.astype(dtype), reduction="none", pos_weight=pos_weight
    )
    loss.backward(np.ones(loss.shape, dtype))
    w = 1.0 if pos_weight is None else pos_weight
    c = 1 + (w - 1) * target
    expected_loss = (1 - target) * logits + c * np.logaddexp(0.0, -logits)
    expected_grad = (1 - target) - c * np.exp(-np.logaddexp(0.0, logits))  # sigmoid(-x)
    assert np.isfinite(loss.data).all() and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(loss.data, expected_loss, **TOL[dtype])
    np.testing.assert_allclose(x.grad.data, expected_grad, **TOL[dtype])


# --- var and std ------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 1])
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("value", [2.0, 0.0, 3.3, -1e4, 123456.789])
def test_std_of_a_constant_is_zero_with_a_zero_gradient(value, dtype, ddof, axis):
    # Tensor.std documents: "where var is 0 the gradient is 0 (torch), not sqrt's infinite
    # slope"; where rounding leaves the mean a hair off the value, var is tiny, std is within
    # rounding of 0 and the gradient stays at rounding level (the deviations are all equal).
    # torch 2.13 agrees where its var is exactly 0; where it is not (123456.789 in float64), its
    # gradient is -1/n per element, so torch is no oracle here.
    x = leaf(np.full((2, 5), value), dtype)
    out = x.std(axis=axis, ddof=ddof)
    out.backward(np.ones(out.shape, dtype))
    eps = np.finfo(dtype).eps
    assert np.all(out.data >= 0) and np.all(out.data <= 4 * eps * abs(value))
    assert np.isfinite(x.grad.data).all()
    assert np.abs(x.grad.data).max() <= eps


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy: "Degrees of freedom <= 0"
@pytest.mark.parametrize("method", ["var", "std"])
@pytest.mark.parametrize("ddof", [3, 4, 5])
def test_var_and_std_with_ddof_at_least_n_are_infinite_like_numpy_and_torch(ddof, method):
    # var divides by n - ddof (numpy's ddof): with ddof >= n that is no count at all, and numpy
    # and torch say inf; never a negative variance or a std of 0
    data = np.array([1.0, 2.0, 3.0])
    out = getattr(Tensor(data), method)(ddof=ddof)
    expected = getattr(np, method)(data, ddof=ddof)
    theirs = getattr(torch, method)(torch.tensor(data), correction=ddof)
    assert expected == theirs.item() == math.inf
    assert out.item() == expected


# --- exp overflow -----------------------------------------------------------------------------


def test_exp_overflows_float32_past_88_7_to_inf_with_numpys_warning():
    # README: "float32 overflows past about 88.7 in exp (to inf)"; numpy's RuntimeWarning says
    # where; the gradient there is inf as well, never nan; float64 holds the same values
    x = leaf([88.0, 89.0], F32)
    with pytest.warns(RuntimeWarning, match="overflow"):
        out = x.exp()
    out.backward(np.ones(2, F32))
    assert out.data[0] == np.exp(F32(88.0)) and np.isposinf(out.data[1])
    assert x.grad.data[0] == out.data[0] and np.isposinf(x.grad.data[1])
    wide = leaf([88.0, 89.0], F64).exp()
    np.testing.assert_array_equal(wide.data, np.exp([88.0, 89.0]))


# --- clip_grad_norm_ and Adam at extreme gradients ------------------------------------------


CLIP = [  # (id, each parameter's gradient as (size, value), all float32)
    ("1e20", [(4, 1e20), (3, 3e19)]),  # squares overflow float32 (> 3.4e38); the norm does not
    ("1e38", [(4, 1e38)]),  # the total, 2e38, is a float32
    ("mixed", [(2, 1e20), (3, 1e-10), (1, -5e19)]),
    ("1e-30", [(4, 1e-30), (2, -2e-30)]),  # squares underflow to 0; the norm, 2.4e-30, does not
]


@pytest.mark.parametrize("max_norm", [1.0, 1e30])
@pytest.mark.parametrize("grads", [row[1] for row in CLIP], ids=[row[0] for row in CLIP])
def test_clip_grad_norm_of_extreme_float32_gradients_is_exact(grads, max_norm):
    # clip_grad_norm_ returns the total 2-norm (here a finite float32) and scales every
    # gradient by max_norm / (total + 1e-6) when that is below 1: computed without overflow or
    # underflow, so huge gradients are scaled to max_norm, not zeroed, and tiny ones kept
    params = [Parameter(np.zeros(size, F32)) for size, _ in grads]
    for p, (size, value) in zip(params, grads, strict=True):
        p.grad = Tensor(np.full(size, value, F32))
    flat = np.concatenate([np.full(size, F32(value), F64) for size, value in grads])
    total = np.linalg.norm(flat)  # float64 holds these squares
    scale = min(1.0, max_norm / (total + 1e-6))

    returned = clip_grad_norm_(params, max_norm)

    assert returned.dtype == F32 and np.isfinite(returned.item())
    np.testing.assert_allclose(returned.item(), total, rtol=1e-6)
    for p, (size, value) in zip(params, grads, strict=True):
        assert p.grad.dtype == F32
        np.testing.assert_allclose(p.grad.data, np.full(size, F32(value) * scale), rtol=1e-6)


@pytest.mark.parametrize("g", [1e-30, 1e30, -1e30])
@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_with_extreme_gradients_takes_finite_steps_like_torch(cls, dtype, g):
    # Adam's steps stay finite for gradients of 1e-30 and 1e30, equal to torch.optim's in the
    # same dtype. In float32 g*g overflows past |g| ~ 1.8e19: v is inf and the step is 0, in
    # torch as here (not lr * sign(g)); in float64 it is lr * sign(g) per step.
    start = np.array([0.5, -0.5, 2.0])
    p = Parameter(start.astype(dtype))
    t = torch.tensor(start.astype(dtype), requires_grad=True)
    ours, theirs = cls([p], lr=0.1), getattr(torch.optim, cls.__name__)([t], lr=0.1)
    for _ in range(3):
        p.grad = Tensor(np.full(3, g, dtype))
        t.grad = torch.full((3,), g, dtype=t.dtype)
        ours.step()
        theirs.step()
    assert np.isfinite(p.data).all()
    np.testing.assert_allclose(p.data, t.detach().numpy(), **TOL[dtype])
    if dtype == F64 and abs(g) > 1 and cls is Adam:
        np.testing.assert_allclose(p.data, start - 0.3 * np.sign(g), rtol=1e-12)


# --- the mean of a large float32 array --------------------------------------------------------


@functools.cache
def big(shape: tuple[int, ...]) -> np.ndarray:
    """Ten million float32 values in [1000, 1001): a float32 running sum would lose ~1e-3."""
    return (np.random.default_rng(0).random(shape) + 1000.0).astype(F32)


@pytest.mark.parametrize(
    ("shape", "axis"),
    [((10_000_000,), None), ((10_000, 1_000), None), ((10_000, 1_000), 0), ((1_000, 10_000), 1)],
    ids=["flat", "matrix", "down_columns", "along_rows"],
)
def test_mean_of_ten_million_float32_values_is_accurate(shape, axis):
    # mean accumulates well enough that 1e7 float32 values near 1000 give the float64 mean to
    # within 4 float32 epsilons (torch: 1.7e-7 relative), in float32, and its gradient is 1/n
    data = big(shape)
    x = Tensor(data, requires_grad=True)
    out = x.mean(axis=axis)
    out.backward(np.ones(out.shape, F32))
    expected = data.astype(F64).mean(axis=axis)
    n = data.size if axis is None else data.shape[axis]
    assert out.dtype == F32
    np.testing.assert_allclose(out.data, expected, rtol=4 * EPS32, atol=0)
    assert x.grad.dtype == F32 and np.all(x.grad.data == F32(1 / n))


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("beta", [1.0, 3.0])
def test_softplus_at_the_extremes_matches_torch(dtype, beta):
    # Promise: softplus never overflows (e^(beta x) is never formed for x > 0) and keeps the
    # tiny values of very negative inputs (e^-50) instead of rounding them to 0.
    x = np.array([-1000.0, -50.0, -1e-3, 0.0, 1e-3, 6.0, 7.0, 50.0, 1000.0], dtype)
    ours = Tensor(x, requires_grad=True)
    out = ours.softplus(beta)
    out.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.softplus(theirs, beta)
    expected.sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), **TOL[dtype])
    tiny = expected.detach().numpy()[1]  # e^(-50 beta): 2e-22 for beta 1; 0 in float32 for 3
    np.testing.assert_allclose(out.data[1], tiny, rtol=1e-5, atol=0)


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("eps", [None, 0.0, 0.25])
def test_logit_at_and_beyond_0_and_1_matches_torch(dtype, eps):
    # Promise: -inf at 0 and inf at 1; nan beyond, its gradient too (torch's); with eps, the
    # clamped points are finite with gradient 0.
    x = np.array([-0.5, 0.0, 1e-6, 0.25, 0.5, 0.9, 1.0, 1.5], dtype)
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ours.logit(eps)
        out.sum().backward()
    expected = torch.logit(theirs, eps)
    expected.sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), **TOL[dtype])
    assert np.isnan(ours.grad.data[0]) == (eps is None)


def test_logit_refuses_an_eps_outside_0_to_half():
    with pytest.raises(ValueError, match=r"logit: eps must be a number from 0 to 0\.5, got 0\.6"):
        Tensor([0.5]).logit(0.6)


# --- torch's elementwise math, activations and norms at the extremes ----------------------------

EXTREMES = [-100.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 100.0]


@pytest.mark.parametrize(
    ("name", "ours", "theirs"),
    [
        ("logsigmoid", lambda x: x.logsigmoid(), torch.nn.functional.logsigmoid),
        ("mish", lambda x: x.mish(), torch.nn.functional.mish),
        ("logaddexp", lambda x: x.logaddexp(-x), lambda t: torch.logaddexp(t, -t)),
        ("asinh", lambda x: x.asinh(), torch.asinh),
        ("elu", lambda x: x.elu(), torch.nn.functional.elu),
    ],
)
@pytest.mark.parametrize("dtype", [F32, F64])
def test_activations_at_plus_minus_100_are_finite_and_match_torch(name, ours, theirs, dtype):
    # log-sigmoid, mish and logaddexp never form e^100 in a way that overflows or cancels, and
    # their gradients stay finite; the same in float32, where e^100 is inf
    x = leaf(EXTREMES, dtype)
    out = ours(x)
    out.sum().backward()
    t = torch.tensor(EXTREMES, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    expected = theirs(t)
    expected.sum().backward()
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_norms_and_hypot_of_huge_and_tiny_values_neither_overflow_nor_vanish(scale):
    # the 2-norm and hypot never square 1e200 (inf) or 1e-200 (0): they divide by the largest
    values = np.array([3.0, -4.0, 12.0]) * scale
    x = leaf(values, F64)
    out = x.norm()
    out.backward()
    assert out.item() == pytest.approx(13.0 * scale, rel=1e-15)
    np.testing.assert_allclose(x.grad.data, values / (13.0 * scale), rtol=1e-15)
    for p in (3, 0.5):  # torch's overflows here (inf at 1e200); the unscaled norm, scaled
        expected = np.sum(np.abs(values / scale) ** p) ** (1 / p) * scale
        assert x.norm(p).item() == pytest.approx(expected, rel=1e-14)
    a, b = leaf(values[:1], F64), leaf(values[1:2], F64)
    r = a.hypot(b)
    r.backward()
    assert r.item() == pytest.approx(5.0 * scale, rel=1e-15)
    np.testing.assert_allclose([a.grad.item(), b.grad.item()], [0.6, -0.8], rtol=1e-15)


def test_logcumsumexp_keeps_early_terms_that_a_max_shift_would_lose():
    # shifting by the axis' max (1000) would underflow e^(-1000 - 1000) to log(0) = -inf
    values = [-1000.0, -999.0, 1000.0]
    x = leaf(values, F64)
    out = x.logcumsumexp(0)
    out.sum().backward()
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    expected = torch.logcumsumexp(t, 0)
    expected.sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL[F64])
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), **TOL[F64])
