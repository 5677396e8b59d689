"""Size: a tensor's shape as torch gives it, a tuple of ints that knows its element count.

`t.shape` and `t.size()` return one, so `t.shape == (2, 3)`, `rows, cols = t.shape` and
`np.zeros(t.shape)` work as for a tuple, and `t.shape.numel()` as in torch. Slicing, `+` and `*`
keep it a Size.

Its repr is torch's, `torch.Size([2, 3])` (what a notebook shows for `t.shape`): like a Tensor's
`dtype=torch.float64`, it reads as the code that makes it under `import tracegrad as torch`. Its
str is the tuple's, `(2, 3)`, as str and repr differ for Decimal or datetime: so print() and
f-strings show `(2, 3)` where torch shows its repr, and every error message that names a shape
reads the same whether the shape came from a Tensor or an array.
"""

import math
import operator
from collections.abc import Iterable
from typing import Any


class Size(tuple):
    """A shape: Size([2, 3]) is the tuple (2, 3) with numel() == 6; TypeError for a length that
    is not an integer, as torch.Size."""

    __slots__ = ()  # no per-instance dict: t.shape makes one of these on every read

    def __new__(cls, lengths: Iterable[Any] = ()) -> "Size":
        return super().__new__(cls, (_length(i, n) for i, n in enumerate(lengths)))

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for the shape ())."""
        return math.prod(self)

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> "Size":
        return Size(super().__add__(other))

    def __radd__(self, other: Any) -> "Size":
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(other + tuple(self))

    def __mul__(self, times: Any) -> "Size":
        return Size(super().__mul__(times))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def __str__(self) -> str:
        return tuple.__repr__(self)


def _length(position: int, n: Any) -> int:
    """n as an int (a numpy integer is one); TypeError naming its position otherwise."""
    try:
        return operator.index(n)
    except TypeError:
        raise TypeError(
            f"Size takes an iterable of ints (item {position} is {type(n).__name__!r})"
        ) from None
