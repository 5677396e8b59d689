"""The playground's engine side, without UI: settings, datasets and a training session.

settings.py: Settings and its shareable string; data.py: the datasets, features and the grid;
network.py: the network, optimizer, schedule and loss built from Settings; session.py: Session,
trained a few steps a frame, with what the widgets draw; export.py: the run as a script.
The widget (the `widgets` extra: ipywidgets, anywidget): widget.py Playground, built from
controls.py, canvas.py (+ canvas.js), frames.py, inside.py and player.py.
"""

from .data import DATASETS, FEATURES, features, make_data, split
from .session import Session
from .settings import Settings

__all__ = ["DATASETS", "FEATURES", "Session", "Settings", "features", "make_data", "playground",
           "split"]


def playground(state: "str | dict | Settings | None" = None):
    """The playground widget (a widget.Playground), starting from `state`: a Settings, its dict
    or its string (default: Settings()). Needs the widgets extra (ipywidgets, anywidget)."""
    from .widget import Playground  # imported here: the engine above needs no widget library

    return Playground(state)
