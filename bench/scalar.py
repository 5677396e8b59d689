"""Scalar engine speed: one training step of MLP(2, [16, 16, 1]) on 100 two-moons points.

Times forward + backward + update for tracegrad's Value (with its own loss functions, and with
micrograd's demo step verbatim) and for micrograd's demo step (and, for scale, the same step on
PyTorch tensors), all in this process with Python's garbage collector on; then the
build + backward time of a 100,000-node chain. Run: `make bench` or `python bench/scalar.py`.
"""

import random
import statistics
import sys
import time
from collections.abc import Callable

from autograd import Value
from nn import MLP, l2_penalty, max_margin_loss
from nn.datasets import make_moons

SAMPLES, ALPHA, LR, CHAIN = 100, 1e-4, 0.5, 100_000


def median_ms(step: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    """Median wall time of `step()` in milliseconds."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def tracegrad_step(points: list, targets: list) -> Callable[[], object]:
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def step() -> None:
        loss = max_margin_loss([model(x) for x in points], targets) + ALPHA * l2_penalty(params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad

    return step


def demo_step(model: object, points: list, targets: list) -> Callable[[], object]:
    """micrograd's own demo step, verbatim, on `model` (micrograd's MLP or tracegrad's): mean
    hinge loss through Python's sum(), alpha * sum of squares, zero_grad, backward, update."""
    params = model.parameters()

    def step() -> None:
        margins = [(1 + -t * model(x)).relu() for x, t in zip(points, targets, strict=True)]
        loss = sum(margins) * (1.0 / len(margins)) + ALPHA * sum(p * p for p in params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad

    return step


def micrograd_step(points: list, targets: list) -> Callable[[], object]:
    from micrograd.nn import MLP as MicroMLP

    random.seed(0)
    return demo_step(MicroMLP(2, [16, 16, 1]), points, targets)


def torch_step(points: list, targets: list) -> Callable[[], object]:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    )
    x, t = torch.tensor(points), torch.tensor(targets)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> None:
        scores = model(x).squeeze(1)
        l2 = sum((p * p).sum() for p in model.parameters())
        loss = torch.relu(1 - t * scores).mean() + ALPHA * l2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def chain_ms(value_type: type) -> float:
    """Build x = x * 1.0 + 0.5 ... (100,000 nodes) from one leaf and backprop through it."""
    start = time.perf_counter()
    x = leaf = value_type(0.5)
    for _ in range(CHAIN // 2):
        x = x * 1.0 + 0.5
    x.backward()
    assert leaf.grad == 1.0
    return 1e3 * (time.perf_counter() - start)


def optional(name: str, measure: Callable[[], float]) -> float | None:
    """`measure()`, or None with a note when the package is missing or the engine fails."""
    try:
        return measure()
    except ImportError:
        print(f"  ({name} is not installed: pip install -e '.[bench]')")
    except RecursionError:
        print(f"  {name}       : RecursionError (its topological sort is recursive)")
    return None


def main() -> None:
    print(f"{CHAIN:,}-node chain, build + backward (Python {sys.version.split()[0]})")
    print(f"  tracegrad Value : {chain_ms(Value):8.1f} ms")
    micro = optional("micrograd", lambda: chain_ms(__import__("micrograd.engine").engine.Value))
    if micro is not None:
        print(f"  micrograd       : {micro:8.1f} ms")

    X, labels = make_moons(SAMPLES, 0.1, seed=0)
    points, targets = X.tolist(), (2.0 * labels - 1.0).tolist()
    print(f"MLP(2, [16, 16, 1]) training step on {SAMPLES} moons, median, gc on")
    ours = median_ms(tracegrad_step(points, targets), repeats=30)
    verbatim = median_ms(demo_step(MLP(2, [16, 16, 1], seed=0), points, targets), repeats=30)
    theirs = optional("micrograd", lambda: median_ms(micrograd_step(points, targets), repeats=7))
    torch_ms = optional("torch", lambda: median_ms(torch_step(points, targets), repeats=200))
    print(f"  tracegrad Value : {ours:8.2f} ms   (its loss functions)")
    print(f"  tracegrad Value : {verbatim:8.2f} ms   (micrograd's demo step verbatim)")
    if theirs is not None:
        print(f"  micrograd       : {theirs:8.2f} ms   (its demo step)   tracegrad is "
              f"{theirs / ours:.1f}x faster, {theirs / verbatim:.1f}x on the verbatim step")
    if torch_ms is not None:
        print(f"  PyTorch tensors : {torch_ms:8.2f} ms   (same step on tensors, for scale)")


if __name__ == "__main__":
    main()
