"""optim: the ladder against torch.optim, on two test functions, and the base's bookkeeping.

Tables drive it: SETTINGS (optimizer and hyperparameters) for torch equality in float64 and
float32, state round trips and the per-parameter rules; CONVERGENCE for the quadratic bowl and
Rosenbrock; CHANGES for "every hyperparameter changes the trajectory" (an accepted-but-unused
argument fails it); MISMATCHES for load_state_dict's all-or-nothing checks; INVALID for the
constructors' messages.
"""

import contextlib
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import pytest
import torch

import nn
from autograd import Tensor, Value, is_grad_enabled
from nn.module import Parameter
from optim import SGD, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam, RMSprop

OPTIMIZERS = [SGD, Adagrad, RMSprop, Adam, AdamW, NAdam, RAdam, Adamax]
TORCH = {SGD: torch.optim.SGD, Adagrad: torch.optim.Adagrad, RMSprop: torch.optim.RMSprop,
         Adam: torch.optim.Adam, AdamW: torch.optim.AdamW, NAdam: torch.optim.NAdam,
         RAdam: torch.optim.RAdam, Adamax: torch.optim.Adamax}  # fmt: skip
SHAPES = [(3, 4), (5,), (2, 1, 3), ()]


class Setting(NamedTuple):
    """An optimizer, its hyperparameters, and whether to split the parameters into two groups
    (the second with half the lr)."""

    cls: type[Optimizer]
    hyper: dict[str, Any]
    grouped: bool = False

    def build(self, params: list, cls: Any = None, **override: Any) -> Any:
        """This setting's optimizer (ours, or `cls` such as torch's twin) over `params`."""
        hyper = {**self.hyper, **override}
        groups: list = list(params)
        if self.grouped:
            lr = hyper.get("lr", inspect.signature(self.cls).parameters["lr"].default)
            groups = [{"params": groups[:2]}, {"params": groups[2:], "lr": lr / 2}]
        return (cls or self.cls)(groups, **hyper)


SETTINGS = [
    pytest.param(Setting(SGD, dict(lr=0.1)), id="sgd"),
    pytest.param(Setting(SGD, dict(lr=0.05, momentum=0.9), grouped=True), id="sgd-momentum"),
    pytest.param(Setting(SGD, dict(lr=0.05, momentum=0.9, nesterov=True)), id="sgd-nesterov"),
    pytest.param(Setting(SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)), id="sgd-dampening"),
    pytest.param(Setting(SGD, dict(lr=0.05, momentum=0.5, weight_decay=0.1)), id="sgd-decay"),
    pytest.param(Setting(SGD, dict(lr=0.05, momentum=0.9, maximize=True)), id="sgd-maximize"),
    pytest.param(Setting(Adagrad, dict(lr=0.1), grouped=True), id="adagrad"),
    pytest.param(Setting(Adagrad, dict(lr=0.1, lr_decay=0.05)), id="adagrad-lr-decay"),
    pytest.param(Setting(Adagrad, dict(lr=0.1, weight_decay=0.1)), id="adagrad-decay"),
    pytest.param(
        Setting(Adagrad, dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-3)), id="adagrad-init"
    ),
    pytest.param(Setting(RMSprop, dict(lr=0.01)), id="rmsprop"),
    pytest.param(Setting(RMSprop, dict(lr=0.01, momentum=0.9), grouped=True), id="rmsprop-mom"),
    pytest.param(Setting(RMSprop, dict(lr=0.01, alpha=0.9, centered=True)), id="rmsprop-centered"),
    pytest.param(
        Setting(RMSprop, dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, eps=1e-3)),
        id="rmsprop-all",
    ),
    pytest.param(Setting(Adam, dict(lr=0.01), grouped=True), id="adam"),
    pytest.param(Setting(Adam, dict(lr=0.01, weight_decay=0.1)), id="adam-decay"),
    pytest.param(Setting(Adam, dict(lr=0.01, amsgrad=True)), id="adam-amsgrad"),
    pytest.param(Setting(Adam, dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3)), id="adam-betas"),
    pytest.param(Setting(AdamW, dict(lr=0.01)), id="adamw"),
    pytest.param(Setting(AdamW, dict(lr=0.01, amsgrad=True), grouped=True), id="adamw-amsgrad"),
    pytest.param(Setting(AdamW, dict(lr=0.01, weight_decay=0.5)), id="adamw-decay"),
    pytest.param(Setting(NAdam, dict(lr=0.01), grouped=True), id="nadam"),
    pytest.param(Setting(NAdam, dict(lr=0.01, weight_decay=0.1)), id="nadam-decay"),
    pytest.param(
        Setting(NAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
        id="nadam-decoupled",
    ),
    pytest.param(
        Setting(NAdam, dict(lr=0.01, momentum_decay=0.05, betas=(0.8, 0.99), eps=1e-3)),
        id="nadam-momentum-decay",
    ),
    pytest.param(Setting(NAdam, dict(lr=0.01, maximize=True)), id="nadam-maximize"),
    pytest.param(Setting(RAdam, dict(lr=0.01), grouped=True), id="radam"),
    pytest.param(Setting(RAdam, dict(lr=0.01, weight_decay=0.1)), id="radam-decay"),
    pytest.param(
        Setting(RAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
        id="radam-decoupled",
    ),
    pytest.param(Setting(RAdam, dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3)), id="radam-betas"),
    pytest.param(Setting(RAdam, dict(lr=0.01, maximize=True)), id="radam-maximize"),
    pytest.param(Setting(Adamax, dict(lr=0.01), grouped=True), id="adamax"),
    pytest.param(Setting(Adamax, dict(lr=0.01, weight_decay=0.1)), id="adamax-decay"),
    pytest.param(Setting(Adamax, dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3)), id="adamax-betas"),
    pytest.param(Setting(Adamax, dict(lr=0.01, maximize=True)), id="adamax-maximize"),
]


def random_params(
    rng: np.random.Generator, shapes: list = SHAPES, dtype: Any = np.float64
) -> list[Parameter]:
    return [Parameter(np.asarray(rng.standard_normal(shape), dtype)) for shape in shapes]


def give_grads(params: list, rng: np.random.Generator, scale: float = 1.0) -> None:
    for p in params:
        p.grad = Tensor(np.asarray(rng.standard_normal(p.shape) * scale, p.dtype))


@contextlib.contextmanager
def torch_default_dtype(dtype: Any) -> Iterator[None]:
    """torch keeps its scalar state (step counts, NAdam's mu_product) in the default dtype: make
    it the parameters' dtype, so in float64 torch's scalars are as exact as ours (Python floats)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


# --- each step equals torch.optim ----------------------------------------------------------------


TOLERANCE = {np.float64: 1e-12, np.float32: 2e-5}  # rtol and atol; float32 rounds each step


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("setting", SETTINGS)
def test_fifty_steps_equal_torch(setting, dtype):
    """Same start and gradients: parameters equal to rounding (float64: ~1e-15), state too (torch's
    names), and the parameters keep their dtype."""
    rng = np.random.default_rng(0)
    ours = random_params(rng, dtype=dtype)
    theirs = [torch.tensor(p.data, requires_grad=True) for p in ours]
    with torch_default_dtype(dtype):
        opt, twin = setting.build(ours), setting.build(theirs, TORCH[setting.cls])
        for _ in range(50):
            give_grads(ours, rng)
            for p, t in zip(ours, theirs, strict=True):
                t.grad = torch.tensor(p.grad.data)
            opt.step()
            twin.step()
    tol = TOLERANCE[dtype]
    for p, t in zip(ours, theirs, strict=True):
        assert p.dtype == dtype
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=tol, atol=tol)
        for name, value in opt.state[p].items():
            expected = np.asarray(twin.state[t][name])
            np.testing.assert_allclose(value, expected, rtol=tol, atol=tol, err_msg=name)


# --- each converges on a quadratic bowl and on Rosenbrock ----------------------------------------

CURVATURES = np.array([1.0, 4.0, 10.0, 25.0])  # unequal: one direction is 25 times steeper


def bowl() -> tuple[list[Parameter], Callable[[], Tensor], list[float]]:
    """f(x) = sum(a_i x_i^2): parameters, the loss, and where its minimum is."""
    x = Parameter(np.array([1.0, -2.0, 1.5, -0.5]))
    return [x], lambda: (Tensor(CURVATURES) * x * x).sum(), [0.0]


def rosenbrock() -> tuple[list[Parameter], Callable[[], Tensor], list[float]]:
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2): a curved valley, minimum at (1, 1)."""
    x, y = Parameter(np.array(-1.5)), Parameter(np.array(2.0))
    return [x, y], lambda: (1 - x) ** 2 + 100 * (y - x * x) ** 2, [1.0, 1.0]


CONVERGENCE = [  # problem, optimizer, hyperparameters, steps, tolerance on max |x - x_min|
    pytest.param(bowl, SGD, dict(lr=0.035), 300, 1e-8, id="sgd-bowl"),
    pytest.param(bowl, SGD, dict(lr=0.02, momentum=0.9), 300, 1e-6, id="momentum-bowl"),
    pytest.param(bowl, SGD, dict(lr=0.02, momentum=0.9, nesterov=True), 300, 1e-9, id="nag-bowl"),
    pytest.param(bowl, Adagrad, dict(lr=0.5), 150, 1e-9, id="adagrad-bowl"),
    pytest.param(bowl, RMSprop, dict(lr=0.01), 500, 1e-6, id="rmsprop-bowl"),
    pytest.param(bowl, Adam, dict(lr=0.1), 300, 1e-6, id="adam-bowl"),
    pytest.param(bowl, Adam, dict(lr=0.1, amsgrad=True), 300, 1e-6, id="amsgrad-bowl"),
    pytest.param(bowl, AdamW, dict(lr=0.1), 300, 1e-6, id="adamw-bowl"),
    pytest.param(bowl, NAdam, dict(lr=0.1), 300, 1e-9, id="nadam-bowl"),
    pytest.param(bowl, RAdam, dict(lr=0.05), 300, 1e-5, id="radam-bowl"),
    pytest.param(bowl, Adamax, dict(lr=0.2), 300, 1e-6, id="adamax-bowl"),
    # Rosenbrock: lr is capped near 2e-3 by the curvature (about 1900) at the start, so plain
    # SGD and Adagrad crawl along the valley; momentum carries through it.
    pytest.param(rosenbrock, SGD, dict(lr=2e-3), 3000, 1e-2, id="sgd-rosenbrock"),
    pytest.param(rosenbrock, SGD, dict(lr=2e-3, momentum=0.95), 600, 1e-5, id="momentum-rosen"),
    pytest.param(
        rosenbrock, SGD, dict(lr=1e-3, momentum=0.95, nesterov=True), 1500, 1e-5, id="nag-rosen"
    ),
    pytest.param(rosenbrock, Adagrad, dict(lr=1.7), 1500, 1e-2, id="adagrad-rosenbrock"),
    pytest.param(
        rosenbrock, RMSprop, dict(lr=1e-3, alpha=0.9, momentum=0.9), 1000, 1e-3, id="rmsprop-rosen"
    ),
    pytest.param(rosenbrock, Adam, dict(lr=0.05), 2000, 1e-4, id="adam-rosenbrock"),
    pytest.param(rosenbrock, Adam, dict(lr=0.1, amsgrad=True), 2000, 1e-4, id="amsgrad-rosen"),
    # decoupled weight decay pulls towards 0, so AdamW settles near (1, 1), not on it
    pytest.param(rosenbrock, AdamW, dict(lr=0.05, weight_decay=1e-3), 2000, 2e-2, id="adamw-rosen"),
    # NAdam's mu_t only warms up towards beta1 over thousands of steps: it crawls at the end
    pytest.param(
        rosenbrock, NAdam, dict(lr=0.01, betas=(0.9, 0.99)), 3000, 1e-2, id="nadam-rosenbrock"
    ),
    # RAdam's first steps are momentum alone (lr m_hat), so its lr is capped as SGD's is
    pytest.param(
        rosenbrock, RAdam, dict(lr=2e-3, betas=(0.9, 0.99)), 3000, 1e-4, id="radam-rosenbrock"
    ),
    pytest.param(rosenbrock, Adamax, dict(lr=0.2), 3000, 1e-4, id="adamax-rosenbrock"),
]


@pytest.mark.parametrize("problem, cls, hyper, steps, tol", CONVERGENCE)
def test_converges(problem, cls, hyper, steps, tol):
    params, loss, minimum = problem()
    opt = cls(params, **hyper)
    for _ in range(steps):
        opt.zero_grad()
        loss().backward()
        opt.step()
    error = max(np.abs(p.data - m).max() for p, m in zip(params, minimum, strict=True))
    assert error < tol


# --- every hyperparameter changes the trajectory -------------------------------------------------

BASE = {  # a starting point where every hyperparameter below acts
    SGD: dict(lr=0.05, momentum=0.9),
    Adagrad: dict(lr=0.1),
    RMSprop: dict(lr=0.01),
    Adam: dict(lr=0.01),
    AdamW: dict(lr=0.01),
    NAdam: dict(lr=0.01, weight_decay=0.1),  # a weight decay for decoupled_weight_decay to move
    RAdam: dict(lr=0.01, weight_decay=0.1),
    Adamax: dict(lr=0.01),
}
ADAM_CHANGES = [("lr", 0.02), ("betas[0]", 0.5), ("betas[1]", 0.9), ("eps", 0.1),
                ("weight_decay", 0.1), ("amsgrad", True)]  # fmt: skip
CHANGES = [
    *[(SGD, name, value) for name, value in [("lr", 0.1), ("momentum", 0.5), ("dampening", 0.5),
      ("nesterov", True), ("weight_decay", 0.1), ("maximize", True)]],
    *[(Adagrad, name, value) for name, value in [("lr", 0.2), ("lr_decay", 0.1),
      ("weight_decay", 0.1), ("initial_accumulator_value", 1.0), ("eps", 0.1)]],
    *[(RMSprop, name, value) for name, value in [("lr", 0.02), ("alpha", 0.5), ("eps", 0.1),
      ("weight_decay", 0.1), ("momentum", 0.9), ("centered", True)]],
    *[(Adam, name, value) for name, value in ADAM_CHANGES],
    *[(AdamW, name, value) for name, value in ADAM_CHANGES],
    *[(NAdam, name, value) for name, value in [("lr", 0.02), ("betas[0]", 0.5), ("betas[1]", 0.9),
      ("eps", 0.1), ("weight_decay", 0.3), ("momentum_decay", 0.05),
      ("decoupled_weight_decay", True), ("maximize", True)]],
    *[(RAdam, name, value) for name, value in [("lr", 0.02), ("betas[0]", 0.5), ("betas[1]", 0.9),
      ("eps", 0.1), ("weight_decay", 0.3), ("decoupled_weight_decay", True), ("maximize", True)]],
    *[(Adamax, name, value) for name, value in [("lr", 0.02), ("betas[0]", 0.5),
      ("betas[1]", 0.9), ("eps", 0.1), ("weight_decay", 0.1), ("maximize", True)]],
]  # fmt: skip


def trajectory(cls: type[Optimizer], hyper: dict, steps: int = 20) -> np.ndarray:
    """Every parameter after each step, on gradients that shrink (so amsgrad's max matters)."""
    rng = np.random.default_rng(1)
    params = random_params(rng)
    opt = cls(params, **hyper)
    path = []
    for t in range(steps):
        give_grads(params, rng, scale=0.7**t)
        opt.step()
        path.append(np.concatenate([p.data.ravel() for p in params]))
    return np.array(path)


def changed(cls: type[Optimizer], name: str, value: Any) -> dict:
    """BASE[cls] with one hyperparameter changed; "betas[1]" changes one of the pair."""
    hyper = dict(BASE[cls])
    if name.startswith("betas["):
        betas = list(hyper.get("betas", inspect.signature(cls).parameters["betas"].default))
        betas[int(name[6])] = value
        hyper["betas"] = tuple(betas)
    else:
        assert hyper.get(name, inspect.signature(cls).parameters[name].default) != value
        hyper[name] = value
    return hyper


@pytest.mark.parametrize(
    "cls, name, value", [pytest.param(*c, id=f"{c[0].__name__}-{c[1]}") for c in CHANGES]
)
def test_every_hyperparameter_changes_the_trajectory(cls, name, value):
    difference = np.abs(trajectory(cls, changed(cls, name, value)) - trajectory(cls, BASE[cls]))
    assert difference.max() > 1e-6


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_the_change_table_covers_every_hyperparameter(cls):
    accepted = set(inspect.signature(cls).parameters) - {"params"}
    assert {name.split("[")[0] for c, name, _ in CHANGES if c is cls} == accepted


# --- state dicts ---------------------------------------------------------------------------------

X = np.random.default_rng(2).standard_normal((8, 3)).astype(np.float32)
Y = np.random.default_rng(3).standard_normal((8, 2)).astype(np.float32)


def small_model(seed: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(3, 5, generator=seed), nn.Tanh(), nn.Linear(5, 2, generator=seed)
    )


def train(model: nn.Module, opt: Optimizer, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        nn.MSELoss()(model(Tensor(X)), Y).backward()
        opt.step()


@pytest.mark.parametrize("setting", SETTINGS)
def test_state_dict_round_trip_continues_bit_identically(setting, tmp_path):
    """Save model and optimizer after 10 steps, load them into fresh copies (built with another
    lr, which loading must overwrite), and the next 10 steps match bit for bit."""
    model = small_model(seed=0)
    opt = setting.build(model.parameters())
    train(model, opt, 10)
    nn.save(model, tmp_path / "model.npz")
    nn.save(opt.state_dict(), tmp_path / "optimizer.npz")

    copy = small_model(seed=1)
    copy.load_state_dict(nn.load(tmp_path / "model.npz"))
    copy_opt = setting.build(copy.parameters(), lr=123.0)
    copy_opt.load_state_dict(nn.load(tmp_path / "optimizer.npz"))
    train(model, opt, 10)
    train(copy, copy_opt, 10)
    for p, q in zip(model.parameters(), copy.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    assert_equal_states(copy_opt.state_dict(), opt.state_dict())


HYPER = {SGD: dict(momentum=0.9, nesterov=True), Adam: dict(amsgrad=True)}  # state worth keeping


def trained(cls: type[Optimizer], sizes: tuple[int, ...] = (2, 2)) -> Optimizer:
    """`cls` over fresh parameters of SHAPES split into groups of `sizes`, after 3 steps."""
    rng = np.random.default_rng(4)
    params = random_params(rng, SHAPES[: sum(sizes)])
    ends = np.cumsum(sizes)
    groups = [{"params": params[end - size : end], "lr": 0.01 * (i + 1)}
              for i, (size, end) in enumerate(zip(sizes, ends, strict=True))]  # fmt: skip
    opt = cls(groups, **HYPER.get(cls, {}))
    for _ in range(3):
        give_grads(params, rng)
        opt.step()
    return opt


def state_of(cls: type[Optimizer], sizes: tuple[int, ...] = (2, 2)) -> dict:
    return trained(cls, sizes).state_dict()


def edited(cls: type[Optimizer], key: str, value: Any) -> Callable[[], dict]:
    """A maker of `cls`'s state dict with `key` set to `value`."""
    return lambda: {**state_of(cls), key: np.asarray(value)}


MISMATCHES = [  # a target with two groups of two parameters; states it must refuse
    pytest.param(Adam, edited(Adam, "state.0.exp_avg", np.zeros(7)), id="wrong-shape"),
    pytest.param(Adam, lambda: state_of(Adam, (2, 1)), id="fewer-parameters"),
    pytest.param(Adam, lambda: state_of(Adam, (2,)), id="one-group-of-two"),
    pytest.param(Adam, lambda: state_of(Adam, (2, 1, 1)), id="three-groups"),
    pytest.param(Adam, lambda: state_of(Adagrad), id="another-optimizer"),
    pytest.param(Adam, edited(Adam, "state.4.exp_avg", 0.0), id="state-past-the-end"),
    pytest.param(Adam, edited(Adam, "param_groups.0.bogus", 1.0), id="unknown-setting"),
    pytest.param(Adam, edited(Adam, "param_groups.0.params", 3), id="params-key"),
    pytest.param(Adam, edited(Adam, "bogus", 1.0), id="unknown-key"),
    pytest.param(Adam, edited(Adam, "param_groups.1.lr", -1.0), id="negative-lr"),
    pytest.param(Adam, edited(Adam, "param_groups.0.betas", (0.9, 1.0)), id="betas"),
    pytest.param(
        Adagrad,
        edited(Adagrad, "param_groups.0.initial_accumulator_value", -1.0),
        id="negative-initial-accumulator",
    ),
    pytest.param(SGD, edited(SGD, "param_groups.0.momentum", 0.0), id="nesterov-alone"),
]


def snapshot(opt: Optimizer) -> tuple[dict, list]:
    """Everything load_state_dict may change: settings and state, and which parameters."""
    return opt.state_dict(), [[id(p) for p in group["params"]] for group in opt.param_groups]


def assert_equal_states(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


@pytest.mark.parametrize("cls, bad_state", MISMATCHES)
def test_load_state_dict_rejects_a_mismatch_and_changes_nothing(cls, bad_state):
    opt = trained(cls)
    opt.load_state_dict(state_of(cls))  # a matching state loads
    (state, params) = snapshot(opt)
    with pytest.raises(ValueError, match=r"load_state_dict|must|nesterov"):
        opt.load_state_dict(bad_state())
    assert_equal_states(opt.state_dict(), state)
    assert snapshot(opt)[1] == params


# --- constructor checks --------------------------------------------------------------------------

NONNEGATIVE = ["lr", "momentum", "dampening", "weight_decay", "eps", "lr_decay", "alpha",
               "initial_accumulator_value", "momentum_decay"]  # fmt: skip
INVALID = [
    *[
        pytest.param(
            cls, {name: value}, f"{name} must be >= 0, got {value}", id=f"{cls.__name__}-{name}"
        )
        for cls in OPTIMIZERS
        for name in NONNEGATIVE
        if name in inspect.signature(cls).parameters
        for value in [-1.0]
    ],
    pytest.param(SGD, dict(lr=float("nan")), "lr must be >= 0, got nan", id="nan-lr"),
    pytest.param(Adam, dict(betas=(1.0, 0.999)), "betas[0] must be in [0, 1), got 1.0", id="b0"),
    pytest.param(Adam, dict(betas=(0.9, -0.1)), "betas[1] must be in [0, 1), got -0.1", id="b1"),
    pytest.param(AdamW, dict(betas=(0.9, 1.5)), "betas[1] must be in [0, 1), got 1.5", id="w-b1"),
    pytest.param(SGD, dict(nesterov=True), "nesterov needs momentum > 0", id="nesterov"),
    pytest.param(
        SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "and dampening = 0", id="nag-damp"
    ),
]


@pytest.mark.parametrize("cls, hyper, message", INVALID)
def test_invalid_hyperparameters_raise_with_a_message(cls, hyper, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        cls([Parameter(np.zeros(2))], **hyper)
    with pytest.raises(ValueError, match=re.escape(message)):  # the same in a group of its own
        cls([{"params": [Parameter(np.zeros(2))], **hyper}])


@pytest.mark.parametrize("flag", ["foreach", "fused", "capturable", "differentiable"])
@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_torch_implementation_flags_are_refused_not_ignored(cls, flag):
    """torch's flags choosing how its kernels run have no meaning here: an unexpected keyword."""
    with pytest.raises(TypeError, match=flag):
        cls([Parameter(np.zeros(2))], **{flag: False})


@pytest.mark.parametrize(
    "params, message",
    [
        pytest.param(lambda p, q: [], "empty list of parameters", id="empty"),
        pytest.param(lambda p, q: (x for x in []), "empty list of parameters", id="empty-gen"),
        pytest.param(lambda p, q: [{"params": [p]}, {"params": [q, p]}], "two groups", id="twice"),
        pytest.param(
            lambda p, q: [{"params": [p], "momentun": 0.9}], r"unknown.*'momentun'", id="typo"
        ),
    ],
)
@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_bad_parameter_lists_raise(cls, params, message):
    with pytest.raises(ValueError, match=message):
        cls(params(Parameter(np.zeros(2)), Parameter(np.zeros(3))), lr=0.1)


# --- the base's loop -----------------------------------------------------------------------------


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p, v = Parameter(np.ones((2, 3), np.float32)), Value(1.0)
    p.grad, v.grad = Tensor(np.ones((2, 3), np.float32)), 2.0
    opt = SGD([p, v], lr=0.1)
    opt.zero_grad(set_to_none=set_to_none)
    assert v.grad == 0.0
    if set_to_none:
        assert p.grad is None
    else:
        assert isinstance(p.grad, Tensor) and p.grad.dtype == np.float32
        np.testing.assert_array_equal(p.grad.data, np.zeros((2, 3)))
    opt.zero_grad(set_to_none=set_to_none)  # again, with nothing to forget
    assert p.grad is None if set_to_none else not p.grad.data.any()


@pytest.mark.parametrize("set_to_none", [True, False])
@pytest.mark.parametrize("owner", ["module", "optimizer"])
def test_module_and_optimizer_zero_grad_as_torch_does(owner, set_to_none):
    """A gradient becomes None (or zeros of its dtype); a missing one stays missing."""
    model, twin = nn.Linear(3, 2, generator=0), torch.nn.Linear(3, 2)
    model.weight.grad, twin.weight.grad = Tensor(np.ones((2, 3), np.float32)), torch.ones(2, 3)
    for m in (model, twin):  # the bias has no gradient
        opt = (SGD if m is model else torch.optim.SGD)(m.parameters(), lr=0.1)
        (m if owner == "module" else opt).zero_grad(set_to_none=set_to_none)
    for p, t in zip(model.parameters(), twin.parameters(), strict=True):
        assert (p.grad is None) == (t.grad is None)
        if p.grad is not None:
            assert p.grad.dtype == np.float32
            np.testing.assert_array_equal(p.grad.data, t.grad.numpy())


@pytest.mark.parametrize("setting", SETTINGS)
def test_parameters_without_gradient_are_skipped(setting):
    rng = np.random.default_rng(5)
    params = random_params(rng)
    idle = params[2]
    starts = [p.data.copy() for p in params]
    opt = setting.build(params)
    for _ in range(3):
        give_grads(params, rng)
        idle.grad = None
        opt.step()
    for p, start in zip(params, starts, strict=True):
        assert np.array_equal(p.data, start) == (p is idle)
    assert not opt.state.get(idle)


@pytest.mark.parametrize("setting", SETTINGS)
def test_state_never_shares_the_gradient_array(setting):
    """Changing a gradient in place after step (p.grad.data *= ...) must leave the state alone."""
    rng = np.random.default_rng(6)
    params = random_params(rng)
    opt = setting.build(params)
    give_grads(params, rng)
    opt.step()
    before = opt.state_dict()
    for p in params:
        p.grad.data[...] = 1e3
    assert_equal_states(opt.state_dict(), before)


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    x = Parameter(np.array([1.0, -2.0]))
    opt = SGD([x], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        calls.append(is_grad_enabled())
        loss = (x * x).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert calls == [True]
    assert isinstance(loss, Tensor) and loss.item() == 5.0
    np.testing.assert_allclose(x.data, [1.0 - 0.1 * 2.0, -2.0 + 0.1 * 4.0])
    assert opt.step() is None


SCALAR_PATHS = [(SGD, dict(lr=0.1, momentum=0.9)), (Adam, dict(lr=0.1)), (NAdam, dict(lr=0.1)),
                (RAdam, dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
                (Adamax, dict(lr=0.1, maximize=True))]  # fmt: skip


@pytest.mark.parametrize("cls, hyper", SCALAR_PATHS)
def test_value_parameters_follow_the_same_path_as_tensors(cls, hyper):
    """Scalar Values train like 0-d float64 Tensors; their state is floats, and round-trips."""
    values = [Value(1.0), Value(-2.0)]
    tensors = [Parameter(np.array(v.data)) for v in values]
    opt_v, opt_t = cls(values, **hyper), cls(tensors, **hyper)
    for _ in range(15):
        for opt, (a, b) in [(opt_v, values), (opt_t, tensors)]:
            opt.zero_grad()
            ((a - 3) ** 2 + (b + 1) ** 2 * 4).backward()
            opt.step()
    for v, t in zip(values, tensors, strict=True):
        assert isinstance(v.data, float)
        np.testing.assert_allclose(v.data, t.data, rtol=1e-13)
        assert all(isinstance(s, (float, int)) for s in opt_v.state[v].values())
    fresh = cls([Value(0.0), Value(0.0)], **hyper)
    fresh.load_state_dict(opt_v.state_dict())
    assert fresh.state[fresh.param_groups[0]["params"][1]] == opt_v.state[values[1]]


def test_param_groups_have_their_own_hyperparameters():
    """A group's lr replaces the default; what it leaves out (momentum) comes from the defaults."""
    a, b = Parameter(np.zeros(3)), Parameter(np.zeros(3))
    opt = SGD([{"params": [a], "lr": 1.0}, {"params": [b]}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [1.0, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.5, 0.5]
    for _ in range(2):
        a.grad, b.grad = Tensor(np.ones(3)), Tensor(np.ones(3))
        opt.step()
    np.testing.assert_allclose(a.data, -1.0 * (1 + 1.5))
    np.testing.assert_allclose(b.data, -0.1 * (1 + 1.5))
