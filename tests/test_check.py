"""gradcheck itself: it accepts correct gradients and rejects a VJP that is off by 0.1%."""

import re
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import GradcheckError, Value, gradcheck, is_grad_enabled, no_grad

SETTINGS = settings(max_examples=30, deadline=None)
REAL = st.floats(-2.0, 2.0)
AWAY_FROM_ZERO = st.floats(0.5, 3.0) | st.floats(-3.0, -0.5)  # gradients of x**2 not tiny
FLOAT = re.compile(r"[-+]?\d+\.\d*(?:e[-+]?\d+)?")


def square(x: Value, factor: float = 1.0) -> Value:
    """x ** 2 as a hand-made op whose VJP is scaled by `factor` (1.0 is the correct VJP)."""
    out = Value(x.data * x.data)
    if is_grad_enabled():
        out.parents, out.vjp, out.op = (x,), (lambda g: (g * 2.0 * x.data * factor,)), "square"
    return out


def square_second(factor: float):
    """f(x, y) = x + y ** 2 with the hand-made square on the second input."""
    return lambda x, y: x + square(y, factor)


CORRECT = [
    pytest.param(square, 1, id="hand_made_square"),
    pytest.param(lambda x: x * x * x, 1, id="cube"),
    pytest.param(lambda x, y: (x * y + x.exp()).tanh(), 2, id="tanh_of_xy_plus_exp"),
    pytest.param(square_second(1.0), 2, id="hand_made_square_on_second_input"),
    pytest.param(
        lambda x, y, z: Value.dot([x, y], [y, z]).sigmoid() / (1.0 + z * z), 3, id="neuron_like"
    ),
]


@pytest.mark.parametrize(("fn", "arity"), CORRECT)
@SETTINGS
@given(data=st.data())
def test_gradcheck_returns_true_for_correct_gradients(fn, arity, data):
    point = data.draw(st.tuples(*[REAL] * arity), label="point")
    assert gradcheck(fn, point) is True


def test_gradcheck_leaves_value_inputs_untouched():
    inputs = [Value(0.5), Value(-1.5)]
    assert gradcheck(lambda x, y: x * y, inputs) is True
    assert [v.grad for v in inputs] == [0.0, 0.0]


@pytest.mark.parametrize("factor", [1.001, 0.999])
@SETTINGS
@given(x=AWAY_FROM_ZERO)
def test_gradcheck_rejects_a_vjp_off_by_a_tenth_of_a_percent(factor, x):
    # PyTorch's default rtol = 1e-3 sits exactly at 0.1%, so the check is run 10x tighter,
    # which float64 central differences (error ~1e-10 here) easily meet for a correct VJP.
    assert gradcheck(lambda v: square(v, 1.0), [x], rtol=1e-4)
    with pytest.raises(GradcheckError):
        gradcheck(lambda v: square(v, factor), [x], rtol=1e-4)


@SETTINGS
@given(x=REAL, y=AWAY_FROM_ZERO)
def test_gradcheck_error_names_the_input_and_both_gradients(x, y):
    # The tolerance is explicit so this tests the message even where the default lets 0.1% pass.
    with pytest.raises(GradcheckError) as info:
        gradcheck(square_second(1.001), [x, y], atol=0.0, rtol=1e-6)
    message = str(info.value)
    assert "input 1" in message
    actual = 1.0 * 2.0 * y * 1.001  # what the VJP returns for g = 1
    assert repr(actual) in message
    numbers = [float(s) for s in FLOAT.findall(message)]
    assert any(n == pytest.approx(2.0 * y, rel=1e-8) for n in numbers)  # the numerical gradient


# Each tolerance and the step size is used: (fn, kwargs, whether gradcheck at 1.0 passes).
# OFF is the square whose VJP is 0.1% too large (its gradient at 1.0 is off by 0.002); the cube's
# central difference at 1.0 with eps = 0.5 is 3.25, not 3.
OFF = partial(square, factor=1.001)
TOLERANCES = [
    pytest.param(OFF, {"atol": 0.0, "rtol": 1e-2}, True, id="loose_rtol"),
    pytest.param(OFF, {"atol": 0.0, "rtol": 1e-6}, False, id="tight_rtol"),
    pytest.param(OFF, {"atol": 1e-2, "rtol": 0.0}, True, id="loose_atol"),
    pytest.param(OFF, {"atol": 1e-6, "rtol": 0.0}, False, id="tight_atol"),
    pytest.param(lambda v: v * v * v, {"eps": 1e-6, "rtol": 1e-6}, True, id="small_eps"),
    pytest.param(lambda v: v * v * v, {"eps": 0.5, "rtol": 1e-6}, False, id="large_eps"),
]


@pytest.mark.parametrize(("fn", "kwargs", "passes"), TOLERANCES)
def test_gradcheck_honours_its_tolerances_and_step(fn, kwargs, passes):
    if passes:
        assert gradcheck(fn, [1.0], **kwargs) is True
    else:
        with pytest.raises(GradcheckError):
            gradcheck(fn, [1.0], **kwargs)


def test_gradcheck_works_inside_no_grad():
    with no_grad():
        assert gradcheck(lambda x, y: x * y.exp(), [0.5, -1.5]) is True
        assert not is_grad_enabled()
