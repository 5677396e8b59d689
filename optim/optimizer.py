"""Optimizer: the base every update rule builds on. It owns the loop, the state, and the checks.

A rung of the ladder only says how one parameter changes: `update(p, grad, state, group)`.
Parameters are anything with `.data` and `.grad` (Tensors, Parameters, Values); gradients and
state are numpy arrays for tensors and floats for Values, and the updates are written so the
same lines serve both.
"""

import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd.gradients import zero_grads


class Optimizer:
    """Holds `param_groups` (dicts of "params" and hyperparameters) and per-parameter `state`.

    `params` is an iterable of parameters, or of dicts like {"params": [...], "lr": 0.1} to give
    groups their own hyperparameters (missing ones come from the optimizer's defaults).
    """

    scalar_state: tuple[str, ...] = ("step",)  # state entries that are numbers, not arrays

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Any, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = self._listed(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty list of parameters")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters; hyperparameters it leaves out take the defaults."""
        group = {**self.defaults, **group, "params": self._listed(group["params"])}
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown hyperparameters {sorted(unknown)}")
        for p in group["params"]:
            _check_parameter(type(self).__name__, p)
        self.check(group)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears in two groups")
        self.param_groups.append(group)

    def check(self, group: dict[str, Any]) -> None:
        """TypeError naming any hyperparameter that is not a real number, ValueError naming any
        out of its range ("lr must be >= 0, got -1.0") and betas that are not a pair."""
        owner = type(self).__name__
        for name in ("lr", "weight_decay", "momentum", "eps", "lr_decay", "alpha", "dampening",
                     "initial_accumulator_value", "momentum_decay"):  # fmt: skip
            if name in group:
                _check_real(owner, name, group[name])
                if not group[name] >= 0:
                    raise ValueError(f"{owner}: {name} must be >= 0, got {group[name]}")
        if "betas" in group:
            _check_betas(owner, group["betas"])

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient before the next backward (see `zero_grads`)."""
        zero_grads(self._params(), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; `closure` (which zeroes the gradients,
        recomputes the loss and calls backward) runs first and its loss is returned."""
        loss = None if closure is None else closure()
        for p, grad, group in self._gradients():  # all checked before the first update
            self.update(p, grad, self.state.setdefault(p, {}), group)
        return loss

    def _gradients(self) -> list[tuple[Any, Any, dict[str, Any]]]:
        """(parameter, its gradient's array or float, its group) for each parameter with a
        gradient; ValueError if a gradient's shape is not its parameter's (a kernel would read
        past its end)."""
        out = []
        for i, (p, group) in enumerate((p, g) for g in self.param_groups for p in g["params"]):
            if p.grad is None:
                continue
            grad = getattr(p.grad, "data", p.grad)
            if _shape(grad) != _shape(p.data):
                raise ValueError(
                    f"{type(self).__name__}.step: parameter {i} has shape {_shape(p.data)} "
                    f"but its gradient has shape {_shape(grad)}"
                )
            out.append((p, grad, group))
        return out

    def update(self, p: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Change `p.data` from `grad`, this parameter's `state` and its `group`'s settings."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    # --- state, as flat arrays for nn.save -------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """Hyperparameters and per-parameter state as named arrays (parameters by position).

        Keys: "param_groups.<g>.<name>" and "state.<i>.<name>", where i counts parameters across
        groups in order, as torch does. `nn.save(optimizer.state_dict(), path)` writes it.
        """
        out: dict[str, np.ndarray] = {}
        for g, group in enumerate(self.param_groups):
            for name, value in group.items():
                if name != "params":
                    out[f"param_groups.{g}.{name}"] = np.array(value)
            out[f"param_groups.{g}.size"] = np.array(len(group["params"]))
        for i, p in enumerate(self._params()):
            for name, value in self.state.get(p, {}).items():
                out[f"state.{i}.{name}"] = np.array(value)
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` saved, all or nothing: a mismatch raises, changing nothing."""
        groups = [dict(g) for g in self.param_groups]
        params = self._params()
        new_state: dict[Any, dict[str, Any]] = {}
        sized: set[int] = set()  # the groups whose parameter count the state gave
        for key, value in state.items():
            kind, index, name = _split_key(key)
            if kind == "param_groups" and index < len(groups):
                if name == "size":
                    sized.add(index)
                    if int(value) != len(groups[index]["params"]):
                        raise ValueError(
                            f"load_state_dict: group {index} has {int(value)} "
                            f"parameters in the state, {len(groups[index]['params'])} here"
                        )
                elif name not in groups[index] or name == "params":
                    raise ValueError(f"load_state_dict: unknown hyperparameter {key!r}")
                else:
                    groups[index][name] = _as_setting(value)
            elif kind == "state" and index < len(params):
                entry = _as_state(value, params[index], key, name in self.scalar_state)
                new_state.setdefault(params[index], {})[name] = entry
            else:
                raise ValueError(f"load_state_dict: {key!r} does not match this optimizer")
        if len(sized) != len(groups):
            raise ValueError(
                f"load_state_dict: the state has {len(sized)} parameter groups, "
                f"this optimizer {len(groups)}"
            )
        for group in groups:
            self.check(group)
        self.param_groups, self.state = groups, new_state

    def _params(self) -> list[Any]:
        return [p for group in self.param_groups for p in group["params"]]

    def _listed(self, params: Any) -> list[Any]:
        """`params` as a list; TypeError for a model (its parameters() are wanted), a single
        parameter, or anything else that is not an iterable."""
        if hasattr(params, "parameters"):
            hint = "; pass model.parameters()"
        elif hasattr(params, "grad"):
            hint = "; put a single parameter in a list"
        elif isinstance(params, Iterable):
            return list(params)
        else:
            hint = ""
        raise TypeError(
            f"{type(self).__name__}: params must be an iterable of parameters or of dicts, "
            f"got {type(params).__name__}{hint}"
        )


def _shape(x: Any) -> tuple[int, ...]:
    """An array's shape, or () for a float (a Value's data and gradient): np.shape's, without
    its dispatch (0.16 us a call against 0.04, two calls a parameter a step)."""
    return getattr(x, "shape", ())


def _check_real(owner: str, name: str, value: Any) -> None:
    """TypeError unless `value` is a real number (a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {value!r}")


def _check_betas(owner: str, betas: Any) -> None:
    """TypeError unless `betas` is a tuple or list; ValueError unless two numbers in [0, 1)."""
    if not isinstance(betas, (tuple, list)):
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        _check_real(owner, f"betas[{i}]", beta)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{owner}: betas[{i}] must be in [0, 1), got {beta}")


def _check_parameter(owner: str, p: Any) -> None:
    """TypeError unless `p` is something an optimizer can update: it has .data and .grad."""
    if not (hasattr(p, "data") and hasattr(p, "grad")):
        raise TypeError(
            f"{owner}: parameters must have .data and .grad (Tensors, Parameters, Values), "
            f"got {type(p).__name__}"
        )


def _split_key(key: str) -> tuple[str, int, str]:
    """ "state.3.exp_avg" -> ("state", 3, "exp_avg"); ValueError for any other shape of key."""
    kind, _, rest = key.partition(".")
    index, _, name = rest.partition(".")
    if kind not in ("param_groups", "state") or not index.isdigit() or not name:
        raise ValueError(f"load_state_dict: {key!r} is not an optimizer state key")
    return kind, int(index), name


def _as_setting(value: Any) -> Any:
    """A saved hyperparameter back as a Python number, bool or tuple (betas)."""
    array = np.asarray(value)
    return array.item() if array.ndim == 0 else tuple(array.tolist())


def _as_state(value: Any, p: Any, key: str, scalar: bool) -> Any:
    """A saved state entry: a number (a `scalar` entry such as the step count, or any state of a
    Value) or an array shaped like p."""
    array = np.array(value)
    if array.ndim == 0 and (scalar or isinstance(p.data, float)):
        return array.item()
    if array.shape != _shape(p.data):
        raise ValueError(
            f"load_state_dict: {key} has shape {array.shape}, the parameter {_shape(p.data)}"
        )
    return array
