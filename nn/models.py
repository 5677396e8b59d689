"""Ready-made networks, built from the layers as nn.Sequential (state-dict keys `0.weight`, ...).

digits_cnn: the small CNN of notebook 06 and `tracegrad train --model cnn`, for 8x8 digits.
lenet5: LeNet-5 (LeCun et al., 1998, with ReLU and max pooling) for 28x28 MNIST digits.
"""

from autograd.rng import Seed, as_generator

from .conv import Conv2d
from .layers import Flatten, Linear, ReLU, Sequential
from .module import Module
from .norm import BatchNorm2d
from .pooling import AdaptiveAvgPool2d, MaxPool2d


def digits_cnn(generator: Seed = None) -> Sequential:
    """(N, 1, 8, 8) images -> (N, 10) logits, 6,274 parameters.

    Three 3x3 convolutions (padding 1, so each keeps its input's size), each followed by
    BatchNorm2d and ReLU: 1 -> 8 -> 16 channels at 8x8, max pooling to 4x4, 16 -> 32 channels,
    then the average of each of the 32 maps (global average pooling) and Linear(32, 10).
    The convolutions need no bias: BatchNorm2d's own bias follows them. Initial weights come
    from `generator` (an int seed or a numpy Generator; by default the global one).
    """
    rng = as_generator(generator, "digits_cnn")
    return Sequential(
        *_conv_block(1, 8, rng),  # (N, 8, 8, 8)
        *_conv_block(8, 16, rng),  # (N, 16, 8, 8)
        MaxPool2d(2),  # (N, 16, 4, 4)
        *_conv_block(16, 32, rng),  # (N, 32, 4, 4)
        AdaptiveAvgPool2d(1),  # (N, 32, 1, 1)
        Flatten(),  # (N, 32)
        Linear(32, 10, generator=rng),
    )


def _conv_block(in_channels: int, out_channels: int, rng: Seed) -> list[Module]:
    """Conv2d 3x3 (same size, no bias), BatchNorm2d, ReLU."""
    conv = Conv2d(in_channels, out_channels, 3, padding=1, bias=False, generator=rng)
    return [conv, BatchNorm2d(out_channels), ReLU()]


def lenet5(generator: Seed = None) -> Sequential:
    """(N, 1, 28, 28) images -> (N, 10) logits, 61,706 parameters.

    Conv2d(1, 6, 5, padding=2), ReLU, MaxPool2d(2) -> (N, 6, 14, 14); Conv2d(6, 16, 5), ReLU,
    MaxPool2d(2) -> (N, 16, 5, 5); Flatten -> (N, 400); Linear 400 -> 120 -> 84 -> 10 with
    ReLUs between. Initial weights come from `generator`, as for digits_cnn.
    """
    rng = as_generator(generator, "lenet5")
    return Sequential(
        Conv2d(1, 6, 5, padding=2, generator=rng), ReLU(), MaxPool2d(2),
        Conv2d(6, 16, 5, generator=rng), ReLU(), MaxPool2d(2),
        Flatten(),
        Linear(400, 120, generator=rng), ReLU(),
        Linear(120, 84, generator=rng), ReLU(),
        Linear(84, 10, generator=rng),
    )  # fmt: skip
