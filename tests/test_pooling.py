"""Pooling and interpolation beyond the op table (tests/test_tensor_ops.py has values and
gradients): the indices max pooling returns, ties, max_unpool2d after max_pool2d, unbatched and
1-d inputs, the layers' settings and reprs, and the errors, all against torch."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nn
import tracegrad
from autograd import Tensor, pooling

RNG = np.random.default_rng(17)

# (name, function, settings): each run on the same input as torch's function of that name
MAX_POOLS = [
    ("max_pool2d", pooling.max_pool2d, {"kernel_size": 2}),
    ("max_pool2d", pooling.max_pool2d, {"kernel_size": 3, "stride": 1, "padding": 1}),
    ("max_pool2d", pooling.max_pool2d, {"kernel_size": (2, 3), "stride": 2, "ceil_mode": True}),
    ("max_pool2d", pooling.max_pool2d, {"kernel_size": 2, "padding": 1, "dilation": (2, 1)}),
    ("adaptive_max_pool2d", pooling.adaptive_max_pool2d, {"output_size": (3, None)}),
    ("adaptive_max_pool2d", pooling.adaptive_max_pool2d, {"output_size": 4}),
]


def small_ints(shape: tuple[int, ...]) -> np.ndarray:
    """Values from {-1, 0, 1}: every window has ties."""
    return RNG.integers(-1, 2, shape).astype(np.float64)


@pytest.mark.parametrize(("name", "fn", "settings"), MAX_POOLS)
@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (3, 5, 6)], ids=["batched", "unbatched"])
def test_indices_values_and_gradients_at_ties_match_torch(name, fn, settings, shape):
    """The gradient goes whole to each window's first largest cell, which the indices name."""
    x = small_ints(shape)
    ours = Tensor(x, requires_grad=True)
    out, indices = fn(ours, **settings, return_indices=True)
    theirs = torch.tensor(x, requires_grad=True)
    expected, expected_indices = getattr(F, name)(theirs, **settings, return_indices=True)
    cotangent = RNG.standard_normal(out.shape)
    out.backward(cotangent)
    expected.backward(torch.from_numpy(cotangent))
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.data, expected_indices.numpy())
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)


def test_a_tie_gives_the_whole_gradient_to_the_first_largest_cell():
    x = Tensor(np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), requires_grad=True)
    pooling.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 1.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("fill", [-np.inf, np.nan], ids=["-inf", "nan"])
def test_windows_of_minus_infinity_or_nan_pick_as_torch(fill):
    """All -inf: the first cell on the image (not the padding); NaN: the last NaN."""
    x = small_ints((1, 2, 4, 5))
    x[0, 0, :3, :3] = fill
    x[0, 1, 1, ::2] = fill
    out, indices = pooling.max_pool2d(Tensor(x), 3, 1, 1, return_indices=True)
    expected, expected_indices = F.max_pool2d(torch.tensor(x), 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(indices.data, expected_indices.numpy())
    np.testing.assert_array_equal(out.data, expected.numpy())


@pytest.mark.parametrize(
    ("pool", "unpool"),
    [
        ({"kernel_size": 1}, {"kernel_size": 1}),
        (
            {"kernel_size": 3, "stride": 2, "padding": 1},
            {"kernel_size": 3, "stride": 2, "padding": 1},
        ),
        ({"kernel_size": 2}, {"kernel_size": 2, "output_size": (5, 7)}),  # pooling rounded down
        ({"kernel_size": 3, "stride": 1}, {"kernel_size": 3, "stride": 1}),  # repeated indices
    ],
)
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (3, 5, 7)], ids=["batched", "unbatched"])
def test_max_unpool2d_after_max_pool2d_matches_torch(pool, unpool, shape):
    x = RNG.standard_normal(shape)
    ours = Tensor(x, requires_grad=True)
    pooled, indices = pooling.max_pool2d(ours, **pool, return_indices=True)
    out = pooling.max_unpool2d(pooled, indices, **unpool)
    theirs = torch.tensor(x, requires_grad=True)
    t_pooled, t_indices = F.max_pool2d(theirs, **pool, return_indices=True)
    expected = F.max_unpool2d(t_pooled, t_indices, **unpool)
    cotangent = RNG.standard_normal(out.shape)
    out.backward(cotangent)
    expected.backward(torch.from_numpy(cotangent))
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)


# (function name, input shape, settings): unbatched and 1-d inputs against torch's function
SHAPES = [
    ("max_pool1d", (2, 3, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max_pool1d", (3, 7), {"kernel_size": (2,), "dilation": 2, "ceil_mode": True}),
    ("avg_pool1d", (2, 3, 7), {"kernel_size": 3, "padding": 1, "count_include_pad": False}),
    ("avg_pool1d", (3, 7), {"kernel_size": 2, "stride": 1, "ceil_mode": True}),
    ("avg_pool2d", (3, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg_pool2d", (3, 5, 6), {"kernel_size": 2, "ceil_mode": True, "divisor_override": 3}),
    ("adaptive_avg_pool2d", (3, 5, 6), {"output_size": (2, 4)}),
    ("adaptive_max_pool2d", (3, 5, 6), {"output_size": (None, 4)}),
    ("max_pool2d", (3, 5, 6), {"kernel_size": 2}),
    ("interpolate", (2, 3, 5), {"scale_factor": 1.5, "mode": "linear", "align_corners": True}),
    ("interpolate", (2, 3, 5, 4), {"size": (3, 7), "mode": "bilinear"}),
    ("interpolate", (2, 3, 5, 4), {"scale_factor": 2, "recompute_scale_factor": True}),
]


@pytest.mark.parametrize(("name", "shape", "settings"), SHAPES)
def test_unbatched_and_1d_inputs_match_torch(name, shape, settings):
    x = RNG.standard_normal(shape)
    ours = Tensor(x, requires_grad=True)
    out = getattr(pooling, name)(ours, **settings)
    theirs = torch.tensor(x, requires_grad=True)
    expected = getattr(F, name)(theirs, **settings)
    cotangent = RNG.standard_normal(out.shape)
    out.backward(cotangent)
    expected.backward(torch.from_numpy(cotangent))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_float32_stays_float32():
    x = Tensor(RNG.standard_normal((1, 2, 4, 4)).astype(np.float32))
    for out in [
        pooling.max_pool2d(x, 2),
        pooling.avg_pool2d(x, 2),
        pooling.adaptive_avg_pool2d(x, 3),
        pooling.interpolate(x, scale_factor=1.5, mode="bilinear"),
    ]:
        assert out.dtype == np.float32


# (layer name, constructor arguments, keyword arguments)
LAYERS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((2, 3),), {"stride": 1, "padding": (1, 0), "return_indices": True}),
    ("MaxPool1d", (3,), {"ceil_mode": True, "dilation": 2}),
    ("AvgPool2d", (3,), {"divisor_override": 2, "count_include_pad": False}),
    ("AvgPool2d", ((2, 2), (1, 2)), {"padding": 1, "ceil_mode": True}),
    ("AvgPool1d", (3,), {}),
    ("AvgPool1d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("AdaptiveMaxPool2d", (2,), {"return_indices": True}),
    ("MaxUnpool2d", (2,), {}),
    ("MaxUnpool2d", ((2, 3), 1, 1), {}),
    ("Upsample", (), {"scale_factor": 2}),
    ("Upsample", (), {"scale_factor": (2, 1.5), "mode": "bilinear", "align_corners": True}),
    ("Upsample", (3,), {"mode": "bilinear"}),
]
SETTINGS = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode",
            "count_include_pad", "divisor_override", "output_size", "size", "scale_factor",
            "mode", "align_corners", "recompute_scale_factor")  # fmt: skip


@pytest.mark.parametrize(("name", "args", "kwargs"), LAYERS)
def test_layer_settings_and_repr_match_torch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    for setting in SETTINGS:
        assert getattr(ours, setting, None) == getattr(theirs, setting, None), setting
    assert ours.state_dict() == {}
    assert getattr(tracegrad.nn, name) is getattr(nn, name)


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("MaxPool2d", (3, 2, 1), (2, 3, 7, 6)),
        ("MaxPool1d", (2,), (3, 7)),
        ("AvgPool2d", (3, 1, 1, True, False), (2, 3, 5, 6)),
        ("AvgPool1d", (3, 2), (2, 3, 7)),
        ("AdaptiveAvgPool2d", ((2, 3),), (3, 5, 6)),
        ("AdaptiveMaxPool2d", (3,), (2, 3, 5, 6)),
        ("Upsample", (None, 1.5, "bilinear", False), (2, 3, 4, 5)),
    ],
)
def test_layer_outputs_match_torch(name, args, shape):
    x = RNG.standard_normal(shape)
    out = getattr(nn, name)(*args)(Tensor(x))
    expected = getattr(torch.nn, name)(*args)(torch.tensor(x))
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-12, atol=1e-14)


def test_max_unpool2d_layer_undoes_max_pool2d_layer_as_torch():
    x = RNG.standard_normal((2, 3, 4, 5))
    pooled, indices = nn.MaxPool2d(2, return_indices=True)(Tensor(x))
    out = nn.MaxUnpool2d(2)(pooled, indices, output_size=(4, 5))
    t_pooled, t_indices = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    expected = torch.nn.MaxUnpool2d(2)(t_pooled, t_indices, output_size=(4, 5))
    np.testing.assert_array_equal(out.data, expected.numpy())


def test_functions_are_the_torch_namespace_s():
    for name in ["adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool1d", "avg_pool2d",
                 "interpolate", "max_pool1d", "max_pool2d", "max_unpool2d"]:  # fmt: skip
        assert getattr(tracegrad.nn.functional, name) is getattr(pooling, name)
        assert getattr(nn.functional, name) is getattr(pooling, name)


IMAGE = Tensor(np.zeros((1, 2, 4, 4)))
ERRORS = [
    (lambda: pooling.max_pool2d(IMAGE, 5), "max_pool2d: a kernel of (5, 5)"),
    (
        lambda: pooling.max_pool2d(IMAGE, 2, padding=2),
        "max_pool2d: padding (2, 2) must be at most half",
    ),
    (
        lambda: pooling.avg_pool2d(IMAGE, 3, padding=(0, 2)),
        "avg_pool2d: padding (0, 2) must be at most half",
    ),
    (lambda: pooling.max_pool2d(IMAGE, 2, stride=0), "max_pool2d: stride must be at least 1"),
    (lambda: pooling.max_pool2d(IMAGE, 2, dilation=0), "max_pool2d: dilation must be at least 1"),
    (
        lambda: pooling.max_pool2d(Tensor(np.zeros((1, 1, 1))), (2, 2), None, 1, (1, 2)),
        "max_pool2d: a window at -1 along axis 1 of the input (1, 1) sees padding only",
    ),
    (lambda: pooling.max_pool2d(Tensor(np.zeros((4, 4))), 2), "max_pool2d: expected a 4-d input"),
    (lambda: pooling.max_pool1d(IMAGE, 2), "max_pool1d: expected a 3-d input (N, C, L)"),
    (lambda: pooling.avg_pool1d(Tensor(np.zeros((1, 2, 3))), 4), "avg_pool1d: a kernel of (1, 4)"),
    (
        lambda: pooling.max_pool2d(Tensor(np.zeros((1, 0, 4, 4))), 2),
        "max_pool2d: expected non-empty",
    ),
    (
        lambda: pooling.avg_pool2d(IMAGE, 2, divisor_override=0),
        "avg_pool2d: divisor_override must be a nonzero int",
    ),
    (
        lambda: pooling.adaptive_max_pool2d(IMAGE, -1),
        "adaptive_max_pool2d: output_size must be at least 0",
    ),
    (
        lambda: pooling.max_unpool2d(IMAGE, np.zeros((1, 2, 4, 4)), 2),
        "max_unpool2d: indices must be integers",
    ),
    (
        lambda: pooling.max_unpool2d(IMAGE, np.full((1, 2, 4, 4), 64), 2),
        "max_unpool2d: index 64 is outside the output plane of 8 x 8",
    ),
    (
        lambda: pooling.max_unpool2d(IMAGE, np.zeros((1, 2, 4, 4), int), 2, output_size=(10, 8)),
        "max_unpool2d: output_size (10, 8) must be within a stride",
    ),
    (lambda: pooling.interpolate(IMAGE), "interpolate: give exactly one of size and scale_factor"),
    (
        lambda: pooling.interpolate(IMAGE, 2, 2.0),
        "interpolate: give exactly one of size and scale_factor",
    ),
    (
        lambda: pooling.interpolate(IMAGE, 2, mode="bicubic"),
        "interpolate: mode must be one of nearest, linear, bilinear, got 'bicubic'",
    ),
    (
        lambda: pooling.interpolate(IMAGE, 2, mode="linear"),
        "interpolate: mode 'linear' needs a 3-d input",
    ),
    (
        lambda: pooling.interpolate(IMAGE[0], 2, mode="bilinear"),
        "interpolate: mode 'bilinear' needs a 4-d input",
    ),
    (
        lambda: pooling.interpolate(IMAGE, 2, align_corners=True),
        "interpolate: align_corners can only be set",
    ),
    (lambda: pooling.interpolate(IMAGE[0, 0], 2), "interpolate: expected a 3-d (N, C, L) or 4-d"),
    (
        lambda: pooling.interpolate(IMAGE, (2, 3, 4)),
        "interpolate: size (2, 3, 4) needs one entry per spatial axis",
    ),
    (
        lambda: pooling.interpolate(IMAGE, scale_factor=0.1),
        "interpolate: scale_factor 0.1 gives the size [0, 0]",
    ),
    (lambda: pooling.interpolate(IMAGE, 0), "interpolate: size must be positive ints"),
]


@pytest.mark.parametrize(("call", "message"), ERRORS, ids=[m for _, m in ERRORS])
def test_errors_name_the_op_and_the_problem(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_settings_of_the_wrong_type_are_type_errors():
    with pytest.raises(TypeError, match=re.escape("adaptive_avg_pool2d: output_size must be an")):
        pooling.adaptive_avg_pool2d(IMAGE, (2, 3, 4))
    with pytest.raises(TypeError, match=re.escape("max_pool2d: kernel_size must be an int or")):
        pooling.max_pool2d(IMAGE, 1.5)


def test_torch_refuses_what_we_refuse():
    """The same mistakes, in torch: each is an error there too."""
    image = torch.zeros(1, 2, 4, 4)
    for call in [
        lambda: F.max_pool2d(image, 5),
        lambda: F.max_pool2d(image, 2, padding=2),
        lambda: F.avg_pool2d(image, 2, divisor_override=0),
        lambda: F.max_unpool2d(image, torch.full((1, 2, 4, 4), 64), 2),
        lambda: F.interpolate(image),
        lambda: F.interpolate(image, 2, mode="linear"),
        lambda: F.interpolate(image, 2, align_corners=True),
    ]:
        with pytest.raises((RuntimeError, ValueError, NotImplementedError)):
            call()
