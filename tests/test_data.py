"""nn.data: TensorDataset, DataLoader batching and shuffling, load_digits, and IDX files."""

import gzip
import struct
import sys

import numpy as np
import pytest

from autograd.tensor import Tensor
from nn.data import DataLoader, TensorDataset, load_digits, load_idx

# --- TensorDataset ----------------------------------------------------------------------------


def dataset(n=10):
    """Row i of X is [i, i + 0.5] (so a batch tells which rows it holds), y[i] = i % 3."""
    X = np.stack([np.arange(n), np.arange(n) + 0.5], axis=1).astype(np.float32)  # (n, 2)
    return TensorDataset(X, np.arange(n) % 3)


def test_dataset_rows_and_batched_rows():
    ds = dataset()
    assert len(ds) == 10
    x, y = ds[4]
    np.testing.assert_array_equal(x, [4.0, 4.5])
    assert y == 1
    xs, ys = ds[np.array([7, 2, 7])]
    np.testing.assert_array_equal(xs, [[7, 7.5], [2, 2.5], [7, 7.5]])
    np.testing.assert_array_equal(ys, [1, 2, 1])


def test_dataset_takes_tensors_without_copying():
    X = Tensor(np.ones((4, 3), np.float32))
    ds = TensorDataset(X, np.zeros(4))
    assert ds.arrays[0] is X.data and isinstance(ds[0][0], np.ndarray)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ((np.zeros((5, 2)), np.zeros(4)), "same first dimension, got lengths [5, 4]"),
        ((np.zeros(3), np.zeros(3), np.zeros(2)), "got lengths [3, 3, 2]"),
        ((), "expected at least one array"),
        ((np.zeros(3), np.float64(1.0)), "array 1 is a scalar"),
    ],
)
def test_dataset_errors(arrays, message):
    with pytest.raises(ValueError, match=r"TensorDataset: .*") as info:
        TensorDataset(*arrays)
    assert message in str(info.value)


# --- DataLoader -------------------------------------------------------------------------------


def rows_of(batches):
    """The dataset indices held by each batch, read back from the first column of X."""
    return [b[0].data[:, 0].astype(int).tolist() for b in batches]


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "sizes"),
    [
        (10, 3, False, [3, 3, 3, 1]),  # the last batch is partial
        (10, 3, True, [3, 3, 3]),  # ... or dropped
        (9, 3, False, [3, 3, 3]),
        (9, 3, True, [3, 3, 3]),
        (10, 1, False, [1] * 10),
        (4, 10, False, [4]),  # one batch bigger than the data
        (4, 10, True, []),
        (0, 2, False, []),
    ],
)
@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_cover_every_index_once(n, batch_size, drop_last, sizes, shuffle):
    loader = DataLoader(dataset(n), batch_size, shuffle=shuffle, drop_last=drop_last, generator=0)
    batches = rows_of(loader)
    assert len(loader) == len(sizes) and [len(b) for b in batches] == sizes
    seen = sorted(i for b in batches for i in b)
    if drop_last:
        assert len(set(seen)) == len(seen) == sum(sizes)
    else:
        assert seen == list(range(n))
    if not shuffle:
        assert [i for b in batches for i in b] == list(range(sum(sizes)))


def test_labels_travel_with_their_features():
    for X, y in DataLoader(dataset(10), 4, shuffle=True, generator=1):
        np.testing.assert_array_equal(y, X.data[:, 0].astype(int) % 3)


def test_batch_types_and_dtypes():
    ds = TensorDataset(
        np.zeros((6, 2), np.float32),
        np.zeros((6, 2), np.float64),
        np.arange(6, dtype=np.int32),
        np.arange(6, dtype=np.uint8),
        np.ones(6, bool),
    )
    x32, x64, y32, y8, mask = next(iter(DataLoader(ds, batch_size=4)))
    assert isinstance(x32, Tensor) and x32.dtype == np.float32 and x32.shape == (4, 2)
    assert isinstance(x64, Tensor) and x64.dtype == np.float64
    assert not x32.requires_grad
    for y in (y32, y8):  # class indices as torch's int64 Tensors: y.size(0), (p == y).sum()
        assert isinstance(y, Tensor) and y.dtype == np.int64 and y.tolist() == [0, 1, 2, 3]
        assert y.size(0) == 4 and (y == Tensor(np.arange(4))).sum().item() == 4
    assert isinstance(mask, Tensor) and mask.dtype == bool and not mask.requires_grad


def test_shuffle_is_reproducible_and_new_each_epoch():
    loader = DataLoader(dataset(50), 10, shuffle=True, generator=0)
    epoch1, epoch2 = rows_of(loader), rows_of(loader)
    assert epoch1 != epoch2
    again = DataLoader(dataset(50), 10, shuffle=True, generator=0)
    assert rows_of(again) == epoch1 and rows_of(again) == epoch2
    assert rows_of(DataLoader(dataset(50), 10, shuffle=True, generator=1)) != epoch1
    assert rows_of(DataLoader(dataset(50), 10)) == [
        list(range(i, i + 10)) for i in (0, 10, 20, 30, 40)
    ]


def test_shuffle_advances_a_shared_generator():
    rng = np.random.default_rng(3)
    order = rows_of(DataLoader(dataset(20), 20, shuffle=True, generator=rng))
    assert order == [np.random.default_rng(3).permutation(20).tolist()]
    assert rows_of(DataLoader(dataset(20), 20, shuffle=True, generator=rng)) != order


class CountingDataset(TensorDataset):
    calls = 0

    def __getitem__(self, index):
        self.calls += 1
        return super().__getitem__(index)


def test_each_batch_is_one_index_into_the_dataset():
    ds = CountingDataset(np.zeros((100, 3), np.float32), np.zeros(100, np.int64))
    assert len(list(DataLoader(ds, batch_size=16, shuffle=True, generator=0))) == 7
    assert ds.calls == 7


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: DataLoader(dataset(), 0),
            ValueError,
            "DataLoader: batch_size must be >= 1, got 0",
        ),
        (lambda: DataLoader(dataset(), -2), ValueError, "batch_size must be >= 1, got -2"),
        (lambda: DataLoader(dataset(), 2.0), TypeError, "batch_size must be an int, got float"),
        (lambda: DataLoader(dataset(), True), TypeError, "batch_size must be an int, got bool"),
        (lambda: DataLoader(dataset(), generator="x"), TypeError, "DataLoader: seed must be"),
        (lambda: DataLoader(5), TypeError, "dataset needs __len__ and __getitem__, got int"),
        (
            lambda: list(DataLoader([object()])),
            TypeError,
            "default_collate: a sample must hold Tensors, arrays, numbers, strings",
        ),
    ],
)
def test_loader_errors(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


def test_numpy_int_batch_size_is_accepted():
    assert len(DataLoader(dataset(10), np.int64(4))) == 3


# --- load_digits ------------------------------------------------------------------------------


def test_digits_shapes_dtypes_and_ranges():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
    assert y_train.shape == (1438,) and y_test.shape == (359,)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    X = np.concatenate([X_train, X_test])
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(X * 16)) <= set(range(17))  # pixel counts 0..16, divided by 16
    assert set(np.concatenate([y_train, y_test]).tolist()) == set(range(10))


def test_digits_raw_pixels_and_a_split_that_loses_nothing():
    X_train, y_train, X_test, y_test = load_digits(normalize=False, seed=1)
    assert X_train.dtype == np.float32 and X_train.max() == 16.0
    from sklearn.datasets import load_digits as sklearn_load_digits

    full = sklearn_load_digits()
    ours = np.column_stack([np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])])
    theirs = np.column_stack([full.data, full.target])
    np.testing.assert_array_equal(np.unique(ours, axis=0), np.unique(theirs, axis=0))
    assert len(ours) == len(theirs)


def test_digits_split_is_stratified_and_shuffled():
    _, y_train, _, y_test = load_digits(test_fraction=0.25)
    counts = np.bincount(np.concatenate([y_train, y_test]))
    np.testing.assert_array_equal(np.bincount(y_test), np.floor(0.25 * counts + 0.5))
    for y in (y_train, y_test):  # classes interleave, not in blocks of one digit
        assert (np.diff(y) != 0).sum() > len(y) // 2


def test_digits_are_seeded():
    a, b = load_digits(seed=3), load_digits(seed=3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[1], load_digits(seed=4)[1])
    rng = np.random.default_rng(0)
    assert not np.array_equal(load_digits(seed=rng)[1], load_digits(seed=rng)[1])


def test_digits_returns_fresh_arrays():
    X_train = load_digits()[0]
    X_train[:] = -1
    assert load_digits()[0].min() == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"test_fraction": 0.0}, ValueError, "test_fraction must be in (0, 1), got 0.0"),
        ({"test_fraction": 1}, ValueError, "test_fraction must be in (0, 1), got 1"),
        ({"test_fraction": float("nan")}, ValueError, "got nan"),
        ({"test_fraction": 0.001}, ValueError, "test_fraction=0.001 leaves a split empty"),
        ({"test_fraction": "0.2"}, TypeError, "test_fraction must be a real number, got str"),
        ({"seed": 1.5}, TypeError, "load_digits: seed must be"),
    ],
)
def test_digits_errors(kwargs, error, message):
    with pytest.raises(error) as info:
        load_digits(**kwargs)
    assert message in str(info.value)


def test_digits_without_scikit_learn_says_how_to_install_it(monkeypatch):
    import nn.data

    monkeypatch.setattr(nn.data, "_digits", nn.data._digits.__wrapped__)  # skip the cache
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install scikit-learn"):
        load_digits()


# --- load_idx ---------------------------------------------------------------------------------

CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C}
CODES |= {np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array):
    """An IDX file's bytes written by hand: magic, big-endian sizes, big-endian elements."""
    header = struct.pack(">BBBB", 0, 0, CODES[array.dtype.type], array.ndim)
    sizes = struct.pack(f">{array.ndim}I", *array.shape)
    return header + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data):
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


ARRAYS = {
    "ubyte images": np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28),
    "ubyte labels": np.array([5, 0, 4, 1, 9], np.uint8),
    "int8": np.array([[-128, 127], [0, -1]], np.int8),
    "int16": np.array([-2, 300, -30000], np.int16),
    "int32": np.array([[-(2**31)], [2**31 - 1], [70000]], np.int32),
    "float32": np.array([[1.5, -2.25, 3e30]], np.float32),
    "float64": np.array([np.pi, -1e-300, 2.0], np.float64).reshape(3, 1, 1),
    "empty": np.zeros((0, 3), np.uint8),
}


@pytest.mark.parametrize("suffix", [".idx", ".idx.gz"])
@pytest.mark.parametrize("name", ARRAYS)
def test_idx_round_trip(tmp_path, name, suffix):
    array = ARRAYS[name]
    out = load_idx(write(tmp_path / f"data{suffix}", idx_bytes(array)))
    assert out.dtype == array.dtype and out.dtype.isnative and out.shape == array.shape
    np.testing.assert_array_equal(out, array)
    assert out.flags.writeable


def test_idx_takes_a_string_path(tmp_path):
    path = write(tmp_path / "labels-idx1-ubyte", idx_bytes(ARRAYS["ubyte labels"]))
    assert load_idx(str(path)).tolist() == [5, 0, 4, 1, 9]


IMAGES = idx_bytes(ARRAYS["ubyte images"])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.idx", b"\x00\x00", "truncated: 2 bytes, the header needs 4"),
        ("a.idx", b"\x01\x02\x08\x01" + bytes(8), "bad magic number 0x01020801"),
        ("a.idx", gzip.compress(IMAGES), "bad magic number 0x1f8b"),
        ("a.idx", gzip.compress(IMAGES), "gzip data: name the file .gz"),
        ("a.idx", b"\x00\x00\x0a\x01" + bytes(8), "unknown dtype code 0x0a"),
        ("a.idx", b"\x00\x00\x07\x01" + bytes(8), "0x08 uint8"),
        ("a.idx", IMAGES[:10], "truncated: 10 bytes, the header of 3 sizes needs 16"),
        ("a.idx", IMAGES[:-1], "truncated: 1583 bytes, shape (2, 28, 28) of uint8 needs 1584"),
        ("a.idx", IMAGES + b"\x00", "trailing bytes: 1585 bytes"),
        ("a.idx.gz", gzip.compress(IMAGES[:-1]), "truncated: 1583 bytes"),
        ("a.idx.gz", IMAGES, "not a complete gzip file"),  # raw bytes under a .gz name
        ("a.idx.gz", gzip.compress(IMAGES)[:-12], "not a complete gzip file"),  # cut short
    ],
)
def test_idx_errors_name_the_file_and_the_problem(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError) as info:
        load_idx(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_idx(tmp_path / "missing.idx")
