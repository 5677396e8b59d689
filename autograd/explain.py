"""backward(explain=True): the chain rule printed step by step, for graphs small enough to read.

For each node, output first: its upstream gradient (d output / d node), then for each input
the gradient it receives. For Values the line also shows the local derivative d node / d input,
and that the received gradient is local times upstream; for Tensors it shows the vector-Jacobian
product the op computed (a Jacobian is too big to print).
"""

from typing import Any

import numpy as np

EXPLAIN_LIMIT = 40  # nodes; a bigger graph is a wall of text, better drawn (viz.draw_graph)


class ChainRuleNarrator:
    """Prints the steps of one backward pass over the nodes in `order` (topological)."""

    def __init__(self, order: list) -> None:
        if len(order) > EXPLAIN_LIMIT:
            raise ValueError(
                f"backward(explain=True): this graph has {len(order)} nodes; explain prints the "
                f"chain rule for graphs of up to {EXPLAIN_LIMIT}. Draw big graphs with "
                "viz.draw_graph, or explain a smaller piece of this one"
            )
        self.names = {id(node): _name(node, i) for i, node in enumerate(order)}
        print(f"backward through {len(order)} nodes, output first (chain rule: each input gets "
              "the upstream gradient times the local derivative):")  # fmt: skip

    def step(self, node: Any, grads: tuple) -> None:
        """Print how `node`'s VJP turned its gradient into `grads`, one per parent."""
        inputs = [self.names[id(p)] for p in node.parents]
        infix = len(inputs) == 2 and not node.op.isidentifier()  # "+", "*": q + z, not +(q, z)
        formula = f" {node.op} ".join(inputs) if infix else f"{node.op}({', '.join(inputs)})"
        print(f"{self.names[id(node)]} = {formula}    upstream {_show(node.grad)}")
        local = node.vjp(1.0) if isinstance(node.grad, float) else None  # scalars only
        for i, (parent, g) in enumerate(zip(node.parents, grads, strict=True)):
            name = self.names[id(parent)]
            if g is None:
                print(f"    {name}: no gradient (it does not require one)")
            elif local is not None:
                print(f"    {name}: local d{self.names[id(node)]}/d{name} = {local[i]:.4g}, "
                      f"times upstream {node.grad:.4g} = {g:.4g}")  # fmt: skip
            else:
                print(f"    {name}: vjp(upstream) = {_show(g)}")

    def finish(self, order: list) -> None:
        """Print the gradient every leaf ends up with."""
        for node in order:
            if not node.parents and node.grad is not None:
                print(f"{self.names[id(node)]}.grad = {_show(node.grad)}")


def _name(node: Any, index: int) -> str:
    """The node's label, or a name from its op ("leaf" for a leaf, "n" for a symbol such as
    "*") and its place in the order: mul#3, n4."""
    if node.label:
        return node.label
    op = node.op or "leaf"
    return f"{op}#{index}" if op.isidentifier() else f"n{index}"


def _show(value: Any) -> str:
    """A float to 4 significant digits; an array in full when small, else its shape and mean."""
    array = np.asarray(getattr(value, "data", value))
    if array.ndim == 0:
        return f"{array.item():.4g}"
    if array.size <= 6:
        return np.array2string(array, precision=4, separator=", ")
    return f"shape {array.shape}, mean {array.mean():.4g}"
