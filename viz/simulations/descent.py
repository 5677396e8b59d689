"""Descent on L(w) = w²: its slope, the slope measured numerically, and steps down it.

Slope              10: the tangent at w from backward(), and where one SGD step goes
NumericalGradient  11: backward()'s gradient against centred and forward differences
                   as h shrinks, in float32 and float64
DescentOnSquare    12: 20 SGD steps from w = 2: smooth, overshooting or diverging by lr
"""

from typing import ClassVar

import numpy as np
from matplotlib.figure import Figure

from autograd import Tensor, Value
from optim import SGD

from .widget import Simulation, log_slider, slider

START = 2.0  # where descent on w² starts
DTYPES = {"float32": np.float32, "float64": np.float64}


def square(w: Value | Tensor) -> Value | Tensor:
    """L(w) = w²."""
    return w**2


class Slope(Simulation):
    """Slope of L(w) = w²: the tangent at w (its slope from backward()) and the SGD step.

    `numbers`: w, L, dL/dw, and w after one SGD step with lr 0.1 (against the slope)."""

    lr = 0.1

    def __init__(self) -> None:
        super().__init__("Slope of L(w) = w²", {"w": slider("w", 1.5, -3.0, 3.0, 0.1)})

    def compute(self) -> dict[str, float]:
        w = Value(self.value("w"))
        loss = square(w)
        loss.backward()
        numbers = {"w": w.data, "L": loss.data, "dL/dw": w.grad}
        SGD([w], lr=self.lr).step()
        return numbers | {"w after a step": w.data}

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        ws = np.linspace(-3, 3, 121)
        ax.plot(ws, square(Tensor(ws)).data, "tab:blue", label="L(w) = w²")
        w, loss, slope = self.numbers["w"], self.numbers["L"], self.numbers["dL/dw"]
        ax.plot(
            ws, loss + slope * (ws - w), "tab:orange", ls="--", label=f"tangent, slope {slope:.3g}"
        )
        ax.annotate("", (self.numbers["w after a step"], 0.3), (w, 0.3),
                    arrowprops=dict(arrowstyle="->", color="tab:red", lw=2))  # fmt: skip
        ax.plot(w, loss, "o", color="tab:blue")
        ax.set(ylim=(-1, 9.5), xlabel="w", title="step against the slope (red arrow)")
        ax.legend(loc="upper center")


def difference(w: float, h: float, dtype: type, centred: bool) -> float:
    """The slope of L at w measured with step h, L evaluated by Tensors of `dtype` (float32 or
    float64): centred (L(w + h) - L(w - h)) / 2h, or forward (L(w + h) - L(w)) / h."""
    w, h = Tensor(np.array(w, dtype)), np.array(h, dtype)
    if centred:
        return float((square(w + h) - square(w - h)).data / (2 * h))
    return float((square(w + h) - square(w)).data / h)


def analytic(w: float, dtype: type) -> float:
    """dL/dw at w from backward(), in `dtype`."""
    x = Tensor(np.array(w, dtype), requires_grad=True)
    square(x).backward()
    return float(x.grad.data)


class NumericalGradient(Simulation):
    """Numerical versus analytic gradient: differences with a step h against backward().

    Too large h is inaccurate (a forward difference's error is h here; a centred one's is
    exact for w²), too small h is swamped by rounding (sooner in float32).

    `numbers`: for float32 and float64, backward()'s dL/dw and the gap to it of the centred and
    the forward difference at h."""

    margins: ClassVar[dict] = dict(Simulation.margins, left=0.14)  # room for 10^-16

    def __init__(self) -> None:
        controls = {"w": slider("w", 1.5, 0.5, 3.0, 0.1), "h": log_slider("h", 1e-3, -16, 0)}
        super().__init__("Numerical versus analytic gradient of w²", controls)

    def gaps(self, h: float, dtype: type) -> dict[str, float]:
        """|difference - backward()| at step h, centred and forward."""
        w = self.value("w")
        exact = analytic(w, dtype)
        return {kind: abs(difference(w, h, dtype, kind == "centred") - exact)
                for kind in ("centred", "forward")}  # fmt: skip

    def compute(self) -> dict[str, float]:
        numbers = {}
        for name, dtype in DTYPES.items():
            numbers[f"backward {name}"] = analytic(self.value("w"), dtype)
            gaps = self.gaps(self.value("h"), dtype)
            numbers |= {f"{kind} gap {name}": gap for kind, gap in gaps.items()}
        return numbers

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        hs = np.logspace(-16, 0, 65)
        for name, dtype in DTYPES.items():
            curves = [self.gaps(h, dtype) for h in hs]
            for kind, style in (("centred", "-"), ("forward", ":")):
                floor = np.maximum([gaps[kind] for gaps in curves], 1e-17)  # log axes: no 0
                colour = "tab:blue" if name == "float32" else "tab:orange"
                ax.loglog(hs, floor, ls=style, color=colour, label=f"{kind}, {name}")
                gap = max(self.numbers[f"{kind} gap {name}"], 1e-17)
                ax.plot(self.value("h"), gap, "o", color=colour)
        ax.set(xlabel="h", ylabel="|difference - backward|", ylim=(1e-17, 10))
        ax.legend(fontsize="small", ncols=2, loc="lower left")


def descend(lr: float, steps: int = 20) -> list[float]:
    """w after each of `steps` SGD steps on w² from START, w0 first: (steps + 1,) floats."""
    w = Value(START)
    optimizer = SGD([w], lr=lr)
    path = [w.data]
    for _ in range(steps):
        optimizer.zero_grad()
        square(w).backward()
        optimizer.step()
        path.append(w.data)
    return path


def regime(path: list[float]) -> str:
    """'smooth' (shrinks without crossing 0), 'overshooting' (shrinks, flipping sign) or
    'diverging' (grows)."""
    if abs(path[-1]) >= abs(path[0]):
        return "diverging"
    return "overshooting" if path[0] * path[1] < 0 else "smooth"


class DescentOnSquare(Simulation):
    """Gradient descent on w²: 20 SGD steps from w = 2 with the lr of the slider.

    `numbers`: lr, w after one step and after 20, L after 20. The status names the regime:
    smooth (lr < 0.5), overshooting (0.5 < lr < 1), diverging (lr > 1)."""

    def __init__(self) -> None:
        super().__init__("Gradient descent on w²", {"lr": slider("lr", 0.1, 0.02, 1.1, 0.02)})

    def compute(self) -> dict[str, float]:
        self.path = descend(self.value("lr"))
        self.status.value = (
            f"with lr {self.value('lr'):.2f} the steps are <b>{regime(self.path)}</b>"
        )
        return {"lr": self.value("lr"), "w after 1": self.path[1], "w after 20": self.path[-1],
                "L after 20": square(Value(self.path[-1])).data}  # fmt: skip

    def draw(self, figure: Figure) -> None:
        left, right = figure.subplots(1, 2)
        ws = np.linspace(-3, 3, 121)
        left.plot(ws, square(Tensor(ws)).data, "0.6")
        path = Tensor(np.clip(self.path, -3, 3))
        left.plot(path.data, square(path).data, "o-", color="tab:red", ms=3, lw=0.8)
        left.set(ylim=(-0.5, 9.5), xlabel="w", ylabel="L")
        right.plot(self.path, "o-", color="tab:red", ms=3)
        right.axhline(0, color="k", lw=0.8)
        right.set(xlabel="step", ylabel="w", ylim=(-3, 3), title=regime(self.path))
