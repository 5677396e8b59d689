"""In-place changes: add_, sub_, mul_, fill_, zero_, copy_ work like numpy's and torch's, and a
backward that would read data changed since the forward raises instead of being silently wrong."""

import numpy as np
import pytest
import torch

from autograd import Tensor, cross_entropy, linear, no_grad


def leaf(values=(1.0, 2.0, 3.0), requires_grad=False, label=""):
    t = Tensor(np.array(values), requires_grad=requires_grad)
    t.label = label
    return t


@pytest.mark.parametrize(
    ("method", "args", "expected"),
    [
        ("add_", (10.0,), [11.0, 12.0, 13.0]),
        ("add_", (Tensor(np.array([1.0, 1.0, 1.0])),), [2.0, 3.0, 4.0]),
        ("add_", (np.array([1.0, 1.0, 1.0]), 0.5), [1.5, 2.5, 3.5]),  # alpha
        ("sub_", (1.0,), [0.0, 1.0, 2.0]),
        ("mul_", (np.array([2.0, 0.0, -1.0]),), [2.0, 0.0, -3.0]),
        ("fill_", (7.0,), [7.0, 7.0, 7.0]),
        ("zero_", (), [0.0, 0.0, 0.0]),
        ("copy_", (np.array([9.0, 8.0, 7.0]),), [9.0, 8.0, 7.0]),
    ],
)
def test_in_place_methods_change_the_data_return_self_and_count_versions(method, args, expected):
    t = leaf()
    data = t.data
    assert t.version == 0
    assert getattr(t, method)(*args) is t
    assert t.data is data  # the same array, changed
    np.testing.assert_array_equal(t.data, expected)
    assert t.version == 1


SAVES_THE_OTHER = {  # ops whose backward for x reads c, changed in place after the forward
    "mul": lambda x, c: x * c,
    "pow": lambda x, c: x**c,
    "matmul": lambda x, c: x @ c,
    "linear": lambda x, c: linear(x.reshape(1, 3), c.reshape(1, 3), c[:1]),
}
SAVES_ITSELF = {  # ops whose backward reads x itself, changed under no_grad after the forward
    "exp": Tensor.exp,
    "log": Tensor.log,
    "erf": Tensor.erf,
    "amax": lambda x: x.max(),
    "log_softmax": lambda x: x.log_softmax(0),
    "cross_entropy": lambda x: cross_entropy(x.reshape(1, 3), np.array([1])),
}


@pytest.mark.parametrize("op", sorted(SAVES_THE_OTHER))
def test_backward_refuses_an_input_changed_after_an_op_saved_it(op):
    x, c = leaf(requires_grad=True), leaf(label="c")
    loss = SAVES_THE_OTHER[op](x, c).sum() + x.sum()  # x.sum's branch would reach x first
    c.mul_(2.0)
    message = rf"input \d of {op}, .*float64, was changed in place by mul_ after {op} saved it"
    with pytest.raises(RuntimeError, match=message + r" for backward \(version 0, now 1\)"):
        loss.backward()
    assert x.grad is None  # refused before any gradient moved


@pytest.mark.parametrize("op", sorted(SAVES_ITSELF))
def test_backward_refuses_a_leaf_changed_after_an_op_saved_it(op):
    x = leaf(requires_grad=True, label="x")
    loss = SAVES_ITSELF[op](x).sum()
    with no_grad():
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match=rf"input 0 of {op}, .*float64, .* by mul_"):
        loss.backward()
    assert x.grad is None


def test_the_saving_op_is_named_for_a_leaf_changed_under_no_grad():
    w = leaf(requires_grad=True, label="w")
    loss = (w * w).sum()
    with no_grad():
        w.add_(1.0)  # an optimizer step before backward
    with pytest.raises(RuntimeError, match=r"input 0 of mul, 'w'.* by add_"):
        loss.backward()


def test_ops_that_do_not_read_their_inputs_still_backpropagate():
    x, c = leaf(requires_grad=True), leaf()
    loss = (x + c).reshape(3, 1).sum() + (x[1:] - c[:2]).sum()
    c.zero_()
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 2.0])


def test_a_detached_view_shares_the_version():
    x = leaf(requires_grad=True)
    loss = (x * x).sum()
    x.detach().add_(1.0)  # the same data, changed through a view
    assert x.version == 1
    with pytest.raises(RuntimeError, match="changed in place by add_"):
        loss.backward()


def test_graph_tensors_cannot_change_in_place_while_recording():
    x = leaf(requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add_: a leaf that requires grad \(3,\) .* no_grad"):
        x.add_(1.0)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"zero_: an op result on the graph \(3,\)"):
        y.zero_()
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
    assert x.version == y.version == 0


def test_bad_operands_are_named_and_change_nothing():
    t = leaf()
    with pytest.raises(ValueError, match=r"add_: cannot change \(3,\) float64 in place"):
        t.add_(np.ones(4))
    read_only = Tensor(np.broadcast_to(np.ones(1), (3,)))
    with pytest.raises(ValueError, match=r"fill_: cannot change \(3,\) float64 in place"):
        read_only.fill_(2.0)
    np.testing.assert_array_equal(t.data, [1.0, 2.0, 3.0])
    assert t.version == read_only.version == 0


def test_retained_graph_checks_again_on_the_second_backward():
    x, c = leaf(requires_grad=True), leaf()
    loss = (x * c).sum()
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 3.0])
    c.add_(1.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 3.0])  # unchanged by the refusal


def test_views_share_the_version_with_their_base():
    x = leaf()
    view = x.reshape(3, 1)[1:]
    view.add_(1.0)  # through the view: x's data changed too
    np.testing.assert_array_equal(x.data, [1.0, 3.0, 4.0])
    assert x.version == view.version == 1
    copy = x[np.array([0, 1])]  # integer-array indexing copies: its own version
    x.zero_()
    assert view.version == 2 and copy.version == 0


# --- x += y is an in-place change, as in torch (issue: `p -= lr * p.grad` silently did nothing)

IN_PLACE_OPERATORS = {  # operator.iX and torch's twin method
    "+=": (lambda t, v: t.__iadd__(v), "add_"),
    "-=": (lambda t, v: t.__isub__(v), "sub_"),
    "*=": (lambda t, v: t.__imul__(v), "mul_"),
    "/=": (lambda t, v: t.__itruediv__(v), "div_"),
    "**=": (lambda t, v: t.__ipow__(v), "pow_"),
}


def torch_twin(t: Tensor) -> torch.Tensor:
    return torch.from_numpy(t.data.copy())


def torch_operand(value):
    """The same operand for torch: Tensors and arrays as torch tensors, numbers as they are."""
    value = value.data if isinstance(value, Tensor) else value
    return torch.from_numpy(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("symbol", IN_PLACE_OPERATORS)
@pytest.mark.parametrize("operand", [2.0, 3, "tensor", "array"])
def test_in_place_operators_change_the_same_array_like_torch(symbol, operand):
    apply_operator, _ = IN_PLACE_OPERATORS[symbol]
    t = leaf((1.0, 2.0, 4.0))
    original, theirs = t.data, torch_twin(t)
    values = np.array([2.0, 0.5, 1.0])
    value = {"tensor": Tensor(values), "array": values}.get(operand, operand)
    result = apply_operator(t, value)
    apply_operator(theirs, torch_operand(value))
    assert result is t and t.data is original  # the same tensor, the same array
    np.testing.assert_allclose(t.data, theirs.numpy())
    assert t.version == 1 and t.dtype == np.float64


def test_the_pytorch_update_idiom_changes_the_parameters():
    w = leaf((1.0, 2.0, 3.0), requires_grad=True)
    (w * w).sum().backward()
    params = [w]
    with no_grad():
        for p in params:
            p -= 0.1 * p.grad
    np.testing.assert_allclose(w.data, [0.8, 1.6, 2.4])
    assert params[0] is w


@pytest.mark.parametrize("symbol", IN_PLACE_OPERATORS)
def test_in_place_operators_on_a_leaf_that_requires_grad_raise_like_torch(symbol):
    apply_operator, _ = IN_PLACE_OPERATORS[symbol]
    w = leaf(requires_grad=True, label="w")
    message = "a leaf that requires grad .* is being used in an in-place operation"
    with pytest.raises(RuntimeError, match=message):
        apply_operator(w, 2.0)
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])
    assert w.version == 0


def test_in_place_operator_on_a_graph_result_follows_the_in_place_rules():
    w = leaf(requires_grad=True)
    y = w * 2.0
    with pytest.raises(RuntimeError, match=r"add_: an op result on the graph \(3,\)"):
        y += 1.0
    np.testing.assert_array_equal(y.data, [2.0, 4.0, 6.0])


def test_an_operand_that_requires_grad_is_refused_while_recording():
    t, w = leaf(), leaf(requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul_: the operand \(3,\) requires grad"):
        t *= w
    np.testing.assert_array_equal(t.data, [1.0, 2.0, 3.0])
    with no_grad():
        t *= w
    np.testing.assert_array_equal(t.data, [1.0, 4.0, 9.0])


def test_in_place_operators_through_a_view_change_the_base():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    theirs = torch_twin(x)
    row = x[1]
    row *= 10.0
    theirs[1] *= 10.0
    np.testing.assert_array_equal(x.data, theirs.numpy())
    assert x.version == row.version == 1


def test_setitem_and_indexed_in_place_operators_match_torch():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    theirs = torch_twin(x)
    x[0, 1:] += 10.0
    theirs[0, 1:] += 10.0
    x[x > 11.0] = -1.0
    theirs[theirs > 11.0] = -1.0
    x[np.array([1, 1])] -= 1.0  # integer-array indexing: a copy changed, then written back
    theirs[torch.tensor([1, 1])] -= 1.0
    np.testing.assert_array_equal(x.data, theirs.numpy())


def test_setitem_on_a_leaf_that_requires_grad_raises_and_changes_nothing():
    w = leaf(requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem: a leaf that requires grad"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("dtype", "symbol", "value"),
    [
        (np.int32, "+=", 1.5),
        (np.int64, "/=", 2),
        (np.int64, "*=", np.array([0.5, 0.5, 0.5])),
        (np.bool_, "+=", 1),
    ],
)
def test_an_in_place_result_the_dtype_cannot_hold_raises_like_torch(dtype, symbol, value):
    apply_operator, _ = IN_PLACE_OPERATORS[symbol]
    t = Tensor(np.array([1, 0, 1], dtype), dtype=dtype)
    theirs = torch_twin(t)
    with pytest.raises(RuntimeError, match=r"result type .* can't be cast to the desired output"):
        apply_operator(theirs, torch_operand(value))
    with pytest.raises(RuntimeError, match=f"result type .* can't be cast to .* {np.dtype(dtype)}"):
        apply_operator(t, value)
    np.testing.assert_array_equal(t.data, [1, 0, 1])
    assert t.dtype == dtype and t.version == 0


@pytest.mark.parametrize(
    ("dtype", "symbol", "value"),
    [(np.int32, "+=", 3), (np.int64, "*=", 2), (np.float32, "+=", np.array([1.0])),
     (np.int16, "-=", np.array([1], np.int64)), (np.int32, "**=", 2)],
)  # fmt: skip
def test_an_in_place_result_keeps_the_dtype_like_torch(dtype, symbol, value):
    apply_operator, _ = IN_PLACE_OPERATORS[symbol]
    t = Tensor(np.array([1, 2, 3], dtype), dtype=dtype)
    theirs = torch_twin(t)
    apply_operator(theirs, torch_operand(value))
    apply_operator(t, value)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, theirs.numpy())
