"""Tensor engine speed on the active backend (numba unless TRACEGRAD_BACKEND=numpy), against
PyTorch and hand-written numpy, in one run.

1. The latency of a tiny op: (a * b).sum().backward() on shape (4,), where overhead is all;
   also written in torch's names on tracegrad (`import tracegrad as torch`), which must cost
   the same.
2. A training step (forward, cross-entropy, backward, SGD update) of a 2-layer ReLU MLP at
   three sizes; "numpy" is the same step with hand-derived gradients, the floor for this backend.
Run: `make bench` or `python bench/ops.py`. Times are medians; lower is better.
"""

import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from mlp import (  # bench/ is on sys.path when a script in it runs
    interleaved_medians,
    numpy_gradients,
    torch_loss,
    tracegrad_loss,
    weights,
)

import tracegrad
from autograd import Tensor
from autograd.backend import name as backend_name

SIZES = [((2, 16, 16, 2), 64), ((64, 128, 128, 10), 64), ((784, 256, 256, 10), 128)]
LR = 0.01


def median_us(step: Callable[[], object], seconds: float = 1.0) -> float:
    """Median wall time of `step()` in microseconds, over about `seconds` of runs."""
    for _ in range(3):
        step()
    start = time.perf_counter()
    step()
    repeats = max(5, int(seconds / max(time.perf_counter() - start, 1e-7)))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e6 * statistics.median(times)


def tiny_op() -> dict[str, Callable]:
    """The tiny op in tracegrad's own names (a * b), in torch's on tracegrad (`import tracegrad as
    torch`: torch.ones, torch.mul) and in PyTorch."""
    a, b = (Tensor(np.ones(4, np.float32), requires_grad=True) for _ in range(2))
    steps = {"tracegrad": lambda: (a * b).sum().backward()}
    for name, lib in (("as torch", tracegrad), ("torch", torch)):
        x, y = (lib.ones(4, requires_grad=True) for _ in range(2))
        steps[name] = lambda x=x, y=y, mul=lib.mul: mul(x, y).sum().backward()
    return steps


def tracegrad_step(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable:
    params = [Tensor(w.copy(), requires_grad=True) for w in weights]
    xt = Tensor(x)

    def step() -> None:
        loss = tracegrad_loss(params, xt, y)
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data

    return step


def torch_step(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable:
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    xt, yt = torch.tensor(x), torch.tensor(y)

    def step() -> None:
        loss = torch_loss(params, xt, yt)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad

    return step


def numpy_step(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable:
    params = [w.copy() for w in weights]

    def step() -> None:
        for p, g in zip(params, numpy_gradients(params, x, y), strict=True):
            p -= LR * g

    return step


def main() -> None:
    torch.set_num_threads(2)
    print(
        f"backend {backend_name()}, numpy {np.__version__}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} torch threads"
    )
    tiny = {  # interleaved, so that a slow spell of the machine hits all three alike
        name: 1e6 * seconds
        for name, seconds in interleaved_medians(tiny_op(), 3.0, block=200, settle=20).items()
    }
    print(
        "tiny op mul(a, b).sum().backward(), shape (4,): "
        + ", ".join(f"{name} {us:.1f} us" for name, us in tiny.items())
        + f"; ratio to torch {tiny['tracegrad'] / tiny['torch']:.2f}"
    )
    print(
        f"{'MLP step':>22} {'tracegrad':>11} {'torch':>11} {'numpy':>11} "
        f"{'vs torch':>9} {'vs numpy':>9}"
    )
    rng = np.random.default_rng(1)
    for sizes, batch in SIZES:
        ws = weights(sizes)
        x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], batch)
        t_ours, t_torch, t_numpy = (
            median_us(make(ws, x, y), seconds=2.0)
            for make in (tracegrad_step, torch_step, numpy_step)
        )
        label = "-".join(map(str, sizes)) + f" b{batch}"
        print(
            f"{label:>22} {t_ours:9.0f}us {t_torch:9.0f}us {t_numpy:9.0f}us "
            f"{t_ours / t_torch:9.2f} {t_ours / t_numpy:9.2f}"
        )


if __name__ == "__main__":
    main()
