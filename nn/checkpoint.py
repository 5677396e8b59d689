"""Checkpoints: state dicts as .npz files, written atomically and read without ever unpickling."""

import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .module import Module


def save(obj: Module | Mapping[str, Any], path: str | Path) -> Path:
    """Write a module's state dict (or a state dict) to `path` as an .npz archive.

    Atomic: the archive goes to a temporary file in the same folder, is flushed to disk, then
    renamed over `path`, so a crash midway leaves any previous checkpoint intact.
    """
    state = obj.state_dict() if isinstance(obj, Module) else obj
    arrays = {name: np.asarray(value) for name, value in state.items()}
    for name, array in arrays.items():
        if array.dtype.hasobject:
            raise TypeError(f"save: {name!r} is not a numeric array (dtype {array.dtype})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            _write_npz(file, arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a checkpoint is not
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load(path: str | Path) -> dict[str, np.ndarray]:
    """The state dict saved at `path`; ValueError if it is not an .npz of plain arrays."""
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not a state dict")
        with archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"load: {path} is not a checkpoint (.npz of arrays): {error}") from None


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_npz(file: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """The .npz format (a zip of .npy members) for any names, without pickling anything."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
