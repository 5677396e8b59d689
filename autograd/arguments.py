"""What every package checks its users' numbers with: a real number or a whole one, never a bool
(True is not a learning rate). The messages stay with the callers, who know the argument."""

import numbers
from typing import Any


def is_real(value: Any) -> bool:
    """A real number (int, float, numpy's, Fraction), but not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_whole(value: Any) -> bool:
    """A whole number (int, numpy's integers), but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
