"""torch.save / torch.load without pickles, safetensors both ways with real torch, and DLPack."""

import numpy as np
import pytest
import safetensors.torch
import torch

import tracegrad


def pair(seed: int = 0):
    """The same 4 -> 3 -> 2 network in tracegrad and in torch, with tracegrad's weights."""
    ours = tracegrad.nn.Sequential(
        tracegrad.nn.Linear(4, 3, generator=seed), tracegrad.nn.ReLU(),
        tracegrad.nn.Linear(3, 2, generator=seed + 1),
    )  # fmt: skip
    twin = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    return ours, twin


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


def outputs_match(ours, twin):
    np.testing.assert_allclose(
        ours(tracegrad.tensor(X)).data, twin(torch.from_numpy(X)).detach().numpy(), rtol=1e-6
    )


def test_save_then_load_a_state_dict_whatever_the_file_name(tmp_path):
    ours, _ = pair(0)
    tracegrad.save(ours.state_dict(), tmp_path / "best_model.pt")
    loaded = tracegrad.load(tmp_path / "best_model.pt")
    assert list(loaded) == list(ours.state_dict())
    assert all(isinstance(v, tracegrad.Tensor) for v in loaded.values())
    fresh, _ = pair(5)
    fresh.load_state_dict(loaded)
    for a, b in zip(fresh.parameters(), ours.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_a_training_checkpoint_round_trips_its_nesting(tmp_path):
    ours, _ = pair(0)
    opt = tracegrad.optim.Adam(ours.parameters(), lr=0.01)
    ours(tracegrad.tensor(X)).sum().backward()
    opt.step()
    checkpoint = {"epoch": 3, "model": ours.state_dict(), "optimizer": opt.state_dict(),
                  "history": [0.5, 0.25], "betas": (0.9, 0.999), "note": "best", "none": None,
                  "by_index": {0: tracegrad.ones(2), 1: 2.5}}  # fmt: skip
    path = tmp_path / "checkpoint.tar"
    tracegrad.save(checkpoint, path)
    back = tracegrad.load(path)
    assert back["epoch"] == 3 and back["history"] == [0.5, 0.25] and back["betas"] == (0.9, 0.999)
    assert back["note"] == "best" and back["none"] is None and back["by_index"][1] == 2.5
    np.testing.assert_array_equal(back["by_index"][0].data, np.ones(2, np.float32))
    opt2 = tracegrad.optim.Adam(pair(3)[0].parameters(), lr=0.5)
    opt2.load_state_dict(back["optimizer"])
    assert opt2.param_groups[0]["lr"] == 0.01
    assert not (path.read_bytes().find(b"pickle") >= 0)


def test_save_refuses_objects_it_cannot_store_without_pickling(tmp_path):
    wanted = r"save: obj\['f'\] is a builtin_function_or_method; a checkpoint holds dicts"
    with pytest.raises(TypeError, match=wanted):
        tracegrad.save({"f": len, "x": 1}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="save: expected a file path, got BytesIO"):
        import io

        tracegrad.save({}, io.BytesIO())


@pytest.mark.parametrize("legacy", [False, True])
def test_a_pytorch_pickle_is_refused_naming_safetensors(tmp_path, legacy):
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(ValueError, match=r"model\.pt is not a checkpoint: .*safetensors"):
        tracegrad.load(path)


def test_nn_save_writes_safetensors_that_torch_loads_into_its_twin(tmp_path):
    ours, twin = pair(0)
    path = tracegrad.nn.save(ours.state_dict(), tmp_path / "m.safetensors")
    twin.load_state_dict(safetensors.torch.load_file(path))
    outputs_match(ours, twin)


def test_a_safetensors_file_written_by_pytorch_loads_here(tmp_path):
    ours, twin = pair(0)
    torch.manual_seed(1)
    twin = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    safetensors.torch.save_file(twin.state_dict(), tmp_path / "from_torch.bin")
    ours.load_state_dict(tracegrad.nn.load(tmp_path / "from_torch.bin"))  # found by its content
    outputs_match(ours, twin)
    loaded = tracegrad.load(tmp_path / "from_torch.bin")
    assert isinstance(loaded["0.weight"], tracegrad.Tensor)


def test_torch_save_to_a_safetensors_name_writes_safetensors(tmp_path):
    ours, twin = pair(2)
    tracegrad.save(ours.state_dict(), tmp_path / "m.safetensors")
    twin.load_state_dict(safetensors.torch.load_file(tmp_path / "m.safetensors"))
    outputs_match(ours, twin)


def test_dlpack_both_ways_with_torch():
    ours = tracegrad.arange(4.0, 8.0)
    theirs = torch.from_dlpack(ours)
    theirs[0] = -1.0
    assert ours.data[0] == -1.0
    back = tracegrad.from_dlpack(torch.arange(3, dtype=torch.float64))
    assert back.dtype == tracegrad.float64 and back.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="from_dlpack: expected a DLPack producer"):
        tracegrad.from_dlpack([1.0])
