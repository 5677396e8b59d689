"""The toy datasets: shapes, class balance, seeding, exact geometry at noise 0, bad arguments."""

import numpy as np
import pytest

from nn.datasets import make_circles, make_moons, make_spirals, make_xor

MAKERS = [make_moons, make_circles, make_spirals, make_xor]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("n", [1, 7, 100])
def test_shapes_dtypes_and_even_class_split(make, n):
    X, y = make(n, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=2).tolist()
    assert counts == [n - n // 2, n // 2]  # the first class takes the odd point


def test_spirals_split_points_over_every_class():
    _, y = make_spirals(10, classes=3, seed=0)
    assert np.bincount(y).tolist() == [4, 3, 3]


@pytest.mark.parametrize("make", MAKERS)
def test_seeds_repeat_and_generators_advance(make):
    X1, y1 = make(50, seed=3)
    X2, y2 = make(50, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, make(50, seed=4)[0])
    rng = np.random.default_rng(0)
    assert not np.array_equal(make(50, seed=rng)[0], make(50, seed=rng)[0])


@pytest.mark.parametrize("make", MAKERS)
def test_classes_are_shuffled_not_in_blocks(make):
    _, y = make(100, seed=0)
    assert (np.diff(y) != 0).sum() > 10  # in blocks, the label would change once


def test_moons_lie_on_their_half_circles_at_noise_0():
    X, y = make_moons(101, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1] - np.array([1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 1e-12).all()


def test_circles_radii_separate_the_classes_at_noise_0():
    X, y = make_circles(60, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(*X.T)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_xor_labels_follow_the_sign_rule_at_noise_0():
    X, y = make_xor(200, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))


def test_spiral_radius_grows_with_angle_along_each_arm():
    X, y = make_spirals(90, classes=3, turns=1.0, noise=0.0, seed=0)
    for c in range(3):
        arm = X[y == c]
        arm = arm[np.argsort(np.hypot(*arm.T))]
        angle = np.unwrap(np.arctan2(arm[:, 1], arm[:, 0]))
        assert (np.diff(angle) > 0).all()  # winding outward, counterclockwise


@pytest.mark.parametrize("make", MAKERS)
def test_noise_scales_the_spread(make):
    clean, _ = make(200, noise=0.0, seed=1)
    spread = [np.abs(make(200, noise=s, seed=1)[0] - clean).mean() for s in (0.05, 0.2)]
    assert spread[1] == pytest.approx(4 * spread[0])  # the same draws, scaled by noise


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(0), ValueError, "make_moons: n must be >= 1, got 0"),
        (lambda: make_moons(2.5), TypeError, "make_moons: n must be an int, got float"),
        (lambda: make_xor(10, noise=-1.0), ValueError, "make_xor: noise must be >= 0, got -1.0"),
        (lambda: make_circles(10, factor=1.0), ValueError, "factor must be in (0, 1), got 1.0"),
        (lambda: make_spirals(10, classes=1), ValueError, "classes must be >= 2, got 1"),
        (lambda: make_moons(10, noise=float("nan")), ValueError, "noise must be >= 0, got nan"),
        (lambda: make_moons(10, seed="x"), TypeError, "make_moons: seed must be an int"),
    ],
)
def test_bad_arguments_name_the_function_and_argument(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
