"""The shared backward walk: course examples, deep graphs, accumulation, graph freeing, no_grad,
topological order, and that a dropped graph is freed without the cyclic garbage collector."""

import math
import operator
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import cyclic_gc_disabled

from autograd import Tensor, Value, enable_grad, is_grad_enabled, maximum, no_grad
from autograd.graph import topo_order

SETTINGS = settings(max_examples=30, deadline=None)


def test_course_example_f_is_x_plus_y_times_z():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_course_example_one_sigmoid_neuron_with_squared_loss():
    w, x, b = Value(2.0), Value(1.5), Value(-1.0)
    z = w * x
    a = z + b
    h = a.sigmoid()
    loss = (h - 1) ** 2
    loss.backward()
    # The course quotes dL/dw = -0.0375 to 3 significant digits: within half a unit of the last
    # digit (5e-5). The exact value is -0.037547, 1.25e-3 away in relative terms.
    assert w.grad == pytest.approx(-0.0375, abs=5e-5)
    s = 1.0 / (1.0 + math.exp(-(2.0 * 1.5 - 1.0)))
    dloss_da = 2.0 * (s - 1.0) * s * (1.0 - s)
    assert (w.grad, x.grad, b.grad) == pytest.approx(
        (dloss_da * 1.5, dloss_da * 2.0, dloss_da), rel=1e-12
    )


def test_million_node_chain_backward_needs_no_recursion():
    n = 1_000_000
    c = 1.0 + 1.0 / n  # d out / d leaf = c ** n, about e: every node's VJP must run
    # The graph is acyclic (see the weakref test below); the cyclic collector would only rescan
    # the growing chain of a million live nodes, tripling the runtime.
    with cyclic_gc_disabled():
        leaf = Value(0.5)
        out = leaf
        for _ in range(n):
            out = out * c
        out.backward()
        assert out.data == pytest.approx(0.5 * c**n, rel=1e-9)
        assert leaf.grad == pytest.approx(c**n, rel=1e-9)
        del out  # a million-deep chain must also be freed without blowing the C stack


def _twice_then_square(a: Value) -> Value:
    b = a + a
    return b * b


def _twice_then_double(a: Value) -> Value:
    b = a + a
    return b + b


# A node used several times gets the sum of its gradients: (what, build, d out / d a at a).
REUSE = [
    ("a_plus_a", lambda a: a + a, lambda a: 2.0),
    ("a_times_a", lambda a: a * a, lambda a: 2.0 * a),
    ("b_is_a_plus_a_then_b_times_b", _twice_then_square, lambda a: 8.0 * a),
    ("b_is_a_plus_a_then_b_plus_b", _twice_then_double, lambda a: 4.0),
    ("sum_of_a_three_times", lambda a: Value.sum([a, a, a]), lambda a: 3.0),
    ("dot_of_a_with_a_and_2", lambda a: Value.dot([a, a], [a, 2.0]), lambda a: 2.0 * a + 2.0),
    ("max_of_a_and_a", lambda a: a.max(a), lambda a: 1.0),
]


@pytest.mark.parametrize(
    ("build", "derivative"), [row[1:] for row in REUSE], ids=[row[0] for row in REUSE]
)
@SETTINGS
@given(x=st.floats(-3.0, 3.0))
def test_reused_node_accumulates_gradients(build, derivative, x):
    a = Value(x)
    build(a).backward()
    assert a.grad == pytest.approx(derivative(x), rel=1e-12)


BINARY = [
    pytest.param(operator.add, id="add"),
    pytest.param(operator.mul, id="mul"),
    pytest.param(maximum, id="maximum"),
    pytest.param(lambda a, b: Value.sum([a, b]), id="sum"),
    pytest.param(lambda a, b: Value.dot([a], [b]), id="dot"),
]


@pytest.mark.parametrize("op", [operator.add, operator.mul, operator.sub, operator.truediv])
def test_a_number_on_the_left_stays_the_first_parent(op):
    a = Value(3.0)
    parents = op(2.0, a).parents
    assert parents[0].data == 2.0
    assert parents[-1] is a or parents[-1].parents[0] is a  # sub and div go through -a, a**-1


@pytest.mark.parametrize("op", BINARY)
def test_parents_are_a_tuple_in_call_order(op):
    a, b = Value(1.0), Value(2.0)
    for first, second in [(a, b), (b, a)]:
        parents = op(first, second).parents
        assert type(parents) is tuple
        assert len(parents) == 2
        assert parents[0] is first
        assert parents[1] is second


def test_leaves_accumulate_over_backward_calls_on_new_graphs_until_zeroed():
    a = Value(1.5)
    (a * a).backward()
    first = 2.0 * a.data
    assert a.grad == first
    (a * 3.0).backward()
    assert a.grad == first + 3.0
    a.grad = 0.0
    (a * 3.0).backward()
    assert a.grad == 3.0
    a.backward()  # a leaf as the root: d a / d a = 1 accumulates too
    assert a.grad == 3.0 + 1.0


def test_second_backward_through_the_same_graph_raises_mentioning_retain_graph():
    a = Value(1.5)
    out = (a * a).tanh()
    out.backward()
    grad = a.grad
    with pytest.raises(RuntimeError, match="retain_graph"):
        out.backward()
    assert a.grad == grad


def test_retain_graph_allows_a_second_backward_and_leaves_get_double():
    a = Value(1.5)
    mid = a * a
    out = mid.tanh()
    out.backward(retain_graph=True)
    once, mid_once = a.grad, mid.grad
    out.backward()
    assert a.grad == 2.0 * once
    assert mid.grad == mid_once  # interior nodes hold the latest backward through them
    with pytest.raises(RuntimeError, match="retain_graph"):
        out.backward()  # the second backward did not retain


# One op of each kind, as a function of two Values (positive inputs keep log defined).
OPS = [
    pytest.param(operator.add, id="add"),
    pytest.param(operator.sub, id="sub"),
    pytest.param(operator.mul, id="mul"),
    pytest.param(operator.truediv, id="div"),
    pytest.param(operator.pow, id="pow"),
    pytest.param(lambda a, b: -a, id="neg"),
    pytest.param(lambda a, b: a**2.0, id="pow_number"),
    pytest.param(lambda a, b: a.exp(), id="exp"),
    pytest.param(lambda a, b: a.log(), id="log"),
    pytest.param(lambda a, b: a.tanh(), id="tanh"),
    pytest.param(lambda a, b: a.sigmoid(), id="sigmoid"),
    pytest.param(lambda a, b: a.relu(), id="relu"),
    pytest.param(lambda a, b: a.leaky_relu(), id="leaky_relu"),
    pytest.param(lambda a, b: a.abs(), id="abs"),
    pytest.param(maximum, id="maximum"),
    pytest.param(lambda a, b: Value.sum([a, b]), id="sum"),
    pytest.param(lambda a, b: Value.dot([a], [b]), id="dot"),
]


@pytest.mark.parametrize("op", OPS)
def test_no_grad_records_nothing(op):
    a, b = Value(1.5), Value(0.5)
    with no_grad():
        assert not is_grad_enabled()
        out = op(a, b)
    assert is_grad_enabled()
    assert (out.parents, out.op, out.vjp) == ((), "", None)
    out.backward()  # a leaf: its own gradient only
    assert (a.grad, b.grad) == (0.0, 0.0)


@pytest.mark.parametrize("decorator", [no_grad(), no_grad], ids=["called", "bare"])
def test_no_grad_works_as_a_decorator_even_recursively(decorator):
    seen = []

    @decorator
    def double(v: Value, depth: int) -> Value:
        seen.append(is_grad_enabled())
        return double(v, depth - 1) if depth else v * 2.0

    out = double(Value(1.5), 2)
    assert seen == [False, False, False]
    assert out.parents == ()
    assert is_grad_enabled()
    assert (Value(1.5) * 2.0).parents != ()  # recording again after the call


def test_enable_grad_records_inside_no_grad():
    with no_grad():
        with enable_grad():
            assert (Value(1.5) * 2.0).parents != ()
        assert not is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with no_grad():
        worker = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


def test_no_grad_restores_grad_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        _ = Value(1.0) / 0.0
    assert is_grad_enabled()
    assert (Value(1.5) * 2.0).parents != ()


def test_no_grad_nests():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # leaving the inner block restores the outer's mode
        assert (Value(1.5) * 2.0).parents == ()
    assert is_grad_enabled()


def _depends_on(root: Value) -> set[Value]:
    """Every node reachable from `root` through parents, root included."""
    found, stack = {root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


@SETTINGS
@given(data=st.data())
def test_topo_order_lists_each_node_once_after_all_its_parents(data):
    """On random graphs with shared nodes: a node appears once, after every parent of it."""
    nodes = [Value(float(i)) for i in range(data.draw(st.integers(1, 4), label="leaves"))]
    for _ in range(data.draw(st.integers(0, 25), label="ops")):
        op = data.draw(st.sampled_from([operator.add, operator.mul, maximum]), label="op")
        i, j = data.draw(st.tuples(*[st.integers(0, len(nodes) - 1)] * 2), label="operands")
        nodes.append(op(nodes[i], nodes[j]))
    root = data.draw(st.sampled_from(nodes), label="root")
    order = topo_order(root)
    position = {node: k for k, node in enumerate(order)}
    assert len(position) == len(order)
    assert set(order) == _depends_on(root)
    assert order[-1] is root
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]


def _every_op(x: Value, y: Value) -> Value:
    """A graph that uses every Value op once, on positive x and y."""
    terms = [x + y, x - y, 2.0 - x, x * y, x / y, 3.0 / y, x**2.0, x**y, 2.0**y, -x, x.exp()]
    terms += [y.log(), x.tanh(), x.sigmoid(), x.relu(), x.leaky_relu(0.1), x.abs()]
    terms += [maximum(x, y), x.max(y), Value.dot(terms[:3], terms[3:6])]
    return Value.sum(terms)


@pytest.mark.parametrize("then", ["nothing", "backward", "backward_retain_graph"])
def test_dropped_graph_is_freed_without_the_cyclic_collector(then):
    """No reference cycles: no VJP closure holds its own output node, the engine keeps nothing."""
    with cyclic_gc_disabled():
        x, y = Value(0.7), Value(1.3)
        out = _every_op(x, y)
        if then != "nothing":
            out.backward(retain_graph=then == "backward_retain_graph")
        interior = [weakref.ref(node) for node in topo_order(out) if node.parents]
        assert len(interior) > 20
        del out
        alive = [r().op for r in interior if r() is not None]
        assert alive == []


def test_explain_prints_the_chain_rule_of_the_course_circuit(capsys):
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward(explain=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "f = q * z    upstream 1",
        "    q: local df/dq = -4, times upstream 1 = -4",
        "    z: local df/dz = 3, times upstream 1 = 3",
        "q = x + y    upstream -4",
        "    x: local dq/dx = 1, times upstream -4 = -4",
        "    y: local dq/dy = 1, times upstream -4 = -4",
        "x.grad = -4",
        "y.grad = -4",
        "z.grad = 3",
    ]
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)  # explaining changes nothing


def test_explain_shows_tensor_vjps(capsys):
    a = Tensor(np.arange(3.0), requires_grad=True)
    a.label = "a"
    (a * a).sum().backward(explain=True)
    out = capsys.readouterr().out
    assert "mul#1 = mul(a, a)    upstream [1., 1., 1.]" in out
    assert "    a: vjp(upstream) = [0., 1., 2.]" in out
    assert "a.grad = [0., 2., 4.]" in out


def test_explain_refuses_big_graphs_and_changes_nothing(capsys):
    x = Value(1.0, "x")
    out = x
    for _ in range(50):
        out = out * 1.0
    with pytest.raises(ValueError, match=r"has 101 nodes; explain prints .* up to 40"):
        out.backward(explain=True)
    assert x.grad == 0.0 and capsys.readouterr().out == ""
    out.backward()  # the graph is intact
    assert x.grad == 1.0


def _tensor_leaf(dtype=np.float32) -> Tensor:
    return Tensor(np.arange(1.0, 5.0, dtype=dtype), requires_grad=True)


def test_tensor_leaves_accumulate_into_their_gradient_array_in_place_when_nothing_else_holds_it():
    a = _tensor_leaf()
    (a * a).sum().backward()
    grad = weakref.ref(a.grad)
    address = a.grad.data.__array_interface__["data"][0]
    (a * a).sum().backward()
    assert grad() is a.grad  # the same tensor and array, added into (torch's AccumulateGrad)
    assert a.grad.data.__array_interface__["data"][0] == address
    np.testing.assert_array_equal(a.grad.data, 2 * 2 * a.data)


def test_a_gradient_you_hold_is_not_changed_by_a_later_backward():
    a = _tensor_leaf()
    (a * a).sum().backward()
    held = a.grad
    view = a.grad.data[:2]
    (a * a).sum().backward()
    assert a.grad is not held
    np.testing.assert_array_equal(held.data, 2 * a.data)
    np.testing.assert_array_equal(view, 2 * a.data[:2])
    np.testing.assert_array_equal(a.grad.data, 4 * a.data)


def test_a_gradient_whose_array_is_viewed_elsewhere_is_not_changed():
    a = _tensor_leaf()
    (a * a).sum().backward()
    view = a.grad.data.reshape(2, 2)  # holds the array, not the tensor
    (a * a).sum().backward()
    np.testing.assert_array_equal(view.ravel(), 2 * a.data)
    np.testing.assert_array_equal(a.grad.data, 4 * a.data)


def test_two_leaves_given_one_gradient_do_not_share_what_accumulates():
    a, b = _tensor_leaf(), _tensor_leaf()
    (a + b).sum().backward()  # add passes one gradient to both
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.full(4, 4.0))
    np.testing.assert_array_equal(b.grad.data, np.ones(4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_d_leaves_accumulate_gradients_that_numpy_gives_as_scalars(dtype):
    a = Tensor(dtype(0.5), requires_grad=True)
    (a * 2.0 + a * 3.0).backward()  # ufuncs on 0-d arrays give numpy scalars, which += rebinds
    assert a.grad.item() == 5.0
    (a * 4.0).backward()
    assert a.grad.item() == 9.0


def test_a_gradient_of_another_dtype_is_replaced_not_added_into():
    a = _tensor_leaf(np.float64)
    a.grad = Tensor(np.ones(4, np.float32))
    (a * 2).sum().backward()
    assert a.grad.dtype == np.float64  # float32 + float64 promotes, as a new array
    np.testing.assert_array_equal(a.grad.data, np.full(4, 3.0))


def test_create_graph_accumulates_a_recorded_sum():
    a = _tensor_leaf(np.float64)
    (a * a).sum().backward()
    (a * a * a).sum().backward(create_graph=True)
    assert a.grad.requires_grad  # a recorded node, not an array added into
    np.testing.assert_allclose(a.grad.data, 2 * a.data + 3 * a.data**2)
