"""nn's Tensor layers and losses against their torch.nn twins, from one case table.

Each row builds a tracegrad module and its torch twin, gives the twin our (randomised) state
through `load_state_dict` (so the state_dict keys must match too), runs both on the same float32
inputs, and compares the output, the input's gradient and every parameter's gradient. Then what
one forward pass cannot show: BatchNorm's running statistics over several steps, Dropout's
statistics, state_dict layout, reprs and the Module basics.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest
import torch

import nn.functional as F
from autograd import Tensor, Value
from nn import layers, losses, norm
from nn.module import Module

TOL = {"rtol": 1e-5, "atol": 1e-5}
Inputs = Callable[[np.random.Generator], tuple[np.ndarray, ...]]


class Case(NamedTuple):
    """One row: our module, torch's twin, and the inputs (the first one is differentiated)."""

    name: str
    ours: Callable[[], Module]
    theirs: Callable[[], torch.nn.Module]
    inputs: Inputs
    training: bool = True


# --- input makers: the first array gets a gradient, the rest (targets) are passed as they are ----


def normal(*shape: int, scale: float = 1.0) -> Inputs:
    return lambda rng: ((rng.standard_normal(shape) * scale).astype(np.float32),)


def regression(*shape: int, target_dtype: Any = np.float32) -> Inputs:
    return lambda rng: (
        rng.standard_normal(shape).astype(np.float32),
        (rng.standard_normal(shape) * 2).astype(target_dtype),
    )


def probabilities(*shape: int, at_bounds: bool = False) -> Inputs:
    """p in (0, 1) and a soft target; at_bounds puts exact 0s and 1s into p."""

    def make(rng):
        p = rng.uniform(0.05, 0.95, shape).astype(np.float32)
        if at_bounds:
            p.flat[::3], p.flat[1::3] = 0.0, 1.0
        return p, rng.random(shape).astype(np.float32)

    return make


def logits_and_soft_targets(*shape: int, extreme: bool = False) -> Inputs:
    """Logits (with +-100 and 0 among them when `extreme`) and a target in [0, 1]."""

    def make(rng):
        x = (rng.standard_normal(shape) * 3).astype(np.float32)
        if extreme:
            x.flat[::3], x.flat[1::3], x.flat[2::6] = 100.0, -100.0, 0.0
        return x, rng.random(shape).astype(np.float32)

    return make


def class_indices(n: int, c: int, ignore: int | None = None) -> Inputs:
    """Logits (n, c) (or (c,) for n = 0) and class indices, some of them `ignore`."""

    def make(rng):
        shape = (n, c) if n else (c,)
        target = rng.integers(0, c, size=shape[:-1])
        if ignore is not None:
            target.flat[::3] = ignore
        return rng.standard_normal(shape).astype(np.float32), target

    return make


def class_probabilities(n: int, c: int) -> Inputs:
    def make(rng):
        target = rng.random((n, c)).astype(np.float32)
        return rng.standard_normal((n, c)).astype(np.float32), target / target.sum(1, keepdims=True)

    return make


# --- the table ------------------------------------------------------------------------------------

WEIGHT = np.array([0.5, 2.0, 1.0, 1.5, 0.25], np.float32)  # per class for 5 classes
POS_WEIGHT = np.array([0.5, 3.0, 1.0, 2.0], np.float32)  # per column of a (6, 4) target


def with_random_running_stats(bn: norm.BatchNorm1d) -> norm.BatchNorm1d:
    rng = np.random.default_rng(1)
    bn.running_mean.data[...] = rng.standard_normal(bn.num_features)
    bn.running_var.data[...] = rng.uniform(0.5, 2.0, bn.num_features)
    return bn


LAYER_CASES = [
    Case(
        "Linear",
        lambda: layers.Linear(4, 3, generator=0),
        lambda: torch.nn.Linear(4, 3),
        normal(5, 4),
    ),
    Case(
        "Linear no bias, 3-d",
        lambda: layers.Linear(4, 3, bias=False, generator=0),
        lambda: torch.nn.Linear(4, 3, bias=False),
        normal(2, 5, 4),
    ),
    Case(
        "Sequential",
        lambda: layers.Sequential(
            layers.Linear(4, 8, generator=0), layers.ReLU(), layers.Linear(8, 3, generator=1)
        ),
        lambda: torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)),
        normal(5, 4),
    ),
    Case("Identity", layers.Identity, torch.nn.Identity, normal(3, 4)),
    Case("Flatten", layers.Flatten, torch.nn.Flatten, normal(2, 3, 4, 5)),
    Case(
        "Flatten(0, 1)",
        lambda: layers.Flatten(0, 1),
        lambda: torch.nn.Flatten(0, 1),
        normal(2, 3, 4),
    ),
    Case("ReLU", layers.ReLU, torch.nn.ReLU, normal(4, 5)),
    Case("LeakyReLU", lambda: layers.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2), normal(4, 5)),
    Case("Sigmoid", layers.Sigmoid, torch.nn.Sigmoid, normal(4, 5)),
    Case("Tanh", layers.Tanh, torch.nn.Tanh, normal(4, 5)),
    Case("GELU", layers.GELU, torch.nn.GELU, normal(4, 5)),
    Case("GELU tanh", lambda: layers.GELU("tanh"), lambda: torch.nn.GELU("tanh"), normal(4, 5)),
    Case("SiLU", layers.SiLU, torch.nn.SiLU, normal(4, 5)),
    Case("Softmax", lambda: layers.Softmax(1), lambda: torch.nn.Softmax(1), normal(3, 4, 5)),
    Case(
        "LogSoftmax", lambda: layers.LogSoftmax(-1), lambda: torch.nn.LogSoftmax(-1), normal(3, 5)
    ),
    Case(
        "Dropout eval",
        lambda: layers.Dropout(0.5, generator=0),
        lambda: torch.nn.Dropout(0.5),
        normal(4, 5),
        training=False,
    ),
    Case(
        "BatchNorm1d train 2-d",
        lambda: norm.BatchNorm1d(4),
        lambda: torch.nn.BatchNorm1d(4),
        normal(8, 4),
    ),
    Case(
        "BatchNorm1d train 3-d",
        lambda: norm.BatchNorm1d(4),
        lambda: torch.nn.BatchNorm1d(4),
        normal(6, 4, 5),
    ),
    Case(
        "BatchNorm1d eval 2-d",
        lambda: with_random_running_stats(norm.BatchNorm1d(4)),
        lambda: torch.nn.BatchNorm1d(4),
        normal(8, 4),
        training=False,
    ),
    Case(
        "BatchNorm1d eval 3-d",
        lambda: with_random_running_stats(norm.BatchNorm1d(4)),
        lambda: torch.nn.BatchNorm1d(4),
        normal(6, 4, 5),
        training=False,
    ),
    Case(
        "BatchNorm1d no affine, no running stats, eval",
        lambda: norm.BatchNorm1d(4, affine=False, track_running_stats=False),
        lambda: torch.nn.BatchNorm1d(4, affine=False, track_running_stats=False),
        normal(6, 4, 5),
        training=False,
    ),
    Case("LayerNorm", lambda: norm.LayerNorm(5), lambda: torch.nn.LayerNorm(5), normal(3, 4, 5)),
    Case(
        "LayerNorm 2 axes, no bias",
        lambda: norm.LayerNorm((4, 5), eps=1e-3, bias=False),
        lambda: torch.nn.LayerNorm((4, 5), eps=1e-3, bias=False),
        normal(3, 4, 5),
    ),
    Case("RMSNorm", lambda: norm.RMSNorm(5), lambda: torch.nn.RMSNorm(5), normal(3, 4, 5)),
    Case(  # mean(x**2) ~ 1e-8: the default eps (float32's machine epsilon) matters
        "RMSNorm small inputs",
        lambda: norm.RMSNorm(5),
        lambda: torch.nn.RMSNorm(5),
        normal(3, 4, 5, scale=1e-4),
    ),
    Case(
        "RMSNorm 2 axes, eps",
        lambda: norm.RMSNorm((4, 5), eps=1e-3),
        lambda: torch.nn.RMSNorm((4, 5), eps=1e-3),
        normal(3, 4, 5),
    ),
]


def loss_cases(reduction: str) -> list[Case]:
    """Every loss with this reduction; `ours`/`theirs` take the reduction as a keyword."""
    r = {"reduction": reduction}
    table = [
        ("MSELoss", lambda: losses.MSELoss(**r), lambda: torch.nn.MSELoss(**r), regression(4, 5)),
        (
            "MSELoss integer target",
            lambda: losses.MSELoss(**r),
            lambda: torch.nn.MSELoss(**r),
            regression(4, 5, target_dtype=np.int64),
        ),
        ("L1Loss", lambda: losses.L1Loss(**r), lambda: torch.nn.L1Loss(**r), regression(4, 5)),
        (
            "HuberLoss",
            lambda: losses.HuberLoss(**r),
            lambda: torch.nn.HuberLoss(**r),
            regression(4, 5),
        ),
        (
            "HuberLoss delta",
            lambda: losses.HuberLoss(delta=0.4, **r),
            lambda: torch.nn.HuberLoss(delta=0.4, **r),
            regression(4, 5),
        ),
        (
            "BCELoss",
            lambda: losses.BCELoss(**r),
            lambda: torch.nn.BCELoss(**r),
            probabilities(4, 5),
        ),
        (
            "BCELoss weight",
            lambda: losses.BCELoss(WEIGHT, **r),
            lambda: torch.nn.BCELoss(torch.from_numpy(WEIGHT), **r),
            probabilities(4, 5),
        ),
        (
            "BCEWithLogitsLoss +-100",
            lambda: losses.BCEWithLogitsLoss(**r),
            lambda: torch.nn.BCEWithLogitsLoss(**r),
            logits_and_soft_targets(6, 4, extreme=True),
        ),
        (
            "BCEWithLogitsLoss weight, pos_weight",
            lambda: losses.BCEWithLogitsLoss(POS_WEIGHT[::-1].copy(), pos_weight=POS_WEIGHT, **r),
            lambda: torch.nn.BCEWithLogitsLoss(
                torch.from_numpy(POS_WEIGHT[::-1].copy()),
                pos_weight=torch.from_numpy(POS_WEIGHT),
                **r,
            ),
            logits_and_soft_targets(6, 4, extreme=True),
        ),
        (
            "CrossEntropyLoss indices",
            lambda: losses.CrossEntropyLoss(**r),
            lambda: torch.nn.CrossEntropyLoss(**r),
            class_indices(6, 5),
        ),
        (
            "CrossEntropyLoss unbatched",
            lambda: losses.CrossEntropyLoss(**r),
            lambda: torch.nn.CrossEntropyLoss(**r),
            class_indices(0, 5),
        ),
        (
            "CrossEntropyLoss probabilities",
            lambda: losses.CrossEntropyLoss(**r),
            lambda: torch.nn.CrossEntropyLoss(**r),
            class_probabilities(6, 5),
        ),
        (
            "CrossEntropyLoss label_smoothing",
            lambda: losses.CrossEntropyLoss(label_smoothing=0.2, **r),
            lambda: torch.nn.CrossEntropyLoss(label_smoothing=0.2, **r),
            class_indices(6, 5),
        ),
        (
            "CrossEntropyLoss probabilities, label_smoothing, weight",
            lambda: losses.CrossEntropyLoss(WEIGHT, label_smoothing=0.3, **r),
            lambda: torch.nn.CrossEntropyLoss(torch.from_numpy(WEIGHT), label_smoothing=0.3, **r),
            class_probabilities(6, 5),
        ),
        (
            "CrossEntropyLoss weight",
            lambda: losses.CrossEntropyLoss(WEIGHT, **r),
            lambda: torch.nn.CrossEntropyLoss(torch.from_numpy(WEIGHT), **r),
            class_indices(6, 5),
        ),
        (
            "CrossEntropyLoss ignore_index",
            lambda: losses.CrossEntropyLoss(**r),
            lambda: torch.nn.CrossEntropyLoss(**r),
            class_indices(7, 5, ignore=-100),
        ),
        (
            "CrossEntropyLoss ignore_index=2",  # a class index: the samples of class 2 drop out
            lambda: losses.CrossEntropyLoss(ignore_index=2, **r),
            lambda: torch.nn.CrossEntropyLoss(ignore_index=2, **r),
            class_indices(7, 5, ignore=2),
        ),
        (
            "CrossEntropyLoss weight, ignore_index=2, label_smoothing",
            lambda: losses.CrossEntropyLoss(WEIGHT, ignore_index=2, label_smoothing=0.1, **r),
            lambda: torch.nn.CrossEntropyLoss(
                torch.from_numpy(WEIGHT), ignore_index=2, label_smoothing=0.1, **r
            ),
            class_indices(7, 5, ignore=2),
        ),
        (
            "NLLLoss",
            lambda: losses.NLLLoss(**r),
            lambda: torch.nn.NLLLoss(**r),
            class_indices(6, 5),
        ),
        (
            "NLLLoss weight, ignore_index",
            lambda: losses.NLLLoss(WEIGHT, ignore_index=1, **r),
            lambda: torch.nn.NLLLoss(torch.from_numpy(WEIGHT), ignore_index=1, **r),
            class_indices(7, 5, ignore=1),
        ),
    ]
    return [
        Case(f"{name} {reduction}", ours, theirs, inputs) for name, ours, theirs, inputs in table
    ]


LOSS_CASES = [case for reduction in ("mean", "sum", "none") for case in loss_cases(reduction)]
BOUNDARY_CASES = [  # BCE at p = 0 and 1: the loss is torch's; the gradient, see the next test
    Case(
        f"BCELoss p in {{0, 1}} {reduction}",
        lambda r=reduction: losses.BCELoss(reduction=r),
        lambda r=reduction: torch.nn.BCELoss(reduction=r),
        probabilities(4, 6, at_bounds=True),
    )
    for reduction in ("mean", "sum", "none")
]


def randomize(module: Module, seed: int) -> None:
    """Random parameters (ones and zeros would hide a swapped weight and bias)."""
    rng = np.random.default_rng(seed)
    for p in module.parameters():
        p.data[...] = rng.standard_normal(p.shape)


def run_both(case: Case, seed: int = 0) -> tuple[Module, torch.nn.Module, Tensor, Any, Any, Any]:
    """Both modules in the case's mode with one state, and their outputs after one backward."""
    ours, theirs = case.ours(), case.theirs()
    randomize(ours, seed)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    ours.train(case.training), theirs.train(case.training)
    x, *rest = case.inputs(np.random.default_rng(seed))
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_ours = ours(x_ours, *rest)
    out_theirs = theirs(x_theirs, *(torch.from_numpy(a) for a in rest))
    seed_grad = np.random.default_rng(seed + 1).standard_normal(out_ours.shape).astype(np.float32)
    out_ours.backward(seed_grad)
    out_theirs.backward(torch.from_numpy(seed_grad))
    return ours, theirs, x_ours, x_theirs, out_ours, out_theirs


@pytest.mark.parametrize("case", LAYER_CASES + LOSS_CASES + BOUNDARY_CASES, ids=lambda c: c.name)
def test_forward_and_every_gradient_match_torch(case):
    ours, theirs, x_ours, x_theirs, out_ours, out_theirs = run_both(case)
    assert out_ours.shape == tuple(out_theirs.shape)
    np.testing.assert_allclose(out_ours.data, out_theirs.detach().numpy(), **TOL)
    grad_theirs = x_theirs.grad.numpy()
    compared = np.ones(x_ours.shape, bool)
    if case in BOUNDARY_CASES:  # torch's backward is not the clamped loss's derivative at 0, 1
        compared = (x_ours.data > 0) & (x_ours.data < 1)
    np.testing.assert_allclose(x_ours.grad.data[compared], grad_theirs[compared], **TOL)
    params_theirs = dict(theirs.named_parameters())
    assert [name for name, _ in ours.named_parameters()] == list(params_theirs)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad.data, params_theirs[name].grad.numpy(), **TOL, err_msg=name
        )
    for name, buffer in theirs.named_buffers():  # BatchNorm's running statistics
        np.testing.assert_allclose(ours.state_dict()[name], buffer.numpy(), **TOL, err_msg=name)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_at_0_and_1_is_finite_with_the_clamped_losss_gradient(reduction):
    """p = 0 or 1: a finite loss (torch's), and the derivative of the loss actually computed:
    a clamped log term contributes no gradient, the other term its usual one."""
    p = np.array([0.0, 0.0, 1.0, 1.0, 0.3], np.float32)
    y = np.array([0.0, 0.7, 1.0, 0.2, 0.6], np.float32)
    x = Tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(x, y, reduction=reduction)
    loss.backward()
    expected_loss = torch.nn.functional.binary_cross_entropy(
        torch.from_numpy(p), torch.from_numpy(y), reduction=reduction
    )
    np.testing.assert_allclose(loss.data, expected_loss.numpy(), **TOL)
    with np.errstate(divide="ignore"):
        d_log_p = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)  # 0 where log p is clamped
        d_log_q = np.where(p < 1, 1 / np.where(p < 1, 1 - p, 1), 0.0)
    expected_grad = -(y * d_log_p - (1 - y) * d_log_q) / (len(p) if reduction == "mean" else 1)
    np.testing.assert_allclose(x.grad.data, expected_grad, **TOL)
    assert losses.BCE_LOG_MIN == -100.0


# --- BatchNorm over several steps ----------------------------------------------------------------


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("shape", [(8, 3), (5, 3, 4)])
def test_batchnorm_running_statistics_match_torch_over_several_steps(momentum, shape):
    ours, theirs = (
        norm.BatchNorm1d(3, momentum=momentum),
        torch.nn.BatchNorm1d(3, momentum=momentum),
    )
    rng = np.random.default_rng(0)
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        ours(Tensor(x))
        theirs(torch.from_numpy(x))
    for name, buffer in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name], buffer.numpy(), **TOL, err_msg=name)
    assert ours.num_batches_tracked.dtype == np.int64 and ours.num_batches_tracked.item() == 4
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach(), **TOL)
    ours(Tensor(x))
    assert ours.num_batches_tracked.item() == 4  # evaluation leaves the statistics alone


def test_batchnorm_statistics_stay_off_the_graph():
    bn, x = norm.BatchNorm1d(2), Tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    bn(x).sum().backward()
    assert not bn.running_mean.requires_grad and bn.running_mean.grad is None
    assert not bn.running_var.parents


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: norm.BatchNorm1d(4)(Tensor(np.zeros((2, 5)))), r"BatchNorm1d.*\(N, 4\).*\(2, 5\)"),
        (lambda: norm.BatchNorm1d(4)(Tensor(np.zeros((1, 4)))), "more than 1 value per channel"),
        (lambda: norm.LayerNorm(4)(Tensor(np.zeros((2, 5)))), r"LayerNorm.*\(\*, 4\).*\(2, 5\)"),
        (lambda: norm.RMSNorm((2, 4))(Tensor(np.zeros(4))), r"RMSNorm.*\(\*, 2, 4\).*\(4,\)"),
        (lambda: F.mse_loss(Tensor(np.zeros(3)), np.zeros(4)), r"\(3,\).*\(4,\)"),
        (lambda: F.l1_loss(Tensor(np.zeros(3)), np.zeros(3), reduction="avg"), "'avg'"),
        (lambda: losses.MSELoss(reduction="max"), "'max'"),
        (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.zeros(2)), "integer dtype"),
        (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.zeros(3, int)), r"\(2,\).*\(3,\)"),
        (lambda: F.binary_cross_entropy(Tensor([0.5, 1.5]), [0.0, 1.0]), r"\[0, 1\]"),
    ],
)
def test_errors_name_the_layer_and_both_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_penalties_sum_absolute_values_and_squares():
    a = Tensor(np.array([1.0, -2.0], np.float32), requires_grad=True)
    b = Tensor(np.array([[-3.0]], np.float32), requires_grad=True)
    l1, l2 = F.l1_penalty([a, b]), F.l2_penalty(iter([a, b]))
    assert l1.shape == l2.shape == () and (l1.item(), l2.item()) == (6.0, 14.0)
    (l1 + l2).backward()
    np.testing.assert_array_equal(a.grad.data, [1 + 2, -1 - 4])
    assert F.l2_penalty([]).item() == 0.0
    scalars = [Value(3.0), Value(-4.0)]  # the scalar engine's parameters stay Values
    assert (F.l1_penalty(scalars).data, F.l2_penalty(scalars).data) == (7.0, 25.0)


# --- Dropout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_keeps_the_mean_zeroes_about_p_and_scales_the_rest(p):
    x = Tensor(np.ones(200_000, np.float32), requires_grad=True)
    out = layers.Dropout(p, generator=0)(x)
    zeroed = out.data == 0
    assert abs(zeroed.mean() - p) < 0.01
    assert abs(out.data.mean() - 1.0) < 0.01
    np.testing.assert_allclose(out.data[~zeroed], 1 / (1 - p), rtol=1e-6)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)  # d out / d x is the scaled mask


def test_dropout_is_the_identity_in_eval_and_reproducible_from_its_generator():
    x = Tensor(np.random.default_rng(0).standard_normal((50, 40)).astype(np.float32))
    assert layers.Dropout(0.5).eval()(x) is x
    first = layers.Dropout(0.5, generator=3)(x).data
    np.testing.assert_array_equal(first, layers.Dropout(0.5, generator=3)(x).data)
    np.testing.assert_array_equal(
        first, layers.Dropout(0.5, generator=np.random.default_rng(3))(x).data
    )
    assert not np.array_equal(first, layers.Dropout(0.5, generator=4)(x).data)
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0.0)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_p_outside_0_1(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        layers.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(Tensor(np.ones(3)), p)


# --- state, printing and the Module basics --------------------------------------------------------


def test_state_dict_keys_shapes_and_dtypes_equal_torchs():
    ours = layers.Sequential(
        layers.Linear(4, 8, generator=0),
        norm.BatchNorm1d(8),
        layers.ReLU(),
        layers.Linear(8, 3, generator=1),
        norm.LayerNorm(3),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.BatchNorm1d(8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 3),
        torch.nn.LayerNorm(3),
    )
    state = ours.state_dict()
    layout = {k: (tuple(v.shape), torch.from_numpy(v).dtype) for k, v in state.items()}
    assert layout == {k: (tuple(v.shape), v.dtype) for k, v in theirs.state_dict().items()}
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: layers.Linear(2, 3, generator=0), lambda: torch.nn.Linear(2, 3)),
        (lambda: layers.Linear(2, 3, bias=False), lambda: torch.nn.Linear(2, 3, bias=False)),
        (
            lambda: layers.Sequential(
                layers.Linear(2, 3),
                layers.ReLU(),
                layers.Sequential(layers.Linear(3, 1), layers.Sigmoid()),
            ),
            lambda: torch.nn.Sequential(
                torch.nn.Linear(2, 3),
                torch.nn.ReLU(),
                torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Sigmoid()),
            ),
        ),
        (layers.Flatten, torch.nn.Flatten),
        (layers.LeakyReLU, torch.nn.LeakyReLU),
        (layers.GELU, torch.nn.GELU),
        (lambda: layers.Softmax(1), lambda: torch.nn.Softmax(1)),
        (layers.Identity, torch.nn.Identity),
        (lambda: norm.BatchNorm1d(4), lambda: torch.nn.BatchNorm1d(4)),
        (
            lambda: norm.BatchNorm1d(4, momentum=None),
            lambda: torch.nn.BatchNorm1d(4, momentum=None),
        ),
        (lambda: norm.LayerNorm((2, 3)), lambda: torch.nn.LayerNorm((2, 3))),
        (lambda: norm.RMSNorm(5), lambda: torch.nn.RMSNorm(5)),
        (losses.MSELoss, torch.nn.MSELoss),
        (losses.CrossEntropyLoss, torch.nn.CrossEntropyLoss),
        (losses.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss),
    ],
)
def test_repr_looks_like_torchs(ours, theirs):
    assert repr(ours()) == repr(theirs())


def test_loss_repr_shows_settings_that_differ_from_the_defaults():
    assert repr(losses.HuberLoss("sum", delta=0.5)) == "HuberLoss(reduction='sum', delta=0.5)"
    assert (
        repr(losses.CrossEntropyLoss(label_smoothing=0.1))
        == "CrossEntropyLoss(label_smoothing=0.1)"
    )


def test_module_basics():
    class Net(Module):
        def __init__(self):
            self.body = layers.Sequential(layers.Linear(3, 4, generator=0), layers.ReLU())
            self.heads = layers.ModuleList([layers.Linear(4, 2, generator=1), norm.LayerNorm(2)])
            self.drop = layers.Dropout(0.1)

        def forward(self, x):
            return self.heads[1](self.heads[0](self.drop(self.body(x))))

    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "body.0.weight",
        "body.0.bias",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
        "heads.1.bias",
    ]
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "ModuleList", "Dropout"]
    assert [name for name, _ in net.named_modules()] == [
        "",
        "body",
        "body.0",
        "body.1",
        "heads",
        "heads.0",
        "heads.1",
        "drop",
    ]
    assert net.num_parameters() == (3 * 4 + 4) + (4 * 2 + 2) + (2 + 2)
    assert all(m.training for m in net.modules())
    assert not any(m.training for m in net.eval().modules())
    assert all(m.training for m in net.train().modules())

    net(Tensor(np.ones((5, 3), np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.array_equal(p.grad.data, np.zeros(p.shape)) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())

    with pytest.raises(AttributeError):
        net.no_such_layer  # noqa: B018
    with pytest.raises(AttributeError):
        norm.LayerNorm(3).running_mean  # noqa: B018


def test_sequential_fuses_linear_then_relu_into_one_op_with_the_same_results():
    from autograd.graph import topo_order

    model = layers.Sequential(
        layers.Linear(4, 8, generator=0), layers.ReLU(), layers.Linear(8, 8, generator=1),
        layers.LeakyReLU(), layers.Linear(8, 3, generator=2), layers.ReLU(),
    )  # fmt: skip
    x = Tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    fused = model(x)
    unfused = x
    for module in model:
        unfused = module(unfused)  # each module on its own: nothing fused
    np.testing.assert_array_equal(fused.data, unfused.data)
    ops = [node.op for node in topo_order(fused) if node.parents]
    assert ops.count("linear") == 3 and ops.count("where") == 1  # only LeakyReLU's where is left
    grads = []
    for out in (fused, unfused):
        model.zero_grad()
        out.sum().backward()
        grads.append([p.grad.data.copy() for p in model.parameters()])
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_array_equal(ours, theirs)
