"""Three mini-simulations of training's lessons, in tabs (8): initialisation, L2
regularisation against overfitting, and the learning rate.

    Initialisation   activation sizes through 8 layers for zero, small, Xavier and He weights
    Regularisation   an L2 slider: a 2-32-32-1 net's train and test loss and its boundary
    LearningRate     SGD on a linear regression: too high diverges, too low crawls
    lessons          the three in tabs
"""

from typing import ClassVar

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from autograd import Tensor, no_grad
from nn import Linear, ReLU, Sequential, Tanh, init, l2_penalty
from nn import functional as F
from nn.datasets import make_moons
from optim import SGD, Adam

from .landscapes import regression_data
from .widget import Simulation, log_slider, slider

INITIALISERS = {  # name -> (weight (out, in), nonlinearity, seed) -> the weight, set in place
    "zero": lambda w, _, seed: init.zeros_(w),
    "small random": lambda w, _, seed: init.normal_(w, std=0.01, generator=seed),
    "Xavier": lambda w, _, seed: init.xavier_normal_(w, generator=seed),
    "He": lambda w, nonlinearity, seed: init.kaiming_normal_(
        w, nonlinearity=nonlinearity, generator=seed
    ),
}
DEPTH, WIDTH = 8, 64


class Initialisation(Simulation):
    """Initialisation: the spread (std) of activations through 8 layers of 64, for a batch of
    256 standard normal inputs, by initialiser and activation: zero and small weights shrink
    the signal to nothing, Xavier keeps tanh's, He keeps ReLU's.

    `numbers`: the std of each layer's activations, `layer 1` ... `layer 8`."""

    margins: ClassVar[dict] = dict(Simulation.margins, left=0.14)  # room for 10^-12

    def __init__(self) -> None:
        controls = {
            "init": widgets.ToggleButtons(
                options=list(INITIALISERS), value="He", description="init"
            ),
            "activation": widgets.ToggleButtons(options=["ReLU", "tanh"], description="activation"),
        }
        self.inputs = Tensor(np.random.default_rng(0).standard_normal((256, WIDTH)))
        super().__init__("Initialisation", controls)

    def compute(self) -> dict[str, float]:
        nonlinearity = self.value("activation").lower()
        activation = ReLU() if nonlinearity == "relu" else Tanh()
        x, numbers = self.inputs, {}
        for depth in range(1, DEPTH + 1):
            layer = Linear(WIDTH, WIDTH)
            INITIALISERS[self.value("init")](layer.weight, nonlinearity, depth)
            init.zeros_(layer.bias)
            with no_grad():
                x = activation(layer(x))
            numbers[f"layer {depth}"] = x.std().item()
        return numbers

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        ax.bar(
            range(1, DEPTH + 1), [max(s, 1e-12) for s in self.numbers.values()], color="tab:blue"
        )
        ax.set(yscale="log", ylim=(1e-12, 10), xlabel="layer", ylabel="std of activations",
               title=f"{self.value('init')} init, {self.value('activation')}")  # fmt: skip


def moons_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A small noisy training set of two moons (40 points) and a test set of 300."""
    x_train, y_train = make_moons(40, noise=0.3, seed=0)
    x_test, y_test = make_moons(300, noise=0.3, seed=1)
    return x_train, y_train.astype(float), x_test, y_test.astype(float)


class Regularisation(Simulation):
    """Regularisation: a 2-32-32-1 ReLU network trained 300 full-batch Adam steps on 40 noisy
    points, with loss + L2 * sum of squared weights; with no L2 it overfits (test loss climbs
    above train loss), more L2 smooths the boundary.

    `numbers`: L2, then train and test cross-entropy (without the penalty) and accuracy."""

    STEPS = 300

    def __init__(self) -> None:
        self.x_train, self.y_train, self.x_test, self.y_test = moons_split()
        super().__init__("Regularisation", {"L2": slider("L2", 0.0, 0.0, 0.02, 0.001)})
        self.controls["L2"].readout_format = ".3f"

    def compute(self) -> dict[str, float]:
        self.model = Sequential(Linear(2, 32, generator=0), ReLU(), Linear(32, 32, generator=1),
                                ReLU(), Linear(32, 1, generator=2))  # fmt: skip
        weights = [p for name, p in self.model.named_parameters() if name.endswith("weight")]
        optimizer = Adam(self.model.parameters(), lr=0.01)
        for _ in range(self.STEPS):
            optimizer.zero_grad()
            loss = self.loss(self.x_train, self.y_train)
            (loss + self.value("L2") * l2_penalty(weights)).backward()
            optimizer.step()
        with no_grad():
            numbers = {"L2": self.value("L2")}
            for split, (x, y) in {"train": (self.x_train, self.y_train),
                                  "test": (self.x_test, self.y_test)}.items():  # fmt: skip
                numbers[f"{split} loss"] = self.loss(x, y).item()
                numbers[f"{split} accuracy"] = ((self.model(Tensor(x)).data[:, 0] > 0) == y).mean()
        return numbers

    def loss(self, x: np.ndarray, y: np.ndarray) -> Tensor:
        """Mean binary cross-entropy of the model's logits (n, 1) on x (n, 2) against y (n,)."""
        return F.binary_cross_entropy_with_logits(self.model(Tensor(x))[:, 0], y)

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        gx, gy = np.meshgrid(np.linspace(-2, 3, 60), np.linspace(-1.5, 2, 60))
        with no_grad():
            logits = self.model(Tensor(np.stack([gx.ravel(), gy.ravel()], 1))).data.reshape(
                gx.shape
            )
        ax.contourf(gx, gy, logits > 0, levels=[-0.5, 0.5, 1.5], colors=["#cfe0f5", "#f5d0cf"])
        ax.scatter(*self.x_train.T, c=self.y_train, cmap="coolwarm", edgecolors="k", s=25)
        ax.set(title=f"train loss {self.numbers['train loss']:.3f}, "
                     f"test loss {self.numbers['test loss']:.3f}")  # fmt: skip


class LearningRate(Simulation):
    """Learning rate: 40 full-batch SGD steps fitting y = w x + b to noisy points of y = 2x + 1;
    above lr = 1 the loss grows without end, far below it barely moves.

    `numbers`: lr, the loss at the start and after 40 steps."""

    STEPS = 40

    def __init__(self) -> None:
        self.x, self.y = regression_data()
        super().__init__("Learning rate", {"lr": log_slider("lr", 0.1, -3, 0.3)})

    def compute(self) -> dict[str, float]:
        w, b = Tensor(np.array(0.0), requires_grad=True), Tensor(np.array(0.0), requires_grad=True)
        optimizer = SGD([w, b], lr=self.value("lr"))
        self.losses = []
        for step in range(self.STEPS + 1):
            optimizer.zero_grad()
            loss = F.mse_loss(w * Tensor(self.x) + b, self.y)
            self.losses.append(loss.item())
            if step < self.STEPS:
                loss.backward()
                optimizer.step()
        start, end = self.losses[0], self.losses[-1]
        verdict = "diverges" if end > start else "crawls" if end > 0.5 * start else "converges"
        self.status.value = f"lr {self.value('lr'):.3g}: the loss <b>{verdict}</b>"
        return {"lr": self.value("lr"), "loss at start": start, "loss after 40": end}

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        ax.semilogy(self.losses, "o-", ms=3)
        ax.set(xlabel="step", ylabel="loss (MSE)", title=f"lr {self.value('lr'):.3g}")


def lessons() -> widgets.Tab:
    """Three mini-simulations in tabs: initialisation, regularisation, learning rate."""
    tabs = [Initialisation(), Regularisation(), LearningRate()]
    page = widgets.Tab(children=tabs, titles=["Init", "Regularisation", "Learning rate"],
                       layout=widgets.Layout(max_width="1000px"))  # fmt: skip
    page.add_class("tracegrad-simulation")  # what a page's screenshot shows: the tabs and all
    return page
