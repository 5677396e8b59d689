"""LossExplorer (5): cross-entropy against squared error as the true class's probability moves."""

import numpy as np
from matplotlib.figure import Figure

from autograd import Tensor, stack
from nn import functional as F

from .widget import Simulation, slider


def losses(p: np.ndarray) -> dict[str, np.ndarray]:
    """For each probability p (n,) of the true class, of two: cross-entropy of the logits
    (log p, log(1 - p)) against class 0 and squared error (1 - p)**2, each (n,), with their
    derivatives d loss / d p from backward()."""
    probability = Tensor(p, requires_grad=True)
    logits = stack([probability.log(), (1 - probability).log()], axis=1)  # (n, 2)
    ce = F.cross_entropy(logits, np.zeros(len(p), dtype=np.int64), reduction="none")
    se = F.mse_loss(probability, np.ones_like(p), reduction="none")
    ce.sum().backward()
    ce_slope = probability.grad.data.copy()
    probability.grad = None
    se.sum().backward()
    return {"CE": ce.data, "dCE/dp": ce_slope, "SE": se.data, "dSE/dp": probability.grad.data}


class LossExplorer(Simulation):
    """Loss explorer: a slider for p(true class); cross-entropy and squared error side by side.

    `numbers`: p, CE = -log p (nn.functional.cross_entropy), SE = (1 - p)**2 (mse_loss), and
    each one's d/dp from backward(): near p = 0 cross-entropy climbs a cliff, squared error
    stays below 1.
    """

    def __init__(self) -> None:
        super().__init__("Loss explorer", {"p": slider("p", 0.3, 0.01, 0.99, 0.01)})

    def compute(self) -> dict[str, float]:
        numbers = losses(np.array([self.value("p")]))
        return {"p": self.value("p"), **{name: x[0] for name, x in numbers.items()}}

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        ps = np.linspace(0.005, 0.995, 199)
        curves = losses(ps)
        for name, colour in (("CE", "tab:blue"), ("SE", "tab:orange")):
            ax.plot(ps, curves[name], color=colour, label=name)
            ax.plot(self.numbers["p"], self.numbers[name], "o", color=colour)
        ax.set(ylim=(0, 5.5), xlabel="p, the probability given to the true class", ylabel="loss")
        ax.legend()
