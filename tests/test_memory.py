"""Memory: what backward frees, that dropped graphs die without the cyclic collector, and that a
long training run does not grow.

1. backward (without retain_graph) drops every interior node's VJP and with it every array only
   a VJP held (maximum's tie shares, cross_entropy's log-probabilities, ...), while the loss is
   still held; retain_graph keeps them.
2. With the cyclic collector off, every interior node and its array dies as soon as the user
   drops the loss (and the outputs): Value graphs, a scalar MLP, random Tensor graphs (the
   strategy of test_fuzz.py), graphs built by nn modules (whose calls are noted on their outputs
   in `module_calls`), and a whole `training.fit` run.
3. 10,000 Adam steps of a small MLP on a fixed batch leave tracemalloc's traced memory where it
   was after step 1,000.
"""

import gc
import tracemalloc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from support import cyclic_gc_disabled
from test_fuzz import Graph, graphs

import nn
import optim
import training
from autograd import Tensor, Value, cross_entropy, detect_anomaly
from autograd.graph import topo_order

# --- helpers ----------------------------------------------------------------------------------


def interior(root: Any) -> list:
    """Every node `root` was computed from that is not a leaf (root included)."""
    return [node for node in topo_order(root) if node.parents]


def captured_arrays(vjp: Any) -> list[np.ndarray]:
    """The arrays a VJP closure holds directly (Tensors and settings aside)."""
    cells = vjp.__closure__ or ()
    return [c.cell_contents for c in cells if isinstance(c.cell_contents, np.ndarray)]


def weak(objects: list) -> list[weakref.ref]:
    return [weakref.ref(o) for o in objects]


def alive(refs: list[weakref.ref]) -> list:
    return [r() for r in refs if r() is not None]


def node_arrays(nodes: list, keep: list) -> list[np.ndarray]:
    """The data arrays of `nodes` (numpy scalars, from indexing, take no weak reference), minus
    those that are one of `keep` (a leaf's array, which the user still holds)."""
    kept = {id(a) for a in keep}
    return [n.data for n in nodes if isinstance(n.data, np.ndarray) and id(n.data) not in kept]


@contextmanager
def cyclic_garbage_of(kinds: tuple[type, ...]) -> Iterator[list]:
    """Inside, the cyclic collector is off; afterwards the list holds every object of `kinds`
    that only the cyclic collector could have freed (objects in or held by a reference cycle)."""
    found: list = []
    gc.collect()
    with cyclic_gc_disabled():
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            found += [o for o in gc.garbage if isinstance(o, kinds)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()


# --- 1. backward drops the VJPs, and what only they held -----------------------------------------


def _ops_with_private_arrays(x: Tensor, y: Tensor) -> Tensor:
    """A scalar from ops whose VJPs hold arrays nothing else holds: maximum (the tie shares) and
    cross_entropy (the log-probabilities, the row numbers, and here the targets too)."""
    shares = x.maximum(y)  # (3, 4)
    losses = cross_entropy(shares, np.array([0, 3, 3]))  # (3,)
    top = (x * y).max(axis=1, keepdims=True)  # (3, 1): the maxima its VJP holds are its output
    return losses.sum() + top.sum() + (x * y).exp().sum()


@pytest.mark.parametrize("retain_graph", [False, True])
def test_backward_drops_every_vjp_and_the_arrays_only_vjps_held(retain_graph):
    """While the loss and every node are still held; retain_graph=True keeps them all."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    with cyclic_gc_disabled():
        loss = _ops_with_private_arrays(x, y)
        nodes = interior(loss)
        data = {id(n.data) for n in nodes} | {id(getattr(n.data, "base", None)) for n in nodes}
        private = [a for n in nodes for a in captured_arrays(n.vjp) if id(a) not in data]
        assert len(private) == 4  # shares, log-probabilities, row numbers, targets
        refs = weak(private)
        del private
        loss.backward(retain_graph=retain_graph)
        assert x.grad is not None and y.grad is not None
        if retain_graph:
            assert all(n.vjp is not None for n in nodes)
            assert len(alive(refs)) == len(refs)
        else:
            assert [n.op for n in nodes if n.vjp is not None] == []
            assert alive(refs) == []


@settings(max_examples=40, deadline=None)
@given(graph=graphs())
def test_backward_drops_the_vjps_of_random_graphs(graph: Graph):
    """The same on fuzzed graphs: after backward, no VJP and no array only a VJP held is left."""
    leaves = [Tensor(a, requires_grad=True) for a in graph.leaves]
    with cyclic_gc_disabled():
        loss = graph.loss(*leaves)
        nodes = interior(loss)
        held = {id(n.data) for n in nodes} | {id(getattr(n.data, "base", None)) for n in nodes}
        held |= {id(a) for a in _arrays_in(graph.steps)}  # the program's masks and indices
        refs = weak([a for n in nodes for a in captured_arrays(n.vjp) if id(a) not in held])
        loss.backward()
        assert [n.op for n in nodes if n.vjp is not None] == []
        assert alive(refs) == []


def _arrays_in(obj: Any) -> Iterator[np.ndarray]:
    """Every array inside nested tuples, lists and dicts."""
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _arrays_in(value)
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _arrays_in(item)


# --- 2. dropped graphs die without the cyclic collector -------------------------------------------


@pytest.mark.parametrize(
    "then", ["nothing", "backward", "backward_retain_graph", "backward_detecting_anomalies"]
)
@settings(max_examples=30, deadline=None)
@given(graph=graphs())
def test_random_graphs_die_with_their_loss(then: str, graph: Graph):
    """Every interior node of a fuzzed graph, and its array, dies when the loss is dropped (also
    built and differentiated under detect_anomaly, which notes where each op was called)."""
    leaves = [Tensor(a, requires_grad=True) for a in graph.leaves]
    anomalies = detect_anomaly() if then == "backward_detecting_anomalies" else nullcontext()
    with cyclic_gc_disabled(), anomalies:
        loss = graph.loss(*leaves)
        if then != "nothing":
            loss.backward(retain_graph=then == "backward_retain_graph")
        nodes = interior(loss)
        refs = weak(nodes) + weak(node_arrays(nodes, [t.data for t in leaves]))
        del nodes, loss
        assert alive(refs) == []


def test_a_value_graph_dies_with_its_loss_after_backward():
    """A scalar MLP's loss over a few points: its VJPs go at backward, its nodes with the loss,
    and the parameters keep only floats."""
    model = nn.MLP(2, [8, 8, 1], seed=0)
    points = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    with cyclic_gc_disabled():
        loss = nn.max_margin_loss([model(p) for p in points], [1.0, -1.0, 1.0])
        loss = loss + 1e-4 * nn.l2_penalty(model.parameters())
        nodes = interior(loss)
        assert len(nodes) > 50
        loss.backward()
        assert [n.op for n in nodes if n.vjp is not None] == []
        refs = weak(nodes)
        del nodes, loss
        assert alive(refs) == []
    assert all(type(p.grad) is float and not p.parents for p in model.parameters())


def test_value_graph_with_shared_nodes_dies_with_its_loss():
    """A Value DAG with reuse (a node feeding several ops, and one op twice)."""
    with cyclic_gc_disabled():
        x, y = Value(0.7), Value(-1.3)
        a = x * y
        b = a + a
        c = (b * a).tanh() + b.exp() + a.relu() + Value.dot([a, b, x], [b, a, y])
        c.backward()
        refs = weak(interior(c))
        del a, b, c
        assert alive(refs) == []
    assert x.grad != 0.0 and y.grad != 0.0


def _model(generator: int = 0) -> nn.Module:
    """Layers of every kind that records a call: fused Linear + ReLU, norms, dropout, GELU."""
    return nn.Sequential(
        nn.Linear(3, 8, generator=generator),
        nn.ReLU(),
        nn.BatchNorm1d(8),
        nn.Linear(8, 8, generator=generator + 1),
        nn.LayerNorm(8),
        nn.GELU(),
        nn.Dropout(0.25, generator=generator + 2),
        nn.Linear(8, 4, generator=generator + 3),
    )


@pytest.mark.parametrize("then", ["nothing", "backward"])
def test_a_graph_built_by_modules_dies_with_its_loss(then: str):
    """Module calls are noted on their outputs (module_calls, holding the call's inputs): they
    make no cycle, and the model keeps nothing of the graph."""
    model, loss_fn = _model(), nn.CrossEntropyLoss()
    x = Tensor(np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32))
    with cyclic_gc_disabled():
        out = model(x)
        loss = loss_fn(out, np.array([0, 1, 2, 3, 0, 1]))
        calls = [n for n in interior(loss) if getattr(n, "module_calls", ())]
        called = {type(m).__name__ for n in calls for c in n.module_calls for m in c.modules}
        assert called >= {"Sequential", "Linear", "ReLU", "BatchNorm1d", "LayerNorm", "GELU"}
        assert called >= {"Dropout", "CrossEntropyLoss"}
        if then == "backward":
            loss.backward()
        refs = weak(interior(loss)) + weak(node_arrays(interior(loss), [x.data]))
        del calls, out, loss
        assert alive(refs) == []
    assert all(p.grad is None or not p.grad.parents for p in model.parameters())


def test_fit_leaves_no_graph_and_no_cyclic_garbage():
    """After a short training.fit run (validation, metrics, clipping, a schedule and early
    stopping with restore_best), no interior Tensor survives and nothing of tracegrad needed the
    cyclic collector: every graph of every step died when fit let go of it."""
    rng = np.random.default_rng(2)
    features = rng.standard_normal((48, 3)).astype(np.float32)
    labels = rng.integers(0, 4, 48)
    train = nn.DataLoader(
        nn.TensorDataset(features[:32], labels[:32]), 8, shuffle=True, generator=0
    )
    val = nn.DataLoader(nn.TensorDataset(features[32:], labels[32:]), 8)
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    with cyclic_garbage_of((Tensor, Value, np.ndarray, nn.Module)) as garbage:
        before = {id(o) for o in gc.get_objects() if isinstance(o, Tensor) and o.parents}
        history = training.fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            train,
            val,
            epochs=3,
            scheduler=optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5),
            clip_grad_norm=1.0,
            early_stopping=training.EarlyStopping(patience=5, restore_best=True),
            metrics={"accuracy": training.accuracy},
            progress=False,
        )
        graph_tensors = [
            o
            for o in gc.get_objects()
            if isinstance(o, Tensor) and o.parents and id(o) not in before
        ]
        assert [t.op for t in graph_tensors] == []
    assert garbage == []
    assert len(history.steps) == 12


# --- 3. training does not grow memory ------------------------------------------------------------

STEPS, FIRST = 10_000, 1_000
# Measured (2-core machine, numba backend): traced memory at step 10,000 minus at step 1,000 is
# 32 bytes, the int holding the first measurement; a dict of a measurement every 1,000 steps
# grows by ~64 bytes per entry instead, so the test keeps two numbers. The smallest thing a leak
# can hold is a Python object of 16 bytes or more per step: 144 KB or more over the 9,000 steps
# (a leaked 16-float32 array, ~180 bytes, 1.6 MB; a leaked graph, tens of MB). 64 KB is far above
# the noise and below the smallest real leak.
TOLERANCE = 64 * 1024


def test_training_memory_stays_flat():
    """10,000 Adam steps of MLP 2-16-2 on a fixed batch of 64 with the cyclic collector off:
    traced memory after the last step is within TOLERANCE of memory after step 1,000 (a graph
    caught in a reference cycle would pile up too). About 6 s of CPU; tracing triples a step."""
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((64, 2)).astype(np.float32))
    y = rng.integers(0, 2, 64)
    model = nn.Sequential(nn.Linear(2, 16, generator=0), nn.ReLU(), nn.Linear(16, 2, generator=1))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    start = loss_fn(model(x), y).item()
    first = last = 0
    tracemalloc.start()
    try:
        with cyclic_gc_disabled():
            for step in range(1, STEPS + 1):
                loss = loss_fn(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if step == FIRST:
                    del loss  # measured between steps, holding no graph
                    first = tracemalloc.get_traced_memory()[0]
            del loss
            last = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert last - first <= TOLERANCE, f"traced memory grew by {last - first} bytes"
    assert loss_fn(model(x), y).item() < 0.8 * start  # the steps were real training steps


def test_a_module_returning_its_input_makes_no_cycle():
    """Dropout in eval mode returns its input; noting the call must not make the tensor refer to
    itself (a forward pass with the graph recorded, never backpropagated, then dropped)."""
    model = _model().eval()
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    with cyclic_garbage_of((Tensor,)) as garbage:
        out = model(x)
        assert out.parents
        del out
    assert garbage == []
