"""Learning-rate schedulers: every schedule's lrs (and OneCycleLR's momenta) equal torch's.

One table of schedules drives the tests. Each row builds its scheduler(s) from a module `S`, which
is either our optim.lr_scheduler or torch.optim.lr_scheduler, so the same line runs on both.
"""

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import nn
from optim import SGD, Adam, lr_scheduler
from optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
    schedule_values,
)

STEPS = 100
THEIRS = torch.optim.lr_scheduler
OPTIMIZERS = {  # kind: (ours, torch's, the setting OneCycleLR cycles)
    "SGD": (SGD, torch.optim.SGD, {"momentum": 0.9}),
    "Adam": (Adam, torch.optim.Adam, {"betas": (0.9, 0.999)}),
}

# A metric for ReduceLROnPlateau (negated for mode="max"): improving, a plateau, a gain smaller
# than the default relative threshold (1e-4), improving again, then a long plateau that gives
# reduction after reduction with cooldowns between.
METRICS = (
    [1.0 / (t + 1) for t in range(10)]
    + [0.1] * 15
    + [0.1 * (1 - 5e-5)] * 5
    + [0.08 - 0.001 * t for t in range(10)]
    + [0.075] * 60
)


def make_optimizer(on_torch: bool, kind: str, lrs: tuple[float, ...]):
    """Ours or torch's `kind` of optimizer, with one param group (of one parameter) per lr."""
    ours, theirs, setting = OPTIMIZERS[kind]

    def param():
        return torch.zeros(3, requires_grad=True) if on_torch else nn.Parameter(np.zeros(3))

    optimizer = (theirs if on_torch else ours)([param()], lr=lrs[0], **setting)
    for lr in lrs[1:]:
        optimizer.add_param_group({"params": [param()], "lr": lr})
    return optimizer


def as_tuple(built) -> tuple:
    """A row builds one scheduler, or a tuple of them stepped in turn on one optimizer."""
    return built if isinstance(built, tuple) else (built,)


def run(built, optimizer, steps: int, start: int = 0) -> list:
    """For steps start, start+1, ...: each group's (lrs, momenta) and last_epoch, read before
    the optimizer and the scheduler(s) step."""
    schedulers = as_tuple(built)
    trace = []
    for t in range(start, start + steps):
        groups = optimizer.param_groups
        lrs = [group["lr"] for group in groups]
        momenta = [group["betas"][0] if "betas" in group else group["momentum"] for group in groups]
        assert schedulers[-1].get_last_lr() == lrs
        trace.append((lrs, momenta, schedulers[-1].last_epoch))
        optimizer.step()
        for s in schedulers:
            if isinstance(s, (ReduceLROnPlateau, THEIRS.ReduceLROnPlateau)):
                s.step(-METRICS[t] if s.mode == "max" else METRICS[t])
            else:
                s.step()
    return trace


def row(kind, lrs, build, id):
    return pytest.param(kind, lrs, build, id=id)


# One param group, one scheduler: these can also be previewed with schedule_values.
SINGLE = [
    row("SGD", (0.1,), lambda S, o: S.LambdaLR(o, lambda t: 0.95**t), "Lambda-exp"),
    row("Adam", (1e-3,), lambda S, o: S.LambdaLR(o, lambda t: 1 / (1 + t // 10)), "Lambda-inv"),
    row("SGD", (0.1,), lambda S, o: S.StepLR(o, step_size=30), "Step-30"),
    row("SGD", (0.5,), lambda S, o: S.StepLR(o, step_size=7, gamma=0.5), "Step-7-0.5"),
    row("Adam", (1e-3,), lambda S, o: S.StepLR(o, step_size=1, gamma=0.97), "Step-1-0.97"),
    row("SGD", (0.1,), lambda S, o: S.MultiStepLR(o, milestones=[30, 80]), "MultiStep"),
    row("SGD", (1.0,), lambda S, o: S.MultiStepLR(o, [0, 5, 50], gamma=0.5), "MultiStep-at-0"),
    row("SGD", (0.1,), lambda S, o: S.ExponentialLR(o, gamma=0.95), "Exponential-0.95"),
    row("Adam", (1e-4,), lambda S, o: S.ExponentialLR(o, gamma=1.02), "Exponential-up"),
    row("SGD", (0.1,), lambda S, o: S.LinearLR(o), "Linear-defaults"),
    row("SGD", (0.1,), lambda S, o: S.LinearLR(o, start_factor=0.01, total_iters=40), "Linear-up"),
    row(
        "Adam",
        (3e-4,),
        lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=100),
        "Linear-to-0",
    ),
    row(
        "SGD",
        (0.2,),
        lambda S, o: S.LinearLR(o, start_factor=0.5, end_factor=0.25, total_iters=13),
        "Linear-down",
    ),
    row("SGD", (0.1,), lambda S, o: S.CosineAnnealingLR(o, T_max=100), "Cosine-100"),
    row(
        "SGD",
        (0.1,),
        lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=1e-3),
        "Cosine-past-T_max",
    ),
    row(
        "Adam",
        (1e-3,),
        lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=5e-3),
        "Cosine-eta_min-above-lr",
    ),
    row("SGD", (1.0,), lambda S, o: S.CosineAnnealingLR(o, T_max=1), "Cosine-1"),
    row(
        "SGD",
        (0.1,),
        lambda S, o: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.01, total_iters=10), S.CosineAnnealingLR(o, 90)], [10]
        ),
        "Sequential-warmup-cosine",
    ),
    row(
        "SGD",
        (0.1,),
        lambda S, o: S.SequentialLR(
            o,
            [
                S.LinearLR(o, start_factor=0.25, total_iters=4),
                S.CosineAnnealingLR(o, T_max=20, eta_min=0.01),
            ],
            milestones=[4],
        ),
        "Sequential-warmup-cosine-past-T_max",
    ),
    row(
        "Adam",
        (1e-3,),
        lambda S, o: S.SequentialLR(
            o,
            [S.LambdaLR(o, lambda t: (t + 1) / 5), S.ExponentialLR(o, 0.9), S.StepLR(o, 10, 0.5)],
            milestones=[5, 40],
        ),
        "Sequential-three",
    ),
    row(
        "SGD",
        (0.1,),
        lambda S, o: S.SequentialLR(
            o, [S.ExponentialLR(o, gamma=0.9), S.MultiStepLR(o, [0, 10, 20])], milestones=[25]
        ),
        "Sequential-restart-at-milestone-0",
    ),
    row("SGD", (0.1,), lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=100), "OneCycle"),
    row(
        "Adam",
        (1e-3,),
        lambda S, o: S.OneCycleLR(
            o, 0.01, epochs=10, steps_per_epoch=10, anneal_strategy="linear", three_phase=True
        ),
        "OneCycle-Adam-linear-three-phase",
    ),
    row(
        "SGD",
        (0.1,),
        lambda S, o: S.OneCycleLR(
            o,
            max_lr=0.5,
            total_steps=120,
            pct_start=0.25,
            div_factor=10.0,
            final_div_factor=100.0,
            base_momentum=0.8,
            max_momentum=0.9,
        ),
        "OneCycle-settings",
    ),
    row(
        "Adam",
        (1e-3,),
        lambda S, o: S.OneCycleLR(o, 0.01, total_steps=100, cycle_momentum=False, three_phase=True),
        "OneCycle-no-momentum",
    ),
]
MULTI_GROUP = [
    row(
        "SGD",
        (0.1, 0.03),
        lambda S, o: S.LambdaLR(o, [lambda t: 0.9**t, lambda t: 1 + t % 3]),
        "Lambda-per-group",
    ),
    row("Adam", (1e-3, 3e-4), lambda S, o: S.CosineAnnealingLR(o, 40, 1e-4), "Cosine-groups"),
    row(
        "SGD",
        (0.1, 0.03),
        lambda S, o: S.OneCycleLR(
            o, [1.0, 0.3], total_steps=100, base_momentum=[0.8, 0.85], max_momentum=[0.9, 0.95]
        ),
        "OneCycle-per-group",
    ),
]
CHAINED = [  # several schedulers stepped in turn on one optimizer: their factors multiply
    row(
        "SGD",
        (0.1,),
        lambda S, o: (S.ExponentialLR(o, 0.97), S.StepLR(o, step_size=10, gamma=0.5)),
        "Chained-exponential-step",
    ),
    row(
        "SGD",
        (0.1,),
        lambda S, o: (S.LinearLR(o, start_factor=0.1, total_iters=10), S.CosineAnnealingLR(o, 20)),
        "Chained-linear-cosine",
    ),
    row(
        "Adam",
        (1e-3,),
        lambda S, o: (S.MultiStepLR(o, [20, 60]), S.CosineAnnealingLR(o, 25, eta_min=1e-5)),
        "Chained-multistep-cosine",
    ),
]
PLATEAU = [
    row(
        "SGD",
        (0.1,),
        lambda S, o: S.ReduceLROnPlateau(o, factor=0.5, patience=3, cooldown=2),
        "Plateau-min-rel",
    ),
    row(
        "SGD",
        (0.1,),
        lambda S, o: S.ReduceLROnPlateau(
            o, mode="max", threshold=1e-3, threshold_mode="abs", patience=0, min_lr=1e-3
        ),
        "Plateau-max-abs-floor",
    ),
    row(
        "Adam",
        (0.1, 0.03),
        lambda S, o: S.ReduceLROnPlateau(
            o, factor=0.3, patience=5, cooldown=5, min_lr=[1e-3, 1e-4], eps=1e-3
        ),
        "Plateau-groups-eps",
    ),
    row("Adam", (1e-3,), lambda S, o: S.ReduceLROnPlateau(o), "Plateau-defaults"),
]
ROWS = SINGLE + MULTI_GROUP + CHAINED + PLATEAU
ROW_ARGS = "kind, lrs, build"


@pytest.mark.parametrize(ROW_ARGS, ROWS)
def test_lrs_momenta_and_last_epoch_equal_torch(kind, lrs, build):
    traces = []
    for on_torch in (False, True):
        optimizer = make_optimizer(on_torch, kind, lrs)
        module = THEIRS if on_torch else lr_scheduler
        traces.append(run(build(module, optimizer), optimizer, STEPS))
    ours, theirs = ([np.array([step[k] for step in trace]) for k in range(3)] for trace in traces)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=0, err_msg="lr")
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=0, err_msg="momentum")
    np.testing.assert_array_equal(ours[2], theirs[2], err_msg="last_epoch")


@pytest.mark.parametrize(ROW_ARGS, PLATEAU)
def test_the_metric_script_makes_plateaus_reduce_the_lr(kind, lrs, build):
    optimizer = make_optimizer(False, kind, lrs)
    lrs_seen = {step[0][0] for step in run(build(lr_scheduler, optimizer), optimizer, STEPS)}
    assert len(lrs_seen) >= 3


@pytest.mark.parametrize(ROW_ARGS, ROWS)
def test_state_dict_round_trip_continues_identically(kind, lrs, build):
    optimizer = make_optimizer(False, kind, lrs)
    built = build(lr_scheduler, optimizer)
    run(built, optimizer, 60)  # mid-plateau for ReduceLROnPlateau, past warmups and milestones
    optimizer_state = optimizer.state_dict()
    # through JSON: the state is plain numbers
    states = [json.loads(json.dumps(s.state_dict())) for s in as_tuple(built)]

    # torch's order: build the scheduler, then load the optimizer's state, then the scheduler's
    resumed_optimizer = make_optimizer(False, kind, lrs)
    resumed = build(lr_scheduler, resumed_optimizer)
    resumed_optimizer.load_state_dict(optimizer_state)
    for scheduler, state in zip(as_tuple(resumed), states, strict=True):
        scheduler.load_state_dict(state)
    assert run(resumed, resumed_optimizer, 40, start=60) == run(built, optimizer, 40, start=60)


def test_load_state_dict_names_missing_and_unknown_keys():
    optimizer = make_optimizer(False, "SGD", (0.1,))
    state = StepLR(optimizer, 10).state_dict()
    del state["last_lr"]
    state["gamma"] = 0.5
    with pytest.raises(ValueError, match=r"expected keys \['base_lrs', 'last_epoch', 'last_lr'\]"):
        StepLR(optimizer, 10).load_state_dict(state)


@pytest.mark.parametrize(ROW_ARGS, SINGLE)
def test_schedule_values_equals_a_real_run(kind, lrs, build):
    optimizer = make_optimizer(False, kind, lrs)
    real = [step[0][0] for step in run(build(lr_scheduler, optimizer), optimizer, STEPS)]
    assert schedule_values(lambda o: build(lr_scheduler, o), STEPS, lr=lrs[0]) == real


def test_schedule_values_ith_value_is_the_lr_after_i_steps():
    values = schedule_values(lambda o: StepLR(o, step_size=2, gamma=0.5), 5)
    assert values == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert schedule_values(lambda o: StepLR(o, step_size=2), 0) == []


# Changing any one argument changes the lrs: none is accepted and then ignored. (Momentum and
# ReduceLROnPlateau's arguments are pinned by the torch rows above.)
VARIATIONS = [  # (scheduler, arguments, a different value for each argument)
    (StepLR, {"step_size": 10}, {"step_size": 7, "gamma": 0.5}),
    (MultiStepLR, {"milestones": [30, 80]}, {"milestones": [30, 70], "gamma": 0.5}),
    (ExponentialLR, {"gamma": 0.95}, {"gamma": 0.9}),
    (LinearLR, {}, {"start_factor": 0.5, "end_factor": 0.5, "total_iters": 10}),
    (CosineAnnealingLR, {"T_max": 50}, {"T_max": 40, "eta_min": 0.01}),
    (
        OneCycleLR,
        {"max_lr": 1.0, "total_steps": 100},
        {
            "max_lr": 0.5,
            "total_steps": 120,
            "pct_start": 0.4,
            "anneal_strategy": "linear",
            "div_factor": 10.0,
            "final_div_factor": 100.0,
            "three_phase": True,
        },
    ),
    (OneCycleLR, {"max_lr": 1.0, "epochs": 10, "steps_per_epoch": 10}, {"epochs": 9}),
]


@pytest.mark.parametrize(
    "scheduler, arguments, name, value",
    [
        pytest.param(cls, arguments, name, value, id=f"{cls.__name__}-{name}")
        for cls, arguments, changes in VARIATIONS
        for name, value in changes.items()
    ],
)
def test_every_argument_changes_the_schedule(scheduler, arguments, name, value):
    changed = {**arguments, name: value}
    assert schedule_values(lambda o: scheduler(o, **arguments), 90) != schedule_values(
        lambda o: scheduler(o, **changed), 90
    )


@pytest.mark.parametrize("total_steps", [1, 10])
def test_one_cycle_steps_total_steps_times_then_raises_like_torch(total_steps):
    messages = []
    for module in (lr_scheduler, THEIRS):
        optimizer = make_optimizer(module is THEIRS, "SGD", (0.1,))
        scheduler = module.OneCycleLR(optimizer, max_lr=1.0, total_steps=total_steps)
        for _ in range(total_steps):
            optimizer.step()
            scheduler.step()
        with pytest.raises(ValueError) as error:
            scheduler.step()
        messages.append(str(error.value))
    assert messages[0] == (
        f"OneCycleLR: tried to step {total_steps + 1} times, but total_steps is {total_steps}"
    )


@pytest.mark.parametrize(
    "pct_start, step, anchor", [(0.1, 0, "max"), (1.0, 10, "min")], ids=["warmup", "anneal"]
)
def test_one_cycle_phase_of_no_length_is_at_its_end(pct_start, step, anchor):
    # torch divides by zero here (pct_start * total_steps == 1, or pct_start == 1 at the end)
    values = schedule_values(lambda o: OneCycleLR(o, 1.0, 10, pct_start=pct_start), step + 1)
    assert values[step] == {"max": 1.0, "min": 1.0 / 25.0 / 1e4}[anchor]


def test_one_cycle_without_momentum_needs_cycle_momentum_false():
    stand_in = SimpleNamespace(param_groups=[{"params": [], "lr": 0.1}])
    OneCycleLR(stand_in, max_lr=1.0, total_steps=10, cycle_momentum=False)
    assert stand_in.param_groups[0].keys() == {"params", "lr", "initial_lr"}


def other_optimizer():
    return make_optimizer(False, "SGD", (0.1,))


NO_MOMENTUM = SimpleNamespace(param_groups=[{"params": [], "lr": 0.1}])
BAD_ARGUMENTS = [  # (build on an SGD optimizer o, the error, its message)
    (lambda o: LambdaLR(o, 3), TypeError, "LambdaLR: lr_lambda must be callable, got 3"),
    (
        lambda o: LambdaLR(o, [abs, abs]),
        ValueError,
        "LambdaLR: lr_lambda has 2 functions but the optimizer has 1 param groups",
    ),
    (lambda o: StepLR(o, step_size=0), ValueError, "StepLR: step_size must be >= 1, got 0"),
    (lambda o: StepLR(o, step_size=2.5), TypeError, "StepLR: step_size must be an int, got 2.5"),
    (lambda o: StepLR(o, 10, gamma=0), ValueError, "StepLR: gamma must be > 0, got 0"),
    (lambda o: StepLR(o, 10, gamma=float("nan")), ValueError, "gamma must be > 0, got nan"),
    (lambda o: StepLR(o, 10, gamma="0.1"), TypeError, "StepLR: gamma must be a number, got '0.1'"),
    (lambda o: StepLR(object(), 10), TypeError, "StepLR: optimizer must have a param_groups list"),
    (
        lambda o: MultiStepLR(o, [30, 20]),
        ValueError,
        "MultiStepLR: milestones must increase, got [30, 20]",
    ),
    (lambda o: MultiStepLR(o, [-1]), ValueError, "MultiStepLR: milestones must be >= 0, got -1"),
    (lambda o: MultiStepLR(o, [5], gamma=-0.5), ValueError, "MultiStepLR: gamma must be > 0"),
    (
        lambda o: ExponentialLR(o, gamma=0.0),
        ValueError,
        "ExponentialLR: gamma must be > 0, got 0.0",
    ),
    (lambda o: LinearLR(o, start_factor=0), ValueError, "LinearLR: start_factor must be in (0, 1]"),
    (
        lambda o: LinearLR(o, start_factor=1.5),
        ValueError,
        "start_factor must be in (0, 1], got 1.5",
    ),
    (lambda o: LinearLR(o, end_factor=-0.1), ValueError, "LinearLR: end_factor must be in [0, 1]"),
    (lambda o: LinearLR(o, total_iters=0), ValueError, "LinearLR: total_iters must be >= 1, got 0"),
    (lambda o: CosineAnnealingLR(o, 0), ValueError, "CosineAnnealingLR: T_max must be >= 1, got 0"),
    (lambda o: CosineAnnealingLR(o, 10, eta_min=-1e-3), ValueError, "eta_min must be >= 0"),
    (lambda o: SequentialLR(o, [], []), ValueError, "SequentialLR: schedulers must not be empty"),
    (
        lambda o: SequentialLR(o, [StepLR(o, 5), StepLR(o, 5)], []),
        ValueError,
        "SequentialLR: 2 schedulers need 1 milestones, got 0",
    ),
    (
        lambda o: SequentialLR(o, [StepLR(o, 5), StepLR(o, 5)], [0]),
        ValueError,
        "SequentialLR: milestones must be >= 1, got 0",
    ),
    (
        lambda o: SequentialLR(o, [StepLR(o, 5), StepLR(o, 5), StepLR(o, 5)], [20, 10]),
        ValueError,
        "SequentialLR: milestones must increase, got [20, 10]",
    ),
    (
        lambda o: SequentialLR(o, [StepLR(other_optimizer(), 5)], []),
        ValueError,
        "SequentialLR: schedulers[0] (StepLR) schedules a different optimizer",
    ),
    (
        lambda o: SequentialLR(o, [ReduceLROnPlateau(o)], []),
        TypeError,
        "SequentialLR: schedulers[0] must be a schedule",
    ),
    (
        lambda o: OneCycleLR(o, 1.0),
        ValueError,
        "OneCycleLR: give total_steps, or both epochs and steps_per_epoch",
    ),
    (lambda o: OneCycleLR(o, 1.0, epochs=10), ValueError, "OneCycleLR: give total_steps, or"),
    (lambda o: OneCycleLR(o, 1.0, 0), ValueError, "OneCycleLR: total_steps must be >= 1, got 0"),
    (
        lambda o: OneCycleLR(o, 1.0, epochs=0, steps_per_epoch=10),
        ValueError,
        "OneCycleLR: epochs must be >= 1, got 0",
    ),
    (
        lambda o: OneCycleLR(o, 1.0, epochs=10, steps_per_epoch=0),
        ValueError,
        "OneCycleLR: steps_per_epoch must be >= 1, got 0",
    ),
    (
        lambda o: OneCycleLR(o, 1.0, 100, pct_start=1.5),
        ValueError,
        "OneCycleLR: pct_start must be in [0, 1], got 1.5",
    ),
    (
        lambda o: OneCycleLR(o, 1.0, 100, anneal_strategy="cosine"),
        ValueError,
        "OneCycleLR: anneal_strategy must be one of ('cos', 'linear'), got 'cosine'",
    ),
    (lambda o: OneCycleLR(o, 0.0, 100), ValueError, "OneCycleLR: max_lr must be > 0, got 0.0"),
    (
        lambda o: OneCycleLR(o, [1.0, 2.0], 100),
        ValueError,
        "OneCycleLR: max_lr has 2 values but the optimizer has 1 param groups",
    ),
    (
        lambda o: OneCycleLR(o, 1.0, 100, base_momentum=1.0),
        ValueError,
        "OneCycleLR: base_momentum must be in [0, 1), got 1.0",
    ),
    (
        lambda o: OneCycleLR(o, 1.0, 100, max_momentum=-0.1),
        ValueError,
        "OneCycleLR: max_momentum must be in [0, 1), got -0.1",
    ),
    (lambda o: OneCycleLR(o, 1.0, 100, div_factor=0), ValueError, "div_factor must be > 0, got 0"),
    (
        lambda o: OneCycleLR(o, 1.0, 100, final_div_factor=-1.0),
        ValueError,
        "OneCycleLR: final_div_factor must be > 0, got -1.0",
    ),
    (
        lambda o: OneCycleLR(NO_MOMENTUM, 1.0, 100),
        ValueError,
        "OneCycleLR: cycle_momentum=True needs an optimizer with 'momentum' or 'betas'",
    ),
    (
        lambda o: ReduceLROnPlateau(o, mode="mean"),
        ValueError,
        "ReduceLROnPlateau: mode must be one of ('min', 'max'), got 'mean'",
    ),
    (
        lambda o: ReduceLROnPlateau(o, factor=1.0),
        ValueError,
        "ReduceLROnPlateau: factor must be in [0, 1), got 1.0",
    ),
    (lambda o: ReduceLROnPlateau(o, patience=-1), ValueError, "patience must be >= 0, got -1"),
    (lambda o: ReduceLROnPlateau(o, threshold=-1e-4), ValueError, "threshold must be >= 0"),
    (
        lambda o: ReduceLROnPlateau(o, threshold_mode="relative"),
        ValueError,
        "ReduceLROnPlateau: threshold_mode must be one of ('rel', 'abs'), got 'relative'",
    ),
    (lambda o: ReduceLROnPlateau(o, cooldown=-1), ValueError, "cooldown must be >= 0, got -1"),
    (lambda o: ReduceLROnPlateau(o, min_lr=-1), ValueError, "min_lr must be >= 0, got -1"),
    (
        lambda o: ReduceLROnPlateau(o, min_lr=[0.1, 0.2]),
        ValueError,
        "ReduceLROnPlateau: min_lr has 2 values but the optimizer has 1 param groups",
    ),
    (lambda o: ReduceLROnPlateau(o, eps=-1.0), ValueError, "eps must be >= 0, got -1.0"),
    (
        lambda o: schedule_values(lambda p: StepLR(p, 5), -1),
        ValueError,
        "schedule_values: steps must be an int >= 0, got -1",
    ),
    (
        lambda o: schedule_values(ReduceLROnPlateau, 10),
        TypeError,
        "schedule_values: ReduceLROnPlateau follows a metric, not a schedule",
    ),
]


@pytest.mark.parametrize(
    "build, error, message",
    [pytest.param(*case, id=f"{case[1].__name__}-{case[2][:50]}") for case in BAD_ARGUMENTS],
)
def test_bad_arguments_raise_with_a_message(build, error, message):
    with pytest.raises(error, match=re.escape(message)):
        build(make_optimizer(False, "SGD", (0.1,)))
