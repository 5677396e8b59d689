"""torch's vocabulary for reductions: dim=/keepdim= wherever axis=/keepdims= are taken, and
max/min in their torch forms (x.max(), x.max(y), x.max(dim) -> (values, indices)), against torch."""

import math

import numpy as np
import pytest
import torch

import tracegrad
from autograd import Tensor

X = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 0.0, 2.0, 5.0], [0.5, 0.5, -2.0, -2.0]])

SAME_CALL = {  # method name -> keyword arguments, the same for torch and tracegrad
    "sum": {"dim": 1, "keepdim": True},
    "mean": {"dim": 0},
    "amax": {"dim": (0, 1), "keepdim": True},
    "amin": {"dim": -1},
    "logsumexp": {"dim": 1, "keepdim": True},
    "softmax": {"dim": 0},
    "log_softmax": {"dim": 1},
    "argmax": {"dim": 1},
    "argmin": {"dim": 0, "keepdim": True},
}


@pytest.mark.parametrize("method", SAME_CALL)
def test_dim_and_keepdim_are_taken_like_torch(method):
    kwargs = SAME_CALL[method]
    ours = Tensor(X, requires_grad=True)
    theirs = torch.tensor(X, requires_grad=True)
    out, expected = getattr(ours, method)(**kwargs), getattr(theirs, method)(**kwargs)
    np.testing.assert_allclose(out.data, expected.detach().numpy())
    if out.requires_grad:
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), atol=1e-12)


def test_both_names_for_one_argument_are_refused():
    with pytest.raises(TypeError, match="sum: got both dim= and axis="):
        Tensor(X).sum(axis=0, dim=1)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_and_min_along_a_dim_give_values_and_indices_like_torch(name, dim, keepdim):
    ours = Tensor(X, requires_grad=True)
    theirs = torch.tensor(X, requires_grad=True)
    values, indices = getattr(ours, name)(dim, keepdim=keepdim)
    expected = getattr(theirs, name)(dim, keepdim=keepdim)
    np.testing.assert_array_equal(values.data, expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())
    cotangent = np.arange(values.size, dtype=float).reshape(values.shape) + 1.0
    values.backward(cotangent)
    expected.values.backward(torch.from_numpy(cotangent))
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())  # ties: the first index


def test_max_of_everything_and_against_a_tensor_match_torch():
    ours, theirs = Tensor(X), torch.tensor(X)
    assert ours.max().item() == theirs.max().item()
    assert ours.min().item() == theirs.min().item()
    other = np.full_like(X, 1.5)
    np.testing.assert_array_equal(
        ours.max(Tensor(other)).data, theirs.max(torch.from_numpy(other)).numpy()
    )
    np.testing.assert_array_equal(
        ours.min(Tensor(other)).data, theirs.min(torch.from_numpy(other)).numpy()
    )


def test_max_with_a_numpy_axis_keyword_gives_values_over_any_axes():
    np.testing.assert_array_equal(Tensor(X).max(axis=(0, 1)).data, X.max())
    expected = X.min(1, keepdims=True)
    np.testing.assert_array_equal(Tensor(X).min(axis=1, keepdims=True).data, expected)


# --- torch's other reductions: indices, ties and keywords ------------------------------------

TIES = np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [0.5, 0.5, 0.5, -1.0, -1.0], [4.0, 3.0, 2.0, 1.0, 0.0]])
DISTINCT = np.array(
    [[2.0, 1.5, -2.0, 1.0, 3.0], [0.5, 0.25, 0.0, -1.0, -1.5], [4.0, 3.5, 2.5, 1.25, 6.0]]
)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("cummax", {"dim": 1}),
        ("cummin", {"dim": 1}),
        ("cummax", {"dim": 0}),
        ("mode", {"dim": 1}),
        ("mode", {"dim": 0, "keepdim": True}),
        ("sort", {"dim": 1, "stable": True}),
        ("sort", {"dim": 1, "descending": True, "stable": True}),
        ("topk", {"k": 2, "dim": 1, "data": DISTINCT}),  # torch orders topk's ties its own way
        ("topk", {"k": 3, "dim": 0, "largest": False, "data": DISTINCT}),
    ],
)
def test_values_indices_and_gradients_with_ties_match_torch(name, kwargs):
    kwargs = dict(kwargs)
    data = kwargs.pop("data", TIES)
    ours = Tensor(data, requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    values, indices = getattr(ours, name)(**kwargs)
    expected = getattr(theirs, name)(**kwargs)
    np.testing.assert_array_equal(values.data, expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())
    cotangent = np.arange(values.size, dtype=float).reshape(values.shape) + 1.0
    values.backward(cotangent)
    expected.values.backward(torch.from_numpy(cotangent))
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


def test_argsort_is_stable_both_ways_like_torch():
    for descending in (False, True):
        expected = torch.tensor(TIES).argsort(dim=1, descending=descending, stable=True)
        np.testing.assert_array_equal(
            Tensor(TIES).argsort(dim=1, descending=descending).data, expected.numpy()
        )


def test_median_is_the_lower_middle_value_like_torch():
    even = np.array([[4.0, 1.0, 3.0, 2.0], [0.0, -1.0, 5.0, 9.0]])
    assert Tensor(even).median().item() == torch.tensor(even).median().item() == 2.0
    values, indices = Tensor(even).median(dim=1, keepdim=True)
    expected = torch.tensor(even).median(dim=1, keepdim=True)
    np.testing.assert_array_equal(values.data, expected.values.numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())


@pytest.mark.parametrize(
    "kwargs",
    [{"unbiased": True}, {"unbiased": False}, {"correction": 2}, {"dim": 1, "correction": 0}],
)
@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
def test_unbiased_and_correction_mean_what_they_mean_in_torch(name, kwargs):
    out = getattr(Tensor(X), name)(**kwargs)
    expected = getattr(torch, name)(torch.tensor(X), **kwargs)
    for ours, theirs in zip(
        out if isinstance(out, tuple) else (out,),
        expected if isinstance(expected, tuple) else (expected,),
        strict=True,
    ):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_ddof_and_a_torch_keyword_together_are_refused():
    with pytest.raises(TypeError, match="var: give one of ddof, unbiased= and correction="):
        Tensor(X).var(0, 1, unbiased=True)


def test_torch_positional_unbiased_means_ddof():
    # torch's x.var(dim, unbiased): True and False land on ddof as 1 and 0
    np.testing.assert_allclose(Tensor(X).var(1, True).data, torch.tensor(X).var(1, True).numpy())


@pytest.mark.parametrize(
    "call",
    [
        "x.var()", "x.std()", "x.var(1)", "x.std(dim=0, keepdim=True)", "x.var(False)",
        "x.std(True)", "x.var(1, False)", "x.std(0, True, True)", "x.var(unbiased=False)",
        "torch.var(x)", "torch.std(x, 1)", "torch.var(x, 1, False)", "torch.std(x, dim=0)",
        "torch.var_mean(x)", "torch.std_mean(x, 1)", "torch.var_mean(x, dim=0, correction=2)",
        "torch.std_mean(x, 1, False, keepdim=True)",
    ],
)  # fmt: skip
def test_var_and_std_default_to_torchs_unbiased_estimate_in_every_form(call):
    # code written for torch (x.std(), torch.var(x, 1, False)) computes torch's numbers
    ours = eval(call, {"torch": tracegrad, "x": tracegrad.tensor(X)})
    theirs = eval(call, {"torch": torch, "x": torch.tensor(X)})
    for out, expected in zip(
        ours if isinstance(ours, tuple) else (ours,),
        theirs if isinstance(theirs, tuple) else (theirs,),
        strict=True,
    ):
        np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["var", "std"])
def test_numpys_ddof_keyword_still_says_what_it_says_in_numpy(name):
    for ddof in (0, 1, 2):
        out = getattr(Tensor(X), name)(axis=1, ddof=ddof)
        np.testing.assert_allclose(out.data, getattr(np, name)(X, axis=1, ddof=ddof), rtol=1e-12)


def test_unbiased_in_place_of_dim_and_a_ddof_too_is_refused():
    with pytest.raises(TypeError, match="var: got unbiased=False in place of dim, and ddof too"):
        Tensor(X).var(False, 1)


def test_sum_dtype_and_integer_sums_match_torch():
    ints = np.array([[1, 2], [3, 4]], np.int32)
    out = Tensor(ints, dtype=np.int32).sum(dim=0)
    expected = torch.from_numpy(ints).sum(dim=0)
    assert out.dtype == np.int64 and str(expected.dtype) == "torch.int64"
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    total = x.sum(dtype=np.float64)
    assert total.dtype == np.float64
    total.backward()
    assert x.grad.dtype == np.float32
    flags = Tensor(np.array([True, False, True]))
    assert flags.sum().item() == torch.tensor([True, False, True]).sum().item() == 2


@pytest.mark.parametrize("p", [0, 1, 2, 3, math.inf, -math.inf, "fro"])
def test_norm_orders_match_torch(p):
    data = np.array([[3.0, 0.0, -4.0], [1.0, -1.0, 0.5]])
    out = Tensor(data).norm(p, dim=1)
    expected = torch.tensor(data).norm(p, dim=1)
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-12)


def test_norm_of_a_zero_vector_has_zero_gradient_like_torch():
    x = Tensor(np.zeros(3), requires_grad=True)
    x.norm().backward()
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t.norm().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_count_nonzero_matches_torch():
    np.testing.assert_array_equal(
        Tensor(TIES - 0.5).count_nonzero(dim=(0, 1)).data,
        torch.count_nonzero(torch.tensor(TIES - 0.5), dim=(0, 1)).numpy(),
    )


def test_prod_over_an_empty_axis_is_one_like_torch():
    x = Tensor(np.zeros((0, 2)), requires_grad=True)
    out = x.prod(0)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, torch.zeros(0, 2).prod(0).numpy())
    assert x.grad.shape == (0, 2)
