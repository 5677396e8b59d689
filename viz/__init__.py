"""Pictures of what the engine does: computation graphs (graphviz), training plots (matplotlib)."""

from .graph import draw_graph, save_svg
from .plots import plot_decision_boundary

__all__ = ["draw_graph", "plot_decision_boundary", "save_svg"]
