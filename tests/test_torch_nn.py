"""nn as torch code uses it: Module's walks and conversions, Embedding and the activation modules,
the rest of nn.init, parameters as a vector, optimizers' param_groups; against real torch."""

import numpy as np
import pytest
import torch

import tracegrad
from tracegrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4, generator=0), nn.ReLU())
        self.head = nn.Linear(4, 2, generator=1)
        self.register_buffer("steps", tracegrad.zeros(1, dtype=tracegrad.int64))
        self.register_parameter("scale", nn.Parameter(np.ones(2, np.float32)))

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
        self.head = torch.nn.Linear(4, 2)
        self.register_buffer("steps", torch.zeros(1, dtype=torch.int64))
        self.register_parameter("scale", torch.nn.Parameter(torch.ones(2)))


def test_module_walks_name_what_torch_names():
    ours, theirs = Net(), TorchNet()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [type(m).__name__ for m in ours.modules()][1:] == [
        type(m).__name__ for m in theirs.modules()
    ][1:]


def test_apply_visits_children_before_parents_as_torch():
    seen, seen_torch = [], []
    Net().apply(lambda m: seen.append(type(m).__name__))
    TorchNet().apply(lambda m: seen_torch.append(type(m).__name__))
    assert seen == [*seen_torch[:-1], "Net"] and seen_torch[-1] == "TorchNet"


def test_to_double_float_convert_floating_state_in_place():
    net = Net()
    weight = net.head.weight
    opt = tracegrad.optim.SGD(net.parameters(), lr=0.1)
    assert net.double() is net and weight.dtype == np.float64 and net.steps.dtype == np.int64
    out = net(tracegrad.ones(1, 3, dtype=tracegrad.float64))
    assert out.dtype == np.float64
    out.sum().backward()
    opt.step()  # the optimizer still holds the same, converted parameters
    assert net.head.weight is weight and weight.dtype == np.float64
    net.to(tracegrad.float32)
    assert weight.dtype == np.float32
    net.to("cpu")
    with pytest.raises(RuntimeError, match="to: tracegrad runs on the CPU only, got device 'cuda'"):
        net.to("cuda")


def test_requires_grad_freezes_every_parameter():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    assert all(p.requires_grad for p in net.requires_grad_().parameters())


def test_register_parameter_refuses_a_plain_tensor():
    with pytest.raises(TypeError, match="register_parameter: 'w' must be a Parameter or None"):
        Net().register_parameter("w", tracegrad.ones(2))


def test_print_shows_the_tree_as_torch():
    assert repr(nn.Sequential(nn.Linear(3, 4), nn.ReLU())) == repr(
        torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    )
    assert repr(nn.Embedding(5, 2, padding_idx=0)) == repr(torch.nn.Embedding(5, 2, padding_idx=0))


ACTIVATIONS = [
    ("Softplus", (2.0, 10.0)), ("ELU", (0.5,)), ("CELU", (0.7,)), ("SELU", ()), ("Mish", ()),
    ("Hardswish", ()), ("Hardsigmoid", ()), ("Hardtanh", (-0.5, 2.0)), ("ReLU6", ()),
    ("LogSigmoid", ()), ("Softsign", ()),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_modules_match_torch_values_and_gradients(name, args):
    data = np.linspace(-7.3, 7.1, 37)
    x = tracegrad.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out, tout = getattr(nn, name)(*args)(x), getattr(torch.nn, name)(*args)(tx)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-7, atol=1e-12)
    # torch's elu-family backward works from the output, (out + alpha) / alpha, which cancels in
    # the negative tail (CELU at -7.3: 2.95752827e-05 against the exact e^(x/alpha) 2.95752875e-05,
    # ours); 1e-6 leaves room for torch's rounding there and still catches any wrong formula.
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_embedding_looks_up_rows_and_accumulates_repeated_gradients_as_torch():
    ours, theirs = nn.Embedding(6, 3, padding_idx=2), torch.nn.Embedding(6, 3, padding_idx=2)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
    idx = np.array([[0, 2, 5], [5, 5, 1]])
    out, tout = ours(tracegrad.tensor(idx)), theirs(torch.from_numpy(idx))
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-6)
    assert not ours.weight.data[2].any()
    with pytest.raises(TypeError, match="embedding: indices must be integers, got float32"):
        ours(tracegrad.ones(2))


def test_orthogonal_and_eye_initialisers():
    for shape in ((3, 5), (5, 3), (4, 2, 2)):
        w = nn.init.orthogonal_(tracegrad.empty(*shape), gain=2.0, generator=0)
        flat = w.data.reshape(shape[0], -1).astype(np.float64)
        small = flat @ flat.T if shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(small, 4.0 * np.eye(len(small)), atol=1e-5)
    np.testing.assert_array_equal(nn.init.eye_(tracegrad.empty(2, 3)).data, np.eye(2, 3))
    with pytest.raises(ValueError, match=r"eye_: only 2-D tensors, got shape \(2, 2, 2\)"):
        nn.init.eye_(tracegrad.empty(2, 2, 2))


def test_parameters_to_vector_and_back_as_torch():
    net, twin = Net(), TorchNet()
    vec = nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == tuple(torch.nn.utils.parameters_to_vector(twin.parameters()).shape)
    nn.utils.vector_to_parameters(vec * 2.0, net.parameters())
    np.testing.assert_allclose(nn.utils.parameters_to_vector(net.parameters()).data, 2 * vec.data)
    with pytest.raises(ValueError, match="vector_to_parameters: need a vector of 28 values"):
        nn.utils.vector_to_parameters(tracegrad.ones(3), net.parameters())


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_param_groups_hold_torchs_core_hyperparameters(name):
    ours = getattr(tracegrad.optim, name)([nn.Parameter(np.ones(2, np.float32))], lr=0.1)
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))], lr=0.1)
    group, torch_group = ours.param_groups[0], theirs.param_groups[0]
    for key in set(group) - {"params"}:
        if key in torch_group:
            assert group[key] == torch_group[key], key
    assert group["weight_decay"] == torch_group["weight_decay"]
