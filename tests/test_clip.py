"""nn.utils gradient clipping against torch.nn.utils, on the same random gradients.

Each test gives a list of our parameters and a list of torch's the same gradients (None for some),
clips both, and compares the returned norms and every gradient afterwards.
"""

import math

import numpy as np
import pytest
import torch

from autograd import Tensor
from nn.module import Parameter
from nn.utils import clip_grad_norm_, clip_grad_value_

SHAPES = [(3, 4), (5,), (2, 3, 2), ()]
NORM_TYPES = [1.0, 2.0, 3.0, math.inf]
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}
TOL = {np.float32: {"rtol": 1e-5, "atol": 1e-7}, np.float64: {"rtol": 1e-12, "atol": 1e-14}}


def twins(dtype=np.float64, without_grad=(), seed=0) -> tuple[list[Parameter], list[torch.Tensor]]:
    """Our parameters and torch's with equal random gradients; none for indices in without_grad."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for i, shape in enumerate(SHAPES):
        p = Parameter(np.zeros(shape, dtype))
        t = torch.zeros(shape, dtype=TORCH_DTYPE[dtype], requires_grad=True)
        if i not in without_grad:
            g = np.asarray(rng.standard_normal(shape) * 2, dtype)
            p.grad, t.grad = Tensor(g.copy()), torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(t)
    return ours, theirs


def assert_grads_equal(ours, theirs, **tol) -> None:
    for p, t in zip(ours, theirs, strict=True):
        if t.grad is None:
            assert p.grad is None
        else:
            assert p.grad.dtype == t.grad.numpy().dtype
            np.testing.assert_allclose(p.grad.data, t.grad.numpy(), **tol)


def total_norm(params, norm_type) -> float:
    flat = np.concatenate([p.grad.data.ravel() for p in params if p.grad is not None])
    return float(np.linalg.norm(flat.astype(np.float64), ord=norm_type))


# --- clip_grad_norm_ -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ratio", [0.3, 3.0], ids=["clipped", "untouched"])
@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_clip_grad_norm_equals_torch(norm_type, ratio, dtype):
    """max_norm = ratio * the total norm: below it the gradients shrink, above it they stay."""
    ours, theirs = twins(dtype)
    before = [p.grad.data.copy() for p in ours]
    max_norm = ratio * total_norm(ours, norm_type)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), expected.item(), **TOL[dtype])
    assert_grads_equal(ours, theirs, **TOL[dtype])
    if ratio > 1:
        assert all(np.array_equal(p.grad.data, b) for p, b in zip(ours, before, strict=True))
    else:
        np.testing.assert_allclose(total_norm(ours, norm_type), max_norm, rtol=1e-5)


@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_skips_parameters_without_gradient(norm_type):
    ours, theirs = twins(without_grad=(0, 2))
    total = clip_grad_norm_(ours, 0.5, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    assert_grads_equal(ours, theirs, rtol=1e-12)


def test_clip_grad_norm_takes_one_tensor_a_list_or_a_generator():
    results = []
    for as_arg in (lambda ps: ps[0], lambda ps: ps[:1], lambda ps: (p for p in ps[:1])):
        ours, _ = twins()
        results.append((clip_grad_norm_(as_arg(ours), 1.0).item(), ours[0].grad.data))
    for total, grad in results[1:]:
        assert total == results[0][0]
        np.testing.assert_array_equal(grad, results[0][1])
    np.testing.assert_allclose(np.linalg.norm(results[0][1]), 1.0, rtol=1e-5)


def test_clip_grad_norm_without_gradients_returns_zero():
    ours, theirs = twins(without_grad=range(len(SHAPES)))
    assert clip_grad_norm_(ours, 1.0).item() == 0.0 == torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert all(p.grad is None for p in ours)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf * 0
@pytest.mark.parametrize("bad", [math.nan, math.inf])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_of_a_nonfinite_gradient(norm_type, bad):
    """error_if_nonfinite raises as torch does and changes nothing; without it, torch's result."""
    ours, theirs = twins()
    ours[1].grad.data[2] = theirs[1].grad[2] = bad
    before = [p.grad.data.copy() for p in ours]
    with pytest.raises(RuntimeError, match=rf"total norm of order {norm_type} .* is {bad}"):
        clip_grad_norm_(ours, 1.0, norm_type, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type, error_if_nonfinite=True)
    for p, b in zip(ours, before, strict=True):
        np.testing.assert_array_equal(p.grad.data, b)

    total = clip_grad_norm_(ours, 1.0, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    np.testing.assert_array_equal(total.data, expected.numpy())
    assert_grads_equal(ours, theirs)  # nan where torch has nan (assert_allclose: nan == nan)


def test_clip_grad_norm_scales_a_gradient_shared_by_two_parameters_once():
    """The engine gives a and b one gradient array for a + b; each must be clipped once.

    The caller's seed array is shared too: it must not change, and nothing records a graph.
    """
    a, b = Parameter(np.ones(3)), Parameter(np.ones(3))
    seed = np.array([3.0, 4.0, 12.0])
    (a + b).backward(seed)
    ta, tb = (torch.ones(3, dtype=torch.float64, requires_grad=True) for _ in range(2))
    (ta + tb).backward(torch.from_numpy(seed.copy()))

    total = clip_grad_norm_([a, b], 1.0)
    expected = torch.nn.utils.clip_grad_norm_([ta, tb], 1.0)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    assert_grads_equal([a, b], [ta, tb], rtol=1e-12)
    np.testing.assert_array_equal(seed, [3.0, 4.0, 12.0])
    assert not a.grad.requires_grad and not a.grad.parents


# --- clip_grad_value_ ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("clip_value", [0.0, 0.1, 1.5, 100.0])
def test_clip_grad_value_equals_torch(clip_value, dtype):
    ours, theirs = twins(dtype, without_grad=(1,))
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    assert_grads_equal(ours, theirs, rtol=0, atol=0)


def test_clip_grad_value_takes_one_tensor_or_a_generator_and_clips_shared_gradients_once():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    seed = np.array([-3.0, 0.5])
    (a + b).backward(seed)
    clip_grad_value_(a, 1.0)
    clip_grad_value_((p for p in [b]), 0.2)
    np.testing.assert_array_equal(a.grad.data, [-1.0, 0.5])
    np.testing.assert_array_equal(b.grad.data, [-0.2, 0.2])
    np.testing.assert_array_equal(seed, [-3.0, 0.5])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=0), "norm_type must be > 0 or inf, got 0.0"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=-2), "norm_type must be > 0 or inf"),
        (lambda ps: clip_grad_value_(ps, -1.0), "clip_value must be >= 0, got -1.0"),
    ],
)
def test_invalid_arguments_raise(call, message):
    ours, _ = twins()
    with pytest.raises(ValueError, match=message):
        call(ours)


def test_finite_float32_gradients_whose_norm_overflows_are_clipped_not_zeroed():
    # torch 2.13 zeroes these (its float32 total is inf); the float64 total clips them correctly
    p = Tensor(np.ones(4, np.float32), requires_grad=True)
    p.grad = Tensor(np.full(4, 1e20, np.float32))
    total = clip_grad_norm_([p], 1.0)
    assert total.dtype == np.float32 and float(total.data) == pytest.approx(2e20, rel=1e-6)
    np.testing.assert_allclose(p.grad.data, np.full(4, 0.5), rtol=1e-6)
