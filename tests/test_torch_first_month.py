"""What a first-month PyTorch user types, against real torch: batches of Tensors from a
DataLoader, in-place methods, unique, stride, seeds, finfo; nn's hooks, buffers, containers,
PReLU/Softmin/GLU/Unflatten/CosineSimilarity, SmoothL1Loss and KLDivLoss; the gradcheckers
under torch.autograd's names. (The differentiable ops are rows of tests/test_tensor_ops.py.)"""

import numpy as np
import pytest
import torch

import autograd
import tracegrad
from tracegrad import nn
from tracegrad.nn import functional as F
from tracegrad.utils.data import DataLoader, TensorDataset

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 6))


def ours(array, grad=False):
    return tracegrad.tensor(array, requires_grad=grad)


def theirs(array, grad=False):
    return torch.tensor(array, requires_grad=grad)


def test_a_classifier_loop_over_a_tensor_dataset_runs_as_written_for_torch():
    features = RNG.normal(size=(10, 3)).astype(np.float32)
    labels = np.arange(10) % 2
    model = nn.Linear(3, 2, generator=0)
    correct = total = 0
    for x, y in DataLoader(TensorDataset(features, labels), batch_size=4):
        x, y = x.to("cpu"), y.to("cpu")
        pred = model(x).argmax(dim=1)
        correct += (pred == y).sum().item()
        total += y.size(0)
        assert y.dtype == tracegrad.int64 and isinstance(y, tracegrad.Tensor)
    assert total == 10
    scores = features @ model.weight.data.T + model.bias.data
    assert correct == np.sum(scores.argmax(1) == labels)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.exp_(),
        lambda t: t.sigmoid_(),
        lambda t: t.tanh_(),
        lambda t: t.abs_(),
        lambda t: t.abs_().sqrt_(),
        lambda t: t.neg_(),
        lambda t: t.masked_fill_(t > 0, -1.5),
        lambda t: t.scatter_(1, t.new_tensor([[2, 0], [1, 1]]).long(), 7.0),
        lambda t: t.scatter_(0, t.new_tensor([[1, 0, 1]]).long(), t.new_tensor([[1.0, 2, 3]])),
        lambda t: t.index_add_(0, t.new_tensor([0, 0, 3]).long(), t.new_ones(3, 6), alpha=2),
    ],
)
def test_in_place_methods_change_the_tensor_as_torchs_do(call):
    mine, reference = ours(X), theirs(X)
    assert call(mine) is mine
    call(reference)
    np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-12)
    assert mine.version >= 1  # each in-place method bumps the version backward checks


def test_in_place_refusals():
    with pytest.raises(RuntimeError, match="exp_: result type float32 can't be cast"):
        tracegrad.arange(3).exp_()
    with pytest.raises(RuntimeError, match="in-place operation while the graph is recorded"):
        ours(X, grad=True).sigmoid_()
    filled = tracegrad.zeros(3, dtype=tracegrad.int64).masked_fill_(
        tracegrad.tensor([1, 0, 1]) > 0, 1.5
    )
    assert (
        filled.tolist()
        == torch.zeros(3, dtype=torch.int64)
        .masked_fill_(torch.tensor([True, False, True]), 1.5)
        .tolist()
    )


def test_unique_stride_and_clamp_as_torch():
    values = [3, 1, 3, 2, 1, 3]
    for kwargs in (
        {},
        {"return_inverse": True},
        {"return_counts": True},
        {"return_inverse": True, "return_counts": True},
    ):
        mine = tracegrad.unique(tracegrad.tensor(values), **kwargs)
        reference = torch.unique(torch.tensor(values), **kwargs)
        for a, b in zip(
            *(r if isinstance(r, tuple) else (r,) for r in (mine, reference)), strict=True
        ):
            assert a.tolist() == b.tolist() and str(a.dtype) == str(b.dtype).removeprefix("torch.")
    rows = [[1, 2], [0, 5], [1, 2]]
    mine = tracegrad.tensor(rows).unique(dim=0, return_inverse=True)
    reference = torch.tensor(rows).unique(dim=0, return_inverse=True)
    assert [m.tolist() for m in mine] == [r.tolist() for r in reference]
    for view in (
        lambda t: t,
        lambda t: t.permute(2, 0, 1),
        lambda t: t[:, ::2],
        lambda t: t.expand(3, 2, 3, 4)[0],
    ):
        assert view(tracegrad.zeros(2, 3, 4)).stride() == view(torch.zeros(2, 3, 4)).stride()
    assert tracegrad.zeros(2, 3).stride(0) == 3
    assert tracegrad.tensor([-1.0, 2.0]).clamp(min=0).tolist() == [0.0, 2.0]


def test_seeds_finfo_iinfo_and_randint_like():
    tracegrad.manual_seed(7)
    assert tracegrad.initial_seed() == 7
    first = tracegrad.randn(3)
    drawn = tracegrad.seed()
    assert tracegrad.initial_seed() == drawn != 7
    tracegrad.manual_seed(7)
    assert tracegrad.randn(3).tolist() == first.tolist()
    for name in ("float32", "float64"):
        mine, reference = (
            tracegrad.finfo(getattr(tracegrad, name)),
            torch.finfo(getattr(torch, name)),
        )
        for field in ("eps", "max", "min", "tiny", "resolution", "bits"):
            assert getattr(mine, field) == getattr(reference, field)
    assert tracegrad.finfo().eps == torch.finfo().eps
    assert tracegrad.iinfo(tracegrad.int64).max == torch.iinfo(torch.int64).max
    like = tracegrad.randint_like(tracegrad.zeros(50), 3, 6)
    assert like.dtype == tracegrad.float32 and set(like.tolist()) <= {3.0, 4.0, 5.0}
    assert (
        tracegrad.randint_like(tracegrad.zeros(2, dtype=tracegrad.int64), 4).dtype
        == tracegrad.int64
    )


def test_functions_are_the_methods():
    x = ours(X)
    assert tracegrad.trace(x[:, :4]).item() == pytest.approx(np.trace(X[:, :4]))
    assert tracegrad.diff(x, dim=0).shape == (3, 6)
    assert tracegrad.tile(x, (2,)).shape == (4, 12)
    assert tracegrad.clamp_min(x, 0).tolist() == x.clamp(min=0).tolist()
    assert tracegrad.clamp_max(x, 0).tolist() == x.clamp(max=0).tolist()
    assert tracegrad.hstack([x, x]).shape == (4, 12) and tracegrad.vstack([x, x]).shape == (8, 6)
    index = tracegrad.tensor([0, 0])
    assert tracegrad.index_add(x, 0, index, x[:2]).tolist() == x.index_add(0, index, x[:2]).tolist()


# --- nn ------------------------------------------------------------------------------------------


def test_forward_hooks_see_and_change_inputs_and_outputs():
    model = nn.Sequential(nn.Linear(6, 3, generator=0), nn.ReLU())
    seen = {}
    handles = [
        model[0].register_forward_hook(lambda m, args, out: seen.setdefault("linear", out)),
        model[1].register_forward_pre_hook(lambda m, args: (args[0] * 0,)),
    ]
    out = model(ours(X))
    assert seen["linear"].shape == (4, 3) and out.abs().sum().item() == 0  # the pre-hook zeroed
    model[1].register_forward_hook(lambda m, args, out: out + 1)
    assert model(ours(X)).tolist() == np.ones((4, 3)).tolist()
    for handle in handles:
        handle.remove()
        handle.remove()  # twice: nothing
    seen.clear()
    model[1]._forward_hooks = ()
    relu = np.maximum(X @ model[0].weight.data.T + model[0].bias.data, 0)
    np.testing.assert_allclose(model(ours(X)).numpy(), relu, rtol=1e-6)
    assert not seen


def test_buffers_and_get_submodule_as_torch():
    mine = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.BatchNorm1d(2)))
    reference = torch.nn.Sequential(
        torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.BatchNorm1d(2))
    )
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in reference.named_buffers()]
    assert len(mine.buffers()) == len(list(reference.buffers()))
    assert mine.get_submodule("1.0") is mine[1][0] and mine.get_submodule("") is mine
    with pytest.raises(AttributeError, match="has no attribute `2`"):
        mine.get_submodule("2")


def test_module_dict_and_parameter_list_as_torch():
    mine = nn.ModuleDict({"encoder": nn.Linear(2, 3), "act": nn.ReLU()})
    reference = torch.nn.ModuleDict({"encoder": torch.nn.Linear(2, 3), "act": torch.nn.ReLU()})
    assert repr(mine) == repr(reference)
    assert list(mine.state_dict()) == list(reference.state_dict())
    assert list(mine) == list(reference) and "act" in mine and len(mine) == 2
    mine["head"] = nn.Linear(3, 1)
    assert list(mine.keys()) == ["encoder", "act", "head"] and mine.pop("act").__class__ is nn.ReLU
    with pytest.raises(KeyError, match="attribute 'train' already exists"):
        mine["train"] = nn.ReLU()
    params = nn.ParameterList([np.zeros(2, np.float32), nn.Parameter(np.zeros((3, 1), np.float32))])
    twin = torch.nn.ParameterList(
        [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3, 1))]
    )
    assert repr(params) == repr(twin)
    assert list(params.state_dict()) == list(twin.state_dict()) == ["0", "1"]
    assert all(isinstance(p, nn.Parameter) for p in params) and params[-1].shape == (3, 1)


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.PReLU(),
        lambda nn: nn.PReLU(6, init=0.1),
        lambda nn: nn.Softmin(dim=1),
        lambda nn: nn.GLU(),
        lambda nn: nn.Unflatten(1, (2, 3)),
    ],
)
def test_layers_match_their_torch_twins(make):
    mine, reference = make(nn).double(), make(torch.nn).double()
    assert repr(mine) == repr(reference)
    assert list(mine.state_dict()) == list(reference.state_dict())
    mine.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    x, t = ours(X, grad=True), theirs(X, grad=True)
    out, expected = mine(x), reference(t)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    weights = RNG.normal(size=expected.shape)
    (out * ours(weights)).sum().backward()
    (expected * theirs(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), q in zip(mine.named_parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, err_msg=name)


def test_cosine_similarity_matches_torch():
    other = RNG.normal(size=(1, 6))
    for dim in (1, -1, 0):
        x, y, t, u = ours(X, True), ours(other, True), theirs(X, True), theirs(other, True)
        F.cosine_similarity(x, y, dim=dim).sum().backward()
        torch.nn.functional.cosine_similarity(t, u, dim=dim).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(y.grad.numpy(), u.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(nn.CosineSimilarity()) == repr(torch.nn.CosineSimilarity())
    pair = (ours(X), ours(X[::-1].copy()))
    assert nn.CosineSimilarity(dim=0)(*pair).shape == (6,)


LOSS_SETTINGS = [
    ("SmoothL1Loss", {}),
    ("SmoothL1Loss", {"beta": 0.3, "reduction": "sum"}),
    ("SmoothL1Loss", {"beta": 0.0, "reduction": "none"}),
    ("KLDivLoss", {}),
    ("KLDivLoss", {"reduction": "batchmean"}),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}),
    ("KLDivLoss", {"reduction": "none"}),
]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # torch's, on KL
@pytest.mark.parametrize(("name", "settings"), LOSS_SETTINGS)
def test_losses_match_torch(name, settings):
    log_probs = np.log(np.exp(X) / np.exp(X).sum(1, keepdims=True))
    target = np.exp(RNG.normal(size=X.shape))
    target /= target.sum(1, keepdims=True)
    target[0, 0] = 0.0  # KL: a zero target probability adds nothing (xlogy)
    if settings.get("log_target"):
        target = np.log(np.where(target > 0, target, 1e-3))
    x, t = ours(log_probs, True), theirs(log_probs, True)
    mine = getattr(nn, name)(**settings)(x, ours(target))
    expected = getattr(torch.nn, name)(**settings)(t, theirs(target))
    np.testing.assert_allclose(mine.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    mine.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)
    functional = {"SmoothL1Loss": F.smooth_l1_loss, "KLDivLoss": F.kl_div}[name]
    np.testing.assert_allclose(functional(ours(log_probs), ours(target), **settings).numpy(),
                               expected.detach().numpy(), rtol=1e-12)  # fmt: skip


def test_loss_settings_are_checked_and_printed():
    assert repr(nn.KLDivLoss()) == "KLDivLoss()" and repr(nn.SmoothL1Loss()) == "SmoothL1Loss()"
    assert (
        repr(nn.KLDivLoss("batchmean", True)) == "KLDivLoss(reduction='batchmean', log_target=True)"
    )
    with pytest.raises(ValueError, match="'batchmean'"):
        nn.KLDivLoss(reduction="average")
    with pytest.raises(ValueError, match="beta must be >= 0"):
        nn.SmoothL1Loss(beta=-1)


def test_trunc_normal_keeps_inside_its_bounds_and_follows_its_seed():
    weight = nn.init.trunc_normal_(tracegrad.empty(2000), std=2.0, a=-1.0, b=3.0, generator=0)
    values = weight.numpy()
    assert values.min() >= -1.0 and values.max() <= 3.0
    reference = torch.nn.init.trunc_normal_(torch.empty(200000), std=2.0, a=-1.0, b=3.0)
    assert abs(values.mean() - reference.mean().item()) < 0.1
    again = nn.init.trunc_normal_(tracegrad.empty(2000), std=2.0, a=-1.0, b=3.0, generator=0)
    assert again.tolist() == weight.tolist()


# --- torch.autograd's checkers ----------------------------------------------------------------


def test_gradcheck_and_gradgradcheck_under_torchs_names():
    x = tracegrad.randn(3, dtype=tracegrad.float64, requires_grad=True)
    assert tracegrad.autograd.gradcheck(tracegrad.sin, (x,))
    assert tracegrad.autograd.gradgradcheck(lambda a: a.tanh() * a, x)

    class Wrong(tracegrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * a  # should be 2 * g * a

    assert not tracegrad.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError):
        tracegrad.autograd.gradcheck(Wrong.apply, (x,))
    with pytest.raises(ValueError, match="grad_outputs"):
        tracegrad.autograd.gradgradcheck(tracegrad.sin, (x,), tracegrad.ones(3))
    assert tracegrad.autograd.detect_anomaly is autograd.detect_anomaly
