"""Per-thread modes that change what every op does: grad mode (record the graph or not) and
anomaly mode (check every value and gradient for NaN and Inf).

`no_grad`, `enable_grad` and `detect_anomaly` work as `with x():`, `@x()` and `@x`, nested.
Under `detect_anomaly()`, each op's output is checked as it is computed and each gradient as
backward computes it; the first NaN or Inf raises AnomalyError naming the op, the shapes and
the line of the user's code that created the op (recorded at forward time, only in this mode).
"""

import os
import sys
import threading
from collections.abc import Callable
from contextlib import ContextDecorator
from pathlib import Path
from typing import Any

import numpy as np

LIBRARY = Path(__file__).resolve().parent.parent  # autograd/, nn/, optim/, viz/ live here
LIBRARY_PACKAGES = tuple(f"{LIBRARY / name}{os.sep}" for name in ("autograd", "nn", "optim", "viz"))


class _Mode(threading.local):
    """A flag per thread, as in PyTorch."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled


grad_mode = _Mode(True)  # ops record the graph for backward
anomaly_mode = _Mode(False)  # ops and backward check for NaN and Inf
# Whether any tensor in this process was changed in place (Tensor.add_ and kin) yet. Until then
# every tensor is at version 0, so an op that saves its inputs notes ALL_AT_VERSION_0 instead of
# reading each version, and backward compares none: the guard costs nothing in programs that
# never change a tensor in place. A flag that only ever turns on is safe across threads.
in_place_seen = False
ALL_AT_VERSION_0 = ()


class AnomalyError(RuntimeError):
    """A NaN or Inf appeared under detect_anomaly(); the message names the op and where."""


class _ModeSwitch(ContextDecorator):
    """Sets `state.enabled` to `mode` inside a `with` block or a decorated function, then
    restores it. Works as `with x():`, `@x()` and `@x`, nested and recursive."""

    state: _Mode
    mode: bool

    def __new__(cls, func: Callable | None = None) -> Any:
        switch = super().__new__(cls)
        switch._saved = []
        return switch if func is None else switch(func)

    def __enter__(self) -> None:
        self._saved.append(self.state.enabled)
        self.state.enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        self.state.enabled = self._saved.pop()


class no_grad(_ModeSwitch):
    """Ops inside record no graph: their results are leaves (for evaluation and updates)."""

    state, mode = grad_mode, False


class enable_grad(_ModeSwitch):
    """Ops inside record the graph even within `no_grad` (gradcheck uses it)."""

    state, mode = grad_mode, True


class detect_anomaly(_ModeSwitch):
    """Check every op's output and every gradient for NaN/Inf inside; raise AnomalyError at the
    first, naming the op, the shapes and the user's line that created it. Slow: debugging only."""

    state, mode = anomaly_mode, True


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return grad_mode.enabled


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly()."""
    return anomaly_mode.enabled


def user_line() -> str:
    """Where the user's code called into the library: 'file:line in function'."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(LIBRARY_PACKAGES):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def check_output(op: str, inputs: tuple, out: Any) -> str:
    """Raise AnomalyError if `out` (an op's result) has NaN or Inf; else where it was created."""
    where = user_line()
    bad = _count_non_finite(out)
    if bad:
        shapes = ", ".join(f"{_shape(t)}{' (has NaN/Inf)' if _count_non_finite(_data(t)) else ''}"
                           for t in inputs)  # fmt: skip
        raise AnomalyError(
            f"detect_anomaly: {op} produced {bad} NaN/Inf value(s) of {np.size(out)} in its output "
            f"{np.shape(out)}, from inputs {shapes}; the op was called at {where}"
        )
    return where


def checked_vjp(run_vjp: Callable[[Any], tuple]) -> Callable[[Any], tuple]:
    """`run_vjp` (node -> its VJP's gradients), raising AnomalyError where it gives an input a
    NaN or Inf gradient. The ops inside the VJP are not checked one by one: the message names
    the node."""

    def checked(node: Any) -> tuple:
        anomaly_mode.enabled = False
        try:
            grads = run_vjp(node)
        finally:
            anomaly_mode.enabled = True
        for i, g in enumerate(grads):
            bad = 0 if g is None else _count_non_finite(_data(g))
            if bad:
                created = getattr(node, "created_at", "an unknown place (outside detect_anomaly)")
                upstream = "already NaN/Inf" if _count_non_finite(_data(node.grad)) else "finite"
                raise AnomalyError(
                    f"detect_anomaly: the backward of {node.op} gave its input {i} "
                    f"{_shape(node.parents[i])} a gradient with {bad} NaN/Inf value(s) (the "
                    f"upstream gradient was {upstream}); the op was called at {created}"
                )
        return grads

    return checked


def _data(x: Any) -> Any:
    """The numbers of a Tensor or Value; an array (a plain backward's gradient) or a number as
    it is (an array's own .data is a memoryview)."""
    return x if isinstance(x, np.ndarray | np.generic) else getattr(x, "data", x)


def _shape(t: Any) -> str:
    return f"{getattr(t, 'op', '') or 'leaf'} {np.shape(_data(t))}"


def _count_non_finite(values: Any) -> int:
    values = np.asarray(values)
    if values.dtype.kind not in "fc":
        return 0
    return int(values.size - np.count_nonzero(np.isfinite(values)))
