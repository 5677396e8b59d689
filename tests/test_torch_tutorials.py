"""First-month PyTorch programs (tensor basics, autograd basics, a regression with nn.Linear and
SGD, a classifier fed by a DataLoader over a custom Dataset, custom autograd.Functions, random
splits), each run on real torch and on tracegrad through the same code: the numbers agree."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.utils.data

import tracegrad
import tracegrad.utils.data


def library(name):
    """torch, or tracegrad under torch's names: t.nn, t.optim, t.F, t.data."""
    lib = torch if name == "torch" else tracegrad
    return SimpleNamespace(
        torch=lib, nn=lib.nn, optim=lib.optim, F=lib.nn.functional, data=lib.utils.data
    )


def numbers(value):
    """A result as nested lists of floats (tensors as arrays)."""
    if isinstance(value, (tuple, list)):
        return [numbers(v) for v in value]
    if hasattr(value, "detach"):
        return np.asarray(value.detach().numpy(), float).tolist()
    return value


def tensor_basics(t):
    torch = t.torch
    x = torch.tensor([[1, 2], [3, 4]])
    ones = torch.ones(4, 4)
    ones[:, 1] = 0
    ones.add_(5)
    return [
        torch.cat([ones, ones], dim=1).shape[1], x.float() @ x.T.float(), x * x, x.sum().item(),
        ones[0], x.t(), x.add(1), x.sub(1, alpha=2), x.mul(2), torch.add(x, 1), torch.mul(x, x),
        torch.div(x, 2), torch.pow(x, 2), torch.neg(x), torch.t(x), x.view(-1, 4).shape[1],
        x.new_ones(2), x.new_zeros((2, 1)).dtype == x.dtype, x.is_floating_point(),
        torch.is_floating_point(x.float()), x.eq(1), x.gt(2), x.le(2), x.type(torch.float),
        x.type(), torch.where(x > 2), x.float().std(), x.float().var(0),
    ]  # fmt: skip


def autograd_basics(t):
    torch, F = t.torch, t.F
    torch.manual_seed(0)
    x = torch.ones(5)
    w = torch.tensor(np.linspace(-1, 1, 15).reshape(5, 3), dtype=torch.float32, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = F.binary_cross_entropy_with_logits(z, torch.zeros(3))
    loss.backward()
    with torch.no_grad():
        frozen = torch.matmul(x, w) + b
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out))  # accumulates
    return [loss, w.grad, b.grad, frozen.requires_grad, z.detach().requires_grad, first, inp.grad]


def regression(t):
    torch, nn, optim = t.torch, t.nn, t.optim
    X = torch.linspace(-1, 1, 20, requires_grad=False).unsqueeze(1)
    y = 3 * X + 0.5
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(0.1)
        model.bias.fill_(-0.2)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.MSELoss()
    for _ in range(50):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
    return [loss.item(), model.weight.item(), model.bias.item()]


def classifier(t):
    torch, nn = t.torch, t.nn

    class Blobs(t.data.Dataset):
        def __init__(self):
            rng = np.random.default_rng(0)
            self.X = rng.normal(size=(60, 2)).astype(np.float32)
            self.X[:30] += 2
            self.y = np.array([0] * 30 + [1] * 30)

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):
            return torch.tensor(self.X[i]), int(self.y[i])

    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.arange(p.numel()).reshape(p.shape) * (0.1 / p.numel()) - 0.05)
    loader = t.data.DataLoader(Blobs(), batch_size=16, shuffle=False)
    optimizer = t.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):
        model.train()
        for X, y in loader:
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    test_loss, correct, total = 0.0, 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
            total += y.size(0)
    return [test_loss, correct / total, total, X.dtype == torch.float32, y.dtype == torch.int64]


def custom_functions(t):
    torch = t.torch

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x**3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x**2 - 1)

    x = torch.tensor([0.5, 1.0, -1.0], requires_grad=True)
    Exp.apply(x).sum().backward()
    xs = torch.linspace(-np.pi, np.pi, 200, dtype=torch.float64)
    ys = torch.sin(xs)
    a, b, c, d = (torch.full((), v, dtype=torch.float64, requires_grad=True)
                  for v in (0.0, -1.0, 0.0, 0.3))  # fmt: skip
    for _ in range(200):
        loss = (a + b * LegendrePolynomial3.apply(c + d * xs) - ys).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None
    return [x.grad, loss.item(), a.item(), b.item(), c.item(), d.item()]


def data_pipeline(t):
    torch = t.torch

    class Items(t.data.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "n": i, "half": i / 2, "even": i % 2 == 0}

    batches = list(t.data.DataLoader(Items(), batch_size=4))
    sizes = [len(s) for s in t.data.random_split(range(10), [0.33, 0.33, 0.34])]
    train, val = t.data.random_split(Items(), [7, 3], generator=torch.Generator().manual_seed(1))
    subset = t.data.Subset(Items(), [3, 1])
    last = batches[-1]
    return [
        len(batches), last["x"], last["n"], last["half"], last["even"], sizes, len(train),
        len(val), subset[0]["n"], len(subset), str(last["half"].dtype).split(".")[-1],
    ]  # fmt: skip


PROGRAMS = [tensor_basics, autograd_basics, regression, classifier, custom_functions, data_pipeline]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_a_first_month_program_gives_torchs_numbers(program):
    ours, theirs = program(library("tracegrad")), program(library("torch"))
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        a, b = numbers(a), numbers(b)
        if isinstance(b, (str, bool)):
            assert a == b, f"result {i}: {a!r} != {b!r}"
        else:
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6, err_msg=f"result {i}")


def test_a_random_split_is_a_partition_repeated_by_its_seed():
    parts = tracegrad.utils.data.random_split(range(50), [0.5, 0.3, 0.2], generator=7)
    again = tracegrad.utils.data.random_split(range(50), [25, 15, 10], generator=7)
    assert [len(p) for p in parts] == [25, 15, 10]
    seen = np.concatenate([p.indices for p in parts])
    assert sorted(seen.tolist()) == list(range(50))
    assert all((p.indices == q.indices).all() for p, q in zip(parts, again, strict=True))
    with pytest.raises(ValueError, match=r"random_split: lengths \[3, 3\] add up to 6"):
        tracegrad.utils.data.random_split(range(5), [3, 3])
