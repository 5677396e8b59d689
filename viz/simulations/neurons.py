"""One neuron at a time: a line learned by gradient descent, a ReLU neuron, the activations.

LearnALine   1: two classes of points, a boundary that starts wrong, "Learn" runs SGD steps
Neuron       2: three weights and a bias on sliders; the sum, the ReLU and the gradients
Activations  3: an activation (solid) and its derivative from autograd (dashed) at a point
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from autograd import Tensor, Value
from nn import functional as F
from optim import SGD

from .widget import Simulation, log_slider, slider

LINE_START = (-1.0, 1.5, 1.0)  # w1, w2, b: a boundary that splits the classes the wrong way


def two_blobs(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points (n, 2) in two Gaussian blobs around (-1.5, -1) and (1.5, 1), labels (n,) 0/1."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    centres = np.where(labels[:, None] == 1, [1.5, 1.0], [-1.5, -1.0])
    return centres + rng.normal(scale=0.8, size=(n, 2)), labels.astype(np.float64)


class LearnALine(Simulation):
    """Learn a line: "Learn" takes 10 steps of SGD on the logistic loss; the boundary turns.

    `numbers`: steps, loss, accuracy, w1, w2, b. The line is w1 x1 + w2 x2 + b = 0.
    """

    steps_per_press = 10

    def __init__(self) -> None:
        self.points, self.labels = two_blobs()
        self.reset()
        super().__init__("Learn a line", {"lr": log_slider("lr", 0.1, -3, 1)}, ("Learn", "Reset"))

    def reset(self) -> None:
        """Back to the wrong boundary, step 0."""
        self.weight = Tensor(np.array(LINE_START[:2]), requires_grad=True)
        self.bias = Tensor(np.array(LINE_START[2]), requires_grad=True)
        self.steps = 0

    def loss(self) -> Tensor:
        """Mean logistic loss of the points under the current line."""
        logits = Tensor(self.points) @ self.weight + self.bias
        return F.binary_cross_entropy_with_logits(logits, self.labels)

    def press(self, label: str) -> None:
        if label == "Reset":
            self.reset()
            return
        optimizer = SGD([self.weight, self.bias], lr=self.value("lr"))
        for _ in range(self.steps_per_press):
            optimizer.zero_grad()
            self.loss().backward()
            optimizer.step()
        self.steps += self.steps_per_press

    def compute(self) -> dict[str, float]:
        logits = Tensor(self.points) @ self.weight + self.bias
        correct = (logits.data > 0) == (self.labels == 1)
        w1, w2 = self.weight.data
        return {"steps": self.steps, "loss": self.loss().item(), "accuracy": correct.mean(),
                "w1": w1, "w2": w2, "b": float(self.bias.data)}  # fmt: skip

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        ax.scatter(*self.points.T, c=self.labels, cmap="coolwarm", edgecolors="k", s=25)
        w1, w2, b = self.numbers["w1"], self.numbers["w2"], self.numbers["b"]
        xs = np.linspace(-4, 4, 2)
        if abs(w2) > 1e-9:
            ax.plot(xs, -(w1 * xs + b) / w2, "k-", lw=2)
        else:
            ax.axvline(-b / w1, color="k", lw=2)
        ax.set(xlim=(-4, 4), ylim=(-4, 4), aspect="equal", xlabel="x1", ylabel="x2",
               title=f"step {self.steps}: loss {self.numbers['loss']:.3f}")  # fmt: skip


NEURON_INPUTS = (1.0, -2.0, 0.5)


class Neuron(Simulation):
    """Interactive neuron: relu(w · x + b) for fixed inputs x; sliders for w1, w2, w3 and b.

    `numbers`: the weighted sum, the ReLU output, and d output / d w_i and d output / d b from
    backward() (x_i while the sum is positive, 0 once the ReLU clamps it).
    """

    def __init__(self) -> None:
        start = {"w1": 0.5, "w2": -0.3, "w3": 0.8, "b": 0.1}
        controls = {name: slider(name, x, -2.0, 2.0, 0.1) for name, x in start.items()}
        super().__init__(f"Interactive neuron, x = {NEURON_INPUTS}", controls)

    def compute(self) -> dict[str, float]:
        weights = [Value(self.value(name)) for name in ("w1", "w2", "w3")]
        bias = Value(self.value("b"))
        weighted_sum = Value.dot(weights, NEURON_INPUTS) + bias
        output = weighted_sum.relu()
        output.backward()
        grads = {f"d out/d w{i + 1}": w.grad for i, w in enumerate(weights)}
        return {"w·x + b": weighted_sum.data, "relu": output.data, **grads, "d out/d b": bias.grad}

    def draw(self, figure: Figure) -> None:
        left, right = figure.subplots(1, 2, width_ratios=(1, 1.5))
        bars = {"w·x + b": self.numbers["w·x + b"], "relu": self.numbers["relu"]}
        left.bar(list(bars), list(bars.values()), color=["tab:gray", "tab:green"])
        left.axhline(0, color="k", lw=0.8)
        left.set(ylim=(-6, 6), title="sum and output")
        grads = {
            k.split("/")[1].strip(): x for k, x in self.numbers.items() if k.startswith("d out")
        }
        right.bar(list(grads), list(grads.values()), color="tab:red")
        right.axhline(0, color="k", lw=0.8)
        right.set(ylim=(-2.5, 2.5), title="d out / d parameter")


ACTIVATIONS = {  # name -> Tensor -> Tensor
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "ReLU": F.relu,
    "leaky ReLU": lambda x: F.leaky_relu(x, 0.1),
    "GELU": F.gelu,
    "SiLU": F.silu,
}
VANISHING = 0.05  # a derivative this small passes almost no gradient back


class Activations(Simulation):
    """Activation explorer: six activations and their derivatives from backward(), at a point.

    The function (solid) and its derivative (dashed); the value and slope at the x slider; the
    shaded stretch where the derivative is below 0.05 (sigmoid's and tanh's tails).

    `numbers`: x, f(x), f'(x)."""

    def __init__(self) -> None:
        controls = {"activation": widgets.ToggleButtons(options=list(ACTIVATIONS), value="sigmoid"),
                    "x": slider("x", 1.0, -6.0, 6.0, 0.1)}  # fmt: skip
        super().__init__("Activation explorer", controls)

    def curve(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The chosen activation and its derivative at each of xs (n,), from one backward()."""
        x = Tensor(xs, requires_grad=True)
        y = ACTIVATIONS[self.value("activation")](x)
        y.sum().backward()
        return y.data, x.grad.data

    def compute(self) -> dict[str, float]:
        (y,), (slope,) = self.curve(np.array([self.value("x")]))
        return {"x": self.value("x"), "f(x)": y, "f'(x)": slope}

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        xs = np.linspace(-6, 6, 241)
        ys, slopes = self.curve(xs)
        ax.plot(xs, ys, "tab:blue", label=self.value("activation"))
        ax.plot(xs, slopes, "tab:orange", ls="--", label="derivative (autograd)")
        ax.fill_between(xs, -1.5, 6, where=slopes < VANISHING, color="0.9",
                        label=f"derivative < {VANISHING}")  # fmt: skip
        ax.plot(self.numbers["x"], self.numbers["f(x)"], "o", color="tab:blue")
        ax.plot(self.numbers["x"], self.numbers["f'(x)"], "o", color="tab:orange")
        ax.set(ylim=(-1.5, 6), xlabel="x")
        ax.legend(loc="upper left", fontsize="small")
