"""Training plots with matplotlib, each drawn on a Figure of its own (no pyplot state, no display).

    plot_history            a metric per subplot, train and validation against the epoch, titled
    plot_decision_boundary  the class a 2-D model predicts across the plane, under the data
    plot_lr_schedule        the learning rate each step uses, one stepped line per schedule
    plot_gradient_flow      each parameter's gradient norm against the step, log scale
    plot_histograms         each layer's activations and their gradients, for one batch
    save_figure             a Figure to PNG, SVG or PDF, by the path's suffix

Every plot saves to `path` when one is given and returns the Figure. Bad input raises a
ValueError naming the function and the problem.
"""

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from autograd import Tensor, Value, grad, no_grad
from autograd.arguments import is_whole
from nn import Module, Sequential
from optim.lr_scheduler import LRScheduler, schedule_values
from training import History

GRAD_NORM = "grad_norm/"  # History's prefix of a parameter's gradient norm (nn/history.py)

# One colour per class: points in full colour, the region a class wins in a light tint of it.
CLASS_COLOURS = ("tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange",
                 "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan")  # fmt: skip


def save_figure(figure: Figure, path: str | Path | None) -> Figure:
    """Save `figure` to `path` (PNG, SVG, PDF by its suffix), creating its folder; with no path,
    nothing is written. Returns the figure."""
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
    return figure


# --- training curves ------------------------------------------------------------------------


def plot_history(
    history: History,
    metrics: Sequence[str] = ("loss",),
    path: str | Path | None = None,
    title: str | None = None,
) -> Figure:
    """A subplot per metric: `history.series(m)` and, when logged, `history.series("val_" + m)`
    (each (epochs,)) against `history.series("epoch")`, under `title` (say what made the
    curves: "AdamW, lr = 0.001, weight_decay = 1, cosine schedule").

    When early stopping chose a best epoch (`history.best_epoch`), a dashed line and a dot on
    the validation curve mark it.
    """
    _check_history(history, metrics)
    figure = Figure(figsize=(4.5 * len(metrics), 3.6), layout="constrained")
    epochs = history.series("epoch")
    for ax, metric in zip(figure.subplots(1, len(metrics), squeeze=False)[0], metrics, strict=True):
        _plot_metric(ax, history, metric, epochs)
    if title is not None:
        figure.suptitle(title)
    return save_figure(figure, path)


def _check_history(history: History, metrics: Sequence[str]) -> None:
    if isinstance(metrics, str) or not metrics:
        raise ValueError(
            f'plot_history: metrics must be a non-empty sequence of names like ("loss",), '
            f"got {metrics!r}"
        )
    logged = history.names()
    missing = [name for name in ("epoch", *metrics) if name not in logged]
    if missing:
        raise ValueError(f"plot_history: the epoch records have no {missing}; they have {logged}")


def _plot_metric(ax: Axes, history: History, metric: str, epochs: np.ndarray) -> None:
    """One metric's train and validation curves (when validation was logged), and early
    stopping's best epoch."""
    curves = {"train": history.series(metric)}
    if "val_" + metric in history.names():
        curves["validation"] = history.series("val_" + metric)
    for label, values in curves.items():
        _plot_finite(ax, epochs, values, marker=".", label=label)
    if history.best_epoch is not None:
        # the dot goes on the curve early stopping watched: validation, when there is one
        _mark_best_epoch(ax, history.best_epoch, epochs, list(curves.values())[-1])
    ax.set(xlabel="epoch", ylabel=metric)
    ax.legend()


def _mark_best_epoch(ax: Axes, best: int, epochs: np.ndarray, values: np.ndarray) -> None:
    ax.axvline(best, color="k", ls="--", lw=1, label=f"early stopping: best epoch {best}")
    at_best = values[epochs == best]
    if at_best.size:
        ax.plot(best, at_best[0], "o", ms=9, mfc="none", mec="k", mew=2)


def _plot_finite(ax: Axes, x: np.ndarray, values: np.ndarray, **style: Any) -> None:
    """One line through the points where `values` is logged (not NaN), so gaps don't break it."""
    logged = ~np.isnan(values)
    ax.plot(x[logged], values[logged], **style)


# --- decision boundaries ----------------------------------------------------------------------


def plot_decision_boundary(
    predict: Callable[[np.ndarray], Any] | Module,
    X: np.ndarray,
    y: np.ndarray,
    path: str | Path | None = None,
    ax: Axes | None = None,
    resolution: int = 80,
    title: str = "decision boundary",
) -> Figure:
    """Shade the region of the plane each class wins, outline the boundaries, and draw the points
    X (n, 2) in the colour of their class y (n,), numbered 0, 1, ..., C - 1.

    `predict` is any of
      - a function: points (m, 2) -> scores (m,) (negative: class 0, positive: class 1) or (m, C);
      - a Tensor model (an nn.Module on a Tensor (m, 2) float32) giving (m,), (m, 1) or (m, C);
      - a micrograd-style scalar model (nn.MLP) on 2 floats, giving a Value or C Values.
    Draws on `ax` if given, else on a new Figure.
    """
    X, y = _check_points(X, y)
    if ax is None:
        ax = Figure(figsize=(5, 4.5), layout="constrained").add_subplot()
    gx, gy = _grid_around(X, resolution)
    scores = _class_scores(predict, np.column_stack([gx.ravel(), gy.ravel()]))
    n_classes = max(scores.shape[1], int(y.max()) + 1)
    if n_classes > len(CLASS_COLOURS):
        raise ValueError(
            f"plot_decision_boundary: can colour at most {len(CLASS_COLOURS)} classes, "
            f"got {n_classes}"
        )
    margins = _margins(scores)
    for c in range(scores.shape[1]):
        margin = margins[:, c].reshape(gx.shape)
        ax.contourf(gx, gy, margin, levels=[0.0, np.inf], colors=[_tint(CLASS_COLOURS[c])])
        if c > 0:  # every boundary touches a class other than 0: these lines draw them all
            ax.contour(gx, gy, margin, levels=[0.0], colors="k", linewidths=1.0)
    for c in np.unique(y):
        ax.scatter(*X[y == c].T, color=CLASS_COLOURS[c], edgecolors="k", s=22, label=f"class {c}")
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(loc="best", fontsize="small")
    return save_figure(ax.get_figure(), path)


def _check_points(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X as floats (n, 2) and y as class numbers (n,), or a ValueError saying what is wrong."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0 or y.shape != (len(X),):
        raise ValueError(
            f"plot_decision_boundary: need X of shape (n, 2) and y of shape (n,), n >= 1, "
            f"got {X.shape} and {y.shape}"
        )
    if not np.all((y >= 0) & (y == np.round(y))):
        raise ValueError(
            f"plot_decision_boundary: y must hold class numbers 0, 1, 2, ..., "
            f"got {np.unique(y)[:10]}"
        )
    return X, y.astype(int)


def _grid_around(X: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """A resolution x resolution grid (x and y coordinates) covering X with a margin of 0.5."""
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    return np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))


def _class_scores(predict: Callable[[np.ndarray], Any] | Module, points: np.ndarray) -> np.ndarray:
    """The scores (m, C) of each class at points (m, 2), from any kind of model
    plot_decision_boundary takes. A single score s per point becomes [0, s]: class 1 iff s > 0."""
    scores, m = _model_outputs(predict, points), len(points)
    if scores.shape in ((m,), (m, 1)):
        return np.column_stack([np.zeros(m), scores.reshape(m)])
    if scores.ndim != 2 or scores.shape[0] != m or scores.shape[1] < 2:
        raise ValueError(
            f"plot_decision_boundary: the model gave scores of shape {scores.shape} for "
            f"{m} points; need ({m},), ({m}, 1) or ({m}, C) with C >= 2"
        )
    return scores


@no_grad()
def _model_outputs(predict: Callable[[np.ndarray], Any] | Module, points: np.ndarray) -> np.ndarray:
    """What `predict` gives for points (m, 2), as floats: one Tensor batch for a Tensor model,
    point by point for a scalar model (its parameters are Values), one array for a function."""
    if isinstance(predict, Module) and any(isinstance(p, Value) for p in predict.parameters()):
        return np.array([[v.data for v in _as_list(predict(p))] for p in points.tolist()])
    if isinstance(predict, Module):
        return np.asarray(predict(Tensor(points, dtype=np.float32)).data, dtype=float)
    return np.asarray(predict(points), dtype=float)


def _as_list(out: Value | list[Value]) -> list[Value]:
    return out if isinstance(out, list) else [out]


def _margins(scores: np.ndarray) -> np.ndarray:
    """(m, C) -> (m, C): how far each class's score is above the best other class's; a class
    wins where its margin is positive, and its boundary is where the margin is 0."""
    second, best = np.sort(scores, axis=1)[:, -2:].T
    best_other = np.where(scores == best[:, None], second[:, None], best[:, None])
    return scores - best_other


def _tint(colour: str) -> tuple[float, float, float]:
    """`colour` mixed with 70% white: a background that the full colour stands out on."""
    return tuple(0.3 * channel + 0.7 for channel in to_rgb(colour))


# --- learning rates and gradients -----------------------------------------------------------


def plot_lr_schedule(
    schedules: Mapping[str, Callable[[Any], LRScheduler]],
    steps: int,
    lr: float = 0.1,
    path: str | Path | None = None,
) -> Figure:
    """One line per named schedule: the learning rate each of `steps` training steps uses, from
    a starting `lr`. A schedule is given as `make_scheduler`, optimizer -> scheduler, as in
    `{"cosine": lambda o: CosineAnnealingLR(o, 100)}`.

    Step i trains with one lr from x = i to x = i + 1, so each line is drawn as steps
    (drawstyle "steps-post", ydata (steps + 1,): the last lr repeated at x = steps): a StepLR
    drop is a vertical edge, not a ramp between two steps."""
    if not schedules:
        raise ValueError("plot_lr_schedule: schedules is empty; give {name: make_scheduler}")
    if not is_whole(steps) or steps < 1:
        raise ValueError(f"plot_lr_schedule: steps must be an int >= 1, got {steps!r}")
    figure = Figure(figsize=(7.5, 4), layout="constrained")
    ax = figure.add_subplot()
    for name, make_scheduler in schedules.items():
        values = schedule_values(make_scheduler, steps, lr)
        ax.plot(np.arange(steps + 1), [*values, values[-1]], drawstyle="steps-post", label=name)
    ax.set(xlabel="step", ylabel="learning rate", title=f"learning-rate schedules, lr = {lr:g}")
    ax.set_xlim(0, steps)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole steps
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the lines, not over them
    return save_figure(figure, path)


def plot_gradient_flow(history: History, path: str | Path | None = None) -> Figure:
    """Each parameter's gradient norm (the step series "grad_norm/<parameter>", (steps,)) against
    the step, on a log scale, coloured from the first layer (dark) to the last (light).

    Vanishing gradients show as the early layers' lines sitting decades below the late ones'.
    """
    names = [name for name in history.names("step") if name.startswith(GRAD_NORM)]
    if not names:
        raise ValueError(
            f"plot_gradient_flow: the history has no step series '{GRAD_NORM}<parameter>'; "
            f"log them, e.g. history.log_step(**{{'{GRAD_NORM}0.weight': norm}})"
        )
    figure = Figure(figsize=(6.5, 4), layout="constrained")
    ax = figure.add_subplot()
    steps = _step_numbers(history)
    depth = colormaps["viridis"](np.linspace(0.0, 0.9, len(names)))
    for name, colour in zip(names, depth, strict=True):
        values = history.series(name, "step")
        _plot_finite(ax, steps, values, color=colour, lw=1.2, label=name.removeprefix(GRAD_NORM))
    ax.set(xlabel="step", ylabel="gradient norm", yscale="log", title="gradient flow")
    ax.legend(title="parameter", fontsize="x-small", ncol=1 + len(names) // 16,
              loc="upper left", bbox_to_anchor=(1.01, 1.0))  # fmt: skip
    return save_figure(figure, path)


def _step_numbers(history: History) -> np.ndarray:
    """The logged "step" of each step record, or its position when steps were not logged."""
    if "step" in history.names("step"):
        return history.series("step", "step")
    return np.arange(len(history.steps), dtype=float)


# --- activations and gradients, layer by layer ----------------------------------------------


def plot_histograms(
    model: Sequential, x: Tensor | np.ndarray, path: str | Path | None = None, bins: int = 40
) -> Figure:
    """Histograms of each layer's outputs for the batch `x` (n, features) (top row) and of the
    gradients of a stand-in loss, the sum of the last output, with respect to them (bottom row).

    The layers of `model` run one by one, in the mode it is in (train() or eval()): the fused
    Linear+ReLU that `model(x)` would run has no output of its own before the ReLU.
    Each column is 2 inches wide; an axis whose numbers are below 0.01 or from 1000 up gives
    their power of ten in its label (gradient (x 10^-7), in mathtext), not in an offset text,
    which matplotlib would draw over the label of a column this narrow.
    """
    if not isinstance(model, Sequential) or len(model) == 0:
        raise ValueError(f"plot_histograms: model must be a non-empty nn.Sequential, got {model!r}")
    if np.ndim(x) != 2:
        raise ValueError(f"plot_histograms: x must be a batch (n, features), got {np.shape(x)}")
    outputs = _layer_outputs(model, x)
    # grad returns d loss / d outputs without storing any .grad: the model's own stay as they were
    gradients = grad(outputs[-1].sum(), outputs)
    figure = Figure(figsize=(2.0 * len(outputs) + 0.6, 4.6), layout="constrained")
    axes = figure.subplots(2, len(outputs), squeeze=False)
    columns = zip(model.named_children(), outputs, gradients, axes.T, strict=True)
    for (name, layer), out, g, (top, bottom) in columns:
        _histogram(top, out.data.ravel(), bins, "tab:blue", "activation")
        top.set_title(f"{name}: {type(layer).__name__}")
        _histogram(bottom, g.data.ravel(), bins, "tab:orange", "gradient")
    axes[0, 0].set_ylabel("count")
    axes[1, 0].set_ylabel("count")
    return save_figure(figure, path)


def _histogram(ax: Axes, values: np.ndarray, bins: int, colour: str, label: str) -> None:
    """A histogram of `values` (n,) with at most 4 short tick labels under it: the power of ten
    of tiny or huge bin edges goes in the x label, so nothing under the axis overlaps."""
    _, edges, _ = ax.hist(values, bins=bins, color=colour)
    exponent = _power_of_ten(max(abs(edges[0]), abs(edges[-1])))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 10.0**exponent:.3g}"))
    ax.set_xlabel(label if exponent == 0 else f"{label} ($\\times 10^{{{exponent}}}$)")


def _power_of_ten(largest: float) -> int:
    """The power of ten of `largest` when it is below 0.01 or from 1000 up; 0 when numbers of
    that size read well as they are (and for 0)."""
    if largest == 0.0 or 0.01 <= largest < 1000.0:
        return 0
    return int(np.floor(np.log10(largest)))


def _layer_outputs(model: Sequential, x: Tensor | np.ndarray) -> list[Tensor]:
    """The output of each child of `model` in turn, starting from x."""
    # an input that requires grad puts every output on the graph, even a first parameterless layer's
    out, outputs = Tensor(x, requires_grad=True), []
    for layer in model:
        out = layer(out)
        outputs.append(out)
    return outputs
