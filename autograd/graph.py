"""The one backward walk, shared by every node type (`Value` and `Tensor`).

A node is any object, hashed by identity, with these attributes (the node protocol):

    parents        tuple of the nodes it was computed from, in call order (empty for a leaf)
    vjp            function: gradient of the output -> one gradient per parent, None where a
                   parent gets no gradient; None on a leaf, and after backward frees the graph.
                   A Tensor's VJP takes and gives arrays in a plain backward, Tensors in a
                   recorded one (create_graph), see ops.py
    grad           the gradient stored by the last backward
    shape          the shape of its data, () for a scalar
    broadcasts     whether its gradients are arrays that the walk may have to fit to a parent
                   (see _fit): True for Tensor; False for Value, whose gradients are floats
    requires_grad  whether backward should deliver a gradient to this node (always, for Value)
    op             the name of the op that made it ("" for a leaf), for messages and drawings
    saved_versions the versions of its inputs when its op saved them for backward (or
                   modes.ALL_AT_VERSION_0), or None; backward refuses a node whose inputs
                   changed since

Leaves accumulate gradients over backward calls (like PyTorch, until zero_grad); an interior node's
`grad` holds the gradient of the latest backward through it, which is what a graph drawing shows.
A node may also have `hooks` (Tensor.register_hook), each called with the node's gradient from
this backward once it is complete, which it may replace (see _run_hooks).
"""

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from . import backend, modes
from .explain import ChainRuleNarrator
from .modes import anomaly_mode, checked_vjp, enable_grad, grad_mode, is_grad_enabled, no_grad
from .shapes import unbroadcast_axes

__all__ = ["backward", "enable_grad", "grad_mode", "is_grad_enabled", "no_grad", "topo_order"]

# Whether any hook was ever registered. Until then backward looks for none, so a program without
# hooks pays nothing for them. A flag that only ever turns on is safe across threads.
hooks_seen = False
_FLOAT = np.dtype(np.float64)  # what a Value's data (a Python float) counts as


def topo_order(root: Any) -> list:
    """Every node `root` depends on, each after all of its parents (iterative DFS, no recursion)."""
    order, seen = [], {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                if parent.parents:
                    stack.append((parent, iter(parent.parents)))
                    break
                order.append(parent)  # a leaf depends on nothing: it can go right away
        else:
            stack.pop()
            order.append(node)
    return order


def backward(
    root: Any, seed: Any, retain_graph: bool = False, create_graph: bool = False,
    explain: bool = False,
) -> None:  # fmt: skip
    """Propagate `seed` (d root / d root) back to every node `root` depends on.

    Nodes are visited in reverse topological order, so each node's gradient is complete before
    its VJP runs. A Tensor graph's VJPs take and give arrays, which the walk wraps as Tensors
    where it stores them, unless `create_graph` asks to record them (for gradients of
    gradients): then they run on Tensors with grad mode on. Unless `retain_graph`, each VJP is
    dropped once used, freeing what it captured; a second backward through the same nodes then
    raises. `explain` prints every step of the chain rule (explain.py), for small graphs.
    """
    order = topo_order(root)
    _refuse_unusable(order)  # before any gradient moves, so a refusal changes nothing
    on_arrays = root.broadcasts and not create_graph
    run_vjp, narrator = _vjp_runner(order, explain, on_arrays)
    fitting = root.broadcasts  # in the recorded branch below; Values' numbers need no fitting
    held = _hold_hooked_leaves(order) if hooks_seen else None
    for node in order:
        if node.parents:
            node.grad = None
    root.grad = seed if root.grad is None else root.grad + seed
    previous, grad_mode.enabled = grad_mode.enabled, create_graph  # VJPs record for create_graph
    try:
        for node in reversed(order):
            if held is not None:
                _run_hooks(node, held)
            if node.grad is None or not node.parents:
                continue
            for parent, g in zip(node.parents, run_vjp(node), strict=True):
                if g is None or not parent.requires_grad:
                    continue
                if on_arrays:
                    _add_array(g, node, parent)
                else:  # a Value's number, or a recorded Tensor, whose sum is a new node
                    if fitting:
                        g = _fit(g, node, parent)
                    parent.grad = g if parent.grad is None else parent.grad + g
            if not retain_graph:
                node.vjp = None
    finally:
        grad_mode.enabled = previous
    if narrator:
        narrator.finish(order)
    if create_graph:
        _detach_interior_gradients(order)


def _hold_hooked_leaves(order: list) -> dict:
    """The gradients that leaves with hooks hold from earlier backwards, taken off them (set to
    None) so that their hooks see this backward's gradient alone (torch); _run_hooks adds them
    back."""
    held = {}
    for node in order:
        if not node.parents and getattr(node, "hooks", None):
            held[node], node.grad = node.grad, None
    return held


def _run_hooks(node: Any, held: dict) -> None:
    """Pass node's gradient, complete now, through its hooks (a hook returning None leaves it as
    it is); then give a leaf back the gradient `held` from earlier backwards, added."""
    hooks = getattr(node, "hooks", None)
    if not hooks:
        return
    g = node.grad
    if g is not None:
        for hook in hooks:
            replaced = hook(g)
            if replaced is not None and replaced.shape != node.shape:
                raise ValueError(
                    f"backward: a hook returned a gradient of shape {replaced.shape} for a "
                    f"tensor of shape {node.shape}"
                )
            g = g if replaced is None else replaced
    earlier = held.get(node)
    node.grad = g if earlier is None else earlier if g is None else earlier + g


def _vjp_runner(
    order: list, explain: bool, on_arrays: bool
) -> tuple[Callable, ChainRuleNarrator | None]:
    """How this backward runs each node's VJP, chosen once: on the gradient itself or (on_arrays)
    on its array; plainly, checked for NaN/Inf (detect_anomaly), or narrated (explain); and the
    narrator, if any."""
    run = _array_vjp if on_arrays else _plain_vjp
    if anomaly_mode.enabled:
        run = checked_vjp(run)
    if not explain:
        return run, None
    narrator = ChainRuleNarrator(order)

    def narrated(node: Any) -> tuple:
        grads = run(node)
        narrator.step(node, grads)
        return grads

    return narrated, narrator


def _plain_vjp(node: Any) -> tuple:
    return node.vjp(node.grad)


def _array_vjp(node: Any) -> tuple:
    return node.vjp(node.grad.data)


def _fit(g: Any, node: Any, parent: Any) -> Any:
    """The gradient `g` (a Tensor) that `node`'s VJP gave `parent`, made fit to store on
    `parent`: summed back to parent's shape where the forward pass broadcast it, and copied
    where a VJP passed node's own gradient straight through to a leaf (as add's does), so no two
    leaves share one gradient array that an in-place change (zero_, clipping) would change for
    both."""
    if g.data.shape != parent.data.shape:
        axes = unbroadcast_axes(g.data.shape, parent.data.shape)
        return g.sum(axes, keepdims=True).reshape(parent.data.shape)
    if g is node.grad and not parent.parents:
        return g.clone()
    return g


def _add_array(g: Any, node: Any, parent: Any) -> None:
    """Add the array `g` that `node`'s VJP gave `parent` (a plain backward) into parent's
    gradient, fitted as _fit fits a Tensor (summed by the backend's kernel, in float64 for
    float32, as Tensor.sum): stored as a Tensor, added into the array of the gradient already
    there (_added_into), or else added as a new array."""
    if g.shape != parent.data.shape:
        axes = unbroadcast_axes(g.shape, parent.data.shape)
        g = backend.kernels.sum(g, axes, True).reshape(parent.data.shape)
    if parent.grad is None:
        parent.grad = parent._wrap(g.copy() if g is node.grad.data and not parent.parents else g)
    elif not _added_into(parent, g):
        parent.grad = parent._wrap(parent.grad.data + g)


def _added_into(leaf: Any, g: Any) -> bool:
    """Add the array `g` into the array of `leaf`'s gradient, in place, if nothing but that leaf
    can see the array; return whether it did. Gradients accumulating over backward calls then
    cost no new array (torch's AccumulateGrad does the same). "Nothing else" is read off
    reference counts, as torch reads its use counts: no variable of yours, no graph, no view and
    no other leaf holds the gradient or its array; else the sum is a new array and what you hold
    is unchanged.
    """
    if leaf.parents or sys.getrefcount(leaf.grad) != 2 or sys.getrefcount(leaf.grad.data) != 2:
        return False  # counted: leaf.grad's holder and getrefcount's own argument
    grad = leaf.grad.data
    if type(grad) is not np.ndarray or grad.base is not None or grad.dtype != g.dtype:
        return False  # a numpy scalar (0-d ops give them) cannot change; a view's array is its
        # base's; another dtype promotes to a new one
    try:
        grad += g
    except ValueError:  # a read-only array, or a sum of another shape: a new array, below
        return False
    return True


def _detach_interior_gradients(order: list) -> None:
    """After create_graph, keep interior nodes' gradients (for drawings) but cut them from the
    graph they are on: it leads back to the node itself, a reference cycle."""
    for node in order:
        if node.parents and node.grad is not None:
            node.grad = node.grad.detach()


def _refuse_unusable(order: list) -> None:
    """Raise if a node's VJP was freed by an earlier backward, if an input its VJP reads was
    changed in place since the forward pass, or if `requires_grad` was assigned what
    Tensor.requires_grad_ refuses (it is a plain attribute, checked here rather than on every
    read): True on a leaf of an integer or bool dtype, False on an op result."""
    for node in order:
        if node.vjp is None:
            if node.parents:
                _refuse_freed(node)
            elif node.requires_grad and getattr(node.data, "dtype", _FLOAT).kind != "f":
                raise TypeError(
                    f"backward: requires_grad was set on a {node.data.dtype} tensor; only "
                    "floating-point tensors get gradients"
                )
        elif not node.requires_grad:
            raise RuntimeError(
                f"backward: requires_grad was set to False on the result of {node.op}; only a "
                "leaf's flag can be set (use detach() to cut a tensor from the graph)"
            )
        elif modes.in_place_seen and node.saved_versions is not None:
            _check_unchanged(node)


def _refuse_freed(node: Any) -> None:
    """Raise for a node whose VJP an earlier backward dropped (it has parents but no VJP)."""
    raise RuntimeError(
        f"backward: the graph through '{node.op}' was already freed by an earlier backward; "
        "pass retain_graph=True to the first backward to go through it twice"
    )


def _check_unchanged(node: Any) -> None:
    """Raise if an input whose data node's VJP reads was changed in place since the forward."""
    saved_versions = node.saved_versions
    if saved_versions is modes.ALL_AT_VERSION_0:
        saved_versions = (0,) * len(node.parents)
    for i, (parent, saved) in enumerate(zip(node.parents, saved_versions, strict=True)):
        if parent.version != saved:
            name = f"'{parent.label}' " if parent.label else ""
            raise RuntimeError(
                f"backward: input {i} of {node.op}, {name}{parent.shape} {parent.dtype}, was "
                f"changed in place by {parent.changed_by} after {node.op} saved it for backward "
                f"(version {saved}, now {parent.version}): its gradient would be wrong. Change a "
                "copy (x = x + y), or change it after backward"
            )
