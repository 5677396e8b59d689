"""Checkpoints, written atomically and read without ever unpickling, in two formats:

- .npz (the default, any file name): a zip of .npy members, never pickled. A state dict (names
  to arrays) is one member per name, `<name>.npy`. Anything else made of dicts, lists, tuples,
  numbers, strings, None and arrays (a training checkpoint {"model": ..., "optimizer": ...,
  "epoch": 3}) is `structure.json`, the nesting with each array replaced by {"__array__": i},
  plus the arrays as `arrays/<i>.npy`.
- .safetensors (when the file name ends so): the safetensors format, a JSON header and raw
  bytes, which PyTorch reads with `safetensors.torch.load_file` and writes with `save_file`.
  It holds a state dict only. `load` recognises it by its content, whatever the name.

A PyTorch file (`torch.save`'s zip or pickle) is refused, never unpickled: a pickle can run any
code. Convert it in PyTorch with safetensors' save_file, then load the .safetensors file here.
"""

import json
import os
import secrets
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.numpy

from .module import Module, is_real

# What reading a damaged or foreign file can raise once it is open: it is not a checkpoint.
_NOT_A_CHECKPOINT = (
    ValueError,  # a pickle (allow_pickle=False), an object array, a bad .npy header
    OSError,  # a read that fails inside the archive
    EOFError,  # an empty or truncated file
    NotImplementedError,  # a zip member compressed by a method zipfile does not know
    RuntimeError,  # an encrypted zip member
    KeyError,  # a structure naming an array that is not there
    zipfile.BadZipFile,
    zlib.error,
)
STRUCTURE = "structure.json"
SAFETENSORS = ".safetensors"
TO_SAFETENSORS = (
    "in PyTorch, write the state dict with safetensors instead: "
    "`from safetensors.torch import save_file; save_file(model.state_dict(), 'model.safetensors')`"
    ", then load 'model.safetensors' here"
)


def save(obj: Any, path: str | Path) -> Path:
    """Write `obj` to `path`: a Module (its state dict), a state dict (names to arrays), or a
    nesting of dicts, lists and tuples of arrays, Tensors, numbers, strings and None.

    .safetensors paths get the safetensors format (state dicts only), every other name .npz (see
    the module docstring). Atomic: the file goes to a temporary file in the same folder, is
    flushed to disk, then renamed over `path`, so a crash midway leaves any previous file intact.
    """
    path = Path(path)
    if path.suffix == SAFETENSORS:
        arrays = _arrays_to_save(obj)
        return _atomic_write(path, lambda file: file.write(_safetensors_bytes(arrays)))
    if isinstance(obj, Module) or _is_state_dict(obj):
        arrays = _arrays_to_save(obj)
        return _atomic_write(path, lambda file: _write_npz(file, arrays))
    if not isinstance(obj, (Mapping, list, tuple)):  # save("model", path): arguments mixed up?
        raise TypeError(
            "save: expected a Module, a state dict, or dicts, lists and tuples of arrays, "
            f"got {type(obj).__name__}"
        )
    arrays = []
    structure = _to_structure(obj, arrays, "obj")
    members = {f"arrays/{i}": array for i, array in enumerate(arrays)}
    return _atomic_write(path, lambda file: _write_npz(file, members, structure))


def load(path: str | Path) -> Any:
    """What `save` wrote at `path`, its arrays as numpy arrays, read without unpickling.

    A state dict comes back as names to real numeric arrays. A missing file raises
    FileNotFoundError; a PyTorch pickle raises ValueError saying how to bring it across
    (safetensors); any other file that is not a checkpoint raises ValueError.
    """
    with open(path, "rb") as file:
        head = file.read(9)
        file.seek(0)
        try:
            if _is_safetensors(head):
                return safetensors.numpy.load(file.read())
            if head[:1] == b"\x80":  # a pickle's protocol opcode: what torch.save wrote before 1.6
                raise ValueError(f"it is a pickle (PyTorch's legacy format); {TO_SAFETENSORS}")
            return _read_npz(file)
        except _NOT_A_CHECKPOINT as error:
            raise ValueError(f"load: {path} is not a checkpoint: {error}") from None


def map_arrays(obj: Any, fn: Callable[[np.ndarray], Any]) -> Any:
    """`obj` (what `load` returns) with every array replaced by fn(array), the nesting kept."""
    if isinstance(obj, np.ndarray):
        return fn(obj)
    if isinstance(obj, dict):
        return {key: map_arrays(value, fn) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_arrays(item, fn) for item in obj)
    return obj


# --- writing ------------------------------------------------------------------------------------


def _atomic_write(path: Path, write: Callable[[Any], Any]) -> Path:
    """Call write(file) on a temporary file beside `path`, flush it to disk, rename it over
    `path`; on any error the temporary file is removed and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    # O_EXCL: never another file's; mode 0o666 less the umask, as open() gives any new file
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _is_state_dict(obj: Any) -> bool:
    """A mapping whose values are all arrays or Tensors (not numbers, strings or nestings)."""
    return isinstance(obj, Mapping) and all(hasattr(v, "__array__") for v in obj.values())


def _arrays_to_save(obj: Any) -> dict[str, np.ndarray]:
    """The named arrays of a module's state dict, or of a mapping; TypeError for anything else."""
    if isinstance(obj, Module):
        obj = obj.state_dict()
    if not isinstance(obj, Mapping):
        raise TypeError(
            f"save: expected a Module or a mapping of names to arrays, got {type(obj).__name__}"
        )
    arrays = {str(name): np.asarray(value) for name, value in obj.items()}
    for name, array in arrays.items():
        _check_real(name, array)
    return arrays


def _check_real(name: str, array: np.ndarray) -> None:
    if not is_real(array):
        raise TypeError(f"save: {name!r} is not a numeric array (dtype {array.dtype})")


def _to_structure(obj: Any, arrays: list[np.ndarray], where: str) -> Any:
    """`obj` as JSON data, each array (or Tensor) appended to `arrays` and replaced by its index;
    TypeError naming where in `obj` a value is that cannot be saved."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.generic, np.ndarray)) or hasattr(obj, "__array__"):
        array = np.asarray(obj)
        _check_real(where, array)
        arrays.append(array)
        return {"__array__": len(arrays) - 1}
    if isinstance(obj, (list, tuple)):
        items = [_to_structure(item, arrays, f"{where}[{i}]") for i, item in enumerate(obj)]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, Mapping):  # keys kept with their type: torch's optimizer state has ints
        return {"__dict__": [[_to_structure(k, arrays, f"{where} key"),
                              _to_structure(v, arrays, f"{where}[{k!r}]")]
                             for k, v in obj.items()]}  # fmt: skip
    raise TypeError(
        f"save: {where} is a {type(obj).__name__}; a checkpoint holds dicts, lists, tuples, "
        "arrays, Tensors, numbers, strings and None (never pickled objects)"
    )


def _from_structure(data: Any, arrays: list[np.ndarray]) -> Any:
    """The object `_to_structure` turned into `data`."""
    if isinstance(data, list):
        return [_from_structure(item, arrays) for item in data]
    if not isinstance(data, dict):
        return data
    if "__array__" in data:
        return arrays[data["__array__"]]
    if "__tuple__" in data:
        return tuple(_from_structure(item, arrays) for item in data["__tuple__"])
    return {_from_structure(k, arrays): _from_structure(v, arrays) for k, v in data["__dict__"]}


def _write_npz(file: Any, arrays: Mapping[str, np.ndarray], structure: Any = None) -> None:
    """The .npz format (a zip of .npy members) for any names, without pickling anything; with
    `structure`, also the structure.json member describing a nesting."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        if structure is not None:
            archive.writestr(STRUCTURE, json.dumps(structure))


def _safetensors_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    return safetensors.numpy.save({k: np.ascontiguousarray(v) for k, v in arrays.items()})


# --- reading ------------------------------------------------------------------------------------


def _is_safetensors(head: bytes) -> bool:
    """A safetensors file: an 8-byte little-endian header length, then the JSON header's '{'."""
    return len(head) == 9 and head[8:9] == b"{"


def _read_npz(file: Any) -> Any:
    """What an .npz `file` holds: a state dict, or the nesting its structure.json describes.
    ValueError if a member is not a numeric .npy, or for PyTorch's zip format."""
    structure = None
    if zipfile.is_zipfile(file):
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            structure = json.loads(archive.read(STRUCTURE)) if STRUCTURE in names else None
        if any(name.endswith("data.pkl") for name in names):
            raise ValueError(f"it is a PyTorch file (torch.save's pickles); {TO_SAFETENSORS}")
    file.seek(0)
    archive = np.load(file, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("it holds a single array, not a state dict")
    with archive:
        state = {name: archive[name] for name in archive.files if name != STRUCTURE}
    for name, value in state.items():
        if not (isinstance(value, np.ndarray) and is_real(value)):
            raise ValueError(f"member {name!r} is not a numeric .npy array")
    if structure is None:
        return state
    return _from_structure(structure, [state[f"arrays/{i}"] for i in range(len(state))])
