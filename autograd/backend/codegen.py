"""Python source of the jitted loops for a fused elementwise Program (autograd/fuse.py).

For `(a * b + c).relu()` on float32 the forward loop reads

    for i in range(out.size):
        t0 = x0[i]
        t1 = x1[i]
        t2 = t0 * t1
        t3 = x2[i]
        t4 = t2 + t3
        t5 = t4 if not t4 <= zero else zero
        out[i] = t5

and the backward loop recomputes t0..t5, then walks the steps in reverse, adding each step's
local derivative times its adjoint `d` to its arguments' adjoints, and stores the inputs' ones.
Each derivative matches the composed Tensor op's VJP (relu's gradient 0 at 0, maximum's half at
a tie), so fused and composed agree to rounding. The source holds no closures: numba_backend
writes it to a file and imports it, so numba's disk cache keeps the compiled loops.
"""

# Each step's value from its arguments {a} and {b}, exponent {p} and a temporary {e} of its own;
# a tuple gives statements for {e} first, then the value.
FORWARD: dict[str, str | tuple[str, ...]] = {
    "add": "{a} + {b}",
    "sub": "{a} - {b}",
    "mul": "{a} * {b}",
    "div": "{a} / {b}",
    "neg": "-{a}",
    "pow": "{a} ** {p}",
    "exp": "np.exp({a})",
    "log": "np.log({a})",
    "relu": "{a} if not {a} <= zero else zero",  # NaN stays NaN, as in Tensor.relu
    "maximum": "{a} if {a} > {b} or {a} != {a} else {b}",  # NaN wins, as in np.maximum
    "sigmoid": ("{e} = np.exp(-abs({a}))", "({e} if {a} < zero else one) / (one + {e})"),
    "tanh": (
        "{e} = np.exp(-two * abs({a}))",
        "(one - {e}) / (one + {e}) if {a} >= zero else ({e} - one) / (one + {e})",
    ),
}

# Each step's gradient for each argument, from its adjoint {d}, value {t}, arguments and a
# temporary {s}, or the forward's {e}; a tuple's first item is a statement for {s}.
DERIVATIVES: dict[str, tuple[str, ...]] = {
    "add": ("{d}", "{d}"),
    "sub": ("{d}", "-{d}"),
    "mul": ("{d} * {b}", "{d} * {a}"),
    "div": ("{d} / {b}", "-{d} * {a} / ({b} * {b})"),
    "neg": ("-{d}",),
    "pow": ("{d} * {p} * {a} ** ({p} - one) if not ({a} == zero and {p} == zero) else zero",),
    "exp": ("{d} * {t}",),
    "log": ("{d} / {a}",),
    "relu": ("{d} if not {a} <= zero else zero",),
    "maximum": (
        "{s} = one if {a} > {b} else (zero if {a} < {b} else half)",
        "{d} * {s}",
        "{d} * (one - {s})",
    ),
    # from e, not t * (1 - t) and 1 - t * t, which cancel to 0 where t rounds to 1
    "sigmoid": ("{d} * {e} / ((one + {e}) * (one + {e}))",),
    "tanh": ("{d} * two * two * {e} / ((one + {e}) * (one + {e}))",),
}

HEADER = """\
import numpy as np
from numba import njit, prange

zero, half, one, two = (np.{dtype}(v) for v in (0.0, 0.5, 1.0, 2.0))
{constants}
"""

# error_model="numpy": x / 0 gives inf or nan as numpy does, where numba's default raises
# ZeroDivisionError and its check per division keeps the loop from vectorising.
KERNEL = """
@njit(cache=True, error_model="numpy", parallel={parallel})
def {name}({arguments}):
    for i in {loop}({size}.size):
{body}
"""


def source(steps: tuple, inputs: int, dtype: str) -> str:
    """A module defining forward(x0.., out), backward(x0.., g, g0..) and their _parallel twins
    (prange over elements) for a Program's `steps`, `inputs` 1-d arrays of `dtype`."""
    xs = [f"x{k}" for k in range(inputs)]
    gs = [f"g{k}" for k in range(inputs)]
    forward = [*_forward_lines(steps), f"out[i] = t{len(steps) - 1}"]
    backward = _forward_lines(steps) + _backward_lines(steps, inputs)
    kernels = [
        KERNEL.format(
            name=name + suffix,
            arguments=", ".join(arguments),
            loop=loop,
            size=size,
            parallel=loop == "prange",
            body="\n".join(" " * 8 + line for line in body),
        )
        for name, arguments, size, body in (
            ("forward", [*xs, "out"], "out", forward),
            ("backward", [*xs, "g", *gs], "g", backward),
        )
        for suffix, loop in (("", "range"), ("_parallel", "prange"))
    ]
    constants = "\n".join(
        f'k{n} = np.{dtype}(float("{step.value!r}"))'  # float("inf") too
        for n, step in enumerate(steps)
        if step.op in ("const", "pow")
    )
    return HEADER.format(dtype=dtype, constants=constants) + "".join(kernels)


def _names(n: int, step: tuple) -> dict[str, str]:
    """The template fields of step `n`: its arguments, exponent, temporaries, value, adjoint."""
    a, b = ([f"t{k}" for k in step.args] + ["", ""])[:2]
    return {"a": a, "b": b, "p": f"k{n}", "e": f"e{n}", "s": f"s{n}", "t": f"t{n}", "d": f"d{n}"}


def _forward_lines(steps: tuple) -> list[str]:
    """Statements computing every step's value t<n> for element i."""
    lines = []
    for n, step in enumerate(steps):
        if step.op == "input":
            lines.append(f"t{n} = x{int(step.value)}[i]")
        elif step.op == "const":
            lines.append(f"t{n} = k{n}")
        else:
            *temporaries, value = _as_tuple(FORWARD[step.op])
            names = _names(n, step)
            lines += [line.format(**names) for line in temporaries]
            lines.append(f"t{n} = " + value.format(**names))
    return lines


def _backward_lines(steps: tuple, inputs: int) -> list[str]:
    """Statements for the adjoints d<n> (the last step's is g[i]) and the inputs' gradients."""
    last = len(steps) - 1
    lines = [f"d{last} = g[i]"] + [f"d{n} = zero" for n in range(last)]
    for n in range(last, -1, -1):
        step = steps[n]
        if step.op in ("input", "const"):
            continue
        names = _names(n, step)
        rule = DERIVATIVES[step.op]
        statements, gradients = rule[: -len(step.args)], rule[-len(step.args) :]
        lines += [line.format(**names) for line in statements]
        for arg, gradient in zip(step.args, gradients, strict=True):
            lines.append(f"d{arg} += " + gradient.format(**names))
    found = {int(step.value): n for n, step in enumerate(steps) if step.op == "input"}
    lines += [f"g{k}[i] = d{found[k]}" if k in found else f"g{k}[i] = zero" for k in range(inputs)]
    return lines


def _as_tuple(template: str | tuple[str, ...]) -> tuple[str, ...]:
    return (template,) if isinstance(template, str) else template
