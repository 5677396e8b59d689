"""Feeding data to a model: TensorDataset, DataLoader, the 8x8 digits and the IDX (MNIST) format.

A DataLoader yields each batch as a tuple with one entry per array of the dataset:
- a floating array becomes a Tensor that does not require grad, its dtype kept by Tensor's policy
  (float32 stays float32, float64 stays float64);
- an integer array (class indices) stays a numpy array, as int64;
- anything else (bool, ...) stays a numpy array as it is.
Batches are cut by indexing every array once with an index array, never row by row in Python.
Shuffling draws a new order each epoch from one explicit Generator, so the sequence of epochs is
reproducible from the seed.
"""

import gzip
import math
import numbers
import os
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np

from autograd.rng import Seed, as_generator
from autograd.tensor import Tensor

__all__ = ["DataLoader", "TensorDataset", "load_digits", "load_idx"]

Batch = tuple[Tensor | np.ndarray, ...]


class TensorDataset:
    """Rows of several arrays of the same length: ds[i] is (a[i], b[i], ...).

    `TensorDataset(X, y)` with X (n, ...) and y (n, ...), numpy arrays or Tensors (their `.data` is
    used, not copied). Indexing is numpy's: an int gives one row of each array, an index array
    (k,) gives batched rows (k, ...) of each.
    """

    def __init__(self, *arrays: np.ndarray | Tensor) -> None:
        if not arrays:
            raise ValueError("TensorDataset: expected at least one array")
        self.arrays = tuple(a.data if isinstance(a, Tensor) else np.asarray(a) for a in arrays)
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {i} is a scalar; arrays need rows")
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(
                f"TensorDataset: arrays need the same first dimension, got lengths {lengths}"
            )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({shapes})"


class DataLoader:
    """Batches of `dataset`, in order or shuffled: `for X, y in DataLoader(ds, batch_size=32)`.

    `dataset` needs `len(dataset)` and `dataset[indices]` taking an int64 index array (k,) and
    returning a tuple of arrays with k rows each (TensorDataset does). Every epoch visits each
    index once; the last batch is smaller when batch_size does not divide len(dataset), or left
    out with drop_last=True. With shuffle=True each epoch draws a new order from `generator` (an
    int seed, a numpy Generator, used and advanced, or None for a fresh one).
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Seed = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: dataset needs __len__ and __getitem__, got {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(
                f"DataLoader: batch_size must be an int, got {type(batch_size).__name__}"
            )
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        self.generator = as_generator(generator, "DataLoader")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.dataset)
        # Drawn here rather than at the first batch, so iter(loader) alone starts an epoch.
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[Batch]:
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            rows = self.dataset[order[start : start + self.batch_size]]
            if not isinstance(rows, tuple):
                raise TypeError(
                    f"DataLoader: dataset[indices] must return a tuple of arrays, "
                    f"got {type(rows).__name__}"
                )
            yield tuple(_as_batch(r) for r in rows)


def _as_batch(rows: Any) -> Tensor | np.ndarray:
    """Floating rows as a Tensor, integer rows as an int64 array, others as they are."""
    rows = np.asarray(rows)
    if rows.dtype.kind == "f":
        return Tensor(rows)
    if rows.dtype.kind in "iu":
        return rows.astype(np.int64, copy=False)
    return rows


# --- the 8x8 digits ---------------------------------------------------------------------------


def load_digits(
    test_fraction: float = 0.2, seed: Seed = 0, normalize: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1797 8x8 handwritten digits, split: (X_train, y_train, X_test, y_test).

    X float32 (n, 64), the 8x8 image row by row, pixel values 0..16, divided by 16 into [0, 1]
    when `normalize`; y int64 (n,) in 0..9. The split is stratified: each digit sends
    round(test_fraction * its count) of its images, chosen at random, to the test set (359 of
    1797 at 0.2); both sets are then shuffled. `seed` as for DataLoader; the same seed, same split.
    The images ship inside scikit-learn (nothing is downloaded); scikit-learn must be installed.
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(
            f"load_digits: test_fraction must be a real number, got {type(test_fraction).__name__}"
        )
    if not 0 < test_fraction < 1:
        raise ValueError(f"load_digits: test_fraction must be in (0, 1), got {test_fraction}")
    rng = as_generator(seed, "load_digits")
    images, labels = _digits()
    test = []
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        n_test = math.floor(test_fraction * len(members) + 0.5)  # rounded half up
        test.append(rng.permutation(members)[:n_test])
    test = rng.permutation(np.concatenate(test))
    train = rng.permutation(np.setdiff1d(np.arange(len(labels)), test))
    if len(test) == 0 or len(train) == 0:
        raise ValueError(f"load_digits: test_fraction={test_fraction} leaves a split empty")
    X = images / 16 if normalize else images  # float32 / int stays float32
    return X[train], labels[train], X[test], labels[test]


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits as read by scikit-learn, once: X float32 (1797, 64), y int64 (1797,)."""
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as e:
        raise ImportError(
            "load_digits needs scikit-learn, which ships the digits: "
            "pip install scikit-learn (or pip install -e '.[data]')"
        ) from e
    digits = sklearn_load_digits()
    X, y = digits.data.astype(np.float32), digits.target.astype(np.int64)
    X.flags.writeable = y.flags.writeable = False  # cached: callers get copies made by indexing
    return X, y


# --- IDX files (the MNIST format) -------------------------------------------------------------

# The third byte of an IDX magic number: the element type, stored big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array in an IDX file (MNIST's format), gunzipped first when `path` ends with .gz.

    Layout: magic number 0x00 0x00 <dtype code> <ndim>, then ndim big-endian uint32 sizes, then
    the elements, big-endian, in C order. Codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64. Returns a writable array in native byte order; the file's
    sizes are its shape (MNIST images: (60000, 28, 28) uint8; labels: (60000,) uint8).
    """
    name = os.fspath(path)
    try:
        if name.endswith(".gz"):
            with gzip.open(name, "rb") as f:
                raw = f.read()
        else:
            with open(name, "rb") as f:
                raw = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise ValueError(f"load_idx: {name}: not a complete gzip file ({e})") from None

    if len(raw) < 4:
        raise ValueError(f"load_idx: {name}: truncated: {len(raw)} bytes, the header needs 4")
    zero, code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0:
        hint = " (gzip data: name the file .gz)" if raw[:2] == b"\x1f\x8b" else ""
        raise ValueError(
            f"load_idx: {name}: bad magic number 0x{raw[:4].hex()}: "
            f"an IDX file starts with two zero bytes{hint}"
        )
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02x} {d.name}" for c, d in _IDX_DTYPES.items())
        raise ValueError(f"load_idx: {name}: unknown dtype code 0x{code:02x}; known: {known}")
    dtype = _IDX_DTYPES[code]

    start = 4 + 4 * ndim
    if len(raw) < start:
        raise ValueError(
            f"load_idx: {name}: truncated: {len(raw)} bytes, the header of {ndim} sizes "
            f"needs {start}"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", ndim, offset=4))
    expected = start + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "trailing bytes"
        raise ValueError(
            f"load_idx: {name}: {problem}: {len(raw)} bytes, shape {shape} of {dtype.name} "
            f"needs {expected}"
        )
    data = np.frombuffer(raw, dtype, math.prod(shape), offset=start)
    return data.astype(dtype.newbyteorder("="), copy=True).reshape(shape)  # native, writable
