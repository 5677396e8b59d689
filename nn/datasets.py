"""Toy 2-D classification datasets drawn with numpy: moons, circles, spirals and XOR.

Every generator returns `(X, y)`: X float64 of shape (n, 2), y int64 of shape (n,). They share
these conventions:
- The n points are split between the classes as evenly as possible; the first `n % classes`
  classes get one extra point (n=7, two classes: 4 of class 0, 3 of class 1).
- The clean geometry is made first, then Gaussian noise with standard deviation `noise` is added to
  each coordinate, then the rows are shuffled so the classes interleave, all from one Generator.
  The random draws do not depend on the value of `noise`: the same seed with another `noise`
  gives the same clean points in the same order, moved by a displacement proportional to `noise`.
- `seed` is an int, a numpy Generator (used and advanced, so two calls differ) or None (the
  global generator, which manual_seed seeds).
- A bad argument raises TypeError (wrong type) or ValueError (bad value) naming the function, the
  argument and the value: "make_moons: n must be >= 1, got 0".
"""

import math
import numbers
from collections.abc import Callable

import numpy as np

from autograd.rng import Seed, as_generator

__all__ = ["make_circles", "make_moons", "make_spirals", "make_xor"]

Dataset = tuple[np.ndarray, np.ndarray]

# The one place each argument's type and valid range are stated: name -> (type, rule, test).
_RULES: dict[str, tuple[type, str, Callable[[float], bool]]] = {
    "n": (numbers.Integral, ">= 1", lambda v: v >= 1),
    "classes": (numbers.Integral, ">= 2", lambda v: v >= 2),
    "noise": (numbers.Real, ">= 0", lambda v: v >= 0),
    "factor": (numbers.Real, "in (0, 1)", lambda v: 0 < v < 1),
    "turns": (numbers.Real, "> 0", lambda v: v > 0),
}
_NOUNS = {numbers.Integral: "an int", numbers.Real: "a real number"}


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = None) -> Dataset:
    """Two interleaving half circles of radius 1: X (n, 2) float64, y (n,) int64 in {0, 1}.

    Class 0 is the upper half of the circle centred at (0, 0), class 1 the lower half of the circle
    centred at (1, 0.5); each arc's points are evenly spaced in angle over [0, pi], ends included.
    """
    _check("make_moons", n=n, noise=noise)
    rng = as_generator(seed, "make_moons")
    n0, n1 = _class_sizes(n, 2)
    upper = _polar(1.0, np.linspace(0.0, np.pi, n0))
    lower = np.array([1.0, 0.5]) + _polar(1.0, -np.linspace(0.0, np.pi, n1))
    return _finish(rng, [upper, lower], noise)


def make_circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = None
) -> Dataset:
    """A circle of radius `factor` inside the unit circle: X (n, 2) float64, y (n,) int64 in {0, 1}.

    Class 0 is the outer circle (radius 1), class 1 the inner one (radius `factor`, in (0, 1)), both
    centred at the origin; each circle's points are evenly spaced in angle, starting at angle 0.
    """
    _check("make_circles", n=n, noise=noise, factor=factor)
    rng = as_generator(seed, "make_circles")
    n0, n1 = _class_sizes(n, 2)
    outer = _polar(1.0, _full_turn(n0))
    inner = _polar(factor, _full_turn(n1))
    return _finish(rng, [outer, inner], noise)


def make_spirals(
    n: int = 100, classes: int = 2, turns: float = 1.0, noise: float = 0.05, seed: Seed = None
) -> Dataset:
    """`classes` interleaved spiral arms: X (n, 2) float64, y (n,) int64 in 0..classes-1.

    The point of arm c at radius r sits at angle 2*pi*(turns*r + c/classes): each arm winds
    `turns` times between the origin and radius 1, and arm c is arm 0 turned by c/classes of a
    circle. An arm of m points has radii 1/m, 2/m, ..., 1, so radius grows with angle along it.
    """
    _check("make_spirals", n=n, classes=classes, turns=turns, noise=noise)
    rng = as_generator(seed, "make_spirals")
    arms = []
    for c, m in enumerate(_class_sizes(n, classes)):
        r = np.arange(1, m + 1) / m
        arms.append(_polar(r, 2 * np.pi * (turns * r + c / classes)))
    return _finish(rng, arms, noise)


def make_xor(n: int = 100, noise: float = 0.1, seed: Seed = None) -> Dataset:
    """Points in [-1, 1]^2 labelled by the XOR of their signs: X (n, 2) float64, y (n,) int64.

    Class 0 has coordinates of equal sign (quadrants I and III), class 1 of opposite sign (II and
    IV), so at noise=0, y == (X[:, 0] * X[:, 1] < 0). Each point lies in one of its class's two
    quadrants at random, its coordinates' sizes uniform in (0, 1], so no clean point is on an axis.
    """
    _check("make_xor", n=n, noise=noise)
    rng = as_generator(seed, "make_xor")
    quadrants = []
    for c, m in enumerate(_class_sizes(n, 2)):
        size = 1.0 - rng.random((m, 2))  # uniform in (0, 1]
        sign = rng.choice([-1.0, 1.0], size=m)
        quadrants.append(size * np.column_stack([sign, sign if c == 0 else -sign]))
    return _finish(rng, quadrants, noise)


def _check(fn: str, **args: float) -> None:
    """Raise TypeError or ValueError naming `fn` for any argument breaking its rule in `_RULES`."""
    for name, value in args.items():
        kind, rule, ok = _RULES[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise TypeError(f"{fn}: {name} must be {_NOUNS[kind]}, got {type(value).__name__}")
        if not ok(value):  # also catches NaN: every comparison with NaN is False
            raise ValueError(f"{fn}: {name} must be {rule}, got {value}")
        if kind is numbers.Real and not math.isfinite(value):
            raise ValueError(f"{fn}: {name} must be finite, got {value}")


def _class_sizes(n: int, classes: int) -> list[int]:
    """Points per class, as even as possible, the first `n % classes` classes one larger."""
    return [n // classes + (c < n % classes) for c in range(classes)]


def _full_turn(m: int) -> np.ndarray:
    """m angles evenly spaced over [0, 2*pi), so no two points of a circle coincide: (m,)."""
    return np.linspace(0.0, 2 * np.pi, m, endpoint=False)


def _polar(r: float | np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Points at radius r and the given angles around the origin: (m,) -> (m, 2)."""
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def _finish(rng: np.random.Generator, groups: list[np.ndarray], noise: float) -> Dataset:
    """Stack the classes' clean points, add noise and shuffle: groups[c] (m_c, 2) -> X, y."""
    X = np.concatenate(groups).astype(np.float64)  # (n, 2), class 0's rows first
    y = np.repeat(np.arange(len(groups), dtype=np.int64), [len(g) for g in groups])  # (n,)
    X = X + noise * rng.standard_normal(X.shape)  # drawn even at noise=0: same stream for any noise
    order = rng.permutation(len(y))
    return X[order], y[order]
