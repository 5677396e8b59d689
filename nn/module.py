"""Module and Parameter: models hold parameters in attributes and find them by walking them.

One Module serves both engines: its parameters are `Parameter`s (Tensors a model learns) or,
in the micrograd-style scalar networks, `Value`s. Names follow PyTorch: `layers.0.weight`.
"""

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor, Value
from autograd.gradients import zero_grads


class Parameter(Tensor):
    """A Tensor a Module learns: requires_grad is on by default."""

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(data, requires_grad, dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class ModuleCall(NamedTuple):
    """One call of one or more modules (several when Sequential fused them): which, and the
    Tensors it was given. `viz.draw_graph` draws the nodes between `inputs` and the result as
    the call's box or cluster."""

    modules: tuple["Module", ...]
    inputs: tuple[Tensor, ...]


def record_call(out: Any, modules: tuple["Module", ...], args: tuple) -> None:
    """Note on `out`, if it is a Tensor on a graph, that `modules` computed it from `args`.

    Calls accumulate innermost first (a Sequential's result is also its last layer's), in the
    Tensor's `module_calls`. Inputs are kept by reference; the graph holds them anyway.
    """
    if isinstance(out, Tensor) and out.parents:
        # A module that returns its input (Dropout in eval mode, Identity) must not note the
        # tensor as its own input: that would be a reference cycle the collector has to free.
        inputs = tuple(a for a in args if isinstance(a, Tensor) and a is not out)
        out.module_calls = (*getattr(out, "module_calls", ()), ModuleCall(modules, inputs))


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """A model part: parameters, buffers and submodules in attributes, lists, tuples and dicts.

    Subclasses define `forward`; calling the module calls it. `training` is switched by
    `train()` and `eval()` (Dropout and BatchNorm read it).
    """

    training = True
    # register_forward_pre_hook's and register_forward_hook's functions (class-level empty
    # defaults, so a call without hooks costs one truth test each)
    _forward_pre_hooks: tuple[Callable, ...] = ()
    _forward_hooks: tuple[Callable, ...] = ()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """forward(*args, **kwargs), with the call noted on a Tensor result (see record_call),
        between the forward pre-hooks and forward hooks, if any (torch's order)."""
        for hook in self._forward_pre_hooks:
            changed = hook(self, args)
            if changed is not None:  # new inputs: a tuple, or one value
                args = changed if isinstance(changed, tuple) else (changed,)
        out = self.forward(*args, **kwargs)
        for hook in self._forward_hooks:
            changed = hook(self, args, out)
            if changed is not None:
                out = changed
        record_call(out, (self,), args)
        return out

    @property
    def hooked(self) -> bool:
        """Whether forward hooks or pre-hooks are registered (Sequential then calls the module
        itself rather than fusing it with its neighbour)."""
        return bool(self._forward_pre_hooks or self._forward_hooks)

    def register_forward_pre_hook(self, hook: Callable[["Module", tuple], Any]) -> "HookHandle":
        """Call hook(module, args) before every forward; what it returns (not None) replaces
        the inputs. Returns a handle whose remove() takes the hook off (torch)."""
        self._forward_pre_hooks = (*self._forward_pre_hooks, hook)
        return HookHandle(self, "_forward_pre_hooks", hook)

    def register_forward_hook(self, hook: Callable[["Module", tuple, Any], Any]) -> "HookHandle":
        """Call hook(module, args, output) after every forward; what it returns (not None)
        replaces the output (seeing activations: save `output` in a dict). Returns a handle
        whose remove() takes the hook off."""
        self._forward_hooks = (*self._forward_hooks, hook)
        return HookHandle(self, "_forward_hooks", hook)

    # --- what the module holds ------------------------------------------------------------------

    def named_parameters(self) -> Iterator[tuple[str, Parameter | Value]]:
        """(dotted name, parameter) pairs like ("layers.0.weight", p), each parameter once.

        Module by module, as torch: a module's own parameters, then its children's.
        """
        return _unique(
            (_join(prefix, name), p)
            for prefix, module in self.named_modules()
            for name, p in _walk(vars(module), "", (Parameter, Value))
        )

    def parameters(self) -> list[Parameter | Value]:
        """Every parameter, in attribute order."""
        return [p for _, p in self.named_parameters()]

    def register_buffer(self, name: str, tensor: Tensor) -> None:
        """Keep `tensor` as state that is saved but not learned (BatchNorm's running mean)."""
        setattr(self, name, tensor)
        self.__dict__.setdefault("_buffer_names", []).append(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add `param` (a Parameter, or None for an absent one such as a missing bias) as
        attribute `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be a Parameter or None, "
                f"got {type(param).__name__}"
            )
        setattr(self, name, param)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add `module` as the child named `name` (as the attribute of that name)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        setattr(self, name, module)

    def buffers(self) -> list[Tensor]:
        """Every buffer (state saved but not learned, as BatchNorm's running_mean)."""
        return [b for _, b in self.named_buffers()]

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs of this module and every submodule."""
        for prefix, module in self.named_modules():
            for name, buffer in module._own_buffers():
                yield _join(prefix, name), buffer

    def _own_buffers(self) -> list[tuple[str, Tensor]]:
        return [(name, getattr(self, name)) for name in vars(self).get("_buffer_names", [])]

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """The submodules directly inside this one, by name ("0", "layers.1", "fc")."""
        return _unique(_walk(vars(self), "", (Module,)))

    def children(self) -> list["Module"]:
        return [m for _, m in self.named_children()]

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """This module (named `prefix`) and every module inside it, depth first, each once."""
        return _unique(self._named_modules(prefix))

    def _named_modules(self, prefix: str) -> Iterator[tuple[str, "Module"]]:
        yield prefix, self
        for name, child in self.named_children():
            yield from child._named_modules(_join(prefix, name))

    def modules(self) -> list["Module"]:
        return [m for _, m in self.named_modules()]

    def get_submodule(self, target: str) -> "Module":
        """The module at dotted path `target` ("encoder.0"; "" is self); AttributeError naming
        the first step that is not a submodule, as torch."""
        module = self
        for name in target.split(".") if target else []:
            child = dict(module.named_children()).get(name)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
            module = child
        return module

    def num_parameters(self) -> int:
        """How many numbers the model learns."""
        return sum(p.size if isinstance(p, Tensor) else 1 for p in self.parameters())

    # --- training ---------------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient before the next backward (autograd's `zero_grads`)."""
        zero_grads(self.parameters(), set_to_none)

    def train(self, mode: bool = True) -> "Module":
        """Switch this module and every submodule to training (or, mode=False, evaluation)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call fn(module) on every submodule, children before parents, then on this one
        (torch's order: `model.apply(init_weights)`); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Switch gradients on or off for every parameter (freezing a part of a model)."""
        for p in self.parameters():
            if isinstance(p, Tensor):
                p.requires_grad_(requires_grad)
        return self

    def to(self, *args: Any, dtype: Any = None, **kwargs: Any) -> "Module":
        """Cast every floating parameter and buffer to `dtype`, in place (the same objects keep
        their identity, so an optimizer made before still holds them); returns self.

        Takes torch's forms to(dtype), to(dtype=...), to(tensor) (its dtype); the device "cpu"
        changes nothing (another raises RuntimeError). Integer buffers (counters) keep their dtype.
        """
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif not isinstance(arg, str):  # a str is a device: "cpu", tracegrad.device("cpu")
                dtype = arg
            elif arg.split(":")[0] != "cpu":
                raise RuntimeError(f"to: tracegrad runs on the CPU only, got device {arg!r}")
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"to: modules take floating dtypes only, got {dtype}")
            for _, t in self._named_state():
                if isinstance(t, Tensor) and t.dtype.kind == "f":
                    t.data = t.data.astype(dtype)
                    if t.grad is not None:
                        t.grad = type(t.grad)(t.grad.data.astype(dtype))
        return self

    def double(self) -> "Module":
        """to(float64)."""
        return self.to(np.float64)

    def float(self) -> "Module":
        """to(float32)."""
        return self.to(np.float32)

    # --- state ---------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer by dotted name, in torch's keys, order, layouts.

        Module by module: each module's own parameters, then its own buffers.
        """
        return {name: np.array(t.data) for name, t in self._named_state()}

    def _named_state(self) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            own = [*_walk(vars(module), "", (Parameter, Value)), *module._own_buffers()]
            for name, t in own:
                if id(t) not in seen:
                    seen.add(id(t))
                    yield _join(prefix, name), t

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy `state` into the parameters and buffers, all or nothing.

        Every problem is found before anything changes: a missing or unexpected key (when
        `strict`), a wrong shape or a value that is not real numbers (strings, objects, complex)
        raises one RuntimeError (as torch) listing every offending key, and the module is left
        exactly as it was.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                "load_state_dict: state must be a mapping of names to arrays, got "
                f"{type(state).__name__}; to load a file, pass nn.load(path)"
            )
        targets = dict(self._named_state())
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        problems = ([f"missing {missing}"] if strict and missing else []) + (
            [f"unexpected {unexpected}"] if strict and unexpected else []
        )
        values = {k: np.asarray(state[k]) for k in targets if k in state}
        problems += [
            problem
            for key, value in values.items()
            if (problem := _value_problem(key, value, targets[key].data))
        ]
        if problems:
            raise RuntimeError(
                f"load_state_dict into {type(self).__name__}: " + "; ".join(problems)
            )
        for key, value in values.items():
            _assign(targets[key], value)
        return IncompatibleKeys(missing, unexpected)

    # --- printing -------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The settings shown inside the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        children = [f"({name}): {child!r}" for name, child in self.named_children()]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = ([self.extra_repr()] if self.extra_repr() else []) + children
        body = "\n".join("  " + line.replace("\n", "\n  ") for line in lines)
        return f"{type(self).__name__}(\n{body}\n)"


class HookHandle:
    """What register_forward_hook and register_forward_pre_hook return: remove() takes the hook
    off its module (again: nothing)."""

    def __init__(self, module: Module, kind: str, hook: Callable) -> None:
        self.module, self.kind, self.hook = module, kind, hook

    def remove(self) -> None:
        hooks = getattr(self.module, self.kind)
        setattr(self.module, self.kind, tuple(h for h in hooks if h is not self.hook))


def _walk(obj: Any, name: str, kinds: tuple[type, ...]) -> Iterator[tuple[str, Any]]:
    """Objects of `kinds` in `obj`'s lists, tuples and dicts, named by the path of indices and keys
    to them. The walk stops at Modules: what is inside a submodule is the submodule's."""
    if isinstance(obj, kinds):
        yield name, obj
    elif isinstance(obj, dict):
        for key, item in obj.items():
            if not str(key).startswith("_"):
                yield from _walk(item, f"{name}.{key}" if name else str(key), kinds)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{name}.{i}" if name else str(i), kinds)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _unique(pairs: Iterator[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Each object once, under the first name it was found by (shared parameters)."""
    seen: set[int] = set()
    for name, obj in pairs:
        if id(obj) not in seen:
            seen.add(id(obj))
            yield name, obj


def is_real(array: np.ndarray) -> bool:
    """Whether `array` holds real numbers (bool, integers or floats), what a parameter can take."""
    return array.dtype.kind in "biuf"


def _value_problem(key: str, value: np.ndarray, data: Any) -> str | None:
    """What keeps `value` from replacing the parameter or buffer `key` holding `data`, if any."""
    if not is_real(value):
        model = np.asarray(data).dtype
        return f"wrong dtype for {key}: checkpoint {value.dtype}, model {model} (real numbers only)"
    if value.shape != np.shape(data):
        return f"wrong shape for {key}: checkpoint {value.shape}, model {np.shape(data)}"
    return None


def _assign(target: Tensor | Value, value: Any) -> None:
    """Replace target's data by a copy of `value` in target's dtype."""
    if isinstance(target, Value):
        target.data = float(np.asarray(value))
    else:
        target.data = np.array(value, dtype=target.data.dtype)
