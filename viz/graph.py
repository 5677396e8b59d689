"""Computation graphs drawn with graphviz, for Value and Tensor graphs alike.

`draw_graph(root)` draws what computed `root`: a record per node and a grey node per op, edges
the way data flows. A Value's record is label | data | grad; a Tensor's is name | shape and
dtype | data | grad, with small arrays shown in full and larger ones as mean and std. Given the
`model`, parameters are named as in its state_dict and every module call is a cluster, or with
`collapse_modules=True` one box, so an MLP is a handful of boxes. Red marks NaN or Inf in a
value or gradient; orange a gradient that is an outlier among the others (see _extreme_limit;
never the root's own, the seed backward started from).
`save(graph, path)` writes .svg, .png (both need graphviz's `dot`) or .dot (does not).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from autograd import Tensor, Value
from autograd.arguments import is_whole
from autograd.graph import topo_order
from nn import Module

INSTALL_HINT = "install graphviz's dot binary: 'sudo apt-get install graphviz' (Debian/Ubuntu)"
SHOWS = ("forward", "backward", "both")
OUTLIER_DECADES = 3.0  # a gradient this many decades above the median RMS is extreme
NAN_STYLE = {"style": "filled", "fillcolor": "#f6b9b9", "color": "red"}
EXTREME_STYLE = {"style": "filled", "fillcolor": "#fbd9a8", "color": "darkorange"}
OP_STYLE = {"style": "filled", "fillcolor": "lightgrey"}
BOX_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe9f6"}
SMALL = 4  # arrays of up to this many elements are shown in full
SUFFIXES = (".svg", ".png", ".dot")  # what save writes


class GraphvizMissing(RuntimeError):
    """Rendering needs graphviz's `dot` binary, which is not installed; the message says how."""


@dataclass
class _Call:
    """One module call in the drawing: its title and the graph nodes it computed."""

    title: str
    output: Any
    members: list


def draw_graph(
    root: Any,
    rankdir: str = "LR",
    show: str = "both",
    model: Module | None = None,
    collapse_modules: bool = False,
    max_nodes: int = 150,
) -> graphviz.Digraph:
    """The graph that computed `root` (a Value or a Tensor) as a graphviz Digraph.

    show: "forward" (records show data), "backward" (gradients, arrows pointing back to the
    inputs) or "both". model: the Module that ran, for parameter names and module calls (needs
    `collapse_modules` for boxes instead of clusters). Beyond `max_nodes` records and boxes,
    those farthest from `root` become one "... N more" node. Displays inline in Jupyter.
    """
    _check_options(root, rankdir, show, max_nodes, model, collapse_modules)
    nodes = topo_order(root)
    calls = _module_calls(nodes, model) if model is not None else []
    names = {id(p): name for name, p in model.named_parameters()} if model is not None else {}
    # the root's gradient is the seed (1 for a loss), not one backward computed: never an outlier
    computed = [n for n in nodes if n is not root]
    drawing = _Drawing(rankdir, show, names, _extreme_limit(computed), root)
    unit = {id(n): str(id(n)) for n in nodes}  # what each node is drawn as: itself or a box
    if collapse_modules:
        unit |= {id(m): f"call{i}" for i, call in enumerate(calls) for m in call.members}
    hidden = _hidden_units(nodes, unit, max_nodes)
    unit |= {node_id: "more" for node_id, u in unit.items() if u in hidden}
    if hidden:
        drawing.graph.node("more", f"... {len(hidden)} more", shape="note")
    if collapse_modules:
        for i, call in enumerate(calls):
            if f"call{i}" not in hidden:
                drawing.box(f"call{i}", call, unit)
    clustered = set() if collapse_modules else {id(m) for call in calls for m in call.members}
    for i, call in enumerate([] if collapse_modules else calls):
        with drawing.graph.subgraph(name=f"cluster_{i}") as cluster:
            cluster.attr(label=call.title, style="rounded", color="steelblue")
            for node in call.members:
                if unit[id(node)] == str(id(node)):  # not behind "... more"
                    drawing.node(node, unit, cluster)
    for node in nodes:
        if unit[id(node)] == str(id(node)) and id(node) not in clustered:
            drawing.node(node, unit, drawing.graph)
    return drawing.graph


def save(graph: graphviz.Digraph, path: str | Path) -> Path:
    """Write `graph` to `path` as .svg, .png or .dot (by suffix); returns the path.

    .svg and .png need graphviz's `dot` binary (GraphvizMissing says how to install it when it
    is absent); .dot is graphviz's source text and needs nothing.
    """
    if not isinstance(graph, graphviz.Digraph):
        raise TypeError(
            f"save: graph must be a graphviz.Digraph (from draw_graph), got {type(graph).__name__}"
        )
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"save: {path.name} must end in .svg, .png or .dot")
    if suffix == ".dot":
        content = graph.source.encode()
    else:
        try:
            content = graph.pipe(format=suffix.lstrip("."))
        except graphviz.ExecutableNotFound:
            raise GraphvizMissing(f"save: cannot render {path.name}; {INSTALL_HINT}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


class _Drawing:
    """The Digraph being built, and how to draw a node or a module's box into it."""

    def __init__(self, rankdir: str, show: str, names: dict, extreme: float, root: Any) -> None:
        self.graph = graphviz.Digraph(
            graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"}
        )
        self.rankdir, self.show, self.names, self.extreme = rankdir, show, names, extreme
        self.root = root
        self.edges: set[tuple[str, str]] = set()

    def node(self, node: Any, unit: dict, into: graphviz.Digraph) -> None:
        """node's record, and its op node fed by the units of its parents."""
        uid = str(id(node))
        into.node(uid, self._record(node), shape="record", **self._health([node]))
        if node.parents:
            into.node(uid + ".op", node.op, **OP_STYLE)
            self.edge(uid + ".op", uid)
            for parent in node.parents:
                self.edge(unit[id(parent)], uid + ".op")

    def box(self, uid: str, call: _Call, unit: dict) -> None:
        """A module call as one box, fed by the units of what its nodes read from outside."""
        shape = getattr(call.output, "shape", ())
        self.graph.node(uid, f"{call.title}\n{shape}", **(BOX_STYLE | self._health(call.members)))
        inside = {id(m) for m in call.members}
        for member in call.members:
            for parent in member.parents:
                if id(parent) not in inside:
                    self.edge(unit[id(parent)], uid)

    def edge(self, tail: str, head: str) -> None:
        """An arrow the way data flows (drawn pointing back when showing the backward pass)."""
        if tail != head and (tail, head) not in self.edges:
            self.edges.add((tail, head))
            self.graph.edge(tail, head, **({"dir": "back"} if self.show == "backward" else {}))

    def _record(self, node: Any) -> str:
        """'name | shape dtype | data ... | grad ...' across the flow direction."""
        fields = [_escape(self.names.get(id(node), node.label))]
        if hasattr(node, "dtype"):
            fields.append(f"{node.shape} {node.dtype}")
        if self.show != "backward":
            fields.append("data " + _summary(node.data))
        if self.show != "forward":
            fields.append("grad " + _summary(_array(node.grad)))
        row = " | ".join(f for f in fields if f)
        return "{ " + row + " }" if self.rankdir in ("LR", "RL") else row

    def _health(self, nodes: list) -> dict:
        """Red style if a node has NaN or Inf, orange if a gradient other than the root's seed is
        extreme, else none."""
        if any(_non_finite(n) for n in nodes):
            return NAN_STYLE
        if any(_grad_rms(n) > self.extreme for n in nodes if n is not self.root):
            return EXTREME_STYLE
        return {}


def _check_options(
    root: Any, rankdir: str, show: str, max_nodes: int, model: Any, collapse: bool
) -> None:
    """draw_graph's arguments, checked before anything is drawn."""
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"draw_graph: root must be a Value or a Tensor, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    if show not in SHOWS:
        raise ValueError(f"draw_graph: show must be one of {', '.join(SHOWS)}, got {show!r}")
    if not is_whole(max_nodes) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be an int >= 1, got {max_nodes!r}")
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"draw_graph: model must be an nn.Module, got {type(model).__name__}")
    if collapse and model is None:
        raise ValueError("draw_graph: collapse_modules needs the model whose calls to collapse")


def _module_calls(nodes: list, model: Module) -> list[_Call]:
    """Each node's innermost call of a submodule of `model`, with the nodes it computed (back
    to the call's inputs, not through another call's nodes), in topological order."""
    names = {id(m): name for name, m in model.named_modules() if name}
    claimed: set[int] = set()
    calls = []
    for node in nodes:
        call = next(
            (
                c
                for c in getattr(node, "module_calls", ())
                if all(id(m) in names for m in c.modules)
            ),
            None,
        )
        if call is None or id(node) in claimed:
            continue
        members = _computed_between(node, {id(t) for t in call.inputs} | claimed)
        claimed |= {id(m) for m in members}
        title = "+".join(names[id(m)] for m in call.modules) + ": "
        calls.append(_Call(title + "+".join(type(m).__name__ for m in call.modules), node, members))
    return calls


def _computed_between(node: Any, stop: set[int]) -> list:
    """`node` and everything it depends on without passing through a node whose id is in stop."""
    members, seen, stack = [], {id(node)}, [node]
    while stack:
        current = stack.pop()
        members.append(current)
        for parent in current.parents:
            if id(parent) not in seen and id(parent) not in stop:
                seen.add(id(parent))
                stack.append(parent)
    return members


def _hidden_units(nodes: list, unit: dict, max_nodes: int) -> set[str]:
    """The units (records and boxes) beyond the `max_nodes` nearest the root."""
    order = list(dict.fromkeys(unit[id(n)] for n in reversed(nodes)))  # root first
    return set(order[max_nodes:])


def _extreme_limit(nodes: list) -> float:
    """The gradient RMS above which a node is drawn orange: in log10, the median plus
    OUTLIER_DECADES times the larger of 1 and the median absolute deviation. Robust in log
    space, so a net whose gradients vanish layer by layer (spread over decades) has no
    outliers, while one gradient exploding past the rest stands out; inf for fewer than 3."""
    logs = np.log10([r for r in map(_grad_rms, nodes) if 0 < r < np.inf])
    if len(logs) < 3:
        return np.inf
    median = np.median(logs)
    spread = max(1.0, float(np.median(np.abs(logs - median))))
    return float(10 ** (median + OUTLIER_DECADES * spread))


def _array(value: Any) -> np.ndarray | None:
    """A gradient as an array: a Tensor's data, a float as a 0-d array, None as None."""
    return None if value is None else np.asarray(getattr(value, "data", value))


def _non_finite(node: Any) -> bool:
    grad = _array(node.grad)
    return not np.isfinite(node.data).all() or (grad is not None and not np.isfinite(grad).all())


def _grad_rms(node: Any) -> float:
    """The root mean square of node's gradient (0 without one): comparable across sizes."""
    grad = _array(node.grad)
    return (
        0.0
        if grad is None or grad.size == 0
        else float(np.sqrt(np.mean(np.square(grad, dtype=np.float64))))
    )


def _summary(values: Any) -> str:
    """Values in full when few (4 significant digits), else mean and std; NaN/Inf counted."""
    if values is None:
        return "none"
    values = np.asarray(values)
    if values.size <= SMALL:
        text = f"{values.item():.4g}" if values.ndim == 0 else _list(values.ravel())
        return _escape(text)
    finite = values[np.isfinite(values)]
    text = f"mean {finite.mean():.4g} std {finite.std():.4g}" if finite.size else "no finite"
    bad = values.size - finite.size
    return text + (f" ({bad} nan/inf of {values.size})" if bad else "")


def _list(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values.tolist()) + "]"


def _escape(text: str) -> str:
    """Backslash the characters that graphviz records treat as structure."""
    return "".join("\\" + c if c in '{}|<>"\\' else c for c in text)
