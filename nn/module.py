"""Module: the base of every model; it finds its parameters by walking its attributes."""

from collections.abc import Iterator
from typing import Any

from autograd import Value


class Module:
    """A model part holding parameters in attributes, lists, tuples and dicts, at any depth."""

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs like ("layers.0.neurons.1.w.0", p), each once."""
        seen: set[int] = set()
        for name, p in _walk(vars(self), ""):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def parameters(self) -> list[Value]:
        """Every parameter, in attribute order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient before the next backward."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many scalars the model learns."""
        return len(self.parameters())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")


def _walk(obj: Any, name: str) -> Iterator[tuple[str, Value]]:
    """Parameters inside `obj`, named by the path of attributes, indices and keys to them."""
    if isinstance(obj, Value):
        yield name, obj
    elif isinstance(obj, Module):
        yield from _walk(vars(obj), name)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _walk(item, f"{name}.{key}" if name else str(key))
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{name}.{i}" if name else str(i))
