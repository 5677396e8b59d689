"""Optimizer: the base every update rule builds on. It owns the loop, the state, and the checks.

A rung of the ladder only says how one parameter changes: `update(p, grad, state, group)`.
Parameters are anything with `.data` and `.grad` (Tensors, Parameters, Values); gradients and
state are numpy arrays for tensors and floats for Values, and the updates are written so the
same lines serve both.
"""

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


class Optimizer:
    """Holds `param_groups` (dicts of "params" and hyperparameters) and per-parameter `state`.

    `params` is an iterable of parameters, or of dicts like {"params": [...], "lr": 0.1} to give
    groups their own hyperparameters (missing ones come from the optimizer's defaults).
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Any, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty list of parameters")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters; hyperparameters it leaves out take the defaults."""
        group = {**self.defaults, **group, "params": list(group["params"])}
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown hyperparameters {sorted(unknown)}")
        self.check(group)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears in two groups")
        self.param_groups.append(group)

    def check(self, group: dict[str, Any]) -> None:
        """ValueError naming any hyperparameter out of its range ("lr must be >= 0, got -1.0")."""
        for name in ("lr", "weight_decay", "momentum", "eps", "lr_decay", "alpha", "dampening",
                     "initial_accumulator_value"):  # fmt: skip
            if name in group and not group[name] >= 0:
                raise ValueError(f"{name} must be >= 0, got {group[name]}")
        for i, beta in enumerate(group.get("betas", ())):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"betas[{i}] must be in [0, 1), got {beta}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient before the next backward (a Value's becomes 0.0)."""
        for group in self.param_groups:
            for p in group["params"]:
                if isinstance(p.grad, float):
                    p.grad = 0.0
                elif p.grad is not None:
                    p.grad = None if set_to_none else type(p.grad)(np.zeros_like(p.grad.data))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; `closure` (which zeroes the gradients,
        recomputes the loss and calls backward) runs first and its loss is returned."""
        loss = None if closure is None else closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    grad = getattr(p.grad, "data", p.grad)
                    self.update(p, grad, self.state.setdefault(p, {}), group)
        return loss

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
                new_state.setdefault(params[index], {})[name] = _as_state(value, params[index], key)
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


def _as_state(value: Any, p: Any, key: str) -> Any:
    """A saved state entry: a number (step counts, Value state) or an array shaped like p."""
    array = np.array(value)
    if array.ndim == 0 and (key.endswith(".step") or isinstance(p.data, float)):
        return array.item()
    if array.shape != np.shape(p.data):
        raise ValueError(
            f"load_state_dict: {key} has shape {array.shape}, the parameter {np.shape(p.data)}"
        )
    return array
