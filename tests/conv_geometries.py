"""Geometries (input shapes and settings) for the op table's convolution rows
(tests/test_tensor_ops.py, the block "convolution"), and numpy oracles written as the
definition reads: a sum over the kernel's cells, not im2col."""

import numpy as np
from hypothesis import strategies as st


def _pair(draw, elements, label):
    return draw(st.tuples(elements, elements), label=label)


def _cells(first: int, count: int, step: int) -> slice:
    """`count` cells from `first`, `step` apart."""
    return slice(first, first + (count - 1) * step + 1, step)


def _padded_fits(size, kernel, dilation, padding) -> bool:
    return all(
        n + 2 * p >= d * (k - 1) + 1
        for n, k, d, p in zip(size, kernel, dilation, padding, strict=True)
    )


@st.composite
def conv2d(draw, groups=True):
    """Input (N, C, H, W), weight (O, C / G, kh, kw), bias (O,) and conv2d's settings; batch 1
    and odd sizes are common, every window fits the padded input."""
    g = draw(st.sampled_from([1, 1, 2]) if groups else st.just(1), label="groups")
    n, c, o = draw(st.integers(1, 2)), g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    kernel, dilation = _pair(draw, st.integers(1, 3), "kernel"), _pair(draw, st.integers(1, 2), "d")
    size = _pair(draw, st.integers(1, 6), "size")
    kind = draw(st.sampled_from(["ints", "same", "valid"]), label="padding kind")
    stride = (1, 1) if kind == "same" else _pair(draw, st.integers(1, 2), "stride")
    padding = {"same": "same", "valid": (0, 0)}.get(kind) or _pair(draw, st.integers(0, 2), "pad")
    if kind != "same" and not _padded_fits(size, kernel, dilation, padding):
        size = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    shapes = ((n, c, *size), (o, c // g, *kernel), (o,))
    return shapes, {"stride": stride, "padding": padding, "dilation": dilation, "groups": g}


def numpy_conv2d(x, w, b, stride, padding, dilation, groups):
    """The definition: out[n, o, y, x] = b[o] + sum over c, i, j of image * kernel."""
    kh, kw = w.shape[2:]
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip((kh, kw), dilation, strict=True)]
        pads = [(t // 2, t - t // 2) for t in totals]
    else:
        pads = [(p, p) for p in padding]
    image = np.pad(x, ((0, 0), (0, 0), *pads))
    ho = (image.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (image.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    per_group, out_per_group = x.shape[1] // groups, w.shape[0] // groups
    out = np.zeros((x.shape[0], w.shape[0], ho, wo)) + b.reshape(-1, 1, 1)
    for o in range(w.shape[0]):
        first = o // out_per_group * per_group
        for c in range(per_group):
            for i in range(kh):
                for j in range(kw):
                    rows = _cells(i * dilation[0], ho, stride[0])
                    cols = _cells(j * dilation[1], wo, stride[1])
                    out[:, o] += image[:, first + c, rows, cols] * w[o, c, i, j]
    return out


@st.composite
def conv1d(draw):
    """Input (N, C, L), weight (O, C, k), bias (O,) and conv1d's settings (ints)."""
    (x, w, b), settings = draw(conv2d(groups=False))
    flat = {k: v if isinstance(v, str) else v[1] for k, v in settings.items() if k != "groups"}
    return ((x[0], x[1], x[3]), (w[0], w[1], w[3]), b), flat


def numpy_conv1d(x, w, b, stride, padding, dilation):
    padding = padding if isinstance(padding, str) else (0, padding)
    return numpy_conv2d(x[:, :, None], w[:, :, None], b, (1, stride), padding, (1, dilation), 1)[
        :, :, 0
    ]


@st.composite
def conv_transpose2d(draw):
    """Input (N, C, H, W), weight (C, O / G, kh, kw), bias (O,) and conv_transpose2d's settings,
    output_padding below the stride or the dilation."""
    g = draw(st.sampled_from([1, 1, 2]), label="groups")
    n, c, o = draw(st.integers(1, 2)), g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    kernel, dilation = _pair(draw, st.integers(1, 3), "kernel"), _pair(draw, st.integers(1, 2), "d")
    stride = _pair(draw, st.integers(1, 2), "stride")
    size = _pair(draw, st.integers(1, 4), "size")
    extra = tuple(
        draw(st.integers(0, max(s, d) - 1), label="output_padding")
        for s, d in zip(stride, dilation, strict=True)
    )
    padding = tuple(  # the output stays at least one cell
        draw(st.integers(0, max(0, ((n - 1) * s + d * (k - 1) + e) // 2)), label="padding")
        for n, s, d, k, e in zip(size, stride, dilation, kernel, extra, strict=True)
    )
    shapes = ((n, c, *size), (c, o // g, *kernel), (o,))
    settings = {"stride": stride, "padding": padding, "output_padding": extra, "groups": g,
                "dilation": dilation}  # fmt: skip
    return shapes, settings


def numpy_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation):
    """The definition: each input cell adds its kernel-weighted copy onto the output."""
    (kh, kw), (h, wd) = w.shape[2:], x.shape[2:]
    full = [
        (n - 1) * s + d * (k - 1) + 1 + e
        for n, s, d, k, e in zip((h, wd), stride, dilation, (kh, kw), output_padding, strict=True)
    ]
    per_group, out_per_group = x.shape[1] // groups, w.shape[1]
    out = np.zeros((x.shape[0], out_per_group * groups, *full))
    for c in range(x.shape[1]):
        group = c // per_group
        for o in range(out_per_group):
            for i in range(kh):
                for j in range(kw):
                    rows = _cells(i * dilation[0], h, stride[0])
                    cols = _cells(j * dilation[1], wd, stride[1])
                    out[:, group * out_per_group + o, rows, cols] += x[:, c] * w[c, o, i, j]
    (top, left) = padding
    out = out[:, :, top : full[0] - top, left : full[1] - left]
    return out + b.reshape(-1, 1, 1)


@st.composite
def unfold(draw):
    """One input (N, C, H, W) and unfold's settings (kernel_size, dilation, padding, stride)."""
    (x, w, _), settings = draw(conv2d(groups=False))
    padding, kernel, dilation = settings["padding"], w[2:], settings["dilation"]
    padding = (0, 0) if isinstance(padding, str) else padding
    if not _padded_fits(x[2:], kernel, dilation, padding):
        x = (*x[:2], *(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)))
    return (x,), {"kernel_size": w[2:], "dilation": settings["dilation"], "padding": padding,
                  "stride": settings["stride"]}  # fmt: skip


def numpy_unfold(x, kernel_size, dilation, padding, stride):
    """Column l holds window position l's cells, channel-major then kernel row and column."""
    image = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    ho = (image.shape[2] - dilation[0] * (kernel_size[0] - 1) - 1) // stride[0] + 1
    wo = (image.shape[3] - dilation[1] * (kernel_size[1] - 1) - 1) // stride[1] + 1
    columns = []
    for y in range(ho):
        for z in range(wo):
            rows = _cells(y * stride[0], kernel_size[0], dilation[0])
            cols = _cells(z * stride[1], kernel_size[1], dilation[1])
            columns.append(image[:, :, rows, cols].reshape(x.shape[0], -1))
    return np.stack(columns, axis=-1)


@st.composite
def fold(draw):
    """One input (N, C kh kw, L) and fold's settings: unfold's geometry, run backwards."""
    ((n, c, h, w),), settings = draw(unfold())
    kh, kw = settings["kernel_size"]
    positions = numpy_unfold(np.zeros((1, 1, h, w)), **settings).shape[-1]
    return ((n, c * kh * kw, positions),), {"output_size": (h, w), **settings}


def numpy_fold(cols, output_size, kernel_size, dilation, padding, stride):
    """Each column entry added to the cell it stands for: unfold's adjoint, by its definition
    <unfold(x), cols> = <x, fold(cols)> taken one basis image at a time."""
    n, c = cols.shape[0], cols.shape[1] // (kernel_size[0] * kernel_size[1])
    out = np.zeros((n, c, *output_size))
    for cell in np.ndindex(c, *output_size):
        basis = np.zeros((1, c, *output_size))
        basis[(0, *cell)] = 1.0
        picked = numpy_unfold(basis, kernel_size, dilation, padding, stride)
        out[(slice(None), *cell)] = (cols * picked).sum(axis=(1, 2))
    return out
