"""torch's vocabulary for reductions: dim=/keepdim= wherever axis=/keepdims= are taken, and
max/min in their torch forms (x.max(), x.max(y), x.max(dim) -> (values, indices)), against torch."""

import numpy as np
import pytest
import torch

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
