"""The toy datasets: shapes, class counts, seeding, exact clean geometry, noise, argument errors."""

import math
import re
from collections.abc import Callable

import numpy as np
import pytest

from nn.datasets import make_circles, make_moons, make_spirals, make_xor

GENERATORS = [make_moons, make_circles, make_spirals, make_xor]


def moons_rule(X: np.ndarray) -> np.ndarray:
    """Class 1 where a point is nearer the circle around (1, 0.5) than the one around (0, 0)."""
    off_upper = np.abs(np.hypot(X[:, 0], X[:, 1]) - 1)
    off_lower = np.abs(np.hypot(X[:, 0] - 1, X[:, 1] - 0.5) - 1)
    return (off_lower < off_upper).astype(np.int64)


def circles_rule(X: np.ndarray) -> np.ndarray:
    """Class 1 inside radius 0.75, halfway between the default circles (radii 1 and 0.5)."""
    return (np.hypot(X[:, 0], X[:, 1]) < 0.75).astype(np.int64)


def xor_rule(X: np.ndarray) -> np.ndarray:
    """Class 1 where the coordinates' signs differ."""
    return (X[:, 0] * X[:, 1] < 0).astype(np.int64)


def spiral_arm(X: np.ndarray, classes: int, turns: float) -> np.ndarray:
    """The arm c a point lies on: its angle is 2*pi*(turns*r + c/classes), modulo a full turn."""
    r = np.hypot(X[:, 0], X[:, 1])
    turn = np.arctan2(X[:, 1], X[:, 0]) / (2 * np.pi)
    return np.rint((turn - turns * r) * classes).astype(np.int64) % classes


# (generator, extra keyword arguments, number of classes, label rule that is exact at noise=0)
CASES = [
    pytest.param(make_moons, {}, 2, moons_rule, id="moons"),
    pytest.param(make_circles, {}, 2, circles_rule, id="circles"),
    pytest.param(make_spirals, {}, 2, lambda X: spiral_arm(X, 2, 1.0), id="spirals"),
    pytest.param(
        make_spirals,
        {"classes": 3, "turns": 1.5},
        3,
        lambda X: spiral_arm(X, 3, 1.5),
        id="spirals-3",
    ),
    pytest.param(make_xor, {}, 2, xor_rule, id="xor"),
]

# classes -> n -> points per class: as even as possible, the first classes one larger
COUNTS = {
    2: {1: [1, 0], 7: [4, 3], 100: [50, 50]},
    3: {1: [1, 0, 0], 7: [3, 2, 2], 100: [34, 33, 33]},
}

Rule = Callable[[np.ndarray], np.ndarray]


@pytest.mark.parametrize("n", [1, 37, np.int64(37)])
@pytest.mark.parametrize(("make", "kwargs", "classes", "rule"), CASES)
def test_shapes_and_dtypes(make, kwargs: dict, classes: int, rule: Rule, n: int):
    X, y = make(n, seed=0, **kwargs)
    assert (X.shape, X.dtype, y.shape, y.dtype) == ((n, 2), np.float64, (n,), np.int64)


@pytest.mark.parametrize("n", [1, 7, 100])
@pytest.mark.parametrize(("make", "kwargs", "classes", "rule"), CASES)
def test_class_counts(make, kwargs: dict, classes: int, rule: Rule, n: int):
    _, y = make(n, seed=0, **kwargs)
    assert set(y.tolist()) <= set(range(classes))
    assert np.bincount(y, minlength=classes).tolist() == COUNTS[classes][n]


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_arrays_other_seed_different(make):
    X, y = make(50, seed=3)
    X_again, y_again = make(50, seed=3)
    X_other, y_other = make(50, seed=4)
    assert np.array_equal(X, X_again) and np.array_equal(y, y_again)
    assert not np.array_equal(X, X_other)
    assert not np.array_equal(y, y_other)  # the shuffle differs too


@pytest.mark.parametrize("make", GENERATORS)
def test_a_generator_is_used_and_advanced(make):
    rng = np.random.default_rng(5)
    X_first, _ = make(50, seed=rng)
    X_second, _ = make(50, seed=rng)
    assert np.array_equal(X_first, make(50, seed=5)[0])  # same stream as the int seed
    assert not np.array_equal(X_first, X_second)


@pytest.mark.parametrize("make", GENERATORS)
def test_rows_are_shuffled(make):
    _, y = make(100, seed=0)
    assert not np.array_equal(y, np.sort(y))
    assert len(set(y[:20].tolist())) > 1  # the classes interleave from the start


@pytest.mark.parametrize(("make", "kwargs", "classes", "rule"), CASES)
def test_noise_scales_the_spread(make, kwargs: dict, classes: int, rule: Rule):
    clean, y_clean = make(2000, noise=0.0, seed=1, **kwargs)
    X1, y1 = make(2000, noise=0.1, seed=1, **kwargs)
    X3, y3 = make(2000, noise=0.3, seed=1, **kwargs)
    assert np.array_equal(y1, y_clean) and np.array_equal(y3, y_clean)
    np.testing.assert_allclose(X3 - clean, 3 * (X1 - clean), atol=1e-12)
    assert 0.09 < np.std(X1 - clean) < 0.11


@pytest.mark.parametrize(("make", "kwargs", "classes", "rule"), CASES)
def test_clean_labels_follow_the_geometry(make, kwargs: dict, classes: int, rule: Rule):
    X, y = make(500, noise=0.0, seed=2, **kwargs)
    assert np.array_equal(rule(X), y)


@pytest.mark.parametrize(("make", "kwargs", "classes", "rule"), CASES)
def test_default_noise_stays_learnable(make, kwargs: dict, classes: int, rule: Rule):
    X, y = make(1000, seed=2, **kwargs)
    assert np.mean(rule(X) == y) > 0.85


def test_moons_lie_on_two_half_circles():
    X, y = make_moons(101, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1] - [1.0, 0.5]  # each moon around its own centre
    for arc, side in [(upper, 1.0), (lower, -1.0)]:
        np.testing.assert_allclose(np.hypot(arc[:, 0], arc[:, 1]), 1.0, atol=1e-12)
        assert np.all(side * arc[:, 1] >= -1e-12)  # upper half, lower half
        assert np.isclose(arc[:, 0].min(), -1.0) and np.isclose(arc[:, 0].max(), 1.0)


@pytest.mark.parametrize("factor", [0.1, 0.5, 0.9])
def test_circles_have_radii_1_and_factor(factor: float):
    X, y = make_circles(60, noise=0.0, factor=factor, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius, np.where(y == 0, 1.0, factor), atol=1e-12)
    assert len(np.unique(X.round(12), axis=0)) == 60  # no two points of a circle coincide


@pytest.mark.parametrize(("classes", "turns"), [(2, 1.0), (3, 1.5), (4, 0.5)])
def test_spiral_points_sit_where_their_arm_says(classes: int, turns: float):
    X, y = make_spirals(41, classes=classes, turns=turns, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    angle = 2 * np.pi * (turns * r + y / classes)
    np.testing.assert_allclose(X, r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))
    for c in range(classes):  # an arm of m points has radii 1/m, 2/m, ..., 1
        m = np.sum(y == c)
        np.testing.assert_allclose(np.sort(r[y == c]), np.arange(1, m + 1) / m)


def test_xor_fills_its_four_quadrants_off_the_axes():
    X, y = make_xor(400, noise=0.0, seed=0)
    assert np.all(np.abs(X) <= 1.0) and np.all(X != 0.0)
    quadrant = 2 * (X[:, 0] < 0) + (X[:, 1] < 0)  # 0: (+,+) 1: (+,-) 2: (-,+) 3: (-,-)
    assert set(quadrant[y == 0].tolist()) == {0, 3}
    assert set(quadrant[y == 1].tolist()) == {1, 2}


SHARED_ERRORS = [
    ({"n": 0}, ValueError, "n must be >= 1, got 0"),
    ({"n": -3}, ValueError, "n must be >= 1, got -3"),
    ({"n": 2.0}, TypeError, "n must be an int, got float"),
    ({"n": "5"}, TypeError, "n must be an int, got str"),
    ({"n": True}, TypeError, "n must be an int, got bool"),
    ({"noise": -0.1}, ValueError, "noise must be >= 0, got -0.1"),
    ({"noise": math.nan}, ValueError, "noise must be >= 0, got nan"),
    ({"noise": math.inf}, ValueError, "noise must be finite, got inf"),
    ({"noise": "0.1"}, TypeError, "noise must be a real number, got str"),
    ({"seed": "abc"}, TypeError, "seed must be an int, a numpy Generator or None, got str"),
]

OWN_ERRORS = [
    (make_circles, {"factor": 0.0}, ValueError, "factor must be in (0, 1), got 0.0"),
    (make_circles, {"factor": 1}, ValueError, "factor must be in (0, 1), got 1"),
    (make_circles, {"factor": None}, TypeError, "factor must be a real number, got NoneType"),
    (make_spirals, {"classes": 1}, ValueError, "classes must be >= 2, got 1"),
    (make_spirals, {"classes": 2.0}, TypeError, "classes must be an int, got float"),
    (make_spirals, {"turns": 0}, ValueError, "turns must be > 0, got 0"),
]


def check_error(make, kwargs: dict, error: type[Exception], message: str) -> None:
    """`make(**kwargs)` raises `error` with the message "<function name>: <message>"."""
    with pytest.raises(error, match="^" + re.escape(f"{make.__name__}: {message}") + "$"):
        make(**kwargs)


@pytest.mark.parametrize(("kwargs", "error", "message"), SHARED_ERRORS)
@pytest.mark.parametrize("make", GENERATORS)
def test_bad_shared_arguments_raise(make, kwargs: dict, error: type[Exception], message: str):
    check_error(make, kwargs, error, message)


@pytest.mark.parametrize(("make", "kwargs", "error", "message"), OWN_ERRORS)
def test_bad_own_arguments_raise(make, kwargs: dict, error: type[Exception], message: str):
    check_error(make, kwargs, error, message)
