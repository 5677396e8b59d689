"""Interpreter work per tiny op and per scalar training step, counted instead of timed.

Timings on a shared 2-core machine swing by 2x from one minute to the next; what the Python
interpreter executes does not. For (a * b).sum().backward() on shape (4,) float32 (bench/ops.py's
tiny op) and for micrograd's demo step on tracegrad's MLP (bench/scalar.py), this prints the
Python function calls, the C function calls and the bytecode instructions one run executes,
each counted by a tracing hook (sys.setprofile, sys.settrace with opcode events). Run it in two
trees (`PYTHONPATH=<tree> python bench/overhead.py`) to see what a change added to the hot path.
"""

import sys
from collections.abc import Callable

import numpy as np
from scalar import SAMPLES, demo_step  # bench/ is on sys.path when a script runs

from autograd import Tensor
from nn import MLP
from nn.datasets import make_moons


def calls(run: Callable[[], object]) -> tuple[int, int]:
    """(Python calls, C calls) made by one run()."""
    counts = {"call": 0, "c_call": 0}

    def count(frame: object, event: str, arg: object) -> None:
        if event in counts:
            counts[event] += 1

    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(None)
    return counts["call"], counts["c_call"]


def opcodes(run: Callable[[], object]) -> int:
    """The bytecode instructions one run() executes."""
    executed = [0]

    def trace(frame: object, event: str, arg: object) -> Callable:
        frame.f_trace_opcodes = True
        if event == "opcode":
            executed[0] += 1
        return trace

    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(None)
    return executed[0]


def tiny_op() -> Callable[[], object]:
    a, b = (Tensor(np.ones(4, np.float32), requires_grad=True) for _ in range(2))
    return lambda: (a * b).sum().backward()


def scalar_step() -> Callable[[], object]:
    x, labels = make_moons(SAMPLES, 0.1, seed=0)
    return demo_step(MLP(2, [16, 16, 1], seed=0), x.tolist(), (2.0 * labels - 1.0).tolist())


def main() -> None:
    print("interpreter work per run (counted: the same on any machine, busy or not)")
    for name, run in [("tiny op (a * b).sum().backward()", tiny_op()),
                      ("micrograd's demo step, tracegrad MLP", scalar_step())]:  # fmt: skip
        for _ in range(3):  # first calls choose the backend and compile; count a settled run
            run()
        python, c = calls(run)
        print(f"  {name:38} {python:9,} Python calls {c:9,} C calls {opcodes(run):11,} opcodes")


if __name__ == "__main__":
    main()
