"""viz.exercises: a check says right only for a right answer, and remembers what it said."""

import pytest

from viz.exercises import EXERCISES, Exercise


def test_a_right_answer_is_right_and_a_wrong_one_gets_the_hint(capsys):
    square = Exercise("1.1 Square", lambda answer: answer == 9, hint="3 times 3")
    square.check(None)
    assert "Not answered yet" in capsys.readouterr().out
    square.check(8)
    assert "Not yet. Hint: 3 times 3" in capsys.readouterr().out
    square.check(9)
    assert capsys.readouterr().out == "1.1 Square: Right!\n"
    assert square.attempts == [False, False, True]
    assert EXERCISES[-1] is square


def test_an_answer_the_test_cannot_read_is_wrong_with_the_error_named(capsys):
    shape = Exercise("1.2 Shape", lambda answer: answer.shape == (2, 3), hint="a (2, 3) array")
    shape.check([1, 2])
    assert shape.attempts == [False]
    out = capsys.readouterr().out
    assert "AttributeError" in out and "a (2, 3) array" in out


def test_the_test_of_an_answer_must_be_a_function():
    with pytest.raises(TypeError, match="is_right must be a function"):
        Exercise("1.3", True, hint="")
