"""ModuleDict and ParameterList, as torch.nn's: containers whose contents the parent module
finds, named by key ("blocks.encoder.weight") or position ("0"). Sequential and ModuleList are
in layers.py."""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module, Parameter


class ModuleDict(Module):
    """Modules by name, in insertion order: d["encoder"], "encoder" in d, d.keys(), d.items().

    Each module is the attribute of its name, so a key may not be a name Module already has
    (KeyError, as torch: "train", "forward", ...), contain a dot or start with _ (hidden from
    the walk that finds parameters).
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] = ()) -> None:
        self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or "." in key or not key or key.startswith("_"):
            raise KeyError(f"ModuleDict: a key is a name without dots, not starting with _, "
                           f"got {key!r}")  # fmt: skip
        if key not in self and hasattr(self, key):
            raise KeyError(f"ModuleDict: attribute {key!r} already exists")
        self.add_module(key, module)

    def __getitem__(self, key: str) -> Module:
        if key not in self:
            raise KeyError(key)
        return getattr(self, key)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __len__(self) -> int:
        return len(self.keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def keys(self) -> list[str]:
        return [name for name, _ in self.named_children()]

    def values(self) -> list[Module]:
        return self.children()

    def items(self) -> list[tuple[str, Module]]:
        return list(self.named_children())

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) each (key, module) of a mapping or of pairs."""
        for key, module in modules.items() if isinstance(modules, Mapping) else modules:
            self[key] = module

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        for key in self.keys():
            del self[key]


class ParameterList(Module):
    """Parameters in a list ("0", "1", ... in the state dict): a Tensor or array appended is
    made a Parameter."""

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self.extend(values)

    def append(self, value: Any) -> "ParameterList":
        param = value if isinstance(value, Parameter) else Parameter(value)
        setattr(self, str(len(self)), param)
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        for value in values:
            self.append(value)
        return self

    def __getitem__(self, i: int) -> Parameter:
        return list(self)[i]

    def __setitem__(self, i: int, value: Any) -> None:
        position = range(len(self))[i]  # IndexError past the end
        setattr(self, str(position), value if isinstance(value, Parameter) else Parameter(value))

    def __len__(self) -> int:
        return len(self.parameters())

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters())

    def __repr__(self) -> str:
        sizes = ["x".join(map(str, p.shape)) for p in self]
        lines = [
            f"    ({i}): Parameter containing: [torch.{p.dtype} of size {size}]"
            for i, (p, size) in enumerate(zip(self, sizes, strict=True))
        ]
        return "ParameterList(\n" + "\n".join(lines) + "\n)" if lines else "ParameterList()"
