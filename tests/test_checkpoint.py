"""Checkpoints and PyTorch interop: atomic .npz files, never unpickled, all-or-nothing loads."""

import pickle

import numpy as np
import pytest
import torch

import nn
from autograd import Tensor, from_dlpack
from nn import checkpoint


def model(seed: int = 0) -> nn.Module:
    return nn.Sequential(
        nn.Linear(4, 8, generator=seed),
        nn.BatchNorm1d(8),
        nn.ReLU(),
        nn.Linear(8, 3, generator=seed + 1),
    )


def torch_twin() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    )


def snapshot(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in m.state_dict().items()}


def assert_same_state(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
        assert a[key].dtype == b[key].dtype, key


def test_round_trip_restores_every_parameter_and_buffer(tmp_path):
    source = model(0)
    source(Tensor(np.random.default_rng(0).standard_normal((5, 4)), dtype=np.float32))  # stats
    path = nn.save(source, tmp_path / "m.npz")
    target = model(7)
    target.load_state_dict(nn.load(path))
    assert_same_state(target.state_dict(), source.state_dict())
    assert int(target.state_dict()["1.num_batches_tracked"]) == 1


def test_save_accepts_a_state_dict_and_any_key_names(tmp_path):
    state = {
        "file": np.arange(3.0),
        "allow_pickle": np.ones((2, 2), np.float32),
        "a.b": np.int64(4),
    }
    loaded = nn.load(nn.save(state, tmp_path / "s.npz"))
    assert_same_state(loaded, {k: np.asarray(v) for k, v in state.items()})


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda s: s.pop("0.weight"), ["missing ['0.weight']"]),
        (lambda s: s.update(extra=np.zeros(1)), ["unexpected ['extra']"]),
        (lambda s: s.update({"3.bias": np.zeros(4)}), ["3.bias: checkpoint (4,), model (3,)"]),
        (
            lambda s: (s.pop("3.weight"), s.update(stray=np.zeros(1), **{"0.bias": np.zeros(2)})),
            ["missing ['3.weight']", "unexpected ['stray']", "0.bias: checkpoint (2,)"],
        ),
    ],
)
def test_a_bad_state_dict_names_every_key_and_changes_nothing(edit, words):
    target = model(0)
    before = snapshot(target)
    state = snapshot(model(1))
    edit(state)
    with pytest.raises(RuntimeError) as info:
        target.load_state_dict(state)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert_same_state(target.state_dict(), before)


def test_non_strict_load_reports_what_it_skipped():
    state = snapshot(model(1))
    state.pop("0.bias")
    state["extra"] = np.zeros(1)
    result = model(0).load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra"]


def test_a_pickled_file_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"0.weight": np.zeros((8, 4))}))
    with pytest.raises(ValueError, match="is not a checkpoint"):
        nn.load(path)


def test_object_arrays_are_refused_on_save_and_on_load(tmp_path):
    with pytest.raises(TypeError, match="'w' is not a numeric array"):
        nn.save({"w": np.array([{"a": 1}], dtype=object)}, tmp_path / "o.npz")
    path = tmp_path / "o2.npz"
    np.savez(path, w=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="is not a checkpoint"):
        nn.load(path)


@pytest.mark.parametrize("content", [b"", b"not a zip file", np.zeros(3).tobytes()])
def test_a_file_that_is_not_a_checkpoint_gets_a_clear_error(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"junk\.npz is not a checkpoint"):
        nn.load(path)


def test_a_single_npy_array_is_not_a_state_dict(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(ValueError, match="not a state dict"):
        nn.load(tmp_path / "a.npy")


def test_a_crash_during_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = nn.save(model(0), tmp_path / "m.npz")
    before = path.read_bytes()

    def crash(file, arrays):
        file.write(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint, "_write_npz", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(model(1), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]  # no temporary file left


def test_state_dict_loads_into_the_torch_twin_and_back():
    ours = model(0).eval()
    twin = torch_twin().eval()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(Tensor(x)).data, twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )

    torch.manual_seed(3)
    other = torch_twin().eval()
    back = model(5).eval()
    back.load_state_dict({k: v.numpy() for k, v in other.state_dict().items()})
    np.testing.assert_allclose(
        back(Tensor(x)).data, other(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_dlpack_shares_memory_both_ways():
    t = Tensor(np.arange(4, dtype=np.float32))
    shared = torch.from_dlpack(t)
    shared[0] = 10.0
    assert t.data[0] == 10.0
    back = from_dlpack(shared)
    back.data[1] = 20.0
    assert shared[1].item() == 20.0 and back.dtype == np.float32


def test_state_dict_keys_come_in_torch_order():
    assert list(model(0).state_dict()) == list(torch_twin().state_dict())


def test_a_checkpoint_gets_the_usual_file_permissions(tmp_path):
    path = nn.save(model(0), tmp_path / "m.npz")
    (tmp_path / "plain").write_bytes(b"")
    assert path.stat().st_mode & 0o777 == (tmp_path / "plain").stat().st_mode & 0o777
