"""Graph drawing and plots: what a person sees."""

import numpy as np
import pytest

from autograd import Value
from viz import GraphvizMissing, draw_graph, plot_decision_boundary, save_svg


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
    path = save_svg(course_graph(), tmp_path / "sub" / "graph.svg")
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


def test_missing_dot_binary_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        save_svg(course_graph(), tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


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
