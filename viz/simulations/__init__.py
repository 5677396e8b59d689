"""The course's simulations as live widgets, every number computed by the engine they teach.

Each is a Simulation (widget.py): controls, the engine's numbers (`numbers`), a picture. By
family: neurons.py (1-3), passes.py (4, 7), losses.py (5), circuits.py (6, 14-16), lessons.py
(8), landscapes.py (9, 13), descent.py (10-12), decay.py (17). SIMULATIONS maps each name (the
course's order) to the callable that builds it; `describe(name)` is its one-line description,
`gallery()` all of them behind one menu.
"""

from collections.abc import Callable

import ipywidgets as widgets

from .circuits import ThreeGates, computation_graph, gate_circuit, richer_circuit
from .decay import AdamVersusAdamW
from .descent import DescentOnSquare, NumericalGradient, Slope
from .landscapes import BatchSizes, LossLandscape
from .lessons import lessons
from .losses import LossExplorer
from .neurons import Activations, LearnALine, Neuron
from .passes import ForwardStages, NetworkPasses
from .widget import Simulation, format_number

SIMULATIONS: dict[str, Callable[[], widgets.Widget]] = {
    "learn-a-line": LearnALine,
    "neuron": Neuron,
    "activations": Activations,
    "forward-stages": ForwardStages,
    "loss-explorer": LossExplorer,
    "computation-graph": computation_graph,
    "network-passes": NetworkPasses,
    "lessons": lessons,
    "loss-landscape": LossLandscape,
    "slope": Slope,
    "numerical-gradient": NumericalGradient,
    "descent": DescentOnSquare,
    "batch-sizes": BatchSizes,
    "gate-circuit": gate_circuit,
    "richer-circuit": richer_circuit,
    "three-gates": ThreeGates,
    "adam-vs-adamw": AdamVersusAdamW,
}


def describe(name: str) -> str:
    """The one-line description of the simulation `name`: its builder's docstring's first line."""
    return SIMULATIONS[name].__doc__.strip().splitlines()[0]


def target(name: str) -> str:
    """The simulation `name` as viz.serve's "module:function" target."""
    build = SIMULATIONS[name]
    return f"{build.__module__}:{build.__name__}"


def gallery() -> widgets.VBox:
    """Every simulation behind one menu; each is built the first time it is chosen."""
    choices = [(f"{name}: {describe(name)}", name) for name in SIMULATIONS]
    menu = widgets.Dropdown(options=choices, description="simulation",
                            layout=widgets.Layout(width="95%"))  # fmt: skip
    built: dict[str, widgets.Widget] = {}
    shown = widgets.Box()

    def show(_: object = None) -> None:
        if menu.value not in built:
            built[menu.value] = SIMULATIONS[menu.value]()
        shown.children = [built[menu.value]]

    menu.observe(show, names="value")
    show()
    page = widgets.VBox([menu, shown])
    page.built = built  # for tests: name -> the widget built for it
    return page


__all__ = [
    "SIMULATIONS",
    "Activations",
    "AdamVersusAdamW",
    "BatchSizes",
    "DescentOnSquare",
    "ForwardStages",
    "LearnALine",
    "LossExplorer",
    "LossLandscape",
    "NetworkPasses",
    "Neuron",
    "NumericalGradient",
    "Simulation",
    "Slope",
    "ThreeGates",
    "computation_graph",
    "describe",
    "format_number",
    "gallery",
    "gate_circuit",
    "lessons",
    "richer_circuit",
    "target",
]
