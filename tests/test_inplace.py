"""In-place changes: add_, sub_, mul_, fill_, zero_, copy_ work like numpy's and torch's, and a
backward that would read data changed since the forward raises instead of being silently wrong."""

import numpy as np
import pytest

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
