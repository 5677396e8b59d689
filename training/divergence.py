"""TrainingDiverged: the error fit raises when a loss or gradient becomes nan or inf."""

from collections.abc import Sequence

from .history import History


class TrainingDiverged(RuntimeError):
    """A loss or gradient became nan or inf; the message names the step and the likely causes.

    `.step` is the global number of the failing step and `.history` the run before it (the
    failing step is not logged). The failing step changed no parameter.
    """

    def __init__(self, message: str, history: History, step: int) -> None:
        super().__init__(message)
        self.history = history
        self.step = step

    @classmethod
    def at(
        cls, where: str, problem: str, causes: Sequence[str], history: History, step: int
    ) -> "TrainingDiverged":
        """The error '<where>: <problem>. Likely causes:' and then `causes`, one a line."""
        listed = "\n".join(f"  - {cause}" for cause in causes)
        return cls(f"{where}: {problem}. Likely causes:\n{listed}", history, step)
