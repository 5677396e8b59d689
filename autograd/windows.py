"""Sliding windows over images: the geometry convolution, pooling and unfold/fold share.

A window of `kernel` (kh, kw) cells, `dilation` apart, slides over an (N, C, H, W) array in
steps of `stride`, over the image with `padding` cells added before (top, left) and after
(bottom, right). `Window` records one such geometry with the sizes it works out to; the
kernels im2col and col2im (autograd/backend) take it whole, and everything that checks or
normalises the arguments (ints or pairs, 'same', 'valid', ceil_mode) is here, once.
"""

from collections.abc import Sequence
from typing import Any, NamedTuple

from .arguments import is_whole

Pair = tuple[int, int]


class Window(NamedTuple):
    """A window's geometry on an image of `size` (H, W): it takes `out` (Ho, Wo) positions.

    Position (oy, ox) covers rows oy * stride[0] - padding[0] + i * dilation[0] for i < kh
    (columns likewise); rows outside 0..H-1 are padding.
    """

    size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair  # cells before the image: (top, left); those after follow from `out`
    dilation: Pair
    out: Pair

    @property
    def cells(self) -> int:
        """kh * kw: how many cells one window covers."""
        return self.kernel[0] * self.kernel[1]


def pair(op: str, name: str, value: Any, minimum: int) -> Pair:
    """`value` (an int, or a sequence of two) as two ints, each at least `minimum`; TypeError
    or ValueError naming `op` and `name` otherwise."""
    values = tuple(value) if isinstance(value, Sequence) and not isinstance(value, str) else None
    if values is None:
        values = (value, value)
    if len(values) != 2 or not all(is_whole(v) for v in values):
        raise TypeError(f"{op}: {name} must be an int or two ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def single(op: str, name: str, value: Any, minimum: int) -> int:
    """A 1-d setting (conv1d, max_pool1d, ...): an int or a one-element sequence, at least
    `minimum`; the errors are `pair`'s."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    return pair(op, name, value, minimum)[0]


def conv_padding(op: str, padding: Any, kernel: Pair, stride: Pair, dilation: Pair) -> tuple:
    """Convolution's `padding` (an int, two ints, 'valid' or 'same') as cells before and after
    each axis: ((top, bottom), (left, right)).

    'same' keeps the size at stride 1: d * (k - 1) cells in all, the odd one after (torch)."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((total // 2, total - total // 2) for total in totals)
    if isinstance(padding, str):
        raise ValueError(
            f"{op}: padding must be 'same', 'valid', an int or two ints, got {padding!r}"
        )
    top, left = pair(op, "padding", padding, 0)
    return (top, top), (left, left)


def sliding(
    op: str,
    size: Sequence[int],
    kernel: Pair,
    stride: Pair,
    padding: tuple,
    dilation: Pair,
    ceil_mode: bool = False,
) -> Window:
    """The Window of `kernel` over an image of `size` (H, W), `padding` given as ((top, bottom),
    (left, right)).

    Each axis takes (padded - span) // stride + 1 positions, span = dilation * (kernel - 1) + 1.
    ceil_mode (pooling) rounds up, keeping a last, partial window only if it starts inside the
    image or its leading padding (torch). ValueError naming `op` if the window does not fit.
    """
    out = []
    for axis in range(2):
        (before, after), n = padding[axis], size[axis]
        span = dilation[axis] * (kernel[axis] - 1) + 1
        room = n + before + after - span
        if room < 0:
            raise ValueError(
                f"{op}: a kernel of {tuple(kernel)} with dilation {tuple(dilation)} spans "
                f"{span} cells, more than the padded input's {n + before + after} "
                f"(input {tuple(size)})"
            )
        steps = -(-room // stride[axis]) if ceil_mode else room // stride[axis]
        if ceil_mode and steps * stride[axis] >= n + before:
            steps -= 1
        out.append(steps + 1)
    return Window(
        (int(size[0]), int(size[1])), kernel, stride, (padding[0][0], padding[1][0]), dilation,
        (out[0], out[1]),
    )  # fmt: skip
