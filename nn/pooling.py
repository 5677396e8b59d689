"""Pooling and resizing layers, as in torch.nn: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d,
AdaptiveMaxPool2d, MaxUnpool2d and Upsample.

Each keeps its settings as torch keeps them (so the reprs read the same) and calls its function
in autograd/pooling.py; none has parameters.
"""

from typing import Any

from autograd import Tensor
from autograd.pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
    max_unpool2d,
)

from .module import Module


def _single(value: Any) -> tuple:
    """torch's _single: an int as a one-element tuple, a sequence as a tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _pair(value: Any) -> tuple:
    """torch's _pair: an int as (value, value), a sequence as a tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


class _MaxPoolNd(Module):
    """What MaxPool1d and MaxPool2d share: settings kept as given, stride the kernel's if None,
    and forward, which calls the class's `pool` function with them."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor) -> Any:
        return self.pool(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(_MaxPoolNd):
    """(N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo): each window's largest cell (and, with
    return_indices, its position h * W + w in the plane)."""

    pool = staticmethod(max_pool2d)


class MaxPool1d(_MaxPoolNd):
    """(N, C, L) or (C, L) -> (N, C, Lout): each window's largest cell (and its position)."""

    pool = staticmethod(max_pool1d)


class _AvgPoolNd(Module):
    """What AvgPool1d and AvgPool2d share: the repr."""

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """(N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo): each window's mean (see avg_pool2d for what
    count_include_pad and divisor_override divide by)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip


class AvgPool1d(_AvgPoolNd):
    """(N, C, L) or (C, L) -> (N, C, Lout): each window's mean; settings kept as 1-tuples
    (torch)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )


class _AdaptivePoolNd(Module):
    """What the adaptive pools share: the repr."""

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """(N, C, H, W) or (C, H, W) -> (N, C, *output_size): the mean of each of output_size's bins
    (an int for both sides; None keeps that side)."""

    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """(N, C, H, W) or (C, H, W) -> (N, C, *output_size): the largest cell of each bin (and,
    with return_indices, its position in the plane)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Any:
        return adaptive_max_pool2d(x, self.output_size, self.return_indices)


class MaxUnpool2d(Module):
    """(N, C, H, W) and MaxPool2d's indices -> (N, C, Ho, Wo): each value back at its index,
    zeros elsewhere. Settings kept as pairs (torch)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)

    def forward(self, x: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Upsample(Module):
    """(N, C, L) or (N, C, H, W) resized to `size` or by `scale_factor` with interpolate's
    modes ('nearest', 'linear', 'bilinear'); scale factors kept as floats (torch)."""

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return interpolate(
            x, self.size, self.scale_factor, self.mode, self.align_corners,
            self.recompute_scale_factor,
        )  # fmt: skip

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor!r}, mode={self.mode!r}"
        return f"size={self.size!r}, mode={self.mode!r}"
