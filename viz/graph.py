"""Computation graphs drawn with graphviz: values flow left to right, each shown with its grad."""

from pathlib import Path
from typing import Any

import graphviz

from autograd.graph import topo_order

INSTALL_HINT = "install graphviz's dot binary: 'sudo apt-get install graphviz' (Debian/Ubuntu)"


class GraphvizMissing(RuntimeError):
    """Rendering needs graphviz's `dot` binary, which is not installed; the message says how."""


def draw_graph(root: Any, rankdir: str = "LR") -> graphviz.Digraph:
    """The graph that computed `root`: a record per node (label | data | grad), a node per op.

    Edges point the way data flows (inputs -> op -> output). Numbers show 4 significant digits.
    The result displays inline in Jupyter; `save_svg` writes it to a file.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    for node in topo_order(root):
        uid = str(id(node))
        graph.node(uid, _record(node, rankdir), shape="record")
        if node.parents:
            graph.node(uid + ".op", node.op, style="filled", fillcolor="lightgrey")
            graph.edge(uid + ".op", uid)
            for parent in node.parents:
                graph.edge(str(id(parent)), uid + ".op")
    return graph


def save_svg(root: Any, path: str | Path, rankdir: str = "LR") -> Path:
    """Draw the graph of `root` and write it as an SVG file at `path`; returns the path."""
    path = Path(path)
    try:
        svg = draw_graph(root, rankdir).pipe(format="svg")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(f"save_svg: cannot render {path.name}; {INSTALL_HINT}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(svg)
    return path


def _record(node: Any, rankdir: str) -> str:
    """'label | data 1.5 | grad -4' as a graphviz record, laid out across the flow direction."""
    fields = [f"data {node.data:.4g}", f"grad {node.grad:.4g}"]
    if node.label:
        fields.insert(0, _escape(node.label))
    row = " | ".join(fields)
    return "{ " + row + " }" if rankdir in ("LR", "RL") else row


def _escape(text: str) -> str:
    """Backslash the characters that graphviz records treat as structure."""
    return "".join("\\" + c if c in '{}|<>"\\' else c for c in text)
