"""`import tracegrad as torch`: every name is the library's own object (or a one-line adapter
onto it), the submodules are real modules, and the adapters agree with real torch."""

import importlib

import numpy as np
import pytest
import torch

import autograd
import nn
import optim
import tracegrad
from autograd import dtypes, factories, modes, rng
from autograd.tensor import Tensor
from optim import lr_scheduler

# torch name -> the object the library defines (the namespace must hand out that very object)
SAME_OBJECT = {
    "Tensor": Tensor,
    "no_grad": modes.no_grad,
    "enable_grad": modes.enable_grad,
    "is_grad_enabled": modes.is_grad_enabled,
    "manual_seed": rng.manual_seed,
    "get_default_dtype": dtypes.get_default_dtype,
    "set_default_dtype": dtypes.set_default_dtype,
    **{name: getattr(factories, name) for name in (
        "tensor", "as_tensor", "from_numpy", "from_dlpack", "zeros", "ones", "full", "empty",
        "arange", "linspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like",
        "ones_like", "full_like", "rand_like", "randn_like", "empty_like")},
}  # fmt: skip

SUBMODULES = {  # tracegrad's module -> the library module whose public names it re-exports
    "tracegrad.nn": nn,
    "tracegrad.nn.functional": nn.functional,
    "tracegrad.nn.init": nn.init,
    "tracegrad.nn.utils": None,  # checked by name below: nn.utils has no __all__
    "tracegrad.optim": optim,
    "tracegrad.optim.lr_scheduler": lr_scheduler,
    "tracegrad.utils.data": None,
    "tracegrad.autograd": None,
}


@pytest.mark.parametrize("name", sorted(SAME_OBJECT))
def test_each_torch_name_is_the_librarys_object(name):
    assert getattr(tracegrad, name) is SAME_OBJECT[name]


@pytest.mark.parametrize("module", sorted(SUBMODULES))
def test_submodules_are_real_modules_reexporting_every_public_name(module):
    ours = importlib.import_module(module)
    assert ours.__name__ == module and ours.__file__.endswith(".py")
    library = SUBMODULES[module]
    if library is None:
        return
    for name in library.__all__:
        theirs = getattr(library, name)
        if isinstance(theirs, type(np)):  # a submodule: tracegrad's own twin of it
            assert getattr(ours, name).__name__ == f"{module}.{name}"
        else:
            assert getattr(ours, name) is theirs, name
    assert sorted(ours.__all__) == sorted(library.__all__)


def test_utils_and_autograd_submodules_hand_out_the_librarys_objects():
    assert tracegrad.utils.data.DataLoader is nn.data.DataLoader
    assert tracegrad.utils.data.TensorDataset is nn.data.TensorDataset
    assert tracegrad.nn.utils.clip_grad_norm_ is nn.utils.clip_grad_norm_
    assert tracegrad.nn.utils.parameters_to_vector is nn.utils.parameters_to_vector
    assert tracegrad.autograd.no_grad is modes.no_grad
    assert tracegrad.nn.Parameter is nn.Parameter and tracegrad.optim.AdamW is optim.AdamW


def test_every_public_name_of_the_namespace_resolves():
    for module in (tracegrad, *(importlib.import_module(m) for m in SUBMODULES)):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"


def test_the_namespace_offers_no_name_torch_lacks():
    # code learned on tracegrad runs on torch: torch.gelu would not (it is torch.nn.functional's)
    assert [name for name in tracegrad.__all__ if not hasattr(torch, name)] == []


@pytest.mark.parametrize("name", ["float32", "float64", "int64", "int32", "int16", "int8",
                                  "uint8", "bool", "float16"])  # fmt: skip
def test_dtype_names_match_torchs(name):
    t = torch.zeros(1, dtype=getattr(torch, name))
    assert np.dtype(getattr(tracegrad, name)) == t.numpy().dtype
    assert tracegrad.float is tracegrad.float32 and tracegrad.double is tracegrad.float64
    assert tracegrad.long is tracegrad.int64 and tracegrad.int is tracegrad.int32


# --- creation, against torch ----------------------------------------------------------------

DATA = [[1, 2], [1.0, 2], True, [[True, False]], 3, 2.5, [], np.zeros(2),
        np.arange(3, dtype=np.int32), np.float64(1.5), [[1, 2], [3, 4]]]  # fmt: skip


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_dtypes_as_torch(data):
    ours, theirs = tracegrad.tensor(data), torch.tensor(data)
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_tensor_copies_as_tensor_and_from_numpy_share():
    a = np.zeros(3, np.float32)
    copied, shared, same = tracegrad.tensor(a), tracegrad.as_tensor(a), tracegrad.from_numpy(a)
    a[0] = 5
    assert copied.data[0] == 0 and shared.data[0] == 5 and same.data[0] == 5
    assert tracegrad.from_numpy(np.arange(3)).dtype == np.int64
    with pytest.raises(TypeError, match="from_numpy: expected a numpy array, got list"):
        tracegrad.from_numpy([1, 2])


@pytest.mark.parametrize(
    "call",
    ["arange(5)", "arange(1, 4)", "arange(0, 1, 0.25)", "arange(0.0, 3)", "full((2, 2), 7)",
     "full((2,), 1.5)", "full((1,), True)", "zeros(2, 3)", "ones((2,))", "eye(3)", "eye(2, 3)",
     "linspace(0, 1, 5)", "zeros_like(torch.ones(2, dtype=torch.int64))", "empty(2).shape",
     "full_like(torch.zeros(2), 3)", "ones(2, dtype=torch.float64)"],
)  # fmt: skip
def test_factories_match_torch(call):
    ours = eval(call, {"torch": tracegrad, **vars(tracegrad)})
    theirs = eval(call, {"torch": torch, **vars(torch)})
    if isinstance(theirs, torch.Tensor):
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    else:
        assert tuple(ours) == tuple(theirs)


def test_random_factories_shapes_ranges_and_dtypes():
    assert tracegrad.randn(2, 3).shape == (2, 3) and tracegrad.rand((4,)).dtype == np.float32
    r = tracegrad.randint(3, 7, (1000,))
    assert r.dtype == np.int64 and r.data.min() == 3 and r.data.max() == 6
    assert tracegrad.randint(5, (2, 2)).shape == (2, 2)
    assert sorted(tracegrad.randperm(6).tolist()) == list(range(6))
    assert tracegrad.randn_like(tracegrad.zeros(2, dtype=tracegrad.float64)).dtype == np.float64
    with pytest.raises(ValueError, match="randint: need low < high"):
        tracegrad.randint(3, 3, (2,))


# --- one global generator --------------------------------------------------------------------


def draws():
    """Everything that draws from the global generator when given no generator."""
    linear = tracegrad.nn.Linear(4, 3)
    embedding = tracegrad.nn.Embedding(5, 2)
    weight = tracegrad.nn.init.kaiming_normal_(tracegrad.empty(3, 4))
    drop = tracegrad.nn.Dropout(0.5)(tracegrad.ones(20))
    loader = tracegrad.utils.data.DataLoader(
        tracegrad.utils.data.TensorDataset(np.arange(10.0)), batch_size=10, shuffle=True
    )
    order = next(iter(loader))[0]
    return [tracegrad.randn(3), tracegrad.rand(2), tracegrad.randint(0, 9, (3,)),
            linear.weight, linear.bias, embedding.weight, weight, drop, order]  # fmt: skip


def test_manual_seed_makes_every_default_draw_repeat():
    tracegrad.manual_seed(7)
    first = draws()
    tracegrad.manual_seed(7)
    second = draws()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    tracegrad.manual_seed(8)
    assert not np.array_equal(draws()[0].data, first[0].data)


def test_a_layer_made_before_manual_seed_draws_the_seeded_stream():
    drop = tracegrad.nn.Dropout(0.5)
    tracegrad.manual_seed(3)
    a = drop(tracegrad.ones(50))
    tracegrad.manual_seed(3)
    np.testing.assert_array_equal(drop(tracegrad.ones(50)).data, a.data)


def test_an_explicit_generator_ignores_the_global_one():
    tracegrad.manual_seed(1)
    a = tracegrad.nn.Linear(3, 2, generator=5).weight.data
    tracegrad.manual_seed(2)
    np.testing.assert_array_equal(tracegrad.nn.Linear(3, 2, generator=5).weight.data, a)
    g = np.random.default_rng(0)
    tracegrad.manual_seed(1)
    x = tracegrad.randn(3, generator=g)
    expected = np.random.default_rng(0).standard_normal(3).astype(np.float32)
    np.testing.assert_array_equal(x.data, expected)


@pytest.mark.parametrize(("seed", "error"), [(1.5, TypeError), (True, TypeError), (-1, ValueError)])
def test_manual_seed_refuses_what_is_not_a_seed(seed, error):
    with pytest.raises(error, match="manual_seed: seed must be"):
        tracegrad.manual_seed(seed)


def test_default_dtype_applies_to_new_data_factories_and_layers():
    assert tracegrad.get_default_dtype() == tracegrad.float32
    tracegrad.set_default_dtype(tracegrad.float64)
    try:
        assert tracegrad.tensor([1.0]).dtype == np.float64
        assert tracegrad.zeros(2).dtype == np.float64
        assert tracegrad.arange(0.0, 1).dtype == np.float64
        assert tracegrad.nn.Linear(2, 2).weight.dtype == np.float64
        assert tracegrad.tensor([1]).dtype == np.int64
    finally:
        tracegrad.set_default_dtype(tracegrad.float32)
    assert tracegrad.tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError, match="set_default_dtype: float32 or float64"):
        tracegrad.set_default_dtype(tracegrad.int64)


# --- grad modes and torch.autograd --------------------------------------------------------------


def test_grad_modes():
    x = tracegrad.ones(2, requires_grad=True)
    with tracegrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad and not tracegrad.is_grad_enabled()
    assert (x * 2).requires_grad
    tracegrad.set_grad_enabled(False)
    try:
        assert not tracegrad.is_grad_enabled()
    finally:
        tracegrad.set_grad_enabled(True)
    with tracegrad.inference_mode():
        assert not (x * 2).requires_grad
    with tracegrad.no_grad(), tracegrad.enable_grad():
        assert (x * 2).requires_grad


def test_autograd_grad_matches_torch():
    data = np.array([0.5, -1.0, 2.0], np.float32)
    x = tracegrad.tensor(data, requires_grad=True)
    (g,) = tracegrad.autograd.grad([(x.exp() * x).sum()], [x], create_graph=True)
    (gg,) = tracegrad.autograd.grad(g.sum(), x)
    tx = torch.tensor(data, requires_grad=True)
    (tg,) = torch.autograd.grad([(tx.exp() * tx).sum()], [tx], create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(gg.data, tgg.numpy(), rtol=1e-6)
    assert x.grad is None


def make_scaled_square(lib):
    """x**2 * k as a custom Function of the library `lib` (tracegrad or torch)."""

    class ScaledSquare(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * x * k

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x * ctx.k, None

    return ScaledSquare


def test_a_custom_function_is_one_graph_node_with_torchs_gradient():
    data = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    x = tracegrad.tensor(data, requires_grad=True)
    out = make_scaled_square(tracegrad).apply(x, 3.0)
    assert out.parents == (x,) and out.op == "ScaledSquare"
    (out * out).sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    tout = make_scaled_square(torch).apply(tx, 3.0)
    (tout * tout).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy())
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6)


def test_a_custom_function_with_the_wrong_number_of_gradients_says_so():
    class Bad(tracegrad.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    x = tracegrad.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"Bad\.backward returned 1 gradients; forward took 2"):
        Bad.apply(x, 2.0).sum().backward()


# --- functions mirroring methods, against torch ---------------------------------------------

X = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]], np.float32)
Y = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 4.0]], np.float32)
CALLS = [
    "softmax(x, dim=0)", "softmax(x, 1)", "log_softmax(x, dim=1)", "exp(x)", "log(x.abs())",
    "sum(x)", "sum(x, dim=1)", "sum(x, 0, keepdim=True)", "mean(x, dim=0)", "var(x)",
    "var(x, dim=1)", "std(x, 0)", "max(x)", "max(x, 1)", "max(x, dim=0, keepdim=True)",
    "max(x, y)", "min(x, 0)", "argmax(x)", "argmax(x, dim=1)", "argmin(x, 0)", "amax(x, 1)",
    "cat([x, y])", "cat([x, y], dim=1)", "stack([x, y], dim=1)", "where(x > 0, x, y)",
    "clamp(x, min=0)", "clamp(x, -1, 1)", "matmul(x, y.T)", "relu(x)", "sigmoid(x)", "tanh(x)",
    "sqrt(x.abs())", "abs(x)", "allclose(x, x + 1e-9)", "allclose(x, y)", "equal(x, x)",
    "equal(x, y)", "maximum(x, y)", "minimum(x, y)", "logsumexp(x, 1)", "numel(x)",
    "transpose(x, 0, 1)", "reshape(x, (3, 2))", "permute(x, (1, 0))", "sin(x)", "cos(x)",
    "where(x > 0)", "where(tensor(True))", "where(x.abs() > 9)", "cat((x, y), 1)",
    "cat([x, y], axis=1)", "concat([x, y], dim=-1)", "stack((x, y), 2)", "stack([x, y], axis=1)",
    "bitwise_left_shift(x.long(), 2)", "bitwise_right_shift((x * 4).long(), 1)",
    "bitwise_and((x * 4).long(), 6)",
]  # fmt: skip


@pytest.mark.parametrize("call", CALLS)
def test_functions_match_torch(call):
    def run(lib):
        env = {"x": lib.tensor(X), "y": lib.tensor(Y), **{n: getattr(lib, n) for n in dir(lib)}}
        return eval(call, env)

    ours, theirs = run(tracegrad), run(torch)
    pairs = list(zip(ours, theirs, strict=True)) if isinstance(theirs, tuple) else [(ours, theirs)]
    for a, b in pairs:
        if isinstance(b, torch.Tensor):
            assert a.shape == tuple(b.shape) and a.dtype == b.numpy().dtype
            np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-5, atol=1e-6)
        else:
            assert a == b


def test_functions_differentiate_like_the_methods():
    x = tracegrad.tensor(X, requires_grad=True)
    tracegrad.softmax(x, dim=1)[:, 0].sum().backward()
    tx = torch.tensor(X, requires_grad=True)
    torch.softmax(tx, dim=1)[:, 0].sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_a_function_given_a_list_names_the_problem():
    with pytest.raises(TypeError, match=r"exp: expected a Tensor, got list; wrap it in tensor\(\)"):
        tracegrad.exp([1.0, 2.0])


def test_autograd_package_still_has_its_own_names():
    assert autograd.tensor is tracegrad.tensor and autograd.Tensor is tracegrad.Tensor
