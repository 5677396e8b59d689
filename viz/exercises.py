"""The notebooks' "try this" tasks: a learner's answer checked by a hidden cell.

Each exercise is an `Exercise` made in a hidden cell with the test of a right answer; the learner
writes an answer in the cell above it (the placeholder is `None`), runs the check and reads
"Right" or "Not yet" with a hint. The solution sits in a collapsed cell that checks itself too:

    width = Exercise("3.1 Wide enough", lambda accuracy: accuracy >= 0.95,
                     hint="try 64 hidden units and train again")
    width.check(answer_3_1)          # prints: Not yet: ... / Right: ...

Every exercise made in this interpreter is in `EXERCISES`, with what each check said, so the
notebook tests can prove each check refuses the placeholder and accepts the solution.
"""

from collections.abc import Callable
from typing import Any

__all__ = ["EXERCISES", "Exercise"]


class Exercise:
    """One task: `is_right(answer)` decides whether an answer is right; `hint` helps when not.

    `attempts` lists what each `check` said (True for right), oldest first.
    """

    def __init__(self, title: str, is_right: Callable[[Any], bool], hint: str) -> None:
        if not callable(is_right):
            raise TypeError(f"Exercise {title!r}: is_right must be a function of the answer")
        self.title, self.is_right, self.hint = title, is_right, hint
        self.attempts: list[bool] = []
        EXERCISES.append(self)

    def check(self, answer: Any) -> None:
        """Print whether `answer` is right (None: not answered yet) and note it in `attempts`.

        Returns nothing, so a notebook cell ending in a check shows the verdict alone."""
        if answer is None:
            right, message = False, "Not answered yet: replace None with your answer and run again."
        else:
            right, message = self._judge(answer)
        self.attempts.append(right)
        print(f"{self.title}: {message}")

    def _judge(self, answer: Any) -> tuple[bool, str]:
        try:
            right = bool(self.is_right(answer))
        except Exception as error:  # a wrong shape or type is a wrong answer, said plainly
            return False, f"Not yet ({type(error).__name__}: {error}). Hint: {self.hint}"
        return (True, "Right!") if right else (False, f"Not yet. Hint: {self.hint}")

    def __repr__(self) -> str:
        return f"Exercise({self.title!r}, attempts={self.attempts})"


EXERCISES: list[Exercise] = []
