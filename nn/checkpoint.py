"""Checkpoints: state dicts as .npz files, written atomically and read without ever unpickling."""

import os
import secrets
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .module import Module, is_real

# What reading a damaged or foreign file can raise once it is open: it is not a checkpoint.
_NOT_A_CHECKPOINT = (
    ValueError,  # a pickle (allow_pickle=False), an object array, a bad .npy header
    OSError,  # a read that fails inside the archive
    EOFError,  # an empty or truncated file
    NotImplementedError,  # a zip member compressed by a method zipfile does not know
    RuntimeError,  # an encrypted zip member
    zipfile.BadZipFile,
    zlib.error,
)


def save(obj: Module | Mapping[str, Any], path: str | Path) -> Path:
    """Write a module's state dict (or a state dict) to `path` as an .npz archive.

    Atomic: the archive goes to a temporary file in the same folder, is flushed to disk, then
    renamed over `path`, so a crash midway leaves any previous checkpoint intact.
    """
    arrays = _arrays_to_save(obj)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    # O_EXCL: never another file's; mode 0o666 less the umask, as open() gives any new file
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            _write_npz(file, arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load(path: str | Path) -> dict[str, np.ndarray]:
    """The state dict saved at `path`, names to real numeric arrays, read without unpickling.

    A missing file raises FileNotFoundError; a file that is anything but an .npz of numeric
    arrays (a pickle, text, a single array, a damaged archive) raises ValueError.
    """
    with open(path, "rb") as file:
        try:
            return _read_npz(file)
        except _NOT_A_CHECKPOINT as error:
            raise ValueError(
                f"load: {path} is not a checkpoint (.npz of numeric arrays): {error}"
            ) from None


def _arrays_to_save(obj: Any) -> dict[str, np.ndarray]:
    """The named arrays of a module's state dict, or of a mapping; TypeError for anything else."""
    if isinstance(obj, Module):
        obj = obj.state_dict()
    if not isinstance(obj, Mapping):
        raise TypeError(
            f"save: expected a Module or a mapping of names to arrays, got {type(obj).__name__}"
        )
    arrays = {name: np.asarray(value) for name, value in obj.items()}
    for name, array in arrays.items():
        if not is_real(array):
            raise TypeError(f"save: {name!r} is not a numeric array (dtype {array.dtype})")
    return arrays


def _read_npz(file: Any) -> dict[str, np.ndarray]:
    """Every array of the open .npz `file`; ValueError if a member is not a numeric .npy."""
    archive = np.load(file, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("it holds a single array, not a state dict")
    with archive:
        state = {name: archive[name] for name in archive.files}
    for name, value in state.items():
        if not (isinstance(value, np.ndarray) and is_real(value)):
            raise ValueError(f"member {name!r} is not a numeric .npy array")
    return state


def _write_npz(file: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """The .npz format (a zip of .npy members) for any names, without pickling anything."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
