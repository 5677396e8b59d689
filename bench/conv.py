"""Convolution speed: a LeNet-5 training step and conv2d alone, tracegrad against PyTorch.

1. The LeNet-5-style step of issue 17 at batch 64 on 1x28x28 float32: Conv2d(1,6,5,padding=2)
   -ReLU-MaxPool2d(2)-Conv2d(6,16,5)-ReLU-AvgPool2d(2)-Flatten-Linear(400,120)-ReLU-Linear(120,84)
   -ReLU-Linear(84,10), cross-entropy, Adam; tracegrad's nn layers against torch.nn's, the same
   weights, torch on 2 threads.
2. conv2d forward+backward at three sizes (the 8x8 digits' first layer, LeNet's first, a
   64-channel 32x32 layer), with GFLOP/s against this machine's GEMM rate (numpy float32
   matmul of 512 x 512) and the largest im2col buffer.

Engines run interleaved in one process (bench/mlp.py's interleaved_medians); times are medians.
After a block of the other engine, torch's first three LeNet steps here took 2-5x its settled
time (its OpenMP threads wait for OpenBLAS's to go idle), so each block of 15 steps times only
the last 12.
Run: `python bench/conv.py`.
"""

import time

import numpy as np
import torch
from mlp import interleaved_medians

import nn as tg_nn
import optim as tg_optim
from autograd import Tensor
from nn import functional as F

BATCH = 64
LENET_LR = 1e-3
CONV_SIZES = {  # name: (batch, in channels, size, out channels, kernel, padding)
    "digits 8x8": (64, 1, 8, 16, 3, 1),
    "LeNet 28x28": (64, 1, 28, 6, 5, 2),
    "64ch 32x32": (32, 64, 32, 64, 3, 1),
}


def lenet(nn: object) -> object:
    """The LeNet-5-style model of the issue, built from `nn` (torch.nn or tracegrad's nn)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def lenet_steps() -> dict[str, object]:
    """One training step each for tracegrad and torch, from the same initial weights."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    theirs = lenet(torch.nn)
    ours = lenet(tg_nn)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    torch_optimizer = torch.optim.Adam(theirs.parameters(), lr=LENET_LR)
    our_optimizer = tg_optim.Adam(ours.parameters(), lr=LENET_LR)
    tx, ty, ox = torch.from_numpy(x), torch.from_numpy(y), Tensor(x)

    def torch_step() -> None:
        loss = torch.nn.functional.cross_entropy(theirs(tx), ty)
        torch_optimizer.zero_grad()
        loss.backward()
        torch_optimizer.step()

    def our_step() -> None:
        loss = F.cross_entropy(ours(ox), y)
        our_optimizer.zero_grad()
        loss.backward()
        our_optimizer.step()

    return {"tracegrad": our_step, "torch": torch_step}


def conv_steps(batch: int, c: int, size: int, o: int, k: int, pad: int) -> dict[str, object]:
    """conv2d forward and backward (input and weight gradients) on each engine."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, c, size, size)).astype(np.float32)
    w = (rng.standard_normal((o, c, k, k)) / np.sqrt(c * k * k)).astype(np.float32)
    ox, ow = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)

    def ours() -> None:
        ox.grad = ow.grad = None
        F.conv2d(ox, ow, padding=pad).sum().backward()

    def theirs() -> None:
        tx.grad = tw.grad = None
        torch.nn.functional.conv2d(tx, tw, padding=pad).sum().backward()

    return {"tracegrad": ours, "torch": theirs}


def gemm_rate(n: int = 512, repeats: int = 20) -> float:
    """This machine's float32 GEMM rate through numpy (BLAS), in GFLOP/s."""
    a, b = np.ones((n, n), np.float32), np.ones((n, n), np.float32)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def main() -> None:
    torch.set_num_threads(2)
    medians = interleaved_medians(lenet_steps(), seconds=10.0, block=15, settle=3)
    ratio = medians["tracegrad"] / medians["torch"]
    ours, theirs = medians["tracegrad"] * 1e3, medians["torch"] * 1e3
    print(f"LeNet-5 step, batch {BATCH}, 1x28x28 float32, Adam, torch on 2 threads")
    print(f"  tracegrad {ours:7.2f} ms   torch {theirs:7.2f} ms   ratio {ratio:.2f}")
    rate = gemm_rate()
    print(f"\nconv2d forward+backward (GEMM rate here: {rate:.1f} GFLOP/s, numpy float32 512^3)")
    print(f"{'layer':>14} {'im2col buffer':>14} {'tracegrad':>18} {'torch':>18}  ratio")
    for name, (batch, c, size, o, k, pad) in CONV_SIZES.items():
        out = size + 2 * pad - k + 1
        flops = 3 * 2 * batch * o * c * k * k * out * out  # forward, input and weight gradients
        buffer = batch * c * k * k * out * out * 4
        steps = conv_steps(batch, c, size, o, k, pad)
        medians = interleaved_medians(steps, seconds=4.0, block=15, settle=3)
        cells = [f"{medians[e] * 1e3:7.2f}ms {flops / medians[e] / 1e9:5.1f}GF" for e in medians]
        print(f"{name:>14} {buffer / 2**20:11.2f}MiB " + " ".join(f"{c:>18}" for c in cells)
              + f"  {medians['tracegrad'] / medians['torch']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
