"""The one backward walk, shared by every node type (`Value` and `Tensor`).

A node is any object, hashed by identity, with these attributes (the node protocol):

    parents        tuple of the nodes it was computed from, in call order (empty for a leaf)
    vjp            function: gradient of the output -> one gradient per parent, None where a
                   parent gets no gradient; None on a leaf, and after backward frees the graph
    grad           the gradient stored by the last backward
    shape          the shape of its data, () for a scalar
    requires_grad  whether backward should deliver a gradient to this node (always, for Value)
    op             the name of the op that made it ("" for a leaf), for messages and drawings
    saved_versions the versions of its inputs when its op saved them for backward (() if all
                   were 0), or None; backward refuses a node whose inputs changed since

Leaves accumulate gradients over backward calls (like PyTorch, until zero_grad); an interior node's
`grad` holds the gradient of the latest backward through it, which is what a graph drawing shows.
"""

from typing import Any

from . import modes
from .explain import ChainRuleNarrator
from .modes import anomaly_mode, checked_vjp, enable_grad, grad_mode, is_grad_enabled, no_grad
from .shapes import sum_to_shape

__all__ = ["backward", "enable_grad", "grad_mode", "is_grad_enabled", "no_grad", "topo_order"]


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
    its VJP runs. VJPs run with grad mode off, unless `create_graph` asks to record them (for
    gradients of gradients). Unless `retain_graph`, each VJP is dropped once used, freeing what
    it captured; a second backward through the same nodes then raises. `explain` prints every
    step of the chain rule (explain.py), for small graphs.
    """
    order = topo_order(root)
    versions_may_differ = modes.in_place_changes != 0
    for node in order:  # all before any gradient moves, so a refusal changes nothing
        if node.vjp is None:
            if node.parents:
                _refuse_freed(node)
        elif versions_may_differ and node.saved_versions is not None:
            _check_unchanged(node)
    narrator = ChainRuleNarrator(order) if explain else None
    for node in order:
        if node.parents:
            node.grad = None
    root.grad = seed if root.grad is None else root.grad + seed
    previous, grad_mode.enabled = grad_mode.enabled, create_graph
    try:
        for node in reversed(order):
            if node.grad is None or not node.parents:
                continue
            shape = node.shape
            grads = checked_vjp(node) if anomaly_mode.enabled else node.vjp(node.grad)
            if narrator:
                narrator.step(node, grads)
            for parent, g in zip(node.parents, grads, strict=True):
                if g is not None and parent.requires_grad:
                    if parent.shape != shape:  # broadcasting in the forward pass: undo it
                        g = sum_to_shape(g, parent.shape)
                    elif g is node.grad and not parent.parents:  # passed through to a leaf:
                        g = _own(g)  # its gradient must not be shared with other nodes
                    parent.grad = g if parent.grad is None else parent.grad + g
            if not retain_graph:
                node.vjp = None
    finally:
        grad_mode.enabled = previous
    if narrator:
        narrator.finish(order)
    if create_graph:  # keep interior gradients for drawings, but cut them from the graph they
        for node in order:  # are on: it leads back to the node itself, a reference cycle
            if node.parents and node.grad is not None:
                node.grad = node.grad.detach()


def _refuse_freed(node: Any) -> None:
    """Raise for a node whose VJP an earlier backward dropped (it has parents but no VJP)."""
    raise RuntimeError(
        f"backward: the graph through '{node.op}' was already freed by an earlier backward; "
        "pass retain_graph=True to the first backward to go through it twice"
    )


def _check_unchanged(node: Any) -> None:
    """Raise if an input whose data node's VJP reads was changed in place since the forward."""
    saved_versions = node.saved_versions or (0,) * len(node.parents)  # (): all were 0
    for i, (parent, saved) in enumerate(zip(node.parents, saved_versions, strict=True)):
        if parent.version != saved:
            name = f"'{parent.label}' " if parent.label else ""
            raise RuntimeError(
                f"backward: input {i} of {node.op}, {name}{parent.shape} {parent.dtype}, was "
                f"changed in place by {parent.changed_by} after {node.op} saved it for backward "
                f"(version {saved}, now {parent.version}): its gradient would be wrong. Change a "
                "copy (x = x + y), or change it after backward"
            )


def _own(g: Any) -> Any:
    """A copy of a tensor gradient (floats are immutable and need none)."""
    return g.clone() if hasattr(g, "clone") else g
