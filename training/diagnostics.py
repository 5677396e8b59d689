"""What fit measures besides the loss: gradient norms, update ratios, dead ReLUs."""

import math
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad
from autograd.graph import topo_order
from nn import Module, ReLU, Sequential


def l2_norm(a: np.ndarray) -> float:
    """||a||_2 (nan or inf when `a` holds one), without the sum of squares overflowing."""
    norm = math.sqrt(np.vdot(a, a))  # vdot (BLAS) overflows to inf without a warning
    if math.isinf(norm) and np.isfinite(a).all():  # float32 squares overflow above ~1.8e19
        largest = float(np.abs(a).max())
        return largest * math.sqrt(np.vdot(a / largest, a / largest))
    return norm


def ratio(change: float, size: float) -> float:
    """change / size, with 0 / 0 = 0 (a zero parameter left alone) and x / 0 = inf."""
    if size:
        return change / size
    return 0.0 if change == 0 else math.inf


def largest(grad_norms: dict[str, float]) -> str:
    """'<norm> (<name>)' for the largest norm, nan counting as largest."""
    if not grad_norms:
        return "none yet (no step finished)"
    name = max(grad_norms, key=lambda k: (math.isnan(grad_norms[k]), grad_norms[k]))
    return f"{grad_norms[name]:.4g} ({name})"


def count_nonfinite(values: Any) -> int:
    """How many NaN or inf values an array (or a Tensor's) holds; 0 for integer data."""
    array = np.asarray(getattr(values, "data", values))
    return int(np.count_nonzero(~np.isfinite(array))) if array.dtype.kind in "fc" else 0


def dead_relu(model: Module, x: Any) -> dict[str, float]:
    """For a Sequential: each ReLU child's fraction of units that are 0 for every row of x.

    The model runs once in eval mode (no dropout masks drawn, no BatchNorm statistics moved)
    with its graph recorded, and each ReLU's output is found on that graph by the module calls
    noted there (nn.module.record_call, what viz draws): a Linear+ReLU that Sequential runs
    fused is one op whose output is the ReLU's. {} for any other model.
    """
    if not isinstance(model, Sequential):
        return {}
    names = {id(child): name for name, child in model.named_children()}
    model.eval()
    with enable_grad():
        out = model(x)
    fractions = {}
    for node in topo_order(out) if isinstance(out, Tensor) else ():
        for call in getattr(node, "module_calls", ()):
            for module in call.modules:
                if isinstance(module, ReLU) and id(module) in names:
                    dead = float(np.all(node.data == 0, axis=0).mean())
                    fractions[f"dead_relu/{names[id(module)]}"] = dead
    return dict(sorted(fractions.items(), key=lambda item: int(item[0].split("/")[1])))
