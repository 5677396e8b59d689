"""The playground's engine side, without UI: settings, datasets and a training session.

settings.py: Settings and its shareable string; data.py: the datasets, features and the grid;
network.py: the network, optimizer, schedule and loss built from Settings; session.py: Session,
trained a few steps a frame, with what the widgets draw; export.py: the run as a script.
"""

from .data import DATASETS, FEATURES, features, make_data, split
from .session import Session
from .settings import Settings

__all__ = ["DATASETS", "FEATURES", "Session", "Settings", "features", "make_data", "split"]
