"""The playground's datasets: 2-d points in about [-6, 6]^2 and their targets, and the features.

Classification sets label each point +1 or -1; regression sets give a real target in [-1, 1].
Circle, XOR, spiral and moons are nn.datasets' generators scaled up to the playground's square;
gauss (two clusters), reg-plane and reg-gauss are made here. `noise` is a percentage (0-50): it
sets the spread of the points (classification) or moves the points away from where their target
was computed (regression). Everything is drawn from one Generator seeded by `seed`.
"""

import numpy as np

from autograd.rng import Seed, as_generator
from nn.datasets import make_circles, make_moons, make_spirals, make_xor

CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "moons")
REGRESSION = ("reg-plane", "reg-gauss")
DATASETS = CLASSIFICATION + REGRESSION
FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2")
POINTS = 500  # as TF Playground's classification sets
RADIUS = 6.0  # the playground shows [-RADIUS, RADIUS]^2

# reg-gauss: bumps of height +-1 at these centres, each a Gaussian of this width
_BUMPS = np.array([[-4.0, 2.5], [0.0, 2.5], [4.0, 2.5], [-4.0, -2.5], [0.0, -2.5], [4.0, -2.5]])
_HEIGHTS = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
_WIDTH = 1.5


def make_data(dataset: str, noise: int = 0, n: int = POINTS, seed: Seed = 0) -> tuple:
    """The points (n, 2) float64 of `dataset` and their targets (n,) float64, in random order."""
    if dataset not in DATASETS:
        raise ValueError(
            f"make_data: dataset must be one of {', '.join(DATASETS)}; got {dataset!r}"
        )
    rng = as_generator(seed, "make_data")
    spread = noise / 100  # nn.datasets' noise, in units of their unit-sized shapes
    if dataset == "circle":
        points, classes = make_circles(n, noise=spread, factor=0.5, seed=rng)
        points = 5 * points  # outer ring radius 5, inner 2.5
    elif dataset == "xor":
        points, classes = make_xor(n, noise=spread, seed=rng)
        points = 5 * points
    elif dataset == "spiral":
        points, classes = make_spirals(n, classes=2, turns=1.75, noise=spread, seed=rng)
        points = 5 * points
    elif dataset == "moons":
        points, classes = make_moons(n, noise=spread, seed=rng)
        points = 3 * (points - [0.5, 0.25])  # centred on the origin
    elif dataset == "gauss":
        classes = rng.permutation(np.arange(n) % 2)
        centres = np.where(classes[:, None] == 0, 2.0, -2.0)  # (n, 2): (2, 2) or (-2, -2)
        points = centres + (1 + noise / 25) * rng.standard_normal((n, 2))
    else:
        return _regression(dataset, noise, n, rng)
    return points, 1.0 - 2.0 * classes  # class 0 -> +1, class 1 -> -1


def split(points: np.ndarray, targets: np.ndarray, train_percent: int) -> tuple:
    """((train points, train targets), (test points, test targets)): the first train_percent % of
    the rows (they are in random order) train, the rest test."""
    k = round(len(points) * train_percent / 100)
    return (points[:k], targets[:k]), (points[k:], targets[k:])


def features(points: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The named features of each point: (N, 2) -> (N, len(names)), columns in `names`' order."""
    x1, x2 = points[:, 0], points[:, 1]
    columns = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1_sq": lambda: x1 * x1,
        "x2_sq": lambda: x2 * x2,
        "x1_x2": lambda: x1 * x2,
        "sin_x1": lambda: np.sin(x1),
        "sin_x2": lambda: np.sin(x2),
    }
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise ValueError(f"features: unknown {unknown}; the features are {', '.join(FEATURES)}")
    return np.column_stack([columns[name]() for name in names])


def grid(resolution: int) -> np.ndarray:
    """The points of a resolution x resolution grid over [-6, 6]^2: (R*R, 2), row-major with
    x2 varying along the rows (row i has x2 = linspace(-6, 6, R)[i]) and x1 along the columns."""
    axis = np.linspace(-RADIUS, RADIUS, resolution)
    x1, x2 = np.meshgrid(axis, axis)  # (R, R) each; x1 changes along a row
    return np.column_stack([x1.ravel(), x2.ravel()])


def _regression(dataset: str, noise: int, n: int, rng: np.random.Generator) -> tuple:
    """Uniform points with a target computed where they were drawn, then moved by the noise."""
    clean = rng.uniform(-RADIUS, RADIUS, (n, 2))
    if dataset == "reg-plane":
        targets = clean.sum(axis=1) / (2 * RADIUS)  # a tilted plane, in [-1, 1]
    else:
        squared = ((clean[:, None, :] - _BUMPS) ** 2).sum(axis=2)  # (n, bumps)
        targets = np.exp(-squared / (2 * _WIDTH**2)) @ _HEIGHTS
    moved = clean + noise / 100 * (RADIUS / 2) * rng.standard_normal((n, 2))
    return moved, targets
