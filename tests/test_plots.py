"""Training plots and optimizer surfaces: files are written, labels are right, data is what it
should be, and bad input is refused with a message naming the problem."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.contour import ContourSet

import nn
import training
from autograd import Tensor
from optim import SGD, Adam
from optim.lr_scheduler import CosineAnnealingLR, StepLR
from viz.plots import (
    plot_decision_boundary,
    plot_gradient_flow,
    plot_histograms,
    plot_history,
    plot_lr_schedule,
)
from viz.surfaces import (
    Surface,
    default_optimizers,
    optimizer_paths,
    plot_optimizer_paths,
    ravine,
    rosenbrock,
    saddle,
)

CENTRES = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]])  # of three_blobs' classes
SURFACES = [ravine, rosenbrock, saddle]
ANALYTIC_GRADIENTS = {  # d f / d(x, y), by hand
    "ravine": lambda x, y: (x, 25 * y),
    "rosenbrock": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
    "saddle": lambda x, y: (2 * x, -2 * y + y**3),
}


def assert_image(path):
    """The file at `path` is a non-empty PNG or SVG, as its suffix says."""
    data = path.read_bytes()
    if path.suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    else:
        assert "<svg" in data.decode()


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# --- plot_history ----------------------------------------------------------------------------


def training_history(best_epoch=None):
    history = training.History()
    for epoch in range(1, 11):
        loss = 1.0 / epoch
        history.log_epoch(epoch=epoch, loss=loss, val_loss=loss + 0.01 * (epoch - 7) ** 2,
                          accuracy=1 - loss / 2, val_accuracy=0.9 - loss / 2)  # fmt: skip
    history.best_epoch = best_epoch
    return history


def test_plot_history_draws_train_and_validation_per_metric(tmp_path):
    history = training_history()
    figure = plot_history(history, ("loss", "accuracy"), path=tmp_path / "h.png")
    assert_image(tmp_path / "h.png")
    assert [ax.get_ylabel() for ax in figure.axes] == ["loss", "accuracy"]
    assert {ax.get_xlabel() for ax in figure.axes} == {"epoch"}
    ax = figure.axes[0]
    assert legend_texts(ax) == ["train", "validation"]
    train, validation = ax.lines
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, 11))
    np.testing.assert_array_equal(validation.get_ydata(), history.series("val_loss"))


def test_plot_history_marks_the_best_epoch(tmp_path):
    figure = plot_history(training_history(best_epoch=7), path=tmp_path / "h.svg")
    assert_image(tmp_path / "h.svg")
    ax = figure.axes[0]
    assert legend_texts(ax) == ["train", "validation", "early stopping: best epoch 7"]
    vertical = [line for line in ax.lines if list(line.get_xdata()) == [7, 7]]
    assert len(vertical) == 1 and vertical[0].get_linestyle() == "--"
    marker = [line for line in ax.lines if list(line.get_xdata()) == [7]]
    assert [list(line.get_ydata()) for line in marker] == [[1 / 7]]  # on the validation curve


def test_plot_history_says_what_made_the_curves_in_its_title():
    title = "AdamW, lr = 0.001, weight_decay = 1, cosine schedule"
    figure = plot_history(training_history(), ("loss", "accuracy"), title=title)
    assert figure.get_suptitle() == title  # one title over every metric's subplot
    assert plot_history(training_history()).get_suptitle() == ""


def test_plot_history_without_validation_draws_the_train_curve_only():
    history = training.History()
    for epoch in range(3):
        history.log_epoch(epoch=epoch, loss=3.0 - epoch)
    assert legend_texts(plot_history(history).axes[0]) == ["train"]


@pytest.mark.parametrize(
    ("metrics", "message"),
    [(("loss", "f1"), r"no \['f1'\]"), ("loss", "non-empty sequence"), ((), "non-empty")],
)
def test_plot_history_refuses_unknown_metrics(metrics, message):
    with pytest.raises(ValueError, match=f"plot_history: .*{message}"):
        plot_history(training_history(), metrics)


# --- plot_decision_boundary ------------------------------------------------------------------


def three_blobs():
    y = np.repeat(np.arange(3), 10)
    return CENTRES[y] + np.random.default_rng(0).normal(0, 0.4, (30, 2)), y


def two_classes():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    return X, np.array([0, 1, 0, 1])


def test_decision_boundary_of_a_tensor_model(tmp_path):
    X, y = three_blobs()
    model = nn.Sequential(nn.Linear(2, 8, generator=0), nn.ReLU(), nn.Linear(8, 3, generator=1))
    figure = plot_decision_boundary(model, X, y, path=tmp_path / "b.png", resolution=30)
    assert_image(tmp_path / "b.png")
    ax = figure.axes[0]
    assert legend_texts(ax) == ["class 0", "class 1", "class 2"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")


def test_each_class_region_is_shaded_where_its_logit_is_largest():
    """Logits (-x1, x1, x2 - 1.5): each blob's centre lies in the region of its own class."""
    X, y = three_blobs()
    model = nn.Linear(2, 3)
    model.weight.data[:] = [[-1, 0], [1, 0], [0, 1]]
    model.bias.data[:] = [0, 0, -1.5]
    ax = plot_decision_boundary(model, X, y, resolution=40).axes[0]
    filled = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    assert len(filled) == 3
    for c, (region, centre) in enumerate(zip(filled, CENTRES, strict=True)):
        (shape,) = region.get_paths()
        assert shape.contains_point(centre)
        assert not any(shape.contains_point(other) for other in np.delete(CENTRES, c, axis=0))


def regions(predict, X, y):
    """The outlines of everything plot_decision_boundary draws for `predict`, rounded."""
    ax = plot_decision_boundary(predict, X, y, resolution=20).axes[0]
    return [path.vertices.round(6).tolist() for c in ax.collections for path in c.get_paths()]


def test_decision_boundary_of_a_scalar_model(tmp_path):
    X, y = two_classes()
    model = nn.MLP(2, [4, 1], seed=0)
    figure = plot_decision_boundary(model, X, y, path=tmp_path / "b.svg", resolution=20)
    assert_image(tmp_path / "b.svg")
    assert legend_texts(figure.axes[0]) == ["class 0", "class 1"]
    scores = lambda points: np.array([model(p).data for p in points.tolist()])  # noqa: E731
    assert regions(model, X, y) == regions(scores, X, y)


def test_a_function_and_models_giving_the_same_scores_draw_the_same_regions():
    """(m,) scores s, (m, 1) scores and logits [0, s] all mean: class 1 where s > 0."""
    X, y = two_classes()
    line = nn.Linear(2, 1, generator=0)
    scores = lambda points: line(Tensor(points, dtype=np.float32)).data  # noqa: E731
    expected = regions(line, X, y)
    assert regions(scores, X, y) == expected
    assert regions(lambda points: scores(points).ravel(), X, y) == expected
    logits = lambda points: np.column_stack([0 * points[:, 0], scores(points)])  # noqa: E731
    assert regions(logits, X, y) == expected


@pytest.mark.parametrize(
    ("X", "y", "predict", "message"),
    [
        (np.zeros((4, 3)), [0, 1, 0, 1], None, r"got \(4, 3\) and \(4,\)"),
        (np.zeros((0, 2)), [], None, "n >= 1"),
        (np.zeros((2, 2)), [0.5, 1], None, "class numbers"),
        (np.zeros((2, 2)), [0, 1], lambda p: np.zeros((len(p), 2, 2)), "scores of shape"),
        (np.zeros((2, 2)), [0, 11], None, "at most 10 classes"),
    ],
)
def test_decision_boundary_refuses_bad_input(X, y, predict, message):
    predict = predict or (lambda points: points[:, 0])
    with pytest.raises(ValueError, match=f"plot_decision_boundary: .*{message}"):
        plot_decision_boundary(predict, X, np.array(y), resolution=5)


# --- plot_lr_schedule -----------------------------------------------------------------------


def test_plot_lr_schedule_draws_one_line_per_schedule(tmp_path):
    schedules = {
        "cosine": lambda o: CosineAnnealingLR(o, 20),
        "step": lambda o: StepLR(o, step_size=5, gamma=0.5),
    }
    figure = plot_lr_schedule(schedules, 20, lr=0.1, path=tmp_path / "lr.png")
    assert_image(tmp_path / "lr.png")
    ax = figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "learning rate")
    assert legend_texts(ax) == ["cosine", "step"]
    step = ax.lines[1].get_ydata()
    np.testing.assert_allclose(step[[0, 4, 5, 10, 19]], [0.1, 0.1, 0.05, 0.025, 0.0125])


def test_plot_lr_schedule_holds_each_lr_for_its_whole_step():
    """Step i uses one lr from x = i to i + 1: StepLR's drop after step 4 is a vertical edge at
    x = 5, and the last step's lr reaches x = steps."""
    figure = plot_lr_schedule({"step": lambda o: StepLR(o, step_size=5, gamma=0.5)}, 8, lr=0.1)
    (line,) = figure.axes[0].lines
    assert line.get_drawstyle() == "steps-post"
    np.testing.assert_array_equal(line.get_xdata(), np.arange(9))
    np.testing.assert_allclose(line.get_ydata(), [0.1] * 5 + [0.05] * 4)
    drawn = line.get_path().vertices  # the corners matplotlib draws, in data coordinates
    assert [4.0, 0.1] in drawn.tolist() and [5.0, 0.1] in drawn.tolist()  # flat over step 4
    assert [5.0, 0.05] in drawn.tolist()  # then straight down at x = 5
    np.testing.assert_allclose(drawn[-1], [8.0, 0.05])
    assert figure.axes[0].get_xlim() == (0.0, 8.0)  # the steps, edge to edge


@pytest.mark.parametrize(
    ("schedules", "steps", "message"),
    [({}, 10, "schedules is empty"), ({"c": lambda o: StepLR(o, 1)}, 0, "steps must be")],
)
def test_plot_lr_schedule_refuses_bad_input(schedules, steps, message):
    with pytest.raises(ValueError, match=f"plot_lr_schedule: {message}"):
        plot_lr_schedule(schedules, steps)


# --- plot_gradient_flow ---------------------------------------------------------------------


def test_plot_gradient_flow_draws_each_parameter_on_a_log_scale(tmp_path):
    history = training.History()
    for step in range(1, 6):
        history.log_step(step=step, loss=1.0, **{"grad_norm/0.weight": 1e-6 * step,
                                                 "grad_norm/2.weight": 0.1 * step})  # fmt: skip
    figure = plot_gradient_flow(history, path=tmp_path / "flow.png")
    assert_image(tmp_path / "flow.png")
    ax = figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()) == ("step", "gradient norm", "log")
    assert legend_texts(ax) == ["0.weight", "2.weight"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 1e-6 * np.arange(1, 6))


def test_plot_gradient_flow_names_the_missing_key():
    history = training.History()
    history.log_step(step=1, loss=1.0)
    with pytest.raises(ValueError, match=r"plot_gradient_flow: .*'grad_norm/<parameter>'"):
        plot_gradient_flow(history)


# --- plot_histograms ------------------------------------------------------------------------


def test_plot_histograms_shows_every_layer_and_its_gradients(tmp_path):
    model = nn.Sequential(nn.Linear(4, 6, generator=0), nn.ReLU(), nn.Linear(6, 2, generator=1))
    x = Tensor(np.random.default_rng(0).normal(size=(16, 4)))
    figure = plot_histograms(model, x, path=tmp_path / "hist.png")
    assert_image(tmp_path / "hist.png")
    top, bottom = figure.axes[:3], figure.axes[3:]
    assert [ax.get_title() for ax in top] == ["0: Linear", "1: ReLU", "2: Linear"]
    assert {ax.get_xlabel() for ax in top} == {"activation"}
    assert {ax.get_xlabel() for ax in bottom} == {"gradient"}
    relu_counts = [patch.get_height() for patch in top[1].patches]
    assert sum(relu_counts) == 16 * 6  # the ReLU's own output, which model(x) fuses away
    assert all(p.grad is None for p in model.parameters())  # the model's gradients untouched


def deep_sigmoid_blocks(depth=9):
    """(Linear, Sigmoid) blocks then a Linear, torch's default init: the gradients reaching
    the blocks span seven powers of ten, as in notebook 05's vanishing-gradient section."""
    blocks = [nn.Sequential(nn.Linear(16, 16, generator=i), nn.Sigmoid()) for i in range(depth)]
    return nn.Sequential(*blocks, nn.Linear(16, 4, generator=depth))


def drawn_texts(figure):
    """Every text a reader sees on `figure` once drawn: titles, axis labels, offset texts and
    the tick labels inside each axis's view, with their boxes in pixels."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    texts = []
    for ax in figure.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.offsetText,
                  ax.yaxis.offsetText]  # fmt: skip
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            ticks = axis.get_major_ticks()
            texts += [tick.label1 for tick in ticks if low <= tick.get_loc() <= high]
    shown = [text for text in texts if text.get_visible() and text.get_text()]
    return [(text.get_text(), text.get_window_extent(canvas.get_renderer())) for text in shown]


def test_plot_histograms_labels_do_not_overlap():
    """Tiny gradients once got an offset text ("1e-7") drawn over the x label, and five long
    tick labels ran into each other ("-0.0001" over "0.0000")."""
    x = Tensor(np.random.default_rng(0).uniform(0, 1, (64, 16)))
    texts = drawn_texts(plot_histograms(deep_sigmoid_blocks(), x, bins=30))
    overlapping = [
        (a, b) for i, (a, box) in enumerate(texts) for b, other in texts[i + 1 :]
        if box.overlaps(other)
    ]  # fmt: skip
    assert len(texts) > 100 and overlapping == []


def test_plot_histograms_puts_the_power_of_ten_in_the_label():
    first, last = nn.Linear(4, 3, generator=0), nn.Linear(3, 2, generator=1)
    first.weight.data *= 1e4  # activations in the thousands
    last.weight.data *= 1e-5  # the gradient reaching `first`'s output is the column sums of this
    x = Tensor(np.random.default_rng(0).uniform(-1, 1, (50, 4)))
    figure = plot_histograms(nn.Sequential(first, last), x)
    big = int(np.log10(np.abs(first(x).numpy()).max()))  # the histogram spans min to max
    tiny = int(np.floor(np.log10(np.abs(last.weight.numpy().sum(axis=0)).max())))
    assert big >= 3 and tiny <= -3
    labels = [ax.get_xlabel() for ax in figure.axes]
    scaled = [f"activation ($\\times 10^{{{big}}}$)", f"gradient ($\\times 10^{{{tiny}}}$)"]
    assert labels == [scaled[0], "activation", scaled[1], "gradient"]
    FigureCanvasAgg(figure).draw()
    bottom_left = figure.axes[2]
    ticks = [t for t in bottom_left.xaxis.get_major_ticks() if t.label1.get_text()]
    for tick in ticks:  # each label is its position divided by the power of ten
        assert float(tick.label1.get_text()) == pytest.approx(
            tick.get_loc() / 10.0**tiny, rel=1e-2, abs=1e-9
        )


def test_plot_histograms_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="plot_histograms: model must be a non-empty"):
        plot_histograms(nn.MLP(2, [1]), Tensor(np.zeros((2, 2))))
    with pytest.raises(ValueError, match=r"plot_histograms: x must be a batch .*\(4,\)"):
        plot_histograms(nn.Sequential(nn.ReLU()), Tensor(np.zeros(4)))


# --- surfaces and optimizer paths -----------------------------------------------------------


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_surface_is_one_function_for_arrays_and_tensors(surface):
    points = np.random.default_rng(1).uniform(-1.5, 1.5, (5, 2))
    on_arrays = surface.f(points[:, 0], points[:, 1])
    for (x, y), expected in zip(points, on_arrays, strict=True):
        position = Tensor(np.array([x, y]), requires_grad=True)
        height = surface.f(position[0], position[1])
        height.backward()
        np.testing.assert_allclose(height.item(), expected, rtol=1e-12)
        np.testing.assert_allclose(position.grad.data, ANALYTIC_GRADIENTS[surface.name](x, y))


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_surface_minima_are_where_the_gradient_vanishes(surface):
    for minimum in surface.minima:
        np.testing.assert_allclose(ANALYTIC_GRADIENTS[surface.name](*minimum), 0, atol=1e-12)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_optimizer_paths_start_at_the_start_and_stay_finite(surface):
    paths = optimizer_paths(surface, steps=60)
    assert list(paths) == list(default_optimizers(surface))
    for name, path in paths.items():
        assert path.shape == (61, 2), name
        assert np.isfinite(path).all(), name
        np.testing.assert_array_equal(path[0], surface.start)
        assert not np.array_equal(path[-1], path[0]), f"{name} did not move"


def test_adam_and_momentum_go_down_the_ravine():
    paths = optimizer_paths(ravine, steps=100)
    minimum = np.array(ravine.minima[0])
    for name in ("Adam", "SGD+momentum"):
        start, end = (np.linalg.norm(paths[name][i] - minimum) for i in (0, -1))
        assert end < 0.1 * start, name


def test_optimizer_paths_takes_any_optimizer_factories():
    paths = optimizer_paths(
        rosenbrock, {"sgd": lambda p: SGD(p, lr=1e-3), "adam": lambda p: Adam(p, lr=0.05)}, 5
    )
    assert sorted(paths) == ["adam", "sgd"]


def test_plot_optimizer_paths(tmp_path):
    figure = plot_optimizer_paths(rosenbrock, path=tmp_path / "paths.png", steps=20)
    assert_image(tmp_path / "paths.png")
    ax = figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x", "y", "rosenbrock")
    assert legend_texts(ax) == [*default_optimizers(rosenbrock), "start", "minimum"]


def test_plot_optimizer_paths_on_a_surface_with_negative_values(tmp_path):
    paths = {"mine": np.array([saddle.start, (0.0, 1.0)])}
    figure = plot_optimizer_paths(saddle, paths, path=tmp_path / "saddle.svg")
    assert_image(tmp_path / "saddle.svg")
    assert legend_texts(figure.axes[0]) == ["mine", "start", "minimum"]


def test_optimizer_paths_refuse_bad_input():
    unknown = Surface("bowl", lambda x, y: x**2 + y**2, (1.0, 1.0), ((-2.0, 2.0), (-2.0, 2.0)))
    with pytest.raises(ValueError, match=r"default_optimizers: no learning rates .*'bowl'"):
        optimizer_paths(unknown)
    with pytest.raises(ValueError, match="optimizer_paths: steps must be an int >= 1"):
        optimizer_paths(ravine, steps=0)
    with pytest.raises(ValueError, match="optimizer_paths: optimizers is empty"):
        optimizer_paths(ravine, {})
    with pytest.raises(ValueError, match=r"plot_optimizer_paths: .*'a' must have shape \(n, 2\)"):
        plot_optimizer_paths(ravine, {"a": np.zeros((3, 3))})
