"""Tensor speaks torch (issue 16, item 2): torch's names, conversions, autograd attributes, hooks,
in-place variants and repr, each against real PyTorch; and numpy meeting a Tensor."""

import operator

import numpy as np
import pytest
import torch

import autograd
import tracegrad
from autograd import Tensor, no_grad

X = np.arange(24.0).reshape(2, 3, 4) / 7.0


def both(data=X, requires_grad=False):
    """The same float64 data as a tracegrad Tensor and a torch tensor."""
    return (
        Tensor(np.array(data, np.float64), requires_grad=requires_grad),
        torch.tensor(np.array(data, np.float64), requires_grad=requires_grad),
    )


# --- dim= and keepdim= wherever axis= and keepdims= ---------------------------------------------

DIM_CALLS = [
    ("sum", {"dim": 1, "keepdim": True}),
    ("mean", {"dim": (0, 2)}),
    ("all", {"dim": 2}),
    ("any", {"dim": 0, "keepdim": True}),
    ("softmax", {"dim": -1}),
    ("argmax", {"dim": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), DIM_CALLS, ids=[c[0] for c in DIM_CALLS])
def test_torch_argument_names_match_torch(name, kwargs):
    x, t = both(X - 1.5)
    if name in ("all", "any"):
        x, t = x > 0.5, t > 0.5
    np.testing.assert_allclose(getattr(x, name)(**kwargs).data, getattr(t, name)(**kwargs).numpy())


def test_all_and_any_over_everything_give_a_bool():
    x, t = both([[0.0, 1.0], [2.0, 3.0]])
    for name in ("all", "any"):
        assert getattr(x, name)().dtype == np.bool_
        assert getattr(x, name)().item() == getattr(t, name)().item()


# --- sizes and conversions ----------------------------------------------------------------------


def test_size_is_numpy_count_and_torch_shape():
    x, t = both()
    assert x.size == 24 and x.size // 2 == 12  # numpy's
    assert x.size() == tuple(t.size()) and x.size(-1) == t.size(-1) == 4  # torch's
    assert (x.numel(), x.dim()) == (t.numel(), t.dim())
    with pytest.raises(ValueError, match="size"):
        x.size(3)


SIZE_USES = [  # what torch code does with a shape, applied to ours and to torch.Size
    ("itself", lambda s: s),
    ("slice", lambda s: s[1:]),
    ("index", lambda s: s[-1]),
    ("plus-tuple", lambda s: s + (5,)),  # noqa: RUF005 (the operator is what is tested)
    ("tuple-plus", lambda s: (5,) + s),  # noqa: RUF005
    ("times", lambda s: s * 2),
    ("times-left", lambda s: 2 * s),
    ("numel", lambda s: s.numel()),
    ("len", len),
    ("unpack", lambda s: [*s]),
    ("equals-tuple", lambda s: s == (2, 3, 4)),
    ("equals-list", lambda s: s == [2, 3, 4]),
    ("hash", lambda s: hash(s) == hash((2, 3, 4))),
    ("repr", repr),
]


@pytest.mark.parametrize("use", [pytest.param(f, id=name) for name, f in SIZE_USES])
@pytest.mark.parametrize("where", ["shape", "size()"])
def test_shape_is_a_size_as_torch(where, use):
    """t.shape and t.size() are Sizes: each use gives torch's value, and a Size stays a Size."""
    x, t = both()
    mine, theirs = (x.shape, t.shape) if where == "shape" else (x.size(), t.size())
    ours, torchs = use(mine), use(theirs)
    assert ours == torchs and type(ours).__name__ == type(torchs).__name__
    assert isinstance(mine, tracegrad.Size) and isinstance(mine, tuple)


def test_size_prints_as_a_tuple_and_is_made_of_ints():
    """str (print, f-strings, every error message) is the tuple's; repr is torch's; a Size is
    built from ints (numpy's too) and refuses anything else, as torch.Size."""
    shape = Tensor(np.zeros((0, 3))).shape
    assert (str(shape), f"{shape}", repr(shape)) == ("(0, 3)", "(0, 3)", "torch.Size([0, 3])")
    assert shape.numel() == 0 and tracegrad.Size().numel() == 1 == torch.Size().numel()
    assert tracegrad.Size(np.array([2, 3])) == (2, 3)
    assert all(type(n) is int for n in tracegrad.Size(np.array([2, 3])))
    with pytest.raises(TypeError, match="item 1 is 'float'"):
        tracegrad.Size([2, 2.5])
    assert np.zeros(shape).shape == (0, 3) and tracegrad.zeros(shape).shape == (0, 3)


@pytest.mark.parametrize(
    ("method", "dtype"),
    [("float", np.float32), ("double", np.float64), ("long", np.int64), ("int", np.int32),
     ("bool", np.bool_)],
)  # fmt: skip
def test_dtype_conversions_match_torch(method, dtype):
    x, t = both([[-1.7, 0.0], [2.5, 3.0]])
    out = getattr(x, method)()
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, getattr(t, method)().numpy())


def test_to_takes_a_dtype_a_tensor_or_the_cpu():
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    assert x.to(np.float32) is x and x.to("cpu") is x and x.cpu() is x
    y = x.to("cpu", np.float64)
    assert y.dtype == np.float64 and y.grad_fn.name() == "AstypeBackward0"
    assert x.to(dtype=np.float64).dtype == np.float64
    assert x.to(Tensor([0], dtype=np.int64)).dtype == np.int64
    assert x.type_as(Tensor(np.zeros(1))).dtype == np.float64
    with pytest.raises(RuntimeError, match="cuda"):
        x.to("cuda")


@pytest.mark.parametrize("convert", [float, int, bool])
def test_python_numbers_from_one_element_as_torch(convert):
    for data in ([2.7], [[-2.7]], 0.0):
        assert convert(Tensor(data)) == convert(torch.tensor(data))
    with pytest.raises(ValueError if convert is not bool else RuntimeError) as ours:
        convert(Tensor([1.0, 2.0]))
    with pytest.raises(type(ours.value)) as theirs:
        convert(torch.tensor([1.0, 2.0]))
    assert str(ours.value) == str(theirs.value)


def test_index_from_a_one_element_integer_tensor():
    assert [10, 20, 30][Tensor(2, dtype=np.int64)] == 30
    with pytest.raises(TypeError, match="only integer tensors"):
        [10, 20][Tensor(1.0)]
    with pytest.raises(TypeError, match="only integer tensors"):
        [10, 20][Tensor([0, 1], dtype=np.int64)]


def test_contiguous_copies_only_a_strided_tensor():
    x = Tensor(X, requires_grad=True)
    assert x.contiguous() is x
    y = x.T.contiguous()
    assert y.data.flags.c_contiguous
    np.testing.assert_array_equal(y.data, X.T)
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(x.grad.data, np.ones(X.shape))


def test_view_refuses_to_copy_as_torch():
    x, t = both()
    np.testing.assert_array_equal(x.view(6, 4).data, t.view(6, 4).numpy())
    assert x.view_as(Tensor(np.zeros((4, 6)))).shape == (4, 6)
    with pytest.raises(RuntimeError, match="reshape"):
        x.T.view(24)
    with pytest.raises(RuntimeError, match="reshape"):
        t.mT.view(24)


# --- autograd attributes and hooks ---------------------------------------------------------------


def test_leaf_grad_fn_and_detach_as_torch():
    x, t = both([1.0, 2.0], requires_grad=True)
    y, u = x * 2.0, t * 2.0
    assert (x.is_leaf, y.is_leaf) == (t.is_leaf, u.is_leaf) == (True, False)
    assert x.grad_fn is None and repr(y.grad_fn) == "<MulBackward0>" == f"<{u.grad_fn.name()}>"
    assert y.grad_fn.op == y.op == "mul"  # tracegrad's own name stays
    y.detach_()
    assert (y.is_leaf, y.requires_grad, y.grad_fn) == (True, False, None)


def test_requires_grad_is_assignable_on_leaves_and_checked():
    x = Tensor([1.0, 2.0])
    x.requires_grad = True
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    whole = Tensor([1, 2], dtype=np.int64)
    whole.requires_grad = True  # refused when used, with requires_grad_'s rule
    with pytest.raises(TypeError, match="floating-point"):
        (whole * 2.0).sum().backward()
    y = x * 2.0
    y.requires_grad = False
    with pytest.raises(RuntimeError, match="leaf"):
        (y * x).sum().backward()


def test_retain_grad_keeps_the_interior_gradient_as_torch():
    x, t = both([1.0, -2.0, 3.0], requires_grad=True)
    y, u = x * x, t * t
    y.retain_grad()
    u.retain_grad()
    assert y.retains_grad and u.retains_grad and not x.retains_grad
    (y * 3.0).sum().backward()
    (u * 3.0).sum().backward()
    np.testing.assert_array_equal(y.grad.data, u.grad.numpy())
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).retain_grad()


def test_hooks_see_and_replace_gradients_as_torch():
    seen, seen_torch = [], []
    x, t = both([1.0, -2.0], requires_grad=True)
    for leaf, log in ((x, seen), (t, seen_torch)):
        mid = leaf * 3.0
        mid.register_hook(lambda g, log=log: log.append(("mid", np.array(g.tolist()))) or g * 2)
        handle = leaf.register_hook(lambda g, log=log: log.append(("leaf", np.array(g.tolist()))))
        (mid * mid).sum().backward()
        (leaf * 1.0).sum().backward()  # a leaf's hook sees this backward's gradient alone
        handle.remove()
        (leaf * 1.0).sum().backward()
    assert [n for n, _ in seen] == [n for n, _ in seen_torch] == ["mid", "leaf", "leaf"]
    for (_, ours), (_, theirs) in zip(seen, seen_torch, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_a_hook_returning_a_wrong_shape_is_refused():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g.sum())
    with pytest.raises(ValueError, match="hook"):
        (x * 2.0).sum().backward()


# --- in-place variants ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [lambda t: t.clamp_(-0.5, 1.0), lambda t: t.clamp_(min=0.2), lambda t: t.clamp_(max=-0.1),
     lambda t: t.relu_(), lambda t: t.add_(2.0, alpha=0.5), lambda t: t.mul_(3.0),
     lambda t: t.fill_(1.5), lambda t: t.zero_(), lambda t: t.copy_(t * 0 + 4.0)],
)  # fmt: skip
def test_in_place_variants_match_torch(call):
    x, t = both([-1.0, 0.0, 0.5, 2.0, float("nan")])
    assert call(x) is x
    call(t)
    np.testing.assert_array_equal(x.data, t.numpy())
    assert x.version == 1


def test_random_fills_follow_their_generator():
    for name, args in (("normal_", (1.0, 2.0)), ("uniform_", (-1.0, 3.0))):
        a, b = Tensor(np.zeros(500, np.float32)), Tensor(np.zeros(500, np.float32))
        getattr(a, name)(*args, generator=3)
        getattr(b, name)(*args, generator=np.random.default_rng(3))
        np.testing.assert_array_equal(a.data, b.data)
        assert a.dtype == np.float32 and abs(a.data.mean() - 1.0) < 0.25
    assert Tensor(np.zeros(500)).uniform_(-1.0, 3.0).data.min() >= -1.0
    with pytest.raises(RuntimeError, match="in-place"):
        Tensor([1.0], requires_grad=True).normal_()
    with no_grad():
        Tensor([1.0], requires_grad=True).normal_()


# --- repr ----------------------------------------------------------------------------------------

REPRS = [
    lambda m: m.tensor([1.5, -2.0], requires_grad=True),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
    lambda m: m.tensor(3.0),
    lambda m: m.tensor([0.123456, 100.0]),
    lambda m: m.tensor([True, False]),
]


@pytest.mark.parametrize("make", REPRS)
def test_repr_reads_like_torch(make):
    assert repr(make(autograd)) == repr(make(torch))


def test_repr_names_a_dtype_other_than_the_defaults():
    assert repr(Tensor(np.array([1.0, 2.0]))) == repr(torch.tensor([1.0, 2.0], dtype=torch.float64))
    assert repr(Tensor([1, 2], dtype=np.int32)) == repr(torch.tensor([1, 2], dtype=torch.int32))


# --- numpy meeting a Tensor ----------------------------------------------------------------------


def test_an_sgd_step_written_on_data_changes_the_array_in_place():
    p = Tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    array = p.data
    p.data -= 0.1 * p.grad
    assert p.data is array
    np.testing.assert_allclose(p.data, [0.8, 1.6], rtol=1e-6)


def test_array_on_the_left_gives_the_tensor_result():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for out, expected in (
        (np.array([3.0, 4.0]) - x, [2.0, 2.0]),
        (np.float64(2.0) * x, [2.0, 4.0]),
    ):
        assert isinstance(out, Tensor) and out.requires_grad
        np.testing.assert_array_equal(out.data, expected)
    assert isinstance(np.array([0.0, 5.0]) < x, Tensor)
    with pytest.raises(TypeError):
        np.exp(x)


@pytest.mark.parametrize(
    "op", [operator.mod, operator.floordiv, operator.and_, operator.or_, operator.xor,
           operator.lshift, operator.rshift],
)  # fmt: skip
def test_array_on_the_left_of_the_integer_operators_gives_the_tensor_result(op):
    # torch's numbers for the same operands both as tensors (torch refuses ndarray % Tensor)
    a, b = np.array([7, -7, 12, 5]), np.array([2, 3, 1, 2])
    out = op(a, Tensor(b, dtype=np.int64))
    assert isinstance(out, Tensor) and out.dtype == np.int64
    np.testing.assert_array_equal(out.data, op(torch.from_numpy(a), torch.from_numpy(b)).numpy())


# --- ops without a gradient, and writing in torch's index order ---------------------------------


def test_one_hot_and_nonzero_match_torch():
    classes = np.array([[0, 2], [1, 1]])
    for n in (-1, 4):
        np.testing.assert_array_equal(
            autograd.one_hot(classes, n).data,
            torch.nn.functional.one_hot(torch.from_numpy(classes), n).numpy(),
        )
    x, t = both([[0.0, 1.5], [-2.0, 0.0]])
    np.testing.assert_array_equal(x.nonzero().data, t.nonzero().numpy())
    for ours, theirs in zip(x.nonzero(as_tuple=True), t.nonzero(as_tuple=True), strict=True):
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    with pytest.raises(ValueError, match="one_hot"):
        autograd.one_hot(np.array([3]), 2)


def test_setitem_writes_in_torchs_order():
    x, t = both(np.zeros((2, 3, 4)))
    value = np.arange(6.0).reshape(3, 2)
    x[0, :, [0, 1]] = value  # (3, 2) in torch; numpy's order would want (2, 3)
    t[0, :, [0, 1]] = torch.from_numpy(value)
    np.testing.assert_array_equal(x.data, t.numpy())
