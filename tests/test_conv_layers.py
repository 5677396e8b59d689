"""Conv1d, Conv2d, ConvTranspose2d, BatchNorm2d and Dropout2d against their torch.nn twins.

A small CNN is built twice, of torch.nn's layers and of ours; ours loads the torch model's
state dict (as numpy arrays) and must give the same outputs, input gradient, parameter
gradients and running statistics, in float64 (tight) and float32 (loose), training and
evaluating. Then what one pass cannot show: reprs, defaults, initial values, refusals, and
Dropout2d's whole-channel masks.
"""

import math
import warnings

import numpy as np
import pytest
import torch

import nn
from autograd import Tensor
from autograd.rng import manual_seed

TOLERANCES = {np.float64: {"rtol": 1e-9, "atol": 1e-11}, np.float32: {"rtol": 2e-4, "atol": 2e-5}}
BATCH = (5, 2, 8, 8)  # (N, C, H, W) of the twin CNN's input


def cnn(library):
    """The twin CNN, of torch.nn's layers or of ours: every conv layer and setting once.
    (N, 2, 8, 8) -> (N, 10)."""
    return library.Sequential(
        library.Conv2d(2, 6, 3, padding=1),  # (N, 6, 8, 8)
        library.BatchNorm2d(6),
        library.ReLU(),
        library.Conv2d(6, 8, 3, stride=2, padding=1, groups=2),  # (N, 8, 4, 4)
        library.ReLU(),
        library.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, groups=2),
        library.Conv2d(4, 4, (3, 2), padding="same", dilation=(1, 2), padding_mode="reflect"),
        library.BatchNorm2d(4, momentum=None),  # (N, 4, 8, 8)
        library.MaxPool2d(3, stride=1, padding=1),  # overlapping windows: (N, 4, 8, 8)
        library.Upsample(scale_factor=2, mode="bilinear"),  # (N, 4, 16, 16)
        library.AvgPool2d(2),  # (N, 4, 8, 8)
        library.Flatten(2),  # (N, 4, 64): rows for Conv1d
        library.Conv1d(4, 6, 5, stride=2, padding=2, bias=False, padding_mode="replicate"),
        library.ReLU(),
        library.Flatten(),  # (N, 6 * 32)
        library.Linear(192, 10),
    )


def twins(dtype):
    """torch's CNN, with random running statistics, and ours holding its state, in `dtype`."""
    torch.manual_seed(0)
    theirs = cnn(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    rng = np.random.default_rng(1)
    for name, buffer in theirs.named_buffers():
        if name.endswith("running_mean"):
            buffer.copy_(torch.from_numpy(rng.standard_normal(buffer.shape)))
        elif name.endswith("running_var"):
            buffer.copy_(torch.from_numpy(rng.uniform(0.5, 2.0, buffer.shape)))
    ours = cnn(nn).to(dtype)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cnn_twin_gives_torchs_outputs_gradients_and_statistics(dtype, training):
    ours, theirs = twins(dtype)
    ours.train(training), theirs.train(training)
    rng = np.random.default_rng(2)
    x = rng.standard_normal(BATCH).astype(dtype)
    seed = rng.standard_normal((BATCH[0], 10)).astype(dtype)
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for _ in range(2):  # twice: the running statistics move, num_batches_tracked counts
        out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
    tol = TOLERANCES[dtype]
    assert out_ours.dtype == dtype
    np.testing.assert_allclose(out_ours.data, out_theirs.detach().numpy(), **tol)
    out_ours.backward(seed)
    out_theirs.backward(torch.from_numpy(seed))
    np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), **tol)
    grads_theirs = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    assert [name for name, _ in ours.named_parameters()] == list(grads_theirs)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, grads_theirs[name], **tol, err_msg=name)
    state_theirs = theirs.state_dict()
    assert list(ours.state_dict()) == list(state_theirs)
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value, state_theirs[name].numpy(), **tol, err_msg=name)


def test_unbatched_input_and_torchs_shapes():
    ours, theirs = twins(np.float64)
    for index in (0, 3, 5, 6):  # Conv2d, grouped strided Conv2d, ConvTranspose2d, 'same'
        x = np.random.default_rng(index).standard_normal((ours[index].in_channels, 8, 8))
        expected = theirs[index](torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(ours[index](Tensor(x)).data, expected, rtol=1e-10, atol=1e-12)


def test_reprs_are_torchs():
    assert repr(cnn(nn)) == repr(cnn(torch.nn))
    layers = [
        ("Conv2d", (1, 6, 5), {"padding": 2}),
        ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "dilation": 2, "groups": 2, "bias": False}),
        ("Conv2d", (1, 6, 3), {"padding": "valid"}),
        ("Conv1d", (2, 4, 3), {"padding": "same", "padding_mode": "replicate"}),
        ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "output_padding": 1, "dilation": (1, 2)}),
        ("BatchNorm2d", (3,), {"eps": 1e-3, "affine": False, "track_running_stats": False}),
    ]
    for name, args, kwargs in layers:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(
            getattr(torch.nn, name)(*args, **kwargs)
        )
    assert repr(nn.Dropout2d(0.2)) == "Dropout2d(p=0.2)"  # torch adds inplace=False (none here)


CONV_ATTRIBUTES = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                   "output_padding", "groups", "padding_mode", "transposed")  # fmt: skip
DEFAULTS = [
    ("Conv1d", (3, 4, 5), CONV_ATTRIBUTES),
    ("Conv2d", (3, 4, 5), CONV_ATTRIBUTES),
    ("ConvTranspose2d", (3, 4, 5), CONV_ATTRIBUTES),
    ("BatchNorm2d", (3,), ("num_features", "eps", "momentum", "affine", "track_running_stats")),
    ("Dropout2d", (), ("p", "training")),
]


@pytest.mark.parametrize(("name", "args", "attributes"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_defaults_are_torchs(name, args, attributes):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    for attribute in attributes:
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    state_theirs = theirs.state_dict()
    assert list(ours.state_dict()) == list(state_theirs)
    for key, value in ours.state_dict().items():
        assert value.shape == tuple(state_theirs[key].shape), key
        assert value.dtype == state_theirs[key].numpy().dtype, key
        if name == "BatchNorm2d":  # the conv layers hold random weights and biases only
            np.testing.assert_array_equal(value, state_theirs[key].numpy(), err_msg=key)


@pytest.mark.parametrize(
    ("layer", "fan_in"),
    [
        (lambda **kw: nn.Conv2d(16, 32, 5, **kw), 16 * 25),
        (lambda **kw: nn.Conv2d(16, 32, (3, 5), groups=4, **kw), 4 * 15),
        (lambda **kw: nn.Conv1d(8, 300, 7, **kw), 8 * 7),
        (lambda **kw: nn.ConvTranspose2d(16, 32, 5, groups=2, **kw), 16 * 25),  # (C, O / G, ..)
    ],
    ids=["Conv2d", "Conv2d groups", "Conv1d", "ConvTranspose2d"],
)
def test_initial_values_follow_torchs_formula(layer, fan_in):
    """kaiming_uniform_(a=sqrt(5)) is U(-b, b), b = 1/sqrt(fan_in); the bias uses the same b."""
    conv = layer(generator=0)
    bound = 1 / math.sqrt(fan_in)
    weight, bias = conv.weight.data, conv.bias.data
    assert math.prod(weight.shape[1:]) == fan_in
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.95 * bound  # the whole interval is used
    assert abs(weight.std() / (bound / math.sqrt(3)) - 1) < 0.05  # U(-b, b)'s std
    assert abs(weight.mean()) < 0.05 * bound
    np.testing.assert_array_equal(layer(generator=0).weight.data, weight)  # seeded
    assert not np.array_equal(layer(generator=1).weight.data, weight)
    manual_seed(3)
    first = layer().weight.data
    manual_seed(3)
    np.testing.assert_array_equal(layer().weight.data, first)  # the global generator
    assert layer(dtype=np.float64).weight.dtype == np.float64


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: nn.Conv2d(3, 6, 3, groups=2), ValueError, r"Conv2d: in_channels=3 .*groups=2"),
        (lambda: nn.Conv1d(4, 6, 3, groups=4), ValueError, r"Conv1d: out_channels=6 .*groups=4"),
        (lambda: nn.Conv2d(4, 6, 3, groups=0), ValueError, "Conv2d: groups must be a positive"),
        (lambda: nn.Conv2d(0, 6, 3), ValueError, "Conv2d: in_channels must be a positive int"),
        (lambda: nn.Conv2d(4, 6, 0), ValueError, "Conv2d: kernel_size must be at least 1"),
        (lambda: nn.Conv2d(4, 6, (3, 3, 3)), TypeError, "Conv2d: kernel_size must be an int or 2"),
        (lambda: nn.Conv1d(4, 6, 2.5), TypeError, "Conv1d: kernel_size must be an int or 1 int"),
        (lambda: nn.Conv2d(4, 6, 3, stride=0), ValueError, "Conv2d: stride must be at least 1"),
        (lambda: nn.Conv2d(4, 6, 3, padding=-1), ValueError, "Conv2d: padding must be at least"),
        (lambda: nn.Conv2d(4, 6, 3, padding="full"), ValueError, "Conv2d: padding must be 'same'"),
        (lambda: nn.Conv2d(4, 6, 3, 2, "same"), ValueError, "Conv2d: padding='same' needs stride"),
        (lambda: nn.Conv2d(4, 6, 3, padding_mode="mirror"), ValueError, "Conv2d: padding_mode"),
        (lambda: nn.Conv2d(4, 6, 3, padding_mode="circular"), ValueError, "'circular' is not"),
        (
            lambda: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"),
            ValueError,
            "ConvTranspose2d: padding_mode must be 'zeros'",
        ),
        (
            lambda: nn.ConvTranspose2d(4, 6, 3, padding="same"),
            ValueError,
            "ConvTranspose2d: padding must be an int",
        ),
        (
            lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, output_padding=2),
            ValueError,
            r"ConvTranspose2d: output_padding \(2, 2\) must be smaller than the stride",
        ),
        (lambda: nn.Conv2d(4, 6, 3, dtype=np.int64), TypeError, "Conv2d: .*floating dtype"),
        (lambda: nn.Conv2d(4, 6, 3, device="cuda"), RuntimeError, "Conv2d: .*CPU only"),
        (lambda: nn.Conv2d(4, 6, 3, generator="x"), TypeError, "Conv2d: seed must be"),
        (
            lambda: nn.Conv2d(3, 6, 3)(Tensor(np.zeros((2, 4, 8, 8)))),
            ValueError,
            r"Conv2d\(3, 6, .*\): expected 3 input channels, got input \(2, 4, 8, 8\)",
        ),
        (
            lambda: nn.Conv1d(3, 6, 3)(Tensor(np.zeros((2, 3, 8, 8)))),
            ValueError,
            r"Conv1d\(3, 6, .*\): expected a 3-d input",
        ),
        (
            lambda: nn.BatchNorm2d(3)(Tensor(np.zeros((2, 3, 8)))),
            ValueError,
            r"BatchNorm2d: expected input \(N, 3, H, W\), got \(2, 3, 8\)",
        ),
        (lambda: nn.Dropout2d(1.5), ValueError, "Dropout2d: p must be between 0 and 1"),
        (
            lambda: nn.Dropout2d()(Tensor(np.zeros((2, 3)))),
            ValueError,
            r"Dropout2d: expected input \(N, C, H, W\) or \(N, C, L\)",
        ),
    ],
)
def test_bad_arguments_name_the_layer_and_the_problem(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_dropout2d_zeroes_whole_channels_and_keeps_the_expectation():
    p, x = 0.3, Tensor(np.ones((400, 8, 3, 4)), requires_grad=True)
    out = nn.Dropout2d(p, generator=0)(x)
    maps = out.data.reshape(400 * 8, 12)
    dropped = (maps == 0).all(axis=1)
    np.testing.assert_allclose(maps[~dropped], 1 / (1 - p))  # kept maps scaled whole
    assert abs(dropped.mean() - p) < 0.03 and abs(out.data.mean() - 1) < 0.05
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)  # d out / d x is the mask
    np.testing.assert_array_equal(nn.Dropout2d(p, generator=0)(x).data, out.data)
    assert nn.Dropout2d(p).eval()(x) is x and nn.Dropout2d(0.0)(x) is x
    assert not nn.Dropout2d(1.0)(x).data.any()
    assert nn.Dropout2d(p, generator=0)(x.astype(np.float32)).dtype == np.float32


def test_functional_dropout2d_is_the_layers_mask_and_checks_its_input():
    x = Tensor(np.ones((20, 5, 2, 2)))
    layer = nn.Dropout2d(0.4, generator=3)(x).data
    np.testing.assert_array_equal(nn.functional.dropout2d(x, 0.4, generator=3).data, layer)
    assert nn.functional.dropout2d(x, 0.4, training=False) is x
    with pytest.raises(ValueError, match=r"dropout2d: .*\(N, C, H, W\).*\(20, 20\)"):
        nn.functional.dropout2d(Tensor(np.ones((20, 20))))
    with pytest.raises(ValueError, match="dropout2d: p must be between 0 and 1"):
        nn.functional.dropout2d(x, 1.5)


def test_dropout2d_reads_3d_input_as_torch_does():
    """(N, C, L): each row x[n, c] dropped whole, with a warning (torch's reading, and its
    warning that it may change)."""
    x = Tensor(np.ones((50, 6, 7)))
    with pytest.warns(UserWarning, match=r"read as \(N, C, L\)"):
        out = nn.Dropout2d(0.5, generator=0)(x).data
    assert set(np.unique(out.reshape(300, 7).std(axis=1))) == {0.0}  # rows whole
    assert 0.3 < (out[..., 0] == 0).mean() < 0.7
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.nn.Dropout2d(0.5)(torch.ones(50, 6, 7))
    assert any("(N, C, L)" in str(w.message) for w in caught)


def torch_twin_transposed(stride: int, dilation: int) -> tuple:
    """A torch ConvTranspose2d and ours with its weights, float64."""
    settings = {"stride": stride, "padding": 1, "dilation": dilation}
    theirs = torch.nn.ConvTranspose2d(3, 4, 3, **settings)
    ours = nn.ConvTranspose2d(3, 4, 3, **settings, dtype=np.float64)
    ours.load_state_dict({k: v.detach().double().numpy() for k, v in theirs.state_dict().items()})
    return theirs.double(), ours


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv_transpose_output_size_picks_torchs_output_padding(stride, dilation):
    theirs, ours = torch_twin_transposed(stride, dilation)
    x = np.random.default_rng(stride).standard_normal((2, 3, 5, 6))
    natural = ours(Tensor(x)).shape[-2:]
    for extra in [(0, 0), (stride - 1, 0), (0, stride - 1)]:
        size = (natural[0] + extra[0], natural[1] + extra[1])
        for given in (size, [2, 4, *size]):
            want = theirs(torch.tensor(x), output_size=given).detach().numpy()
            np.testing.assert_allclose(ours(Tensor(x), output_size=given).data, want, atol=1e-12)


@pytest.mark.parametrize(
    ("output_size", "message"),
    [
        ((8, 11), r"output_size \(8, 11\) cannot be reached .* \(9, 11\) to \(10, 12\)"),
        ((9, 13), r"output_size \(9, 13\) cannot be reached"),
        (10, "output_size must be .H, W. or the whole output shape, got 10"),
        ((1, 2, 3), r"whole output shape, got \(1, 2, 3\)"),
        ((9.5, 11), "output_size must be"),
    ],
)
def test_conv_transpose_output_size_out_of_reach_is_named(output_size, message):
    _, ours = torch_twin_transposed(2, 1)
    with pytest.raises(ValueError, match=message):
        ours(Tensor(np.zeros((2, 3, 5, 6))), output_size=output_size)
