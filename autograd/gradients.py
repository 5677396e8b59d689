"""grad(): gradients returned rather than stored (torch.autograd.grad); zero_grads(): gradients
forgotten, for optimizers and modules alike."""

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import graph
from .tensor import Tensor


def grad(
    output: Tensor,
    inputs: Tensor | Sequence[Tensor],
    gradient: Any = None,
    retain_graph: bool = False,
    create_graph: bool = False,
) -> tuple[Tensor | None, ...]:
    """d output / d inputs, returned rather than stored: no `.grad` anywhere changes.

    One gradient per input, None for an input `output` does not depend on; a lone Tensor as
    `inputs` gives a 1-tuple (torch). With `create_graph=True` the results are on a graph of their
    own, so they can be differentiated again (Hessian-vector products, gradgradcheck).
    """
    inputs = _grad_inputs(inputs)
    nodes = graph.topo_order(output)
    saved = [node.grad for node in nodes]
    try:
        for node in nodes:
            node.grad = None
        output.backward(gradient, retain_graph, create_graph)
        return tuple(t.grad for t in inputs)
    finally:
        for node, g in zip(nodes, saved, strict=True):
            node.grad = g


def _grad_inputs(inputs: Any) -> tuple[Tensor, ...]:
    """grad's `inputs` as a tuple of Tensors: a lone Tensor, or a list or tuple of them."""
    if isinstance(inputs, Tensor):
        return (inputs,)
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"grad: inputs must be a Tensor or a list or tuple of Tensors, got "
            f"{type(inputs).__name__}"
        )
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] must be a Tensor, got {type(t).__name__}")
    return tuple(inputs)


def zero_grads(params: Iterable[Any], set_to_none: bool = True) -> None:
    """Forget each parameter's gradient, as torch does: a Tensor's becomes None (set_to_none) or
    zeros of its shape and dtype, a Value's 0.0; a missing one stays missing. Both
    `Optimizer.zero_grad` and `nn.Module.zero_grad` are this."""
    for p in params:
        if isinstance(p.grad, float):
            p.grad = 0.0
        elif p.grad is not None:
            p.grad = None if set_to_none else type(p.grad)(np.zeros_like(p.grad.data))
