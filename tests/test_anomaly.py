"""detect_anomaly(): the first NaN or Inf, forward or backward, is named with its op and line."""

import threading
from pathlib import Path

import numpy as np
import pytest

import nn
import training
from autograd import AnomalyError, Tensor, Value, detect_anomaly, is_anomaly_enabled
from optim import SGD


def line_of(marker: str) -> int:
    """The line number of this file's line containing `marker` (once)."""
    text = Path(__file__).read_text().splitlines()
    lines = [i for i, line in enumerate(text, 1) if marker in line and "line_of" not in line]
    assert len(lines) == 1
    return lines[0]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_forward_nan_names_the_op_the_shapes_and_the_users_line():
    x = Tensor(np.array([1.0, -1.0, 2.0]), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        x.log()  # MARK-forward
    message = str(error.value)
    assert "log produced 1 NaN/Inf value(s) of 3 in its output (3,)" in message
    assert "from inputs leaf (3,)" in message
    assert f"{__file__}:{line_of('MARK-forward')} in test_forward" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_backward_nan_names_the_op_whose_vjp_made_it_and_where_it_was_created():
    x = Tensor(np.array([4.0, 0.0]), requires_grad=True)
    with detect_anomaly():
        y = x.sqrt()  # MARK-backward: finite forward, infinite slope at 0
        loss = y.sum()
        with pytest.raises(AnomalyError) as error:
            loss.backward()
    message = str(error.value)
    assert "the backward of pow gave its input 0 leaf (2,) a gradient with 1 NaN/Inf" in message
    assert "upstream gradient was finite" in message
    assert f":{line_of('MARK-backward')} in test_backward" in message
    assert x.grad is None  # stopped before reaching the leaf


def test_nan_already_in_the_data_is_flagged_on_the_input():
    x = Tensor(np.array([np.nan, 1.0]))
    with (
        detect_anomaly(),
        pytest.raises(AnomalyError, match=r"from inputs leaf \(2,\) \(has NaN/Inf\)"),
    ):
        x * 2.0


def test_value_ops_are_checked_too():
    with detect_anomaly(), pytest.raises(AnomalyError, match="produced 1 NaN/Inf"):
        Value(float("nan")) + 1.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_outside_the_mode_nothing_is_checked():
    out = Tensor(np.array([-1.0])).log()
    assert np.isnan(out.data).all()
    assert not is_anomaly_enabled()


def test_the_mode_nests_restores_after_errors_and_is_per_thread():
    seen = []

    @detect_anomaly
    def inside():
        seen.append(is_anomaly_enabled())
        raise ValueError("boom")

    with pytest.raises(ValueError):
        inside()
    assert not is_anomaly_enabled()
    with detect_anomaly():
        with detect_anomaly():
            pass
        seen.append(is_anomaly_enabled())
        thread = threading.Thread(target=lambda: seen.append(is_anomaly_enabled()))
        thread.start()
        thread.join()
    assert seen == [True, True, False]
    assert not is_anomaly_enabled()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_fit_with_detect_anomaly_names_the_first_bad_op():
    x = np.array([[1.0, 2.0], [3.0, -4.0]], np.float32)
    y = np.array([0, 1])
    model = nn.Sequential(nn.Linear(2, 2, generator=0))

    def log_loss(out, target):  # log of a negative logit: NaN in the forward pass
        return out.log().sum()

    loader = nn.DataLoader(nn.TensorDataset(x, y), batch_size=2)
    weights = model.state_dict()
    with pytest.raises(AnomalyError, match=r"log produced .* called at .*in log_loss"):
        training.fit(model, log_loss, SGD(model.parameters(), lr=0.1), loader, detect_anomaly=True)
    assert not is_anomaly_enabled()
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, weights[name])  # no step was taken
