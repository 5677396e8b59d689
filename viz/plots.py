"""Training plots with matplotlib, drawn on a Figure of their own (no pyplot state, no display)."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    path: str | Path | None = None,
    ax: Axes | None = None,
    resolution: int = 80,
    title: str = "decision boundary",
) -> Figure:
    """Shade where `predict` (points (m, 2) -> scores (m,)) is negative (blue) or positive (red).

    The points X (n, 2) are drawn over it, coloured by class y (n,): 0 blue, 1 red. Draws on `ax`
    if given, else on a new Figure; saves to `path` (PNG, SVG, PDF by its suffix) when given, and
    returns the Figure.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),):
        raise ValueError(
            f"plot_decision_boundary: need X of shape (n, 2) and y of shape (n,), "
            f"got {X.shape} and {y.shape}"
        )
    if ax is None:
        ax = Figure(figsize=(5, 4.5), layout="constrained").add_subplot()
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    scores = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])), dtype=float)
    scores = scores.reshape(gx.shape)
    ax.contourf(gx, gy, scores, levels=[-np.inf, 0.0, np.inf], colors=["#c6dbef", "#f4c7c3"])
    ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1.0)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=22)
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$")
    figure = ax.get_figure()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
    return figure
