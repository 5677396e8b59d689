"""Convolution layers: Conv1d, Conv2d and ConvTranspose2d, as in torch.nn.

Each holds a weight and a bias and calls its function in autograd/convolution.py. Settings are
kept as torch keeps them: kernel_size, stride, padding, dilation and output_padding as tuples
(one int per spatial axis; padding may stay 'same' or 'valid'). Weights are laid out as torch's,
so a torch model's state dict loads as it is:

    Conv1d, Conv2d    weight (out_channels, in_channels / groups, *kernel_size)
    ConvTranspose2d   weight (in_channels, out_channels / groups, *kernel_size)
    all               bias (out_channels,)

Both start as torch's (and Linear's) do: the weight kaiming_uniform_ with a = sqrt(5), which is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias uniform in the same bounds, fan_in being
weight.shape[1] * prod(kernel_size).
"""

import math
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.arguments import is_whole
from autograd.convolution import conv1d, conv2d, conv_transpose2d
from autograd.dtypes import get_default_dtype
from autograd.functions import pad
from autograd.rng import as_generator

from . import init
from .module import Module, Parameter

PADDING_MODES = ("zeros", "reflect", "replicate")  # what autograd.functions.pad can do


class _ConvNd(Module):
    """What the convolution layers share: checked settings, weight and bias, init and repr."""

    spatial = 2  # how many axes the kernel slides over
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        self._build(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype, generator, output_padding=0,
        )  # fmt: skip

    def _build(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any,
        dtype: Any,
        generator: Any,
        output_padding: Any,
    ) -> None:
        """Check every setting (errors name the layer), then make the weight and the bias."""
        name, spatial = type(self).__name__, self.spatial
        for setting, value in [("in_channels", in_channels), ("out_channels", out_channels)]:
            if not is_whole(value) or value < 1:
                raise ValueError(f"{name}: {setting} must be a positive int, got {value!r}")
        if not is_whole(groups) or groups < 1:
            raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
        for setting, value in [("in_channels", in_channels), ("out_channels", out_channels)]:
            if value % groups:
                raise ValueError(f"{name}: {setting}={value} must be divisible by groups={groups}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _ntuple(name, "kernel_size", kernel_size, spatial, 1)
        self.stride = _ntuple(name, "stride", stride, spatial, 1)
        self.padding = _padding(name, padding, spatial, self.transposed, self.stride)
        self.dilation = _ntuple(name, "dilation", dilation, spatial, 1)
        self.output_padding = _ntuple(name, "output_padding", output_padding, spatial, 0)
        limits = [max(s, d) for s, d in zip(self.stride, self.dilation, strict=True)]
        if any(e >= limit for e, limit in zip(self.output_padding, limits, strict=True)):
            raise ValueError(
                f"{name}: output_padding {self.output_padding} must be smaller than the "
                f"stride {self.stride} or the dilation {self.dilation}"
            )
        self.groups = int(groups)
        self.padding_mode = _padding_mode(name, padding_mode, self.transposed)
        dtype = _dtype(name, device, dtype)
        channels = (in_channels, out_channels) if self.transposed else (out_channels, in_channels)
        shape = (channels[0], channels[1] // self.groups, *self.kernel_size)
        rng = as_generator(generator, name)
        self.weight = init.kaiming_uniform_(
            Parameter(np.empty(shape, dtype)), a=math.sqrt(5), generator=rng
        )
        self.bias = None
        if bias:
            fan_in = math.prod(shape[1:])
            bound = 1 / math.sqrt(fan_in)
            self.bias = init.uniform_(Parameter(np.empty(out_channels, dtype)), -bound, bound, rng)

    def _check_input(self, x: Any) -> None:
        """ValueError naming the layer unless x is (N, in_channels, *spatial) or unbatched."""
        spatial = len(self.kernel_size)
        shape = x.shape if isinstance(x, Tensor) else np.shape(x)
        if len(shape) not in (spatial + 1, spatial + 2):
            raise ValueError(
                f"{self!r}: expected a {spatial + 2}-d input (N, C, ...) or a {spatial + 1}-d "
                f"one without the batch, got {shape}"
            )
        if shape[-spatial - 1] != self.in_channels:
            raise ValueError(
                f"{self!r}: expected {self.in_channels} input channels, got input {shape}"
            )

    def _padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """x padded by padding_mode, and the padding left for the convolution to add (zeros)."""
        if self.padding_mode == "zeros":
            return x, self.padding
        return pad(x, self._reversed_padding_repeated_twice, self.padding_mode), 0

    @property
    def _reversed_padding_repeated_twice(self) -> list[int]:
        """F.pad's widths for self.padding: (left, right) of the last axis, then the one before.
        'same' pads d * (k - 1) cells in all, the odd one after (as conv2d does)."""
        if self.padding == "same":
            totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation, strict=True)]
            return [w for total in reversed(totals) for w in (total // 2, total - total // 2)]
        padding = (0,) * len(self.kernel_size) if self.padding == "valid" else self.padding
        return [w for p in reversed(padding) for w in (p, p)]

    def extra_repr(self) -> str:
        """torch's: the channels, kernel and stride always, the rest when not the default."""
        spatial = len(self.kernel_size)
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * spatial:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * spatial:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * spatial:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """conv1d: (N, in_channels, L) or (in_channels, L) -> (N, out_channels, Lout).

    weight (out_channels, in_channels / groups, k), bias (out_channels,); padding an int or
    'same' / 'valid'; padding_mode 'zeros', 'reflect' or 'replicate'. Initial values come from
    `generator` (an int seed or a numpy Generator; by default the global one).
    """

    spatial = 1

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        x, padding = self._padded(x)
        padding = padding if isinstance(padding, (str, int)) else padding[0]
        return conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """conv2d: (N, in_channels, H, W) or (in_channels, H, W) -> (N, out_channels, Ho, Wo).

    weight (out_channels, in_channels / groups, kh, kw), bias (out_channels,); kernel_size,
    stride, padding and dilation an int or a pair (padding also 'same' or 'valid');
    padding_mode 'zeros', 'reflect' or 'replicate'. Initial values come from `generator` (an
    int seed or a numpy Generator; by default the global one).
    """

    spatial = 2

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        x, padding = self._padded(x)
        return conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """conv_transpose2d, conv2d's shape undone: (N, in_channels, H, W) or unbatched ->
    (N, out_channels, Ho, Wo), Ho = (H - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding + 1.

    weight (in_channels, out_channels / groups, kh, kw), bias (out_channels,); padding an int or
    a pair, padding_mode 'zeros' only (as torch). Initial values come from `generator`.
    """

    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        self._build(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype, generator, output_padding,
        )  # fmt: skip

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        """`output_size` (Ho, Wo), or the whole output shape, picks the output_padding that
        gives it: a stride s > 1 maps s input sizes to one output size, so conv2d's shape can
        be undone exactly (as torch's ConvTranspose2d.forward(input, output_size))."""
        self._check_input(x)
        extra = self.output_padding if output_size is None else self._extra(x, output_size)
        return conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, extra, self.groups,
            self.dilation,
        )  # fmt: skip

    def _extra(self, x: Tensor, output_size: Any) -> tuple[int, int]:
        """The output_padding that makes the output (Ho, Wo) = output_size's last two sizes;
        ValueError naming the sizes that can be reached otherwise."""
        size = tuple(output_size) if isinstance(output_size, (tuple, list)) else ()
        if len(size) not in (2, x.ndim) or not all(is_whole(n) for n in size):
            raise ValueError(
                f"{self!r}: output_size must be (H, W) or the whole output shape, got "
                f"{output_size!r}"
            )
        settings = zip(x.shape[-2:], self.stride, self.padding, self.dilation, self.kernel_size,
                       strict=True)  # fmt: skip
        smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in settings)
        largest = tuple(low + s - 1 for low, s in zip(smallest, self.stride, strict=True))
        size = tuple(int(n) for n in size[-2:])
        if not all(low <= n <= high for low, n, high in zip(smallest, size, largest, strict=True)):
            raise ValueError(
                f"{self!r}: output_size {size} cannot be reached from input {tuple(x.shape)}: "
                f"it can be {smallest} to {largest} (output_padding below the stride, as torch)"
            )
        return tuple(n - low for n, low in zip(size, smallest, strict=True))


def _ntuple(layer: str, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    """`value` (an int, or a sequence of n ints) as n ints, each at least `minimum`."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n or not all(is_whole(v) for v in values):
        raise TypeError(f"{layer}: {name} must be an int or {n} ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{layer}: {name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def _padding(layer: str, padding: Any, n: int, transposed: bool, stride: tuple) -> Any:
    """padding as n ints, or 'same' / 'valid' kept as the string (torch keeps it so)."""
    if not isinstance(padding, str):
        return _ntuple(layer, "padding", padding, n, 0)
    if transposed:
        raise ValueError(f"{layer}: padding must be an int or {n} ints, got {padding!r}")
    if padding not in ("same", "valid"):
        raise ValueError(f"{layer}: padding must be 'same', 'valid' or ints, got {padding!r}")
    if padding == "same" and stride != (1,) * n:
        raise ValueError(f"{layer}: padding='same' needs stride 1, got stride {stride}")
    return padding


def _padding_mode(layer: str, mode: Any, transposed: bool) -> str:
    """The padding mode, if this layer supports it."""
    if transposed and mode != "zeros":
        raise ValueError(f"{layer}: padding_mode must be 'zeros' (as torch), got {mode!r}")
    if mode not in PADDING_MODES:
        refused = " ('circular' is not supported here)" if mode == "circular" else ""
        raise ValueError(
            f"{layer}: padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}, "
            f"got {mode!r}{refused}"
        )
    return mode


def _dtype(layer: str, device: Any, dtype: Any) -> np.dtype:
    """The parameters' dtype (default: the default float dtype), on the CPU, the only device."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(f"{layer}: tracegrad runs on the CPU only, got device {device!r}")
    dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{layer}: parameters must have a floating dtype, got {dtype}")
    return dtype
