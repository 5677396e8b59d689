"""Training: the loop (`fit`), its records (`History`), `EarlyStopping`, metrics, and the checks
that stop a diverging run. It sits above `nn` and `optim`, which know nothing of it.

fit.py: the loop; history.py: History; early_stopping.py; divergence.py: TrainingDiverged;
diagnostics.py: gradient norms, update ratios, dead ReLUs; metrics.py: accuracy;
arguments.py: fit's argument checks.
"""

from .divergence import TrainingDiverged
from .early_stopping import EarlyStopping
from .fit import fit, progress_bar
from .history import History
from .metrics import accuracy

__all__ = ["EarlyStopping", "History", "TrainingDiverged", "accuracy", "fit", "progress_bar"]
