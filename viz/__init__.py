"""Pictures of what the engine does: computation graphs (graphviz), training plots (matplotlib)."""

from .graph import GraphvizMissing, draw_graph, save
from .plots import plot_decision_boundary

__all__ = ["GraphvizMissing", "draw_graph", "plot_decision_boundary", "save"]
