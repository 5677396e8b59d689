"""Graph drawing and plots: what a person sees."""

import re

import numpy as np
import pytest

import nn
from autograd import Tensor, Value
from viz import GraphvizMissing, draw_graph, plot_decision_boundary, save


def course_graph():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    return f


def test_draw_graph_has_a_record_per_value_and_a_node_per_op():
    source = draw_graph(course_graph()).source
    assert source.count("shape=record") == 5  # x, y, z, q, f
    for text in ("x | data -2 | grad -4", "q | data 3 | grad -4", "f | data -12 | grad 1"):
        assert text in source
    assert source.count("fillcolor=lightgrey") == 2  # the + and the *
    assert source.count("->") == 2 + 1 + 2 + 1  # inputs -> op -> output, twice
    assert "rankdir=LR" in source


def test_save_svg_contains_every_label(tmp_path):
    path = save(draw_graph(course_graph()), tmp_path / "sub" / "graph.svg")
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for label in ("x", "y", "z", "q", "f"):
        assert f">{label}</text>" in svg


def test_record_special_characters_are_escaped():
    v = Value(1.0, label="a|b{c}")
    assert r"a\|b\{c\}" in draw_graph(v).source


def test_top_to_bottom_layout_and_bad_rankdir():
    assert "rankdir=TB" in draw_graph(course_graph(), rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw_graph(course_graph(), rankdir="sideways")


def test_missing_dot_binary_names_the_fix_and_dot_export_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    graph = draw_graph(course_graph())
    for name in ("g.svg", "g.png"):
        with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
            save(graph, tmp_path / name)
        assert not (tmp_path / name).exists()
    assert save(graph, tmp_path / "g.dot").read_text() == graph.source


def test_decision_boundary_png(tmp_path):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 1, 0, 1])
    seen = []

    def predict(points):
        seen.append(points.shape)
        return points[:, 0] - 0.5

    figure = plot_decision_boundary(predict, X, y, path=tmp_path / "b.png", resolution=20)
    assert seen == [(400, 2)]
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure.axes[0].get_title() == "decision boundary"
    with pytest.raises(ValueError, match=r"got \(4, 3\) and \(4,\)"):
        plot_decision_boundary(predict, np.zeros((4, 3)), y)


# --- Tensor graphs ---------------------------------------------------------------------------


def svg_of(graph) -> str:
    return graph.pipe(format="svg").decode()


def texts(svg: str) -> list[str]:
    """The text labels of an SVG drawing."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def drawn_nodes(graph) -> int:
    """The records, op nodes, boxes and "more" notes in a graph's source."""
    settings = ("graph", "node", "label", "style", "color")
    lines = [line.strip() for line in graph.source.splitlines()]
    return sum(
        1 for line in lines if "[" in line and "->" not in line and not line.startswith(settings)
    )


def tensor_expression():
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a.label = "a"
    b = Tensor(np.full(3, 2.0), requires_grad=True)
    b.label = "b"
    out = (a * b).sum()
    out.backward()
    return out


def mlp(depth: int, width: int = 8):
    layers = []
    for i in range(depth):
        layers += [nn.Linear(width if i else 2, width, generator=i), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(width, 2, generator=depth))


def mlp_loss(model, x=None):
    x = np.random.default_rng(0).standard_normal((5, 2)) if x is None else x
    loss = nn.CrossEntropyLoss()(model(Tensor(x.astype(np.float32))), np.array([0, 1, 0, 1, 1]))
    loss.backward()
    return loss


def test_tensor_records_show_label_shape_dtype_data_and_grad():
    svg = svg_of(draw_graph(tensor_expression()))
    labels = texts(svg)
    expected = ["a", "b", "(2, 3) float64", "(3,) float64", "() float64", "mul", "sum"]
    expected += ["data [2, 2, 2]", "grad [3, 5, 7]", "data mean 2.5 std 1.708", "data 30"]
    for text in expected:
        assert text in labels, text
    assert "grad mean 2 std 0" in labels  # a's gradient: b broadcast over its rows


def test_show_forward_or_backward_only():
    forward = draw_graph(tensor_expression(), show="forward").source
    backward = draw_graph(tensor_expression(), show="backward").source
    assert "data " in forward and "grad " not in forward and "dir=back" not in forward
    assert "grad " in backward and "data " not in backward and "dir=back" in backward
    with pytest.raises(ValueError, match="show must be one of forward, backward, both"):
        draw_graph(tensor_expression(), show="sideways")


def test_mlp_clusters_name_module_calls_and_parameters():
    model = mlp(2)
    svg = svg_of(draw_graph(mlp_loss(model), model=model))
    labels = texts(svg)
    for text in ("0+1: Linear+ReLU", "2+3: Linear+ReLU", "4: Linear", "0.weight", "0.bias",
                 "4.weight", "(8, 2) float32", "linear", "cross_entropy"):  # fmt: skip
        assert text in labels, text
    assert svg.count('class="cluster"') == 3


def test_collapsed_mlp_is_a_box_per_call_and_small():
    model = mlp(10)
    graph = draw_graph(mlp_loss(model), model=model, collapse_modules=True)
    labels = texts(svg_of(graph))
    boxes = [f"{2 * i}+{2 * i + 1}: Linear+ReLU" for i in range(10)] + ["20: Linear"]
    assert [t for t in labels if "Linear" in t] == boxes
    assert "0.weight" not in labels and "linear" not in labels  # inside the boxes
    assert drawn_nodes(graph) < 40
    assert drawn_nodes(draw_graph(mlp_loss(model), model=model)) >= 4 * 11  # record, op, W, b


def test_modules_called_one_by_one_get_a_box_each():
    model = mlp(1)
    x = Tensor(np.ones((3, 2), np.float32))
    out = x
    for layer in model:
        out = layer(out)
    out.sum().backward()
    labels = texts(svg_of(draw_graph(out.sum(), model=model, collapse_modules=True)))
    assert {"0: Linear", "1: ReLU", "2: Linear"} <= set(labels)


def test_nan_is_red():
    model = mlp(1)
    x = np.random.default_rng(0).standard_normal((5, 2))
    x[2, 1] = np.nan
    loss = mlp_loss(model, x)
    svg = svg_of(draw_graph(loss, model=model))
    assert 'fill="#f6b9b9" stroke="red"' in svg
    assert "nan/inf of" in svg
    model.zero_grad()  # the NaN gradients stay in the weights until then
    clean = svg_of(draw_graph(mlp_loss(model), model=model))
    assert 'stroke="red"' not in clean


def test_exploding_gradient_is_orange():
    x = Tensor(np.ones(4), requires_grad=True)
    spike = Tensor(np.ones(4), requires_grad=True)
    loss = sum(((x * float(i)).sum() for i in range(1, 9)), (spike * 1e12).sum())
    loss.backward()
    svg = svg_of(draw_graph(loss))
    assert svg.count('stroke="darkorange"') >= 1
    orange = re.findall(
        r'<g id="node\d+" class="node">\s*<title>[^<]*</title>\s*'
        r'<polygon fill="#fbd9a8"[^>]*>(?:\s*<text[^>]*>([^<]*)</text>)',
        svg,
    )
    assert orange, "no orange record"
    calm = (x * 2.0).sum()
    calm.backward()
    assert "darkorange" not in svg_of(draw_graph(calm))


def test_the_roots_own_seed_gradient_is_never_an_outlier():
    terms = [Value(1e-6, f"x{i}") for i in range(6)]
    loss = Value.sum(terms) * 1e-6  # every gradient backward computes is about 1e-6
    loss.backward()  # ... but the seed, loss.grad, is 1: six decades above them
    assert "darkorange" not in draw_graph(loss).source  # computed outliers: the test above


def test_max_nodes_folds_the_far_end_into_a_more_node():
    model = mlp(3)
    loss = mlp_loss(model)
    full = draw_graph(loss, model=model)
    small = draw_graph(loss, model=model, max_nodes=6)
    labels = texts(svg_of(small))
    more = [t for t in labels if t.startswith("... ")]
    assert len(more) == 1 and more[0].endswith(" more")
    assert drawn_nodes(small) < drawn_nodes(full)
    with pytest.raises(ValueError, match="max_nodes must be an int >= 1"):
        draw_graph(loss, max_nodes=0)


def test_bad_model_arguments_are_named():
    with pytest.raises(ValueError, match="collapse_modules needs the model"):
        draw_graph(tensor_expression(), collapse_modules=True)
    with pytest.raises(TypeError, match=r"model must be an nn\.Module"):
        draw_graph(tensor_expression(), model="mlp")
    with pytest.raises(ValueError, match=r"must end in \.svg, \.png or \.dot"):
        save(draw_graph(tensor_expression()), "graph.pdf")


def test_save_png_and_jupyter_display(tmp_path):
    graph = draw_graph(tensor_expression())
    assert save(graph, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "image/svg+xml" in graph._repr_mimebundle_()  # what Jupyter shows inline
