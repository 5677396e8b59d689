"""AdamVersusAdamW (17): weight decay coupled to Adam's gradient scaling, and decoupled."""

import numpy as np
from matplotlib.figure import Figure

from autograd import Value
from optim import Adam, AdamW

from .widget import Simulation, log_slider, slider

LR = 0.01


def trajectory(kind: str, weight_decay: float, scale: float, steps: int) -> list[float]:
    """One parameter p from 1.0 under `steps` steps of Adam ("adam": no decay, "adam+l2": L2 in
    the gradient) or AdamW ("adamw": decoupled), on the loss scale * (-1)**t * p: gradients of
    size `scale` whose signs alternate, so that only the decay moves p on average. p after each
    step, p0 first: (steps + 1,)."""
    p = Value(1.0)
    optimizer = {
        "adam": lambda: Adam([p], lr=LR),
        "adam+l2": lambda: Adam([p], lr=LR, weight_decay=weight_decay),
        "adamw": lambda: AdamW([p], lr=LR, weight_decay=weight_decay),
    }[kind]()
    path = [p.data]
    for t in range(steps):
        optimizer.zero_grad()
        (p * (scale * (-1) ** t)).backward()
        optimizer.step()
        path.append(p.data)
    return path


class AdamVersusAdamW(Simulation):
    """Adam versus AdamW: L2 decay coupled to Adam's gradient scaling, and decoupled.

    The same parameter with L2 decay inside Adam's gradient and with AdamW's decoupled decay,
    step by step. Adam divides the decay term by the gradient's scale,
    so large gradients all but switch it off; AdamW shrinks p by lr * wd * p whatever the scale.

    `numbers`: steps; p under plain Adam, Adam + L2 and AdamW; the effective decay of each
    (plain Adam's p minus its p)."""

    def __init__(self) -> None:
        controls = {"weight decay": slider("weight decay", 0.5, 0.0, 1.0, 0.05),
                    "gradient scale": log_slider("gradient scale", 1.0, -3, 2)}  # fmt: skip
        self.steps = 0
        super().__init__("Adam + L2 versus AdamW", controls, ("Step", "Step x50", "Reset"))

    def press(self, label: str) -> None:
        self.steps = {"Step": self.steps + 1, "Step x50": self.steps + 50, "Reset": 0}[label]

    def compute(self) -> dict[str, float]:
        wd, scale = self.value("weight decay"), self.value("gradient scale")
        self.paths = {kind: trajectory(kind, wd, scale, self.steps)
                      for kind in ("adam", "adam+l2", "adamw")}  # fmt: skip
        plain = self.paths["adam"][-1]
        return {"steps": self.steps, **{f"p {kind}": path[-1] for kind, path in self.paths.items()},
                "decay adam+l2": plain - self.paths["adam+l2"][-1],
                "decay adamw": plain - self.paths["adamw"][-1]}  # fmt: skip

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        shown = max(self.steps, 1)
        for kind, colour in (("adam", "0.5"), ("adam+l2", "tab:blue"), ("adamw", "tab:red")):
            ax.plot(np.arange(self.steps + 1), self.paths[kind], color=colour, label=kind)
        ax.set(xlim=(0, shown), xlabel="step", ylabel="p",
               title=f"gradient scale {self.value('gradient scale'):.3g}")  # fmt: skip
        ax.legend()
