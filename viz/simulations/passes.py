"""A network's passes, stage by stage: the tensors a forward pass makes, the gradients sent back.

ForwardStages  4: "Step" through input, W1 x + b1, ReLU, W2 h + b2, softmax of a 3-4-2 net
NetworkPasses  7: "Run" fills a 3-4-4-2 net's activations left to right, then the gradients
               of the loss right to left
"""

import time
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from autograd import Tensor, grad
from nn import Linear
from nn import functional as F

from .widget import Simulation, format_number, slider


def draw_columns(
    ax: Axes,
    titles: Sequence[str],
    values: Sequence[np.ndarray],
    grads: Sequence[np.ndarray | None],
) -> None:
    """A column of cells per title, top to bottom: each cell its value (blue, deeper the larger;
    NaN: not computed yet, left empty) and, when grads has the column, its gradient in red."""
    for i, (title, column, slopes) in enumerate(zip(titles, values, grads, strict=True)):
        ax.text(i, 0.55, title, ha="center", fontsize=8)
        for j, x in enumerate(column):
            alpha = 0.0 if np.isnan(x) else min(abs(x), 1.0)
            ax.add_patch(Rectangle((i - 0.35, -j - 0.35), 0.7, 0.7, facecolor=(0.3, 0.5, 1, alpha),
                                   edgecolor="k"))  # fmt: skip
            if not np.isnan(x):
                ax.text(i, -j + 0.05, format_number(round(x, 3)), ha="center", fontsize=8)
            if slopes is not None:
                ax.text(i, -j - 0.25, format_number(round(slopes[j], 3)), ha="center",
                        fontsize=7, color="tab:red")  # fmt: skip
    ax.set(xlim=(-0.5, len(titles) - 0.5), ylim=(-3.6, 0.9))
    ax.axis("off")


STAGES = ("input x", "W1 x + b1", "ReLU", "W2 h + b2", "softmax")


class ForwardStages(Simulation):
    """Forward pass, stage by stage: a 3-4-2 network's five tensors, their shapes and numbers.

    "Step" shows the next of the tensors the network (nn.Linear, ReLU, nn.Linear, softmax)
    computes from the input of the sliders.

    `numbers`: stage (0-4), then each shown stage's entries, e.g. `ReLU[2]`."""

    def __init__(self) -> None:
        self.layers = (Linear(3, 4, generator=0), Linear(4, 2, generator=1))
        self.stage = 0
        controls = {f"x{i}": slider(f"x{i}", x, -2.0, 2.0, 0.1) for i, x in
                    enumerate((1.0, -0.5, 2.0), start=1)}  # fmt: skip
        super().__init__("Forward pass of a 3-4-2 network", controls, ("Step", "Reset"))

    def press(self, label: str) -> None:
        self.stage = 0 if label == "Reset" else min(self.stage + 1, len(STAGES) - 1)

    def tensors(self) -> list[Tensor]:
        """The five stages' tensors for the sliders' input: (3,), (4,), (4,), (2,), (2,)."""
        x = Tensor(np.array([self.value(f"x{i}") for i in (1, 2, 3)]))
        first, second = self.layers
        z1 = first(x)
        h = F.relu(z1)
        z2 = second(h)
        return [x, z1, h, z2, F.softmax(z2, dim=-1)]

    def compute(self) -> dict[str, float]:
        self.shown = self.tensors()[: self.stage + 1]
        shapes = [
            f"{name} {tuple(t.shape)}" for name, t in zip(STAGES, self.tensors(), strict=True)
        ]
        shapes[self.stage] = f"<b>{shapes[self.stage]}</b>"
        self.status.value = " → ".join(shapes)
        numbers = {"stage": self.stage}
        for name, tensor in zip(STAGES[: len(self.shown)], self.shown, strict=True):
            numbers |= {f"{name}[{i}]": x for i, x in enumerate(tensor.data)}
        return numbers

    def draw(self, figure: Figure) -> None:
        tensors = self.tensors()
        values = [t.data if i <= self.stage else np.full(t.shape, np.nan)
                  for i, t in enumerate(tensors)]  # fmt: skip
        titles = [
            f"{name}\nshape {tuple(t.shape)}" for name, t in zip(STAGES, tensors, strict=True)
        ]
        draw_columns(figure.add_subplot(), titles, values, [None] * len(STAGES))


LAYERS = ("input", "hidden 1", "hidden 2", "logits")


class NetworkPasses(Simulation):
    """A network's passes: activations fill left to right, then gradients right to left.

    "Run" (or "Step") fills a 3-4-4-2 tanh network's activations, then the cross-entropy's
    gradients with respect to them (from autograd.grad), at the slider's speed (stages a second).

    `numbers`: phase (0-8: 1-4 forward, 5-8 backward), the shown activations, e.g. `hidden 1[0]`,
    the loss once the forward pass is done, and the shown gradients, e.g. `grad logits[1]`."""

    PHASES = 2 * len(LAYERS)

    def __init__(self) -> None:
        self.layers = [Linear(3, 4, generator=2), Linear(4, 4, generator=3),
                       Linear(4, 2, generator=4)]  # fmt: skip
        self.x = Tensor(np.array([0.5, -1.0, 1.5]), requires_grad=True)
        self.phase = 0
        controls = {"speed": slider("speed", 4.0, 1.0, 20.0, 1.0)}
        super().__init__("Forward, then backward, through a network", controls,
                         ("Run", "Step", "Reset"))  # fmt: skip

    def press(self, label: str) -> None:
        if label == "Reset":
            self.phase = 0
        elif label == "Step":
            self.phase = min(self.phase + 1, self.PHASES)
        else:
            self.phase = 0
            for _ in range(self.PHASES - 1):  # the last phase shows when press() returns
                self.phase += 1
                self.refresh()
                time.sleep(1 / self.value("speed"))
            self.phase = self.PHASES

    def forward(self) -> tuple[list[Tensor], Tensor]:
        """Each layer's activations (3,), (4,), (4,), (2,) and the cross-entropy against class 0."""
        activations = [self.x]
        for i, layer in enumerate(self.layers):
            z = layer(activations[-1])
            activations.append(z if i == len(self.layers) - 1 else z.tanh())
        return activations, F.cross_entropy(activations[-1], np.array(0))

    def compute(self) -> dict[str, float]:
        activations, loss = self.forward()
        grads = grad(loss, activations)
        forward, backward = min(self.phase, len(LAYERS)), max(self.phase - len(LAYERS), 0)
        self.values = [a.data if i < forward else np.full(a.shape, np.nan)
                       for i, a in enumerate(activations)]  # fmt: skip
        self.grads = [g.data if i >= len(LAYERS) - backward else None for i, g in enumerate(grads)]
        numbers = {"phase": self.phase}
        for name, column in zip(LAYERS[:forward], self.values, strict=False):
            numbers |= {f"{name}[{i}]": x for i, x in enumerate(column)}
        if forward == len(LAYERS):
            numbers["loss"] = loss.item()
        for name, column in zip(LAYERS, self.grads, strict=True):
            numbers |= {
                f"grad {name}[{i}]": x for i, x in enumerate(() if column is None else column)
            }
        self.status.value = ("forward pass" if self.phase <= len(LAYERS) else "backward pass") + \
            f": phase {self.phase} of {self.PHASES}"  # fmt: skip
        return numbers

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        draw_columns(ax, LAYERS, self.values, self.grads)
        if "loss" in self.numbers:
            ax.set_title(f"cross-entropy against class 0: {self.numbers['loss']:.4f}")
