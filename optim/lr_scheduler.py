"""Learning-rate schedules: torch.optim.lr_scheduler's names, arguments and values.

A scheduler changes `group["lr"]` in each of `optimizer.param_groups` (OneCycleLR also changes
`group["momentum"]` or `group["betas"][0]`). The loop is torch's:

    scheduler = CosineAnnealingLR(optimizer, T_max=100)   # sets the lr for step 0
    for step in range(100):
        ...; optimizer.step()                             # trains with get_last_lr()
        scheduler.step()                                  # moves to the lr for the next step

`last_epoch` counts the calls to `step()` (0 right after construction), and `get_last_lr()` is the
lr of each param group for that step. Most rules are chainable, as in torch: they scale the group's
current lr, so two schedulers stepped on one optimizer multiply. LambdaLR and OneCycleLR set it.
"""

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import pairwise
from types import SimpleNamespace
from typing import Any, NamedTuple

from autograd.arguments import is_real, is_whole

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "schedule_values",
]


# Argument checks. Errors name the scheduler, the argument, the rule and the value given.

_RULES: dict[str, Callable[[float], bool]] = {
    "> 0": lambda x: x > 0,
    ">= 0": lambda x: x >= 0,
    "in (0, 1]": lambda x: 0 < x <= 1,
    "in [0, 1]": lambda x: 0 <= x <= 1,
    "in [0, 1)": lambda x: 0 <= x < 1,
}


def _check_number(owner: object, name: str, value: Any, rule: str) -> None:
    """Raise unless `value` is a finite real number obeying `rule`, a key of _RULES."""
    if not is_real(value):
        raise TypeError(f"{type(owner).__name__}: {name} must be a number, got {value!r}")
    if not (math.isfinite(value) and _RULES[rule](value)):
        raise ValueError(f"{type(owner).__name__}: {name} must be {rule}, got {value!r}")


def _check_int(owner: object, name: str, value: Any, minimum: int) -> None:
    """Raise unless `value` is an int >= minimum."""
    if not is_whole(value):
        raise TypeError(f"{type(owner).__name__}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{type(owner).__name__}: {name} must be >= {minimum}, got {value!r}")


def _check_choice(owner: object, name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{type(owner).__name__}: {name} must be one of {choices}, got {value!r}")


def _check_milestones(owner: object, milestones: Any, minimum: int) -> list[int]:
    """The milestones as a list of increasing ints >= minimum."""
    milestones = list(milestones)
    for milestone in milestones:
        _check_int(owner, "milestones", milestone, minimum)
    if any(later <= earlier for earlier, later in pairwise(milestones)):
        raise ValueError(f"{type(owner).__name__}: milestones must increase, got {milestones}")
    return milestones


def _param_groups(owner: object, optimizer: Any) -> list[dict[str, Any]]:
    """The optimizer's param groups; a TypeError if it has none."""
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list):
        raise TypeError(
            f"{type(owner).__name__}: optimizer must have a param_groups list, "
            f"got {type(optimizer).__name__}"
        )
    return groups


def _per_group(owner: object, name: str, value: Any, groups: list, rule: str) -> list[float]:
    """One value per param group: a list or tuple as given, a single number repeated."""
    values = list(value) if isinstance(value, (list, tuple)) else [value] * len(groups)
    if len(values) != len(groups):
        raise ValueError(
            f"{type(owner).__name__}: {name} has {len(values)} values "
            f"but the optimizer has {len(groups)} param groups"
        )
    for v in values:
        _check_number(owner, name, v, rule)
    return values


class LRScheduler:
    """The base of every schedule: owns `last_epoch`, `step()`, `get_last_lr()` and the state.

    A schedule defines only `next_lr(i, lr)`, the lr of param group `i` at step `last_epoch`
    given `lr`, its lr until now (chainable rules scale it; others start from `base_lrs[i]`).
    """

    def __init__(self, optimizer: Any) -> None:
        """Record each group's starting lr as "initial_lr" and set the lrs for step 0."""
        groups = _param_groups(self, optimizer)
        self.optimizer = optimizer
        for group in groups:
            # setdefault: a second scheduler on this optimizer keeps the first one's start
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in groups]
        self.last_epoch = 0
        self._apply()

    def next_lr(self, i: int, lr: float) -> float:
        """The lr of param group `i` at step `self.last_epoch`; `lr` is its lr until now."""
        raise NotImplementedError(f"{type(self).__name__} must define next_lr()")

    def step(self) -> None:
        """Move to the next step's lrs; call it after `optimizer.step()`."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The lr of each param group at step `last_epoch`: what the next optimizer.step() uses."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Where the schedule is, as plain numbers; the constructor's arguments are not saved."""
        return {
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            "last_lr": list(self._last_lr),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from `state` (from `state_dict()`); restore the optimizer's state too, as in
        torch: its param groups hold the current lr that chainable rules scale."""
        expected = set(self.state_dict())
        if set(state) != expected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected keys {sorted(expected)}, "
                f"got {sorted(state)}"
            )
        self.last_epoch = state["last_epoch"]
        self.base_lrs = list(state["base_lrs"])
        self._last_lr = list(state["last_lr"])

    def _apply(self) -> None:
        """Write the lrs for step `last_epoch` into the param groups."""
        groups = self.optimizer.param_groups
        lrs = [self.next_lr(i, group["lr"]) for i, group in enumerate(groups)]
        for group, lr in zip(groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = lrs

    def _restart(self) -> None:
        """Start over at step 0 from `base_lrs` (SequentialLR does this at each milestone)."""
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base_lr
        self.last_epoch = 0
        self._apply()


class LambdaLR(LRScheduler):
    """lr_t = base_lr * lr_lambda(t); `lr_lambda` may be a list, one function per param group.

    The functions are not in `state_dict()`: pass the same ones when rebuilding the scheduler.
    """

    def __init__(
        self, optimizer: Any, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]]
    ) -> None:
        groups = _param_groups(self, optimizer)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(groups):
                raise ValueError(
                    f"LambdaLR: lr_lambda has {len(lr_lambda)} functions "
                    f"but the optimizer has {len(groups)} param groups"
                )
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {fn!r}")
        super().__init__(optimizer)

    def next_lr(self, i: int, lr: float) -> float:
        return self.base_lrs[i] * self.lr_lambdas[i](self.last_epoch)


class StepLR(LRScheduler):
    """Multiply the lr by gamma every `step_size` steps: lr_t = base_lr * gamma**(t // size)."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1) -> None:
        _check_int(self, "step_size", step_size, 1)
        _check_number(self, "gamma", gamma, "> 0")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def next_lr(self, i: int, lr: float) -> float:
        t = self.last_epoch
        return lr * self.gamma if t > 0 and t % self.step_size == 0 else lr


class MultiStepLR(LRScheduler):
    """Multiply the lr by gamma at each milestone: lr_t = base_lr * gamma**(milestones <= t)."""

    def __init__(self, optimizer: Any, milestones: Sequence[int], gamma: float = 0.1) -> None:
        self.milestones = _check_milestones(self, milestones, 0)
        _check_number(self, "gamma", gamma, "> 0")
        self.gamma = gamma
        super().__init__(optimizer)

    def next_lr(self, i: int, lr: float) -> float:
        return lr * self.gamma if self.last_epoch in self.milestones else lr


class ExponentialLR(LRScheduler):
    """Multiply the lr by gamma every step: lr_t = base_lr * gamma**t."""

    def __init__(self, optimizer: Any, gamma: float) -> None:
        _check_number(self, "gamma", gamma, "> 0")
        self.gamma = gamma
        super().__init__(optimizer)

    def next_lr(self, i: int, lr: float) -> float:
        return lr if self.last_epoch == 0 else lr * self.gamma


class LinearLR(LRScheduler):
    """Scale base_lr by a factor going linearly from start_factor (t = 0) to end_factor (t >= N).

    factor_t = start + (end - start) * min(t, N) / N, with N = total_iters; chainable, each step
    multiplies the lr by factor_t / factor_(t-1).
    """

    def __init__(
        self,
        optimizer: Any,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        _check_number(self, "start_factor", start_factor, "in (0, 1]")
        _check_number(self, "end_factor", end_factor, "in [0, 1]")
        _check_int(self, "total_iters", total_iters, 1)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer)

    def next_lr(self, i: int, lr: float) -> float:
        t, start, end = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return lr * start
        if t > self.total_iters:
            return lr
        # factor_t / factor_(t-1), over the common denominator N
        return lr * (1.0 + (end - start) / (self.total_iters * start + (t - 1) * (end - start)))


class CosineAnnealingLR(LRScheduler):
    """Cosine from base_lr down to eta_min over T_max steps, then back up, and so on.

    lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2, reached chainably as in
    torch: each step moves the lr along the curve by the ratio of consecutive (1 + cos) values.
    (Torch's values drift up to ~3e-11 relative from that closed form, e.g. T_max=1000 after
    two cycles, or eta_min > base_lr; these are torch's to the last bit.)
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0) -> None:
        _check_int(self, "T_max", T_max, 1)
        _check_number(self, "eta_min", eta_min, ">= 0")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def next_lr(self, i: int, lr: float) -> float:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if t == 0:
            return lr
        if (t - 1 - T) % (2 * T) == 0:
            # step t-1 was the bottom of the curve, where the ratio below would be x / 0
            return lr + (self.base_lrs[i] - eta_min) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return ratio * (lr - eta_min) + eta_min


class SequentialLR(LRScheduler):
    """Run `schedulers` one after another, switching at `milestones` (steps; one fewer).

    Each scheduler starts over from its base lrs at step 0 when its turn comes, so
    SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), CosineAnnealingLR(opt, 95)], [5])
    warms up for 5 steps and then anneals from the full lr.
    """

    def __init__(
        self, optimizer: Any, schedulers: Sequence[LRScheduler], milestones: Sequence[int]
    ) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("SequentialLR: schedulers must not be empty")
        for k, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau) or not isinstance(scheduler, LRScheduler):
                raise TypeError(
                    f"SequentialLR: schedulers[{k}] must be a schedule (an LRScheduler other "
                    f"than ReduceLROnPlateau), got {type(scheduler).__name__}"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: schedulers[{k}] ({type(scheduler).__name__}) "
                    "schedules a different optimizer"
                )
        self.milestones = _check_milestones(self, milestones, 1)
        if len(self.milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} "
                f"milestones, got {len(self.milestones)}"
            )
        self.schedulers = schedulers
        super().__init__(optimizer)

    def _apply(self) -> None:
        k = bisect_right(self.milestones, self.last_epoch)
        scheduler = self.schedulers[k]
        starts_now = self.last_epoch == (0 if k == 0 else self.milestones[k - 1])
        if starts_now:
            scheduler._restart()
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "schedulers": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for scheduler, scheduler_state in zip(self.schedulers, state["schedulers"], strict=True):
            scheduler.load_state_dict(scheduler_state)


class _Phase(NamedTuple):
    """One stretch of the 1cycle: lr and momentum anneal between named anchors up to `end`."""

    end: float  # the step at which the phase reaches its end values
    lr_from: str  # "initial", "max" or "min"
    lr_to: str
    momentum_from: str  # "base" or "max"
    momentum_to: str


def _cos_anneal(start: float, end: float, pct: float) -> float:
    """From start (pct = 0) to end (pct = 1) along half a cosine."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _linear_anneal(start: float, end: float, pct: float) -> float:
    """From start (pct = 0) to end (pct = 1) along a line."""
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """The 1cycle policy: lr warms up from max_lr/div_factor to max_lr over pct_start of the
    steps, then anneals to max_lr/div_factor/final_div_factor; momentum moves the opposite way
    between max_momentum and base_momentum. three_phase=True: up, back down, then to the floor.

    Momentum is `group["momentum"]` (SGD, RMSprop) or `group["betas"][0]` (Adam, AdamW).
    The schedule has `total_steps` steps (or epochs * steps_per_epoch): as in torch, `step()` may
    be called that many times, and one more call raises ValueError.
    """

    def __init__(
        self,
        optimizer: Any,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ) -> None:
        groups = _param_groups(self, optimizer)
        if total_steps is not None:
            _check_int(self, "total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            _check_int(self, "epochs", epochs, 1)
            _check_int(self, "steps_per_epoch", steps_per_epoch, 1)
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
        _check_number(self, "pct_start", pct_start, "in [0, 1]")
        _check_choice(self, "anneal_strategy", anneal_strategy, ("cos", "linear"))
        _check_number(self, "div_factor", div_factor, "> 0")
        _check_number(self, "final_div_factor", final_div_factor, "> 0")
        max_lrs = _per_group(self, "max_lr", max_lr, groups, "> 0")
        base_momentums = _per_group(self, "base_momentum", base_momentum, groups, "in [0, 1)")
        max_momentums = _per_group(self, "max_momentum", max_momentum, groups, "in [0, 1)")
        self.momentum_key = None  # the group key cycled: "betas" (its [0]), "momentum" or none
        if cycle_momentum and all("betas" in group for group in groups):
            self.momentum_key = "betas"
        elif cycle_momentum and all("momentum" in group for group in groups):
            self.momentum_key = "momentum"
        elif cycle_momentum:
            raise ValueError(
                "OneCycleLR: cycle_momentum=True needs an optimizer with 'momentum' or 'betas' "
                f"in every param group, and {type(optimizer).__name__} has neither; "
                "pass cycle_momentum=False"
            )

        self.total_steps = total_steps
        self.cycle_momentum = cycle_momentum
        self.anneal = _cos_anneal if anneal_strategy == "cos" else _linear_anneal
        self.lr_anchors = [
            {"initial": m / div_factor, "max": m, "min": m / div_factor / final_div_factor}
            for m in max_lrs
        ]
        self.momentum_anchors = [
            {"base": base, "max": top}
            for base, top in zip(base_momentums, max_momentums, strict=True)
        ]
        warmup_end = float(pct_start * total_steps) - 1
        if three_phase:
            self.phases = [
                _Phase(warmup_end, "initial", "max", "max", "base"),
                _Phase(float(2 * pct_start * total_steps) - 2, "max", "initial", "base", "max"),
                _Phase(total_steps - 1, "initial", "min", "max", "max"),
            ]
        else:
            self.phases = [
                _Phase(warmup_end, "initial", "max", "max", "base"),
                _Phase(total_steps - 1, "max", "min", "base", "max"),
            ]
        for group, anchors in zip(groups, self.lr_anchors, strict=True):
            group["initial_lr"] = anchors["initial"]  # overwrites, as in torch
        super().__init__(optimizer)

    def step(self) -> None:
        if self.last_epoch >= self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {self.last_epoch + 1} times, "
                f"but total_steps is {self.total_steps}"
            )
        super().step()

    def _where(self) -> tuple[_Phase, float]:
        """The phase step `last_epoch` is in, and how far through it (0 to 1)."""
        start = 0.0
        for phase in self.phases:
            if self.last_epoch <= phase.end or phase is self.phases[-1]:
                break
            start = phase.end
        if phase.end == start:  # a phase of no length is at its end (torch divides by zero)
            return phase, 1.0
        return phase, (self.last_epoch - start) / (phase.end - start)

    def next_lr(self, i: int, lr: float) -> float:
        phase, pct = self._where()
        anchors = self.lr_anchors[i]
        return self.anneal(anchors[phase.lr_from], anchors[phase.lr_to], pct)

    def _apply(self) -> None:
        super()._apply()
        if not self.cycle_momentum:
            return
        phase, pct = self._where()
        for group, anchors in zip(self.optimizer.param_groups, self.momentum_anchors, strict=True):
            momentum = self.anneal(anchors[phase.momentum_from], anchors[phase.momentum_to], pct)
            if self.momentum_key == "betas":
                group["betas"] = (momentum, *group["betas"][1:])
            else:
                group["momentum"] = momentum


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` when the metric passed to `step(metrics)` has not improved
    for more than `patience` steps; then wait `cooldown` steps before counting again.

    Improving means, for mode="min", a metric below best * (1 - threshold) (threshold_mode="rel")
    or below best - threshold ("abs"); for "max", above best * (1 + threshold) or best + threshold.
    The lr never goes below `min_lr` (one per group, or one for all), and a change smaller than
    `eps` is skipped.
    """

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        groups = _param_groups(self, optimizer)
        _check_choice(self, "mode", mode, ("min", "max"))
        _check_number(self, "factor", factor, "in [0, 1)")
        _check_int(self, "patience", patience, 0)
        _check_number(self, "threshold", threshold, ">= 0")
        _check_choice(self, "threshold_mode", threshold_mode, ("rel", "abs"))
        _check_int(self, "cooldown", cooldown, 0)
        _check_number(self, "eps", eps, ">= 0")
        self.min_lrs = _per_group(self, "min_lr", min_lr, groups, ">= 0")
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.eps = eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        super().__init__(optimizer)  # step 0: the lrs stay as they are

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Take the metric for this step (a loss, an accuracy) and reduce the lr on a plateau."""
        metric = float(metrics)
        self.last_epoch += 1
        if self._is_better(metric):
            self.best = metric
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # bad steps during a cooldown do not count
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        self._apply()
        if self.num_bad_epochs > self.patience:
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def next_lr(self, i: int, lr: float) -> float:
        if self.num_bad_epochs <= self.patience:
            return lr
        reduced = max(lr * self.factor, self.min_lrs[i])
        return reduced if lr - reduced > self.eps else lr

    def _is_better(self, metric: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return metric < self.best * (1.0 - self.threshold)
        if self.mode == "min":
            return metric < self.best - self.threshold
        if self.threshold_mode == "rel":
            return metric > self.best * (1.0 + self.threshold)
        return metric > self.best + self.threshold

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "best": self.best,
            "num_bad_epochs": self.num_bad_epochs,
            "cooldown_counter": self.cooldown_counter,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.best = state["best"]
        self.num_bad_epochs = state["num_bad_epochs"]
        self.cooldown_counter = state["cooldown_counter"]


def schedule_values(
    make_scheduler: Callable[[Any], LRScheduler], steps: int, lr: float = 1.0
) -> list[float]:
    """The lrs a schedule gives over `steps` steps, without training or an optimizer.

    values[i] is the lr that training step i uses: get_last_lr()[0] after i calls to step(),
    i.e. torch's get_last_lr() just before the i-th scheduler.step() (counting from 0).
    `make_scheduler` gets a stand-in optimizer with one param group ("lr": lr, plus "momentum"
    and "betas" for OneCycleLR), e.g. schedule_values(lambda o: CosineAnnealingLR(o, 100), 100).
    """
    if not is_whole(steps) or steps < 0:
        raise ValueError(f"schedule_values: steps must be an int >= 0, got {steps!r}")
    group = {"params": [], "lr": lr, "momentum": 0.0, "betas": (0.9, 0.999)}
    scheduler = make_scheduler(SimpleNamespace(param_groups=[group]))
    if isinstance(scheduler, ReduceLROnPlateau):
        raise TypeError("schedule_values: ReduceLROnPlateau follows a metric, not a schedule")
    values = []
    for i in range(steps):
        if i > 0:
            scheduler.step()
        values.append(scheduler.get_last_lr()[0])
    return values
