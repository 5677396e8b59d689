"""torch.save / torch.load over nn's checkpoints: a safe format whatever the file name, never a
pickle (see nn/checkpoint.py for the format). `load` gives Tensors where torch gives tensors."""

from pathlib import Path
from typing import Any

from autograd.factories import from_numpy
from autograd.tensor import Tensor
from nn import checkpoint


def save(obj: Any, f: str | Path) -> None:
    """Write `obj` (a state dict, or dicts, lists and tuples of Tensors, arrays, numbers and
    strings) to the path `f`: .npz format, or safetensors when `f` ends with .safetensors."""
    checkpoint.save(obj, _path(f, "save"))


def load(f: str | Path, map_location: Any = None, weights_only: bool | None = None) -> Any:
    """What `save` wrote at `f`, with Tensors for its arrays. Never unpickles: a PyTorch file is
    refused with a ValueError saying how to bring it across (safetensors). `map_location` and
    `weights_only` are accepted for torch's code and change nothing (there is one device, and
    only data is ever read)."""
    return checkpoint.map_arrays(checkpoint.load(_path(f, "load")), from_numpy)


def _path(f: Any, op: str) -> Path:
    if isinstance(f, Tensor) or not isinstance(f, (str, Path)):
        raise TypeError(f"{op}: expected a file path, got {type(f).__name__}")
    return Path(f)
