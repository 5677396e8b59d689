"""Seeing a CNN: its graph as one box per layer, its kernels, and the feature maps of one input."""

import re

import numpy as np
import pytest

import nn
from autograd import Tensor
from viz import draw_graph, plot_feature_maps, plot_filters

DIGIT = np.random.default_rng(0).random((1, 8, 8)).astype(np.float32)  # (C, H, W)


def cnn():
    """(N, 1, 8, 8) -> (N, 10): every kind of layer a small CNN has."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, generator=0),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2, generator=1),
        nn.ConvTranspose2d(8, 2, 2, stride=2, generator=2),
        nn.Dropout2d(0.25, generator=3),
        nn.Flatten(),
        nn.Linear(128, 10, generator=4),
    )


def texts(graph) -> list[str]:
    """The text labels of a graph drawn as SVG, top to bottom within each node."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", graph.pipe(format="svg").decode())


def images(figure) -> list[np.ndarray]:
    """The arrays shown by each axes holding an image, in grid order."""
    return [ax.images[0].get_array().filled(np.nan) for ax in figure.axes if ax.images]


def test_collapsed_cnn_graph_is_one_box_per_layer_with_its_output_shape():
    model = cnn()
    x = np.random.default_rng(1).random((3, 1, 8, 8)).astype(np.float32)
    loss = nn.CrossEntropyLoss()(model(Tensor(x)), np.array([0, 1, 2]))
    loss.backward()
    labels = texts(draw_graph(loss, model=model, collapse_modules=True))
    shapes = ["(3, 4, 8, 8)"] * 3 + ["(3, 8, 4, 4)", "(3, 2, 8, 8)", "(3, 2, 8, 8)", "(3, 128)"]
    boxes = [f"{i}: {type(layer).__name__}" for i, layer in enumerate(model)]
    for box, shape in zip(boxes, [*shapes, "(3, 10)"], strict=True):
        assert labels[labels.index(box) + 1] == shape, box  # the second line of the box
    assert [t for t in labels if re.fullmatch(r"\d+: \w+", t)] == boxes  # each once, in order
    assert not {"unfold", "fold", "matmul", "0.weight"} & set(labels)  # inside the boxes
    assert len(labels) < len(texts(draw_graph(loss, model=model))) / 3


def test_plot_filters_shows_each_kernel_on_one_scale_centred_at_zero(tmp_path):
    conv = nn.Conv2d(1, 6, 3, generator=0)
    figure = plot_filters(conv, path=tmp_path / "filters.png")
    assert (tmp_path / "filters.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = images(figure)
    assert len(shown) == 6
    for kernel, image in zip(conv.weight.data[:, 0], shown, strict=True):
        np.testing.assert_array_equal(image, kernel)
    scale = np.abs(conv.weight.data).max()
    for ax in figure.axes:
        if ax.images:
            assert ax.images[0].get_clim() == pytest.approx((-scale, scale))
            assert ax.images[0].get_cmap().name == "RdBu_r"
    assert any(ax.get_ylabel() == "weight" for ax in figure.axes)  # the colorbar
    assert "the 6 kernels (1, 3, 3) of Conv2d" in figure.get_suptitle()


def test_plot_filters_tiles_input_channels_and_limits_the_count():
    conv = nn.Conv2d(4, 3, 2, generator=0)
    figure = plot_filters(conv, max_filters=2)
    shown = images(figure)
    assert len(shown) == 2 and "the first 2 of 3" in figure.get_suptitle()
    tiles = shown[1]  # kernel 1's four channels in 2 x 2 tiles, a blank line apart
    assert tiles.shape == (5, 5) and np.isnan(tiles[2]).all() and np.isnan(tiles[:, 2]).all()
    for c, (top, left) in enumerate([(0, 0), (0, 3), (3, 0), (3, 3)]):
        np.testing.assert_array_equal(tiles[top : top + 2, left : left + 2], conv.weight.data[1, c])
    with pytest.raises(TypeError, match=r"plot_filters: expected an nn\.Conv2d, got Linear"):
        plot_filters(nn.Linear(2, 3))
    with pytest.raises(ValueError, match="max_filters must be an int >= 1"):
        plot_filters(conv, max_filters=0)


def test_plot_feature_maps_of_the_first_conv_layer_by_default(tmp_path):
    model = cnn()
    figure = plot_feature_maps(model, DIGIT, path=tmp_path / "maps.png")
    assert (tmp_path / "maps.png").stat().st_size > 1000
    shown = images(figure)
    expected = model[0](Tensor(DIGIT[None])).data[0]  # (4, 8, 8)
    assert len(shown) == 1 + 4
    np.testing.assert_array_equal(shown[0], DIGIT[0])  # the input, first
    np.testing.assert_allclose(np.stack(shown[1:]), expected, rtol=1e-6)
    assert figure.get_suptitle() == "0: Conv2d, feature maps"
    assert model[1].num_batches_tracked.data == 0 and model.training  # ran in eval, mode back


def test_plot_feature_maps_after_a_chosen_layer():
    model = cnn()
    after_relu = images(plot_feature_maps(model, DIGIT[None], layer="2"))[1:]
    assert len(after_relu) == 4 and min(m.min() for m in after_relu) >= 0
    by_object = plot_feature_maps(model, DIGIT, layer=model[4], max_maps=1)
    assert len(images(by_object)) == 2 and by_object.get_suptitle().startswith("4: ConvTranspose")
    one_layer = plot_feature_maps(nn.Conv2d(1, 3, 3, generator=0), DIGIT)
    assert one_layer.get_suptitle() == "Conv2d, feature maps" and len(images(one_layer)) == 4


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: plot_feature_maps(m, DIGIT, layer="9"), ValueError, "no layer '9'; it has '0'"),
        (lambda m: plot_feature_maps(m, DIGIT, layer=nn.ReLU()), ValueError, "not a part of"),
        (lambda m: plot_feature_maps(m, DIGIT, layer="7"), ValueError, r"Linear gives \(1, 10\)"),
        (lambda m: plot_feature_maps(m, DIGIT[0]), ValueError, r"x must be one input \(C, H, W\)"),
        (lambda m: plot_feature_maps(nn.ReLU(), DIGIT), ValueError, "the model has no Conv2d"),
        (lambda m: plot_feature_maps("cnn", DIGIT), TypeError, "model must be an nn.Module"),
        (lambda m: plot_feature_maps(m, DIGIT, max_maps=0), ValueError, "max_maps must be an int"),
    ],
)
def test_plot_feature_maps_refuses_what_it_cannot_show(call, error, message):
    with pytest.raises(error, match=message):
        call(cnn())
