"""Geometries (input shapes and settings) for the op table's pooling and interpolation rows
(tests/test_tensor_ops.py, the block "pooling and interpolation"), and numpy oracles written
as the definitions read: a loop over windows, bins or output cells, not im2col or matrices."""

import math

import numpy as np
from hypothesis import strategies as st


def _pair(draw, elements, label):
    return draw(st.tuples(elements, elements), label=label)


def _batch(draw, shape):
    """shape with a batch of 1 or 2 in front, or (sometimes) none: torch's unbatched input."""
    if draw(st.integers(0, 3), label="unbatched") == 0:
        return shape
    return (draw(st.integers(1, 2), label="N"), *shape)


def _batched(x, fn):
    """fn on (N, C, ...) arrays, for an input that may have come without the batch."""
    return fn(x) if x.ndim == 4 else fn(x[None])[0]


def _positions(n, k, s, p, d, ceil_mode):
    """Where each window starts along an axis (padding counted): torch's output size formula,
    ceil_mode's last window kept only if it starts inside the image or its leading padding."""
    room = n + 2 * p - d * (k - 1) - 1
    out = (-(-room // s) if ceil_mode else room // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return [i * s - p for i in range(out)]


@st.composite
def pool2d(draw, dilation=True):
    """One image (N, C, H, W) or (C, H, W) and max/avg pooling's settings: padding at most
    half the kernel, every window fitting the padded image."""
    c = draw(st.integers(1, 2), label="C")
    kernel = _pair(draw, st.integers(1, 3), "kernel")
    dilated = _pair(draw, st.integers(1, 2), "dilation") if dilation else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2), label="padding") for k in kernel)
    stride = draw(st.none() | st.tuples(st.integers(1, 2), st.integers(1, 3)), label="stride")
    size = tuple(
        max(draw(st.integers(1, 6), label="size"), d * (k - 1) + 1 - 2 * p)
        for k, d, p in zip(kernel, dilated, padding, strict=True)
    )
    ceil_mode = draw(st.booleans(), label="ceil_mode")
    for axis, (n, k, s, p, d) in enumerate(
        zip(size, kernel, stride or kernel, padding, dilated, strict=True)
    ):
        if not _sees_image(n, k, s, p, d, ceil_mode):  # dilation skipped the image: no padding
            padding = (*padding[:axis], 0, *padding[axis + 1 :])
            size = (*size[:axis], max(n, d * (k - 1) + 1), *size[axis + 1 :])
    settings = {"kernel_size": kernel, "stride": stride, "padding": padding,
                "ceil_mode": ceil_mode}  # fmt: skip
    if dilation:
        settings["dilation"] = dilated
    return (_batch(draw, (c, *size)),), settings


def _sees_image(n, k, s, p, d, ceil_mode):
    """Whether every window along an axis has a cell on the image."""
    return all(
        any(0 <= a + i * d < n for i in range(k)) for a in _positions(n, k, s, p, d, ceil_mode)
    )


def numpy_max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode):
    """Each window's largest cell, padding cells -inf."""
    stride = stride or kernel_size
    return _batched(x, lambda x: _pool(x, kernel_size, stride, padding, dilation, ceil_mode, "max"))


@st.composite
def avg_pool2d(draw):
    (shape,), settings = draw(pool2d(dilation=False))
    settings["count_include_pad"] = draw(st.booleans(), label="count_include_pad")
    settings["divisor_override"] = draw(st.none() | st.integers(1, 3), label="divisor_override")
    return (shape,), settings


def numpy_avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override):  # fmt: skip
    """Each window's sum over the image, divided by divisor_override, or by its cells inside the
    padded image (count_include_pad), or by those on the image."""
    stride = stride or kernel_size
    sums = _batched(x, lambda x: _pool(x, kernel_size, stride, padding, (1, 1), ceil_mode, "sum"))
    if divisor_override:
        return sums / divisor_override
    counts = []
    for n, k, s, p in zip(x.shape[-2:], kernel_size, stride, padding, strict=True):
        starts = _positions(n, k, s, p, 1, ceil_mode)
        limits = (-p, n + p) if count_include_pad else (0, n)
        counts.append([min(a + k, limits[1]) - max(a, limits[0]) for a in starts])
    return sums / np.outer(*counts)


def _pool(x, kernel, stride, padding, dilation, ceil_mode, how):
    """max or sum over each window of (N, C, H, W) x, cell by cell; off the image -inf (max) or
    0 (sum)."""
    fill = -np.inf if how == "max" else 0.0
    rows, cols = (
        _positions(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation, strict=True)
    )
    out = np.zeros((*x.shape[:2], len(rows), len(cols)))
    for oy, top in enumerate(rows):
        for ox, left in enumerate(cols):
            cells = []
            for i in range(kernel[0]):
                for j in range(kernel[1]):
                    y, z = top + i * dilation[0], left + j * dilation[1]
                    inside = 0 <= y < x.shape[2] and 0 <= z < x.shape[3]
                    cells.append(x[:, :, y, z] if inside else np.full(x.shape[:2], fill))
            out[:, :, oy, ox] = np.max(cells, axis=0) if how == "max" else np.sum(cells, axis=0)
    return out


def _as_1d(drawn):
    """A 2-d pooling geometry one row high, as 1-d: (N, C, L) or (C, L) and int settings."""
    (shape,), settings = drawn
    flat = {k: v[1] if isinstance(v, tuple) else v for k, v in settings.items()}
    return ((*shape[:-2], shape[-1]),), flat


@st.composite
def pool1d(draw, dilation=True):
    """One (N, C, L) or (C, L) input and 1-d max or avg pooling's settings (ints)."""
    drawn = draw(pool2d(dilation))
    (shape,), settings = _as_1d(drawn)
    if not dilation:
        settings["count_include_pad"] = draw(st.booleans(), label="count_include_pad")
    return (shape,), settings


def numpy_max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode):
    two = (1, stride) if stride else None
    out = numpy_max_pool2d(
        x[..., None, :], (1, kernel_size), two, (0, padding), (1, dilation), ceil_mode
    )
    return out[..., 0, :]


def numpy_avg_pool1d(x, kernel_size, stride, padding, ceil_mode, count_include_pad):
    two = (1, stride) if stride else None
    out = numpy_avg_pool2d(
        x[..., None, :], (1, kernel_size), two, (0, padding), ceil_mode, count_include_pad, None
    )
    return out[..., 0, :]


@st.composite
def adaptive(draw):
    """One image and an output_size: an int, or two where None keeps that side."""
    c, size = draw(st.integers(1, 2), label="C"), _pair(draw, st.integers(1, 5), "HW")
    shape = _batch(draw, (c, *size))
    side = st.integers(1, 4)
    output_size = draw(side | st.tuples(side | st.none(), side | st.none()), label="output_size")
    return (shape,), {"output_size": output_size}


def numpy_adaptive_pool2d(x, output_size, how):
    """Output cell (i, j) takes the mean or max of rows floor(i H / Ho) .. ceil((i + 1) H / Ho)
    - 1 and the columns likewise."""
    if not isinstance(output_size, tuple):
        output_size = (output_size, output_size)
    (h, w) = x.shape[-2:]
    ho, wo = (n if o is None else o for o, n in zip(output_size, (h, w), strict=True))
    out = np.zeros((*x.shape[:-2], ho, wo))
    reduce = np.mean if how == "mean" else np.max
    for i in range(ho):
        for j in range(wo):
            rows = slice(i * h // ho, math.ceil((i + 1) * h / ho))
            cols = slice(j * w // wo, math.ceil((j + 1) * w / wo))
            out[..., i, j] = reduce(x[..., rows, cols], axis=(-2, -1))
    return out


@st.composite
def unpool(draw):
    """An image (N, C, H, W) or (C, H, W), indices of its shape (distinct in each plane, so
    every value lands somewhere of its own) and max_unpool2d's settings."""
    c, (h, w) = draw(st.integers(1, 2), label="C"), _pair(draw, st.integers(1, 3), "HW")
    kernel = _pair(draw, st.integers(1, 3), "kernel")
    stride = _pair(draw, st.integers(1, 3), "stride")
    padding = tuple(draw(st.integers(0, k // 2), label="padding") for k in kernel)
    axes = list(zip((h, w), stride, padding, kernel, strict=True))
    if any(2 * p > (n - 1) * s + k - n for n, s, p, k in axes):
        padding = (0, 0)  # the output would be smaller than the input: no room for its values
    size = [(n - 1) * s - 2 * p + k for (n, s, _, k), p in zip(axes, padding, strict=True)]
    grow = [draw(st.integers(0, s - 1), label="output_size - default") for s in stride]
    output_size = None if not any(grow) else tuple(n + g for n, g in zip(size, grow, strict=True))
    shape = _batch(draw, (c, h, w))
    plane = (output_size or size)[0] * (output_size or size)[1]
    planes = [
        draw(st.permutations(range(plane)), label="positions")[: h * w]
        for _ in range(math.prod(shape[:-2]))
    ]
    indices = np.array(planes, np.int64).reshape(shape)
    settings = {"indices": indices, "kernel_size": kernel, "stride": stride, "padding": padding,
                "output_size": output_size}  # fmt: skip
    return (shape,), settings


def numpy_max_unpool2d(x, indices, kernel_size, stride, padding, output_size):
    """Zeros with each value of x at its index in its plane."""
    size = output_size or [
        (n - 1) * s - 2 * p + k
        for n, s, p, k in zip(x.shape[-2:], stride, padding, kernel_size, strict=True)
    ]
    out = np.zeros((math.prod(x.shape[:-2]), size[0] * size[1]))
    for plane, (values, where) in enumerate(
        zip(x.reshape(len(out), -1), indices.reshape(len(out), -1), strict=True)
    ):
        out[plane, where] = values
    return out.reshape(*x.shape[:-2], *size)


@st.composite
def interpolation(draw, spatial, mode):
    """An (N, C, L) or (N, C, H, W) input and interpolate's settings: a size or a scale factor
    (the 1-d nearest ones exact in float32: torch's 1-d backward rounds otherwise)."""
    shape = (draw(st.integers(1, 2), label="N"), draw(st.integers(1, 2), label="C"))
    shape += tuple(draw(st.integers(1, 4), label="size") for _ in range(spatial))
    settings = {"mode": mode}
    if mode != "nearest":
        settings["align_corners"] = draw(st.sampled_from([None, False, True]), label="corners")
    factors = st.sampled_from([0.5, 1.5, 2.0, 3.0] if spatial == 1 else [0.5, 0.7, 1.5, 2.0, 2.4])
    if draw(st.booleans(), label="by size"):
        sizes = st.tuples(*[st.integers(1, 6)] * spatial)
        settings["size"] = draw(st.integers(1, 6) | sizes, label="size")
    else:
        factor = draw(factors | st.tuples(*[factors] * spatial), label="scale_factor")
        scaled = zip(shape[2:], _each(factor, spatial), strict=True)
        if all(math.floor(n * f) >= 1 for n, f in scaled):
            settings["scale_factor"] = factor
        else:
            settings["size"] = shape[2:]
    return (shape,), settings


def _each(value, spatial):
    return value if isinstance(value, tuple) else (value,) * spatial


def numpy_interpolate(x, mode, size=None, scale_factor=None, align_corners=None):
    """Cell by cell: nearest copies input cell floor(i * n / o) (n / o as 1 / scale_factor when
    given, in float32 as torch); linear weighs the two cells around the source point."""
    spatial = x.ndim - 2
    if size is not None:
        sizes, scales = _each(size, spatial), (None,) * spatial
    else:
        scales = _each(scale_factor, spatial)
        sizes = tuple(math.floor(n * f) for n, f in zip(x.shape[2:], scales, strict=True))
    out = x
    for axis, (n, o, scale) in enumerate(zip(x.shape[2:], sizes, scales, strict=True)):
        picks = [_source(n, o, scale, i, mode, align_corners, spatial) for i in range(o)]
        moved = np.moveaxis(out, 2 + axis, 0)
        rows = [sum(weight * moved[cell] for cell, weight in pick) for pick in picks]
        out = np.moveaxis(np.stack(rows), 0, 2 + axis)
    return out


def _source(n, o, scale, i, mode, align_corners, spatial):
    """[(input cell, weight)] for output cell i of o along an axis of n."""
    if mode == "nearest":
        if spatial == 2 and o in (n, 2 * n):  # torch's 2-d kernel copies these exactly
            return [(i * n // o, 1.0)]
        ratio = np.float32(1.0 / scale) if scale else np.float32(n) / np.float32(o)
        return [(min(int(np.floor(np.float32(i) * ratio)), n - 1), 1.0)]
    if align_corners:
        point = i * (n - 1) / (o - 1) if o > 1 else 0.0
    else:
        point = max((i + 0.5) * (1.0 / scale if scale else n / o) - 0.5, 0.0)
    below = min(math.floor(point), n - 1)
    share = min(max(point - below, 0.0), 1.0)
    return [(below, 1.0 - share), (min(below + 1, n - 1), share)]
