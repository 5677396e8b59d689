"""Feeding data to a model: Dataset, TensorDataset, Subset, random_split, DataLoader, the 8x8
digits and the IDX (MNIST) format.

A DataLoader reads a dataset one of two ways:
- batched (TensorDataset, and a Subset of one): every array is indexed once per batch with an
  index array, never row by row in Python, and each batch is a tuple of Tensors (as torch's),
  one per array, none requiring grad: floating rows keep their dtype by Tensor's policy, integer
  rows (class indices) become int64, bool rows stay bool;
- sample by sample (any other dataset, such as a subclass of Dataset): dataset[i] for each index,
  the samples then joined by `default_collate` as torch's is (tensors and arrays stacked into a
  Tensor, numbers into an int64, float64 or bool Tensor, tuples and dicts entry by entry).
Shuffling draws a new order each epoch from one explicit Generator, so the sequence of epochs is
reproducible from the seed.
"""

import gzip
import itertools
import math
import numbers
import os
import zlib
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from autograd.factories import as_tensor
from autograd.functions import stack
from autograd.rng import Seed, as_generator
from autograd.tensor import Tensor

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "load_digits",
    "load_idx",
    "random_split",
]

Batch = tuple[Tensor, ...]


class Dataset:
    """The base of a dataset (torch.utils.data.Dataset): a subclass defines __len__ and
    __getitem__(i), which returns sample i (a Tensor, an array, a number, or a tuple or dict of
    them), and a DataLoader batches its samples with default_collate."""

    batched = False  # whether dataset[index_array] gives whole batches (see DataLoader)


class TensorDataset(Dataset):
    """Rows of several arrays of the same length: ds[i] is (a[i], b[i], ...).

    `TensorDataset(X, y)` with X (n, ...) and y (n, ...), numpy arrays or Tensors (their `.data` is
    used, not copied). Indexing is numpy's: an int gives one row of each array, an index array
    (k,) gives batched rows (k, ...) of each.
    """

    batched = True

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


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: subset[i] is dataset[indices[i]]."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, np.int64).reshape(-1)

    @property
    def batched(self) -> bool:
        """A Subset of a batched dataset is batched too: an index array picks its rows."""
        return getattr(self.dataset, "batched", False)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        position = self.indices[index]
        return self.dataset[position if isinstance(position, np.ndarray) else int(position)]


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: Seed = None
) -> list[Subset]:
    """`dataset` cut at random into Subsets of `lengths`, counts adding up to len(dataset) or
    fractions adding up to 1 (each gets floor(fraction * n), the samples left over go one each
    to the first subsets, as torch). The order is one permutation from `generator` (a seed, a
    Generator, or None for the global one)."""
    n = len(dataset)
    counts = list(lengths)
    if math.isclose(sum(counts), 1) and sum(counts) <= 1:
        if any(f < 0 or f > 1 for f in counts):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {counts}")
        counts = [math.floor(n * f) for f in counts]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    if any(isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0 for k in counts):
        raise ValueError(f"random_split: lengths must be counts >= 0 or fractions, got {counts}")
    if sum(counts) != n:
        raise ValueError(
            f"random_split: lengths {counts} add up to {sum(counts)}, the dataset has {n} samples"
        )
    order = as_generator(generator, "random_split").permutation(n)
    ends = list(itertools.accumulate(counts))
    return [Subset(dataset, order[end - k : end]) for end, k in zip(ends, counts, strict=True)]


class DataLoader:
    """Batches of `dataset`, in order or shuffled: `for X, y in DataLoader(ds, batch_size=32)`.

    `dataset` needs `len(dataset)` and `dataset[i]`. A batched one (`dataset.batched`, as
    TensorDataset) takes an int64 index array (k,) and returns a tuple of arrays with k rows
    each; any other gives one sample per index, and `collate_fn` (default_collate unless given)
    joins a batch's list of samples. Every epoch visits each index once; the last batch is
    smaller when batch_size does not divide len(dataset), or left out with drop_last=True. With
    shuffle=True each epoch draws a new order from `generator` (an int seed, a numpy Generator,
    used and advanced, or None for the global one). Batches are made in this process: torch's
    `num_workers` (worker processes) is taken and changes nothing.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Seed = None,
        collate_fn: Callable[[list], Any] | None = None,
        num_workers: int = 0,
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
        self.collate_fn = collate_fn
        self.num_workers = num_workers

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.dataset)
        # Drawn here rather than at the first batch, so iter(loader) alone starts an epoch.
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[Any]:
        batched = getattr(self.dataset, "batched", False) and self.collate_fn is None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start : start + self.batch_size]
            if not batched:
                samples = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(samples)
                continue
            rows = self.dataset[indices]
            if not isinstance(rows, tuple):
                raise TypeError(
                    f"DataLoader: dataset[indices] must return a tuple of arrays, "
                    f"got {type(rows).__name__}"
                )
            yield tuple(_as_batch(r) for r in rows)


def _as_batch(rows: Any) -> Tensor:
    """Rows as a Tensor: floating ones in their dtype (Tensor's policy), integer ones as int64
    (torch's class-index dtype), others (bool) as they are."""
    rows = rows.data if isinstance(rows, Tensor) else np.asarray(rows)
    if rows.dtype.kind in "iu":
        return Tensor._wrap(rows.astype(np.int64, copy=False))
    return Tensor(rows)


def default_collate(samples: list) -> Any:
    """A list of samples as one batch, as torch's default_collate: Tensors stacked (N, ...) on
    the graph, arrays stacked into a Tensor of their dtype, ints into int64, floats into
    float64 and bools into bool Tensors (N,); tuples and lists entry by entry (a tuple), dicts
    key by key; strings as a list."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (np.ndarray, np.generic, numbers.Number)):
        return as_tensor(np.stack([np.asarray(s) for s in samples]))
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if len({len(s) for s in samples}) > 1:
            raise ValueError("default_collate: samples of a batch need the same number of entries")
        return tuple(default_collate(list(entries)) for entries in zip(*samples, strict=True))
    raise TypeError(
        f"default_collate: a sample must hold Tensors, arrays, numbers, strings, tuples or "
        f"dicts, got {type(first).__name__}"
    )


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
