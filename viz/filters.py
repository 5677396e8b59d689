"""What a convolutional layer learned and what it sees, as matplotlib grids.

    plot_filters        a Conv2d's kernels, one small image per output channel
    plot_feature_maps   the maps one input produces after a chosen layer of a model

Signed values use a diverging colormap centred at 0 on one scale for the whole grid (blue
negative, white 0, red positive), so kernels and maps compare with each other. Each plot saves
to `path` when one is given and returns the Figure.
"""

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from autograd import Tensor, enable_grad
from autograd.arguments import is_whole
from autograd.graph import topo_order
from nn import Conv2d, Module

from .plots import save_figure

DIVERGING = "RdBu_r"  # negative blue, 0 white, positive red
NONNEGATIVE = "viridis"  # maps after a ReLU: 0 dark
PANEL_INCHES = 1.1  # each small image's side


def plot_filters(conv: Conv2d, path: str | Path | None = None, max_filters: int = 64) -> Figure:
    """A grid of `conv`'s kernels (weight (O, C / groups, kh, kw)): one image per output
    channel, the first `max_filters` of them, titled by the channel's index.

    A kernel with several input channels (C / groups, kh, kw) shows them as tiles of a
    near-square block, row by row, a blank line apart.
    """
    if not isinstance(conv, Conv2d):
        raise TypeError(f"plot_filters: expected an nn.Conv2d, got {type(conv).__name__}")
    _check_limit("plot_filters", "max_filters", max_filters)
    weight = conv.weight.data[:max_filters]  # (K, C / groups, kh, kw)
    images = [_tiles(kernel) for kernel in weight]
    scale = float(np.abs(weight).max()) or 1.0  # all-zero kernels: any symmetric scale
    shown = f"the first {len(images)} of" if conv.out_channels > len(images) else "the"
    title = f"{shown} {conv.out_channels} kernels {weight.shape[1:]} of {type(conv).__name__}"
    return save_figure(_grid(images, title, DIVERGING, -scale, scale, "weight"), path)


def plot_feature_maps(
    model: Module,
    x: Any,
    layer: str | Module | None = None,
    path: str | Path | None = None,
    max_maps: int = 64,
) -> Figure:
    """The maps (K, H, W) that one input `x` (C, H, W), or (1, C, H, W), produces after `layer`
    of `model`, each a small image beside the input (channels averaged).

    layer: a submodule of `model`, or its name in `model.named_modules()` ("0", "features.2");
    by default the first Conv2d (`model` itself when it is one). The model runs once in eval
    mode (no dropout, BatchNorm's running statistics untouched), then each module gets its
    mode back; the layer's output is found on the recorded graph by its module call.
    Maps with negative values are drawn diverging about 0, nonnegative ones (after a ReLU)
    from 0 up.
    """
    _check_limit("plot_feature_maps", "max_maps", max_maps)
    image = np.asarray(getattr(x, "data", x))
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 3:
        raise ValueError(
            f"plot_feature_maps: x must be one input (C, H, W) or (1, C, H, W), got {np.shape(x)}"
        )
    chosen = _chosen_layer(model, layer)
    maps = _layer_output(model, chosen, image)[:max_maps]
    if maps.min() < 0:
        high = float(np.abs(maps).max())
        cmap, low = DIVERGING, -high
    else:
        cmap, low, high = NONNEGATIVE, 0.0, float(maps.max()) or 1.0  # all 0: any scale
    name = {id(m): name for name, m in model.named_modules()}[id(chosen)]
    title = f"{name + ': ' if name else ''}{type(chosen).__name__}, feature maps"
    figure = _grid(list(maps), title, cmap, low, high, "activation", first=image.mean(0))
    return save_figure(figure, path)


def _chosen_layer(model: Module, layer: str | Module | None) -> Module:
    """The submodule `layer` names or is; by default the first Conv2d in `model`."""
    if not isinstance(model, Module):
        raise TypeError(
            f"plot_feature_maps: model must be an nn.Module, got {type(model).__name__}"
        )
    modules = dict(model.named_modules())
    if layer is None:
        convs = [m for m in modules.values() if isinstance(m, Conv2d)]
        if not convs:
            raise ValueError("plot_feature_maps: the model has no Conv2d; name the layer to show")
        return convs[0]
    if isinstance(layer, str):
        if layer not in modules:
            raise ValueError(
                f"plot_feature_maps: the model has no layer {layer!r}; "
                f"it has {', '.join(repr(name) for name in modules if name)}"
            )
        return modules[layer]
    if not any(m is layer for m in modules.values()):
        raise ValueError(f"plot_feature_maps: {layer!r} is not a part of the model")
    return layer


def _layer_output(model: Module, layer: Module, image: np.ndarray) -> np.ndarray:
    """What `layer` computes when `model` runs on the batch of one `image`: (K, H, W)."""
    params = model.parameters()
    batch = image[None].astype(params[0].dtype if params else image.dtype)  # (1, C, H, W)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with enable_grad():  # a graph is recorded, with the module calls on it
            out = model(Tensor(batch, requires_grad=True))
    finally:
        for module, training in modes:
            module.training = training
    for node in topo_order(out):
        if any(layer in call.modules for call in getattr(node, "module_calls", ())):
            if node.ndim != 4:
                raise ValueError(
                    f"plot_feature_maps: {type(layer).__name__} gives {node.shape}; "
                    "feature maps need an output (1, K, H, W)"
                )
            return node.data[0]
    raise ValueError(
        f"plot_feature_maps: {type(layer).__name__} took no part in the model's output"
    )


def _tiles(kernel: np.ndarray) -> np.ndarray:
    """A kernel's input channels (C, kh, kw) as tiles of a near-square block, row by row, a
    NaN (blank) line between them: C = 1 gives the (kh, kw) kernel itself."""
    count, kh, kw = kernel.shape
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    block = np.full((rows * (kh + 1) - 1, cols * (kw + 1) - 1), np.nan)
    for c, channel in enumerate(kernel):
        top, left = (c // cols) * (kh + 1), (c % cols) * (kw + 1)
        block[top : top + kh, left : left + kw] = channel
    return block


def _grid(
    images: list,
    title: str,
    cmap: str,
    low: float,
    high: float,
    label: str,
    first: np.ndarray | None = None,
) -> Figure:
    """A near-square grid of small images on one colour scale, with a colorbar; `first`, if
    given, goes before them in greys, titled "input"."""
    panels = len(images) + (first is not None)
    cols = math.ceil(math.sqrt(panels))
    rows = math.ceil(panels / cols)
    size = (max(PANEL_INCHES * cols + 1.2, 4.0), PANEL_INCHES * rows + 0.6)
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    if first is not None:
        axes[0].imshow(first, cmap="gray_r")  # digits' ink (high values) dark on white
        axes[0].set_title("input", fontsize="small")
    shown = None
    for i, (ax, image) in enumerate(zip(axes[panels - len(images) :], images, strict=False)):
        shown = ax.imshow(image, cmap=cmap, vmin=low, vmax=high)
        ax.set_title(str(i), fontsize="small")
    if shown is not None:
        figure.colorbar(shown, ax=axes.tolist(), shrink=0.8, label=label)
    figure.suptitle(title, fontsize="medium")
    return figure


def _check_limit(fn: str, name: str, value: Any) -> None:
    if not is_whole(value) or value < 1:
        raise ValueError(f"{fn}: {name} must be an int >= 1, got {value!r}")
