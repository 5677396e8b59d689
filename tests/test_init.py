"""nn.init: each initialiser's sample statistics against its formula and against torch.nn.init,
seeding, dtype, in-place writes without a graph, calculate_gain, and bad arguments."""

import math

import numpy as np
import pytest
import torch

from autograd.tensor import Tensor
from nn import init

LINEAR = (400, 300)  # (out, in): fan_in 300, fan_out 400
CONV = (32, 16, 5, 5)  # (out, in, kh, kw): fan_in 16 * 25 = 400, fan_out 32 * 25 = 800
SQRT3 = math.sqrt(3.0)

# (name, shape, kwargs, expected (mean, std), uniform bounds or None), all from the formulas.
CASES = [
    ("uniform_", LINEAR, {"a": -2.0, "b": 3.0}, (0.5, 5 / math.sqrt(12)), (-2.0, 3.0)),
    ("normal_", LINEAR, {"mean": 1.0, "std": 2.0}, (1.0, 2.0), None),
    ("xavier_uniform_", LINEAR, {"gain": 2.0}, (0, 2 * math.sqrt(2 / 700)), "symmetric"),
    ("xavier_normal_", LINEAR, {"gain": 2.0}, (0, 2 * math.sqrt(2 / 700)), None),
    ("xavier_uniform_", CONV, {}, (0, math.sqrt(2 / 1200)), "symmetric"),
    ("kaiming_uniform_", LINEAR, {}, (0, math.sqrt(2 / 300)), "symmetric"),
    (
        "kaiming_uniform_",
        LINEAR,
        {"a": 0.5, "mode": "fan_out"},
        (0, math.sqrt(2 / 1.25) / math.sqrt(400)),
        "symmetric",
    ),
    ("kaiming_uniform_", CONV, {"nonlinearity": "relu"}, (0, math.sqrt(2 / 400)), "symmetric"),
    ("kaiming_normal_", LINEAR, {}, (0, math.sqrt(2 / 300)), None),
    (
        "kaiming_normal_",
        CONV,
        {"mode": "fan_out", "nonlinearity": "tanh"},
        (0, 5 / 3 / math.sqrt(800)),
        None,
    ),
]
IDS = [f"{name}-{len(shape)}d-{kwargs}" for name, shape, kwargs, *_ in CASES]
RANDOM = ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_"]
RANDOM += ["kaiming_uniform_", "kaiming_normal_"]


def stats(values):
    values = np.asarray(values, np.float64)
    return values.mean(), values.std(), values.min(), values.max()


def ours(name, shape, kwargs, dtype=np.float32, generator=0):
    t = Tensor(np.full(shape, np.nan, dtype))
    return getattr(init, name)(t, **kwargs, generator=generator)


@pytest.mark.parametrize(("name", "shape", "kwargs", "moments", "bounds"), CASES, ids=IDS)
def test_samples_follow_the_formula(name, shape, kwargs, moments, bounds):
    mean, std, lo, hi = stats(ours(name, shape, kwargs).data)
    n = math.prod(shape)
    assert abs(mean - moments[0]) < 5 * moments[1] / math.sqrt(n)
    assert std == pytest.approx(moments[1], rel=0.02)
    if bounds == "symmetric":  # U(-b, b) with b = sqrt(3) * std
        bounds = (-SQRT3 * moments[1], SQRT3 * moments[1])
    if bounds is not None:  # inside the bounds, and reaching close to both ends
        width = bounds[1] - bounds[0]
        assert bounds[0] <= lo < bounds[0] + 0.001 * width
        assert bounds[1] - 0.001 * width < hi <= bounds[1]


@pytest.mark.parametrize(("name", "shape", "kwargs", "moments", "bounds"), CASES, ids=IDS)
def test_statistics_match_torch(name, shape, kwargs, moments, bounds):
    theirs = getattr(torch.nn.init, name)(
        torch.empty(shape), **kwargs, generator=torch.Generator().manual_seed(0)
    )
    mine = stats(ours(name, shape, kwargs).data)
    torchs = stats(theirs.numpy())
    scale = moments[1]
    assert abs(mine[0] - torchs[0]) < 7 * scale / math.sqrt(math.prod(shape))
    assert mine[1] == pytest.approx(torchs[1], rel=0.03)
    if bounds is not None:  # both reach the same ends
        np.testing.assert_allclose(mine[2:], torchs[2:], atol=0.01 * scale)


@pytest.mark.parametrize("name", RANDOM)
def test_seed_repeats_and_generator_advances(name):
    first = ours(name, (20, 10), {}, generator=7).data
    np.testing.assert_array_equal(first, ours(name, (20, 10), {}, generator=7).data)
    assert not np.array_equal(first, ours(name, (20, 10), {}, generator=8).data)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(ours(name, (20, 10), {}, generator=rng).data, first)
    assert not np.array_equal(ours(name, (20, 10), {}, generator=rng).data, first)


@pytest.mark.parametrize("name", RANDOM)
def test_dtype_is_kept_and_one_seed_gives_both_dtypes_the_same_values(name):
    t32 = ours(name, (20, 10), {}, np.float32, generator=3)
    t64 = ours(name, (20, 10), {}, np.float64, generator=3)
    assert t32.dtype == np.float32 and t64.dtype == np.float64
    np.testing.assert_array_equal(t32.data, t64.data.astype(np.float32))


@pytest.mark.parametrize(
    ("name", "bound"),
    [("xavier_uniform_", math.sqrt(6 / 30)), ("kaiming_uniform_", math.sqrt(6 / 10))],
)
def test_scaled_uniforms_draw_exactly_through_uniform(name, bound):
    scaled = ours(name, (20, 10), {}, np.float64, generator=5)
    plain = init.uniform_(Tensor(np.empty((20, 10))), -bound, bound, generator=5)
    np.testing.assert_allclose(scaled.data, plain.data, rtol=0, atol=1e-15)  # bound rounding


@pytest.mark.parametrize("name", [*RANDOM, "zeros_", "ones_", "constant_"])
@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 2, 2)])
def test_writes_in_place_into_a_leaf_that_requires_grad(name, shape):
    t = Tensor(np.full(shape, np.nan, np.float32), requires_grad=True)
    array = t.data
    args = (0.5,) if name == "constant_" else ()
    kwargs = {"generator": 0} if name in RANDOM else {}
    assert getattr(init, name)(t, *args, **kwargs) is t
    assert t.data is array and t.data.dtype == np.float32 and not np.isnan(array).any()
    assert t.parents == () and t.vjp is None and t.op == "" and t.requires_grad
    assert t.grad is None


@pytest.mark.parametrize(
    ("fill", "value"),
    [
        (init.zeros_, 0),
        (init.ones_, 1),
        (lambda t: init.constant_(t, 2.5), 2.5),
        (lambda t: init.constant_(t, -3), -3),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constants(fill, value, dtype):
    t = fill(Tensor(np.full((3, 4), np.nan, dtype)))
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.full((3, 4), value, dtype))


def test_constants_cast_into_integer_tensors():
    t = Tensor(np.zeros(3, np.int64), dtype=np.int64)
    assert init.constant_(t, 7.0).data.tolist() == [7, 7, 7] and t.dtype == np.int64


def test_empty_tensors_are_left_alone_as_in_torch():
    for shape in [(0, 3), (3, 0), (0, 0)]:
        for name in ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]:
            assert ours(name, shape, {}).shape == shape


NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "selu",
    "leaky_relu",
]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_equals_torch(nonlinearity):
    assert init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("slope", [None, 0, 0.2, 1, 3, -0.5])
def test_leaky_relu_gain_uses_the_slope(slope):
    expected = math.sqrt(2 / (1 + (0.01 if slope is None else slope) ** 2))
    assert init.calculate_gain("leaky_relu", slope) == pytest.approx(expected, rel=1e-15)
    assert init.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain(
        "leaky_relu", slope
    )


def test_documented_gains():
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("linear", 0.3) == 1.0  # param matters only for leaky_relu


def test_mode_ignores_case_as_in_torch():
    upper = ours("kaiming_normal_", (20, 10), {"mode": "FAN_OUT"}).data
    np.testing.assert_array_equal(
        upper, ours("kaiming_normal_", (20, 10), {"mode": "fan_out"}).data
    )


def empty(*shape, dtype=np.float32):
    return Tensor(np.zeros(shape, dtype), dtype=dtype)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: init.calculate_gain("swish"), ValueError, "unsupported nonlinearity 'swish'"),
        (lambda: init.calculate_gain("leaky_relu", "x"), ValueError, "slope must be a number"),
        (lambda: init.calculate_gain("leaky_relu", True), ValueError, "got True"),
        (lambda: init.xavier_uniform_(empty(5)), ValueError, "xavier_uniform_: fan_in and"),
        (lambda: init.xavier_normal_(empty(5)), ValueError, "got shape (5,)"),
        (lambda: init.kaiming_uniform_(empty()), ValueError, "got shape ()"),
        (lambda: init.kaiming_normal_(empty(5)), ValueError, "kaiming_normal_: fan_in"),
        (
            lambda: init.kaiming_uniform_(empty(3, 2), mode="fan_avg"),
            ValueError,
            "kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got 'fan_avg'",
        ),
        (lambda: init.kaiming_normal_(empty(3, 2), nonlinearity="elu"), ValueError, "'elu'"),
        (lambda: init.uniform_(empty(3), 1.0, 0.0), ValueError, "a must be <= b, got a=1.0"),
        (lambda: init.normal_(empty(3), std=-1.0), ValueError, "std must be >= 0, got -1.0"),
        (lambda: init.normal_(np.zeros(3)), TypeError, "normal_: expected a Tensor, got ndarray"),
        (lambda: init.zeros_([0.0]), TypeError, "zeros_: expected a Tensor, got list"),
        (
            lambda: init.uniform_(empty(3, dtype=np.int64)),
            TypeError,
            "uniform_: expected a floating-point tensor, got int64",
        ),
        (lambda: init.normal_(empty(3), generator=1.5), TypeError, "normal_: seed must be an int"),
    ],
)
def test_bad_arguments_name_the_function_and_the_problem(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
