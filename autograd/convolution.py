"""Convolution, torch's functions: conv1d, conv2d, conv_transpose2d, and unfold/fold (im2col).

A 2-d convolution slides a (C, kh, kw) kernel over an (N, C, H, W) image; each output pixel is
the sum, over the window it sees, of image times kernel:

    out[n, o, y, x] = bias[o] + sum over c, i, j of
                      input[n, c, y * sh - ph + i * dh, x * sw - pw + j * dw] * weight[o, c, i, j]

Written as loops that is seven deep. im2col turns it into one matrix product instead: `unfold`
copies each window into a column, (N, C * kh * kw, Ho * Wo), and the kernels, flattened to
rows (O, C * kh * kw), multiply those columns: (O, C kh kw) @ (N, C kh kw, L) -> (N, O, L).
So conv2d is unfold, a matmul and a reshape; its gradients come from theirs:

- the weight's is the output gradient times the columns (a correlation of input and gradient),
- the input's is the weights' transpose times the output gradient, folded back onto the image
  (col2im): a transposed convolution, which conv_transpose2d is, run forwards.
"""

from typing import Any

from . import ops
from .arguments import is_whole
from .tensor import Tensor, apply, floating, lift
from .windows import Window, conv_padding, pair, single, sliding


def unfold(
    input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """im2col, torch's F.unfold: (N, C, H, W) -> (N, C * kh * kw, L), column l holding the cells
    of window position l (row-major over the Ho x Wo positions), zeros where it overhangs."""
    x = _images("unfold", input, 4)
    kernel = pair("unfold", "kernel_size", kernel_size, 1)
    dilation, stride = pair("unfold", "dilation", dilation, 1), pair("unfold", "stride", stride, 1)
    padding = conv_padding("unfold", padding, kernel, stride, dilation)
    window = sliding("unfold", x.shape[-2:], kernel, stride, padding, dilation)
    return apply(ops.unfold, x, window=window)


def fold(
    input: Tensor,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """col2im, torch's F.fold: (N, C * kh * kw, L) -> (N, C, H, W) for `output_size` (H, W),
    each column entry added to the cell it came from; overlapping windows sum. unfold's
    adjoint (fold(unfold(x)) is x times how many windows cover each cell)."""
    cols = _images("fold", input, 3)
    size = pair("fold", "output_size", output_size, 1)
    kernel = pair("fold", "kernel_size", kernel_size, 1)
    dilation, stride = pair("fold", "dilation", dilation, 1), pair("fold", "stride", stride, 1)
    padding = conv_padding("fold", padding, kernel, stride, dilation)
    window = sliding("fold", size, kernel, stride, padding, dilation)
    _check_columns("fold", cols.shape, window)
    return apply(ops.fold, cols, window=window)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """(N, C, H, W) or (C, H, W), weight (O, C / groups, kh, kw), bias (O,) -> (N, O, Ho, Wo).

    padding: an int, two ints, 'valid' (none) or 'same' (the output keeps H and W; stride 1).
    groups splits C and O into that many groups, each convolved with its own kernels.
    """
    x, unbatched = _batched("conv2d", input, weight)
    groups = _groups("conv2d", groups, x.shape[1])
    if weight.shape[0] % groups:
        raise ValueError(f"conv2d: groups={groups} must divide weight {weight.shape}'s O")
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"conv2d: input {x.shape} has {x.shape[1]} channels; weight {weight.shape} with "
            f"groups={groups} expects {weight.shape[1] * groups}"
        )
    kernel = tuple(weight.shape[2:])
    stride, dilation = pair("conv2d", "stride", stride, 1), pair("conv2d", "dilation", dilation, 1)
    padding = conv_padding("conv2d", padding, kernel, stride, dilation)
    window = sliding("conv2d", x.shape[2:], kernel, stride, padding, dilation)
    cols = apply(ops.unfold, x, window=window)  # (N, C kh kw, L)
    n, out_channels, positions = x.shape[0], weight.shape[0], cols.shape[2]
    rows = weight.reshape(groups, out_channels // groups, -1)  # (G, O / G, C / G kh kw)
    out = rows @ cols.reshape(n, groups, -1, positions)  # (N, G, O / G, L)
    out = _add_bias("conv2d", out.reshape(n, out_channels, *window.out), bias)
    return out[0] if unbatched else out


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """(N, C, L) or (C, L), weight (O, C / groups, k), bias (O,) -> (N, O, Lout): conv2d over
    images one row high."""
    x, unbatched = _batched("conv1d", input, weight, spatial=1)
    out = conv2d(
        x.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, single("conv1d", "stride", stride, 1)),
        padding if isinstance(padding, str) else (0, single("conv1d", "padding", padding, 0)),
        (1, single("conv1d", "dilation", dilation, 1)),
        groups,
    ).squeeze(2)
    return out[0] if unbatched else out


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """(N, C, H, W) or (C, H, W), weight (C, O / groups, kh, kw), bias (O,) -> (N, O, Ho, Wo),
    Ho = (H - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding + 1: conv2d's gradient with
    respect to its input, run forwards (each input pixel spreads its kernel-weighted copy
    over the output, overlaps summing). It undoes conv2d's shape, not its values.

    Computed as a matrix product, then fold: columns (N, O kh kw, H W), added onto the image.
    output_padding (less than the stride or dilation) adds cells at the bottom and right, which
    no window reaches: they get the bias alone.
    """
    x, unbatched = _batched("conv_transpose2d", input, weight)
    groups = _groups("conv_transpose2d", groups, x.shape[1])
    if x.shape[1] != weight.shape[0]:
        raise ValueError(
            f"conv_transpose2d: input {x.shape} has {x.shape[1]} channels; weight "
            f"{weight.shape} expects {weight.shape[0]}"
        )
    op = "conv_transpose2d"
    kernel = tuple(weight.shape[2:])
    stride, dilation = pair(op, "stride", stride, 1), pair(op, "dilation", dilation, 1)
    top, left = pair(op, "padding", padding, 0)
    extra = pair(op, "output_padding", output_padding, 0)
    if not all(e < max(s, d) for e, s, d in zip(extra, stride, dilation, strict=True)):
        raise ValueError(
            f"{op}: output_padding {extra} must be smaller than the stride {stride} or the "
            f"dilation {dilation}"
        )
    settings = zip(x.shape[2:], stride, (top, left), dilation, kernel, extra, strict=True)
    size = [(n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, s, p, d, k, e in settings]
    if min(size) < 1:
        raise ValueError(f"{op}: input {x.shape} with these settings gives an output of {size}")
    # the window conv2d would slide over the output, at the input's positions only (past them,
    # output_padding's cells, no window reaches)
    window = Window(tuple(size), kernel, stride, (top, left), dilation, tuple(x.shape[2:]))
    n, channels = x.shape[:2]
    rows = weight.reshape(groups, channels // groups, -1).transpose(1, 2)  # (G, O/G kh kw, C/G)
    cols = rows @ x.reshape(n, groups, channels // groups, -1)  # (N, G, O/G kh kw, H W)
    out = apply(ops.fold, cols.reshape(n, -1, cols.shape[-1]), window=window)  # (N, O, Ho, Wo)
    out = _add_bias(op, out, bias)
    return out[0] if unbatched else out


def _images(op: str, x: Any, ndim: int) -> Tensor:
    """x as a float Tensor of `ndim` axes; ValueError naming op and the shape otherwise."""
    x = floating(lift(x, None, op))
    if x.ndim != ndim:
        raise ValueError(f"{op}: expected a {ndim}-d input, got shape {x.shape}")
    return x


def batched(op: str, input: Any, spatial: int) -> tuple[Tensor, bool]:
    """input as a float Tensor (N, C, *`spatial` axes), its batch axis added if it came without
    one, and whether it was added; ValueError naming `op` for another rank. Convolution and
    pooling take their images so; they return out[0] for an input that came unbatched."""
    x = floating(lift(input, None, op))
    if x.ndim not in (spatial + 1, spatial + 2):
        axes = "(N, C, H, W)" if spatial == 2 else "(N, C, L)"
        raise ValueError(
            f"{op}: expected a {spatial + 2}-d input {axes} or a {spatial + 1}-d one without "
            f"the batch, got shape {x.shape}"
        )
    unbatched = x.ndim == spatial + 1
    return (x.unsqueeze(0) if unbatched else x), unbatched


def _batched(op: str, input: Any, weight: Any, spatial: int = 2) -> tuple[Tensor, bool]:
    """`batched`'s input and whether it came without the batch; the weight's rank and both
    dtypes checked."""
    x, unbatched = batched(op, input, spatial)
    if not isinstance(weight, Tensor) or weight.ndim != spatial + 2:
        shape = getattr(weight, "shape", type(weight).__name__)
        raise ValueError(f"{op}: weight must be a {spatial + 2}-d Tensor, got {shape}")
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{op}: input is {x.dtype} and weight {weight.dtype}; convert one to the other "
            "(input.float() or weight.double())"
        )
    return x, unbatched


def _groups(op: str, groups: Any, channels: int) -> int:
    """`groups`, checked: a positive int dividing the input's `channels`."""
    if not is_whole(groups) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input's {channels} channels")
    return int(groups)


def _add_bias(op: str, out: Tensor, bias: Any) -> Tensor:
    """out (N, O, Ho, Wo) plus bias (O,) on each channel's plane; out itself when bias is None."""
    if bias is None:
        return out
    out_channels = out.shape[1]
    if not isinstance(bias, Tensor) or bias.shape != (out_channels,):
        shape = getattr(bias, "shape", type(bias).__name__)
        raise ValueError(f"{op}: bias must be a Tensor of shape ({out_channels},), got {shape}")
    return out + bias.reshape(-1, 1, 1)


def _check_columns(op: str, shape: tuple[int, ...], window: Window) -> None:
    positions = window.out[0] * window.out[1]
    if shape[1] % window.cells or shape[2] != positions:
        raise ValueError(
            f"{op}: input {shape} must be (N, C * {window.cells}, {positions}) for a kernel "
            f"{window.kernel} giving {window.out} positions on {window.size}"
        )
