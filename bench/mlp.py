"""Training-step speed of a ReLU MLP: tracegrad on each backend, PyTorch, hand-written numpy.

One step = forward, cross-entropy, backward, Adam update, float32. All engines run in this
process, interleaved in blocks (10 steps of a, 10 of b, ..., again) so drift hits each alike;
the first step of a block is not timed, since torch's and OpenBLAS's thread pools fight for
the 2 cores right after a switch (step-by-step interleaving made every engine 2-10x slower).
Times are medians. Also: an elementwise chain relu(a*b + c) at 1e6 elements, composed and fused
(autograd.fuse), and the GFLOP/s of the matmul-bearing kernels against numpy and torch. Freed
memory stays in the process (autograd/backend/allocator.py, as in any tracegrad program), so
no engine pays for another's heap churn: with glibc's defaults one engine's frees shrink the
heap and the next engine faults its pages back in (784-1024-1024-10: tracegrad 36.3 ms and
torch 32.7 ms so, 27.4 and 29.2 ms with freed memory kept).
Run: `python bench/mlp.py` (or `make bench`).
"""

import statistics
import time
from collections.abc import Callable
from functools import partial
from itertools import pairwise
from types import ModuleType

import numpy as np
import torch

import autograd.backend as backend
import tracegrad
from autograd import Tensor, cross_entropy, fuse, linear, no_grad
from autograd.backend.allocator import keep_freed_memory
from optim import Adam

SIZES = [
    ((2, 16, 16, 2), 64),
    ((64, 128, 128, 10), 64),
    ((784, 256, 256, 10), 128),
    ((784, 1024, 1024, 10), 512),
]
LR = 1e-3


def interleaved_medians(
    steps: dict[str, Callable[[], object]], seconds: float, block: int = 10, settle: int = 1
) -> dict[str, float]:
    """Median seconds per call of each step, run in round-robin blocks for about `seconds`;
    the first `settle` steps of a block are not timed."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or min(len(t) for t in times.values()) < 5:
        for name, step in steps.items():
            for _ in range(settle):  # settles the thread pools after the switch
                step()
            for _ in range(block - settle):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def weights(sizes: tuple[int, ...]) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] in torch's layout, float32, torch's default init ranges."""
    rng = np.random.default_rng(0)
    out = []
    for n_in, n_out in pairwise(sizes):
        bound = 1 / np.sqrt(n_in)
        out += [rng.uniform(-bound, bound, (n_out, n_in)), rng.uniform(-bound, bound, n_out)]
    return [w.astype(np.float32) for w in out]


def tracegrad_loss(params: list[Tensor], x: Tensor, y: np.ndarray) -> Tensor:
    """Mean cross-entropy of the ReLU MLP with weights [W1, b1, W2, b2, ...] on (x, y)."""
    h = x
    for i in range(0, len(params), 2):
        h = linear(h, params[i], params[i + 1], relu=i + 2 < len(params))
    return cross_entropy(h, y).mean()


def tracegrad_step(backend_name: str, ws: list, x: np.ndarray, y: np.ndarray) -> Callable:
    params = [Tensor(w.copy(), requires_grad=True) for w in ws]
    optimizer = Adam(params, lr=LR)
    xt = Tensor(x)

    def step() -> None:
        loss = tracegrad_loss(params, xt, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return _on(backend_name, step)


def torch_loss(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """tracegrad_loss in PyTorch."""
    h = x
    for i in range(0, len(params), 2):
        h = torch.nn.functional.linear(h, params[i], params[i + 1])
        h = torch.relu(h) if i + 2 < len(params) else h
    return torch.nn.functional.cross_entropy(h, y)


def torch_step(ws: list, x: np.ndarray, y: np.ndarray) -> Callable:
    params = [torch.tensor(w, requires_grad=True) for w in ws]
    optimizer = torch.optim.Adam(params, lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> None:
        loss = torch_loss(params, xt, yt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def course_step(lib: ModuleType, ws: list, x: np.ndarray, y: np.ndarray) -> Callable:
    """The same step as the course's PyTorch code (nn.Sequential of Linear and ReLU,
    CrossEntropyLoss, optim.Adam), run by `lib`: here tracegrad, as `import tracegrad as torch`."""
    layers = []
    for w, b in zip(ws[::2], ws[1::2], strict=True):
        linear = lib.nn.Linear(w.shape[1], w.shape[0])
        with lib.no_grad():
            linear.weight.copy_(lib.from_numpy(w))
            linear.bias.copy_(lib.from_numpy(b))
        layers += [linear, lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1])
    optimizer = lib.optim.Adam(model.parameters(), lr=LR)
    loss_fn = lib.nn.CrossEntropyLoss()
    xt, yt = lib.from_numpy(x), lib.from_numpy(y)

    def step() -> None:
        loss = loss_fn(model(xt), yt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def _on(backend_name: str, step: Callable[[], None]) -> Callable[[], None]:
    """`step`, run with `backend_name`'s kernels active (the table rotates backends)."""

    def run() -> None:
        backend.use(backend_name)
        step()

    return run


def numpy_gradients(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Cross-entropy gradients of [W1, b1, ...] by hand: the numpy floor for the backward pass."""
    inputs, h = [], x
    for i in range(0, len(params), 2):
        inputs.append(h)
        h = h @ params[i].T + params[i + 1]
        h = np.maximum(h, 0) if i + 2 < len(params) else h
    p = np.exp(h - h.max(axis=1, keepdims=True))
    g = p / p.sum(axis=1, keepdims=True)
    g[np.arange(len(y)), y] -= 1
    g /= len(y)  # d loss / d logits
    grads = [np.empty(0)] * len(params)
    for i in reversed(range(0, len(params), 2)):
        grads[i], grads[i + 1] = g.T @ inputs[i // 2], g.sum(axis=0)
        if i:
            g = (g @ params[i]) * (inputs[i // 2] > 0)
    return grads


def numpy_step(ws: list, x: np.ndarray, y: np.ndarray) -> Callable:
    """The same step with hand-derived gradients and an in-place Adam."""
    params = [w.copy() for w in ws]
    m, v, t = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params], [0]

    def step() -> None:
        t[0] += 1
        for p, g, m_, v_ in zip(params, numpy_gradients(params, x, y), m, v, strict=True):
            m_ *= 0.9
            m_ += 0.1 * g
            v_ *= 0.999
            v_ += 0.001 * g * g
            p -= LR / (1 - 0.9 ** t[0]) * m_ / (np.sqrt(v_ / (1 - 0.999 ** t[0])) + 1e-8)

    return step


def step_flops(sizes: tuple[int, ...], batch: int) -> float:
    """Multiply-adds x 2 of the forward (1x) and backward (2x) matmuls."""
    return 3 * 2 * batch * sum(a * b for a, b in pairwise(sizes))


def mlp_table(backends: list[str]) -> None:
    print(f"MLP training step (Adam, float32), torch threads {torch.get_num_threads()}")
    names = [f"tracegrad-{b}" for b in backends] + ["as torch", "torch", "numpy"]
    print(f"{'model':>24} " + " ".join(f"{n:>16}" for n in names) + "  ratio to torch")
    rng = np.random.default_rng(1)
    for sizes, batch in SIZES:
        ws = weights(sizes)
        x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], batch)
        steps = {f"tracegrad-{b}": tracegrad_step(b, ws, x, y) for b in backends}
        steps["as torch"] = _on(backends[0], course_step(tracegrad, ws, x, y))
        steps |= {"torch": torch_step(ws, x, y), "numpy": numpy_step(ws, x, y)}
        medians = interleaved_medians(steps, seconds=4.0 if sizes[1] > 500 else 2.0)
        flops = step_flops(sizes, batch)
        cells = [f"{medians[n] * 1e6:8.0f}us {flops / medians[n] / 1e9:4.0f}GF" for n in names]
        ours = [f"tracegrad-{b}" for b in backends] + ["as torch"]
        ratios = " ".join(f"{medians[name] / medians['torch']:.2f}" for name in ours)
        print(f"{'-'.join(map(str, sizes)) + f' b{batch}':>24} " + " ".join(cells) + f"  {ratios}")


def elementwise_chain(backends: list[str]) -> None:
    """relu(a*b + c) at 1e6 float32: composed and fused (autograd.fuse), forward alone and
    forward+backward, against numpy's unfused forward (three passes, two temporaries)."""
    n = 1_000_000
    rng = np.random.default_rng(2)
    a, b, c = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    ta, tb, tc = (Tensor(v.copy(), requires_grad=True) for v in (a, b, c))
    chain = fuse(lambda a, b, c: (a * b + c).relu())

    def timed(name: str, fn: Callable, backward: bool) -> Callable:
        def step() -> None:
            backend.use(name)
            if backward:
                fn(ta, tb, tc).sum().backward()
            else:
                with no_grad():
                    fn(ta, tb, tc)

        return step

    steps: dict[str, Callable] = {"numpy forward": lambda: np.maximum(a * b + c, 0)}
    for name in backends:
        for kind, fn in (("composed", lambda a, b, c: (a * b + c).relu()), ("fused", chain)):
            steps[f"{name} {kind} forward"] = timed(name, fn, backward=False)
            steps[f"{name} {kind} forward+backward"] = timed(name, fn, backward=True)
    medians = interleaved_medians(steps, seconds=3.0)
    print(f"relu(a*b + c) at 1e6 float32 (numba threading layer: {_layer(backends)}):")
    for name, seconds in medians.items():
        vs = medians["numpy forward"] / seconds if name.endswith("forward") else None
        print(f"{name:>40} {seconds * 1e3:6.2f} ms" + (f"  {vs:.1f}x numpy" if vs else ""))


def _layer(backends: list[str]) -> str:
    return backend.module("numba").threading_layer() if "numba" in backends else "none"


# The largest layer of each model above, (batch, in, out), and conv's batched products, (the
# weight's shape, the columns' shape): LeNet's second layer and a 64-channel 32x32 one.
LAYERS = [(64, 16, 16), (64, 128, 128), (128, 784, 256), (512, 1024, 1024)]
BATCHED = [((16, 150), (64, 150, 100)), ((64, 576), (32, 576, 1024))]


def gemm_kernels(backends: list[str]) -> None:
    """GFLOP/s of the matmul-bearing kernels at the layers above: linear's forward (product,
    bias, relu) and backward (relu's mask, both products, the bias sum) on each backend against
    torch's ops for the same, and the batched product of a convolution."""
    rng = np.random.default_rng(4)
    print("GEMM kernels, GFLOP/s (the numpy backend is numpy's BLAS by hand), float32:")
    print(f"{'':>34}" + "".join(f"{name:>16}" for name in [*backends, "torch"]))
    for n, k, m in LAYERS:
        x, w, g = (rng.standard_normal(s).astype(np.float32) for s in ((n, k), (m, k), (n, m)))
        b = rng.standard_normal(m).astype(np.float32)
        out = np.maximum(x @ w.T + b, 0)
        tx, tw, tb, tg, tout = map(torch.from_numpy, (x, w, b, g, out))
        forward = {name: partial(backend.module(name).linear, x, w, b, True) for name in backends}
        forward["torch"] = partial(_torch_linear, tx, tw, tb)
        backward = {
            name: partial(backend.module(name).linear_backward, g, x, w, out, True, True, True)
            for name in backends
        }
        backward["torch"] = partial(_torch_linear_backward, tg, tx, tw, tout)
        for kind, steps, flops in (("forward", forward, 2), ("backward", backward, 4)):
            medians = interleaved_medians(steps, seconds=1.0, block=50, settle=10)
            rates = "".join(f"{flops * n * k * m / t / 1e9:16.0f}" for t in medians.values())
            print(f"{f'linear {kind} ({n}, {k}) -> {m}':>34}{rates}")
    for (o, k), (n, k_, length) in BATCHED:
        w, cols = (
            rng.standard_normal((o, k)).astype(np.float32),
            rng.standard_normal((n, k_, length)).astype(np.float32),
        )
        steps = {name: partial(backend.module(name).matmul, w, cols) for name in backends}
        steps["torch"] = partial(torch.matmul, torch.from_numpy(w), torch.from_numpy(cols))
        medians = interleaved_medians(steps, seconds=1.0, block=50, settle=10)
        rates = "".join(f"{2 * o * k * n * length / t / 1e9:16.0f}" for t in medians.values())
        print(f"{f'matmul {(o, k)} @ {(n, k_, length)}':>34}{rates}")


@torch.no_grad()
def _torch_linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """torch's ops for what linear(relu=True) computes."""
    return torch.relu(torch.nn.functional.linear(x, w, b))


@torch.no_grad()
def _torch_linear_backward(g: torch.Tensor, x: torch.Tensor, w: torch.Tensor, out: torch.Tensor):
    """torch's ops for what linear_backward computes."""
    g = g.masked_fill(out <= 0, 0)
    return g @ w, g.t() @ x, g.sum(0)


def main() -> None:
    torch.set_num_threads(2)
    backends = backend.available()
    allocator = keep_freed_memory()
    print(f"backends {backends}, numpy {np.__version__}, torch {torch.__version__}, {allocator}")
    mlp_table(backends)
    elementwise_chain(backends)
    gemm_kernels(backends)


if __name__ == "__main__":
    main()
