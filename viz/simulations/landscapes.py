"""Descent across 2-D loss surfaces.

LossLandscape  9: a surface as a heat map; place the start, "Step downhill" with an optimizer
               of the ladder
BatchSizes     13: full batch, mini-batch and single-example SGD on one regression's loss
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from autograd import Tensor
from nn import functional as F
from optim import SGD

from ..surfaces import Surface, default_optimizers, ravine, rosenbrock, saddle
from .picture import ClickablePicture
from .widget import Simulation, labelled, log_slider, slider

SURFACES = {surface.name: surface for surface in (ravine, rosenbrock, saddle)}


def heat_map(ax: Axes, f, bounds: tuple[tuple[float, float], tuple[float, float]]) -> None:
    """f (Tensor, Tensor) -> Tensor over the plane `bounds` ((x_lo, x_hi), (y_lo, y_hi)), as an
    image of log(1 + f - min f) so that valleys show."""
    (x_lo, x_hi), (y_lo, y_hi) = bounds
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, 120), np.linspace(y_lo, y_hi, 120))
    heights = f(Tensor(gx), Tensor(gy)).data
    ax.imshow(np.log1p(heights - heights.min()), origin="lower", cmap="viridis", aspect="auto",
              extent=(x_lo, x_hi, y_lo, y_hi))  # fmt: skip


class LossLandscape(Simulation):
    """Loss landscape: a surface as a heat map; "Step downhill" with an optimizer of the ladder.

    Click the map (or move the sliders) to put the start; each press takes 10 steps of the
    chosen optimizer, with the learning rate viz.surfaces tunes for the surface.

    `numbers`: steps, x, y, f(x, y) and its gradient there from backward()."""

    steps_per_press = 10

    def __init__(self) -> None:
        controls = {
            "surface": widgets.Dropdown(options=list(SURFACES), description="surface"),
            "optimizer": widgets.Dropdown(options=list(default_optimizers(ravine)), value="SGD",
                                          description="optimizer"),
            "x": slider("start x", -4.5, -5.0, 5.0, 0.1),
            "y": slider("start y", 1.0, -3.0, 3.0, 0.1),
        }  # fmt: skip
        self.path: list[tuple[float, float]] = []
        picture = ClickablePicture()
        picture.observe(self.clicked, names="click")
        super().__init__("Loss landscape", controls, ("Step downhill", "Reset"), picture)

    def clicked(self, change: dict) -> None:
        """Start where the map was clicked: `change["new"]` is [fx, fy], fractions of the
        picture from its top left, turned into (x, y) through the axes' box and limits."""
        fx, fy = change["new"]
        left, bottom, width, height = self.axes_box
        u, v = (fx - left) / width, (1 - fy - bottom) / height  # 0-1 across the axes
        if not (0 <= u <= 1 and 0 <= v <= 1):
            return
        (x_lo, x_hi), (y_lo, y_hi) = self.surface().bounds
        with self.quietly():  # to the sliders' notches: a pixel is about 0.02 across
            self.controls["x"].value = round(x_lo + u * (x_hi - x_lo), 1)
            self.controls["y"].value = round(y_lo + v * (y_hi - y_lo), 1)
        self.path = []
        self.refresh()

    def surface(self) -> Surface:
        """The chosen viz.surfaces Surface."""
        return SURFACES[self.value("surface")]

    def moved(self, name: str) -> None:
        self.path = []
        if name == "surface":  # start where viz.surfaces starts this surface
            with self.quietly():
                self.controls["x"].value, self.controls["y"].value = self.surface().start

    def press(self, label: str) -> None:
        if label == "Reset":
            self.path = []
            return
        start = self.path[-1] if self.path else (self.value("x"), self.value("y"))
        position = Tensor(np.array(start), requires_grad=True)
        optimizer = default_optimizers(self.surface())[self.value("optimizer")]([position])
        self.path = self.path or [start]
        for _ in range(self.steps_per_press):  # a new optimizer a press: its state starts over
            optimizer.zero_grad()
            self.surface().f(position[0], position[1]).backward()
            optimizer.step()
            self.path.append(tuple(position.data))

    def compute(self) -> dict[str, float]:
        x, y = self.path[-1] if self.path else (self.value("x"), self.value("y"))
        position = Tensor(np.array([x, y]), requires_grad=True)
        height = self.surface().f(position[0], position[1])
        height.backward()
        gx, gy = position.grad.data
        return {"steps": max(len(self.path) - 1, 0), "x": x, "y": y, "f": height.item(),
                "df/dx": gx, "df/dy": gy}  # fmt: skip

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        self.axes_box = ax.get_position().bounds  # (left, bottom, width, height): for clicks
        surface = self.surface()
        heat_map(ax, surface.f, surface.bounds)
        path = np.array(self.path or [(self.value("x"), self.value("y"))])
        ax.plot(path[:, 0], path[:, 1], "o-", color="w", ms=3, lw=1)
        ax.plot(*path[0], "o", color="tab:red", ms=8)
        (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
        ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi), xlabel="x", ylabel="y",
               title=f"{surface.name}, {self.value('optimizer')}")  # fmt: skip


def regression_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x (n,) uniform in [-1, 1] and y = 2x + 1 + noise (n,)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    return x, 2 * x + 1 + rng.normal(scale=0.3, size=n)


def mse_surface(x: np.ndarray, y: np.ndarray):
    """(w, b) -> mean squared error of w x + b against y, for Tensors w, b of any one shape."""

    def loss(w: Tensor, b: Tensor) -> Tensor:
        """The mean squared error (...) for each w, b (...)."""
        pred = w.reshape(*w.shape, 1) * Tensor(x) + b.reshape(*b.shape, 1)  # (..., n)
        return ((pred - Tensor(y)) ** 2).mean(-1)

    return loss


class BatchSizes(Simulation):
    """Full batch, mini-batch, single example: three SGD paths across one loss surface.

    60 SGD steps each on one regression's mean squared error, from the same start, over its
    loss surface in (w, b): the smaller the batch, the noisier the path.

    `numbers`: the full-data loss and (w, b) at the end of each run."""

    START = (-1.0, -1.5)
    STEPS = 60

    def __init__(self) -> None:
        self.x, self.y = regression_data()
        controls = {"batch": widgets.IntSlider(8, 2, 32, **labelled("mini-batch")),
                    "lr": log_slider("lr", 0.1, -2, 0)}  # fmt: skip
        super().__init__("Full batch, mini-batch, single example", controls)

    def batch_sizes(self) -> dict[str, int]:
        """The three runs' batch sizes: all the points, the slider's, one."""
        return {"full": len(self.x), "mini": self.value("batch"), "single": 1}

    def run(self, batch: int) -> np.ndarray:
        """(w, b) after each of STEPS SGD steps, each on `batch` rows drawn without replacement:
        (STEPS + 1, 2)."""
        w = Tensor(np.array(self.START[0]), requires_grad=True)
        b = Tensor(np.array(self.START[1]), requires_grad=True)
        optimizer = SGD([w, b], lr=self.value("lr"))
        rng = np.random.default_rng(1)
        path = [self.START]
        for _ in range(self.STEPS):
            rows = rng.choice(len(self.x), batch, replace=False)
            optimizer.zero_grad()
            F.mse_loss(w * Tensor(self.x[rows]) + b, self.y[rows]).backward()
            optimizer.step()
            path.append((w.item(), b.item()))
        return np.array(path)

    def compute(self) -> dict[str, float]:
        self.paths = {name: self.run(batch) for name, batch in self.batch_sizes().items()}
        loss = mse_surface(self.x, self.y)
        numbers = {}
        for name, path in self.paths.items():
            w, b = path[-1]
            numbers |= {f"{name} loss": loss(Tensor(w), Tensor(b)).item(), f"{name} w": w,
                        f"{name} b": b}  # fmt: skip
        return numbers

    def draw(self, figure: Figure) -> None:
        ax = figure.add_subplot()
        heat_map(ax, mse_surface(self.x, self.y), ((-1.5, 3.5), (-2.0, 2.5)))
        for (name, path), colour in zip(
            self.paths.items(), ("w", "tab:orange", "tab:red"), strict=True
        ):
            ax.plot(path[:, 0], path[:, 1], "-", color=colour, lw=1, label=f"{name} batch")
        ax.plot(*self.START, "o", color="k")
        ax.set(xlim=(-1.5, 3.5), ylim=(-2.0, 2.5), xlabel="w", ylabel="b")
        ax.legend(loc="lower right", fontsize="small")
