"""The dtype policy against torch: integer, unsigned and bool tensors in min/max/clip at their
extremes, float ops of integer tensors, *_like and where with numbers, and arange's range check."""

import numpy as np
import pytest
import torch

import autograd
from autograd import Tensor, ones_like, zeros_like
from autograd.factories import arange

INTEGER_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32]


def extremes(dtype) -> np.ndarray:
    """The dtype's smallest and largest values with a few in between, or both bools."""
    if dtype == np.bool_:
        return np.array([True, False, True])
    info = np.iinfo(dtype)
    return np.array([info.max, 0, info.min, 1, info.max - 1], dtype)


def both(dtype) -> tuple[Tensor, torch.Tensor]:
    data = extremes(dtype)
    # torch has no uint16/uint32 min or max kernels; int64 holds their values exactly
    theirs = data if dtype not in (np.uint16, np.uint32) else data.astype(np.int64)
    return Tensor(data, dtype=dtype), torch.from_numpy(theirs.copy())


@pytest.mark.parametrize("dtype", [*INTEGER_DTYPES, np.bool_])
@pytest.mark.parametrize("reduction", ["min", "max"])
def test_min_and_max_of_integer_and_bool_tensors_match_torch(dtype, reduction):
    ours, theirs = both(dtype)
    out = getattr(ours, reduction)()
    assert out.dtype == dtype
    assert out.item() == getattr(theirs, reduction)().item()
    kept = getattr(ours.reshape(1, -1), reduction)(1, keepdim=True).values
    assert kept.shape == (1, 1) and kept.item() == out.item()


@pytest.mark.parametrize("dtype", [*INTEGER_DTYPES, np.bool_])
def test_minimum_of_integer_and_bool_tensors_matches_torch(dtype):
    ours, theirs = both(dtype)
    flipped = Tensor(ours.data[::-1].copy(), dtype=dtype)
    out = ours.minimum(flipped)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, torch.minimum(theirs, theirs.flip(0)).numpy())
    np.testing.assert_array_equal(ours.maximum(flipped).data, np.maximum(ours.data, flipped.data))


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_clip_at_an_integer_dtype_bounds_matches_torch(dtype):
    ours, theirs = both(dtype)
    info = np.iinfo(dtype)
    out = ours.clip(info.min, info.max)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, ours.data)
    np.testing.assert_array_equal(ours.clip(1, 5).data, theirs.clamp(1, 5).numpy())


def test_min_of_an_integer_tensor_over_an_empty_axis_is_named():
    with pytest.raises(ValueError, match=r"min: no minimum over an empty axis \(shape \(0,\)\)"):
        Tensor(np.zeros(0, np.int32), dtype=np.int32).min()


FLOAT_OPS = {  # ours, torch's (torch has integer kernels for the first five)
    "exp": (Tensor.exp, torch.exp),
    "log": (Tensor.log, torch.log),
    "sqrt": (Tensor.sqrt, torch.sqrt),
    "sigmoid": (Tensor.sigmoid, torch.sigmoid),
    "tanh": (Tensor.tanh, torch.tanh),
    "erf": (Tensor.erf, lambda t: torch.erf(t.float())),
    "softmax": (lambda t: t.softmax(0), lambda t: torch.softmax(t.float(), 0)),
    "log_softmax": (lambda t: t.log_softmax(0), lambda t: torch.log_softmax(t.float(), 0)),
}


@pytest.mark.parametrize("op", FLOAT_OPS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_])
def test_float_ops_of_integer_tensors_compute_in_the_default_float_like_torch(op, dtype):
    ours, theirs = FLOAT_OPS[op]
    data = np.array([1, 2, 0, 3], dtype) if dtype != np.bool_ else np.array([True, False])
    out, expected = ours(Tensor(data, dtype=dtype)), theirs(torch.from_numpy(data.copy()))
    assert expected.dtype == torch.float32 and out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("make", [zeros_like, ones_like])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_, np.float64])
def test_zeros_like_and_ones_like_keep_the_dtype_like_torch(make, dtype):
    t = Tensor(np.array([1, 0, 1], dtype), dtype=dtype)
    theirs = getattr(torch, make.__name__)(torch.from_numpy(t.data.copy()))
    assert make(t).dtype == dtype
    np.testing.assert_array_equal(make(t).data, theirs.numpy())
    assert make(t, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    ("x", "y", "torch_dtype"),
    [(1, 3, torch.int64), (1.0, 3, torch.float32), (1.5, 2.5, torch.float32)],
)
def test_where_with_python_numbers_takes_torch_dtypes(x, y, torch_dtype):
    cond = np.array([True, False])
    theirs = torch.where(torch.from_numpy(cond), x, y)
    out = autograd.where(cond, x, y)
    assert theirs.dtype == torch_dtype
    assert out.dtype == np.dtype(str(torch_dtype).removeprefix("torch."))
    np.testing.assert_array_equal(out.data, theirs.numpy())


@pytest.mark.parametrize(
    ("args", "dtype"),
    [((2**33,), np.int32), ((-(2**31) - 1, 0), np.int32), ((0, 300), np.uint8),
     ((0, -3, -1), np.uint8), ((2**40,), np.int16)],
)  # fmt: skip
def test_arange_refuses_values_the_dtype_cannot_hold_before_allocating(args, dtype):
    with pytest.raises(OverflowError, match=rf"arange: .* do not fit {np.dtype(dtype)}"):
        arange(*args, dtype=dtype)


@pytest.mark.parametrize(
    ("args", "dtype"),
    [((5,), np.int64), ((2, 2**31 - 1, 2**30), np.int32), ((0, 256), np.uint8),
     ((255, -1, -1), np.uint8), ((0.0, 1.0, 0.1), np.float32), ((3, 0, -1), np.float64),
     ((-3, 4, 2), np.int8)],
)  # fmt: skip
def test_arange_matches_torch_inside_the_range(args, dtype):
    torch_dtype = getattr(torch, np.dtype(dtype).name)
    out = arange(*args, dtype=dtype)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, torch.arange(*args, dtype=torch_dtype).numpy())


def test_arange_refuses_a_zero_step():
    with pytest.raises(ValueError, match="arange: need finite bounds and a non-zero step"):
        arange(0, 5, 0)
