"""2-D test surfaces and the paths optimizers take across them.

Surface               a named f(x, y) with a start point, plot bounds and its minima
ravine                an ill-conditioned quadratic: a narrow valley (condition number 25)
rosenbrock            a curved, flat-bottomed valley with its minimum at (1, 1)
saddle                a saddle point at the origin, between two minima at (0, +-sqrt 2)
default_optimizers    the ladder SGD ... AdamW with learning rates tuned for each surface
optimizer_paths       where each optimizer goes from the start: name -> (steps + 1, 2)
plot_optimizer_paths  those paths over a filled contour plot of the surface
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from autograd import Tensor
from autograd.arguments import is_whole
from optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

from .plots import save_figure

OptimizerFactory = Callable[[list[Tensor]], Optimizer]


@dataclass(frozen=True)
class Surface:
    """A function f(x, y) to minimise, and where to look at it.

    `f` uses only arithmetic operators, so the same expression takes numpy arrays (for contour
    plots) and Tensors (for gradients). `bounds` is ((x_min, x_max), (y_min, y_max)).
    """

    name: str
    f: Callable[[Any, Any], Any]
    start: tuple[float, float]
    bounds: tuple[tuple[float, float], tuple[float, float]]
    minima: tuple[tuple[float, float], ...] = ()


ravine = Surface(
    "ravine", lambda x, y: 0.5 * (x**2 + 25 * y**2), start=(-4.5, 1.0),
    bounds=((-5.0, 5.0), (-1.5, 1.5)), minima=((0.0, 0.0),),
)  # fmt: skip
rosenbrock = Surface(
    "rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2, start=(-1.5, 2.0),
    bounds=((-2.0, 2.0), (-1.0, 3.0)), minima=((1.0, 1.0),),
)  # fmt: skip
# The y**4 term turns the escape from the saddle into a fall into one of two minima, so paths
# stay on the plot; the start sits just off the ridge, where the escaping gradient is tiny.
saddle = Surface(
    "saddle", lambda x, y: x**2 - y**2 + y**4 / 4, start=(-2.0, 0.01),
    bounds=((-2.5, 2.5), (-2.5, 2.5)), minima=((0.0, -np.sqrt(2)), (0.0, np.sqrt(2))),
)  # fmt: skip

_LADDER = {  # name: (optimizer, its arguments besides lr)
    "SGD": (SGD, {}),
    "SGD+momentum": (SGD, {"momentum": 0.9}),
    "Nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "Adagrad": (Adagrad, {}),
    "RMSprop": (RMSprop, {}),
    "Adam": (Adam, {}),
    "AdamW": (AdamW, {"weight_decay": 0.1}),
}
_LEARNING_RATES = {  # in _LADDER's order: each moves visibly and none diverges
    #              SGD    momentum Nesterov Adagrad RMSprop Adam   AdamW
    "ravine":     (0.07,  0.01,    0.01,    1.0,    0.05,   0.2,   0.2),
    "rosenbrock": (1e-3,  1e-3,    5e-4,    0.1,    0.01,   0.1,   0.1),
    "saddle":     (0.05,  0.01,    0.01,    0.5,    0.02,   0.05,  0.05),
}  # fmt: skip


def default_optimizers(surface: Surface) -> dict[str, OptimizerFactory]:
    """The optimizer ladder, SGD to AdamW, as factories params -> Optimizer with learning rates
    tuned for `surface` (one of ravine, rosenbrock, saddle)."""
    if surface.name not in _LEARNING_RATES:
        raise ValueError(
            f"default_optimizers: no learning rates for the surface {surface.name!r}; "
            f"pass optimizers for it (known: {sorted(_LEARNING_RATES)})"
        )
    rates = _LEARNING_RATES[surface.name]
    return {
        name: partial(make, lr=lr, **arguments)
        for (name, (make, arguments)), lr in zip(_LADDER.items(), rates, strict=True)
    }


def optimizer_paths(
    surface: Surface,
    optimizers: Mapping[str, OptimizerFactory] | None = None,
    steps: int = 500,
) -> dict[str, np.ndarray]:
    """Minimise `surface` from its start with each optimizer: name -> positions (steps + 1, 2).

    `optimizers` maps a name to a factory params -> Optimizer (default: `default_optimizers`).
    The position is one Tensor (2,) of float64; row 0 of each path is the start.
    """
    if not is_whole(steps) or steps < 1:
        raise ValueError(f"optimizer_paths: steps must be an int >= 1, got {steps!r}")
    optimizers = default_optimizers(surface) if optimizers is None else optimizers
    if not optimizers:
        raise ValueError("optimizer_paths: optimizers is empty; give at least one")
    return {name: _descend(surface, make, steps) for name, make in optimizers.items()}


def _descend(surface: Surface, make_optimizer: OptimizerFactory, steps: int) -> np.ndarray:
    """The positions (steps + 1, 2) one optimizer visits from the surface's start."""
    position = Tensor(np.array(surface.start, dtype=np.float64), requires_grad=True)
    optimizer = make_optimizer([position])
    visited = [position.data.copy()]
    for _ in range(steps):
        height = surface.f(position[0], position[1])
        optimizer.zero_grad()
        height.backward()
        optimizer.step()
        visited.append(position.data.copy())
    return np.array(visited)


def plot_optimizer_paths(
    surface: Surface,
    paths: Mapping[str, np.ndarray] | None = None,
    path: str | Path | None = None,
    steps: int = 500,
) -> Figure:
    """Each optimizer's path (name -> positions (n, 2)) over a filled contour plot of `surface`.

    Without `paths`, draws `optimizer_paths(surface, steps=steps)`. Marks the start, each path's
    end and the surface's minima. Saves to `path` (PNG, SVG, PDF by its suffix) when given, and
    returns the Figure.
    """
    paths = optimizer_paths(surface, steps=steps) if paths is None else paths
    if not paths:
        raise ValueError("plot_optimizer_paths: paths is empty; give at least one")
    for name, points in paths.items():
        if np.ndim(points) != 2 or np.shape(points)[1] != 2:
            raise ValueError(
                f"plot_optimizer_paths: the path of {name!r} must have shape (n, 2), "
                f"got {np.shape(points)}"
            )
    figure = Figure(figsize=(6.5, 5), layout="constrained")
    ax = figure.add_subplot()
    _draw_contours(ax, surface)
    for name, points in paths.items():
        (line,) = ax.plot(points[:, 0], points[:, 1], lw=1.5, label=name)
        ax.plot(*points[-1], marker="X", ms=8, color=line.get_color(), mec="k")
    ax.plot(*surface.start, "o", color="k", ms=7, label="start")
    if surface.minima:
        minima = np.array(surface.minima)
        ax.plot(minima[:, 0], minima[:, 1], "*", color="gold", mec="k", ms=15, ls="",
                label="minimum")  # fmt: skip
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi), xlabel="x", ylabel="y", title=surface.name)
    ax.legend(loc="upper right", fontsize="small")
    return save_figure(figure, path)


def _draw_contours(ax: Axes, surface: Surface, resolution: int = 200) -> None:
    """Filled contours of the surface over its bounds, with a colour bar: levels spaced evenly in
    log10 f when f >= 0 (so the floor of a valley shows), evenly in f otherwise."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    heights = surface.f(gx, gy)
    levels, norm, ticks, extend = 25, None, None, "neither"
    if heights.min() >= 0:
        top = int(np.ceil(np.log10(heights.max())))
        levels, norm = np.logspace(top - 5, top, 5 * 4 + 1), LogNorm()  # four levels a decade
        ticks, extend = np.logspace(top - 5, top, 6), "min"  # the floor, below 1e-5 of the top
    filled = ax.contourf(gx, gy, heights, levels=levels, norm=norm, extend=extend, cmap="Greys",
                         alpha=0.7)  # fmt: skip
    ax.get_figure().colorbar(filled, ax=ax, ticks=ticks, label="f(x, y)")
