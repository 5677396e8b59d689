"""Pictures of what the engine does: computation graphs (graphviz), training plots (matplotlib).

graph.py: draw_graph, save. plots.py: training curves, decision boundaries, LR schedules,
gradient flow, activation and gradient histograms. filters.py: a conv layer's kernels and the
feature maps an input produces. surfaces.py: 2-D test surfaces and the paths
the optimizer ladder takes on them. simulations/: the course's simulations as live widgets
(`import viz.simulations`: it needs the widgets extra, so it is not imported here).
"""

from .filters import plot_feature_maps, plot_filters
from .graph import GraphvizMissing, draw_graph, save
from .plots import (
    plot_decision_boundary,
    plot_gradient_flow,
    plot_histograms,
    plot_history,
    plot_lr_schedule,
    save_figure,
)
from .surfaces import (
    Surface,
    default_optimizers,
    optimizer_paths,
    plot_optimizer_paths,
    ravine,
    rosenbrock,
    saddle,
)

__all__ = [
    "GraphvizMissing",
    "Surface",
    "default_optimizers",
    "draw_graph",
    "optimizer_paths",
    "plot_decision_boundary",
    "plot_feature_maps",
    "plot_filters",
    "plot_gradient_flow",
    "plot_histograms",
    "plot_history",
    "plot_lr_schedule",
    "plot_optimizer_paths",
    "ravine",
    "rosenbrock",
    "saddle",
    "save",
    "save_figure",
]
