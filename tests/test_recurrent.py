"""nn.RNN, LSTM, GRU and their cells against torch.nn's twins: the same weights (copied through
state_dict) give the same outputs, final states and gradients of every parameter, input and
initial state, in float64, for each option. Then torch's names, shapes and start, the refusals,
and a small sequence task whose loss falls."""

import itertools
import math
from typing import Any

import numpy as np
import pytest
import torch

import nn
import optim
from autograd import Tensor

LAYERS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM),
          "GRU": (nn.GRU, torch.nn.GRU)}  # fmt: skip
CELLS = {"RNNCell": (nn.RNNCell, torch.nn.RNNCell), "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (nn.GRUCell, torch.nn.GRUCell)}  # fmt: skip
IN, HIDDEN, LENGTH, BATCH = 3, 4, 5, 2


def layer_options() -> list:
    """Every combination of num_layers, bias, batch_first, bidirectional and a batch axis, for
    each layer (RNN also with relu); dropout has its own test (its masks are random)."""
    kinds = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
    rows = []
    for (kind, extra), layers, bias, first, both, batched in itertools.product(
        kinds, [1, 2], [True, False], [False, True], [False, True], [True, False]
    ):
        options = dict(num_layers=layers, bias=bias, batch_first=first, bidirectional=both)
        name = f"{kind}{'-relu' if extra else ''}-layers{layers}-bias{int(bias)}"
        name += f"-first{int(first)}-both{int(both)}-{'batched' if batched else 'unbatched'}"
        rows.append(pytest.param(kind, {**options, **extra}, batched, id=name))
    return rows


def twins(kind: str, options: dict, table: dict = LAYERS) -> tuple[Any, Any]:
    """Ours and torch's, both float64, ours holding torch's weights."""
    ours, theirs = table[kind]
    theirs = theirs(IN, HIDDEN, **options).double()
    ours = ours(IN, HIDDEN, **options).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def pair(array: np.ndarray) -> tuple[Tensor, torch.Tensor]:
    """The same float64 values as our Tensor and torch's, both requiring grad."""
    return Tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def flat(result: Any) -> list:
    """output, h_n (and c_n) of a layer or cell as one list."""
    if isinstance(result, (tuple, list)):
        return [t for part in result for t in flat(part)]
    return [result]


def assert_same_run(ours: Any, theirs: Any, inputs: list, twins_in: list) -> None:
    """Forward both, compare every output; backward a random weighting of all outputs, compare
    the gradients of every parameter (by torch's name) and of every input."""
    mine, reference = flat(ours(*inputs)), flat(theirs(*twins_in))
    assert len(mine) == len(reference)
    rng = np.random.default_rng(1)
    loss_ours, loss_theirs = 0.0, 0.0
    for a, b in zip(mine, reference, strict=True):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-12, atol=1e-12)
        weights = rng.standard_normal(a.shape)
        loss_ours = loss_ours + (a * Tensor(weights)).sum()
        loss_theirs = loss_theirs + (b * torch.tensor(weights)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    named = dict(theirs.named_parameters())
    assert [name for name, _ in ours.named_parameters()] == list(named)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, named[name].grad.numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(flat(inputs), flat(twins_in), strict=True):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def state_shape(options: dict, batched: bool) -> tuple[int, ...]:
    depth = options["num_layers"] * (2 if options["bidirectional"] else 1)
    return (depth, BATCH, HIDDEN) if batched else (depth, HIDDEN)


def sequence_shape(options: dict, batched: bool) -> tuple[int, ...]:
    if not batched:
        return (LENGTH, IN)
    return (BATCH, LENGTH, IN) if options["batch_first"] else (LENGTH, BATCH, IN)


@pytest.mark.parametrize("kind, options, batched", layer_options())
@pytest.mark.parametrize("start", ["zeros", "given"])
def test_layers_equal_torch(kind, options, batched, start):
    ours, theirs = twins(kind, options)
    rng = np.random.default_rng(0)
    inputs = [pair(rng.standard_normal(sequence_shape(options, batched)))]
    if start == "given":
        parts = [pair(rng.standard_normal(state_shape(options, batched)))
                 for _ in range(2 if kind == "LSTM" else 1)]  # fmt: skip
        inputs.append(tuple(parts) if kind == "LSTM" else parts[0])
    mine = [p[0] if isinstance(p[0], Tensor) else tuple(q[0] for q in p) for p in inputs]
    reference = [p[1] if isinstance(p[0], Tensor) else tuple(q[1] for q in p) for p in inputs]
    assert_same_run(ours, theirs, mine, reference)


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("start", ["zeros", "given"])
def test_cells_equal_torch(kind, bias, batched, start):
    options = dict(bias=bias, **({"nonlinearity": "relu"} if kind == "RNNCell" and bias else {}))
    ours, theirs = twins(kind, options, CELLS)
    rng = np.random.default_rng(0)
    batch = (BATCH,) if batched else ()
    x = pair(rng.standard_normal((*batch, IN)))
    mine, reference = [x[0]], [x[1]]
    if start == "given":
        count = 2 if kind == "LSTMCell" else 1
        parts = [pair(rng.standard_normal((*batch, HIDDEN))) for _ in range(count)]
        mine.append(tuple(p[0] for p in parts) if kind == "LSTMCell" else parts[0][0])
        reference.append(tuple(p[1] for p in parts) if kind == "LSTMCell" else parts[0][1])
    assert_same_run(ours, theirs, mine, reference)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_dropout_between_layers_in_training_only(kind):
    """dropout=1 zeroes every layer's output but the last: the last layer then sees only zeros
    (its output is what zero input gives, as in torch); in eval mode dropout does nothing."""
    ours, theirs = twins(kind, dict(num_layers=2, dropout=1.0))
    x = np.random.default_rng(2).standard_normal((LENGTH, BATCH, IN))
    zero_input_out = theirs(torch.tensor(x))[0]  # torch in training mode: dropout 1 zeroes all
    np.testing.assert_allclose(ours(Tensor(x))[0].data, zero_input_out.detach().numpy(), rtol=1e-12)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(
        ours(Tensor(x))[0].data, theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-12
    )


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="num_layers=1"):
        nn.GRU(IN, HIDDEN, dropout=0.5)


@pytest.mark.parametrize("kind", [*LAYERS, *CELLS])
def test_parameter_names_shapes_and_start_as_torch(kind):
    """torch's names and shapes, in torch's order, in the default dtype, each uniform in
    +-1/sqrt(hidden) (every value inside; the extremes near both ends)."""
    table = LAYERS if kind in LAYERS else CELLS
    options = dict(num_layers=2, bidirectional=True) if kind in LAYERS else {}
    ours, theirs = table[kind][0](IN, 50, **options, generator=0), table[kind][1](IN, 50, **options)
    shapes = {name: tuple(p.shape) for name, p in theirs.named_parameters()}
    assert {name: p.shape for name, p in ours.named_parameters()} == shapes
    assert [name for name, _ in ours.named_parameters()] == list(shapes)
    bound = 1 / math.sqrt(50)
    values = np.concatenate([p.data.ravel() for p in ours.parameters()])
    assert all(p.dtype == np.float32 for p in ours.parameters())
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
    assert repr(ours) == repr(theirs)


def test_reprs_name_the_settings_as_torch():
    every = dict(num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)
    for options in [every, dict(nonlinearity="relu")]:
        assert repr(nn.RNN(IN, HIDDEN, **options)) == repr(torch.nn.RNN(IN, HIDDEN, **options))
    cell = dict(bias=False, nonlinearity="relu")
    assert repr(nn.RNNCell(IN, HIDDEN, **cell)) == repr(torch.nn.RNNCell(IN, HIDDEN, **cell))


def zeros(*shape: int) -> Tensor:
    return Tensor(np.zeros(shape))


SEQUENCE = (LENGTH, BATCH, IN)
BAD = [  # id, call, error, message
    ("proj", lambda: nn.LSTM(IN, HIDDEN, proj_size=2), ValueError, "proj_size=2 is not supported"),
    ("nonlin", lambda: nn.RNN(IN, HIDDEN, nonlinearity="sigmoid"), ValueError, "'tanh' or 'relu'"),
    ("cell-nonlin", lambda: nn.RNNCell(IN, HIDDEN, nonlinearity="gelu"), ValueError, "'tanh'"),
    ("layers", lambda: nn.GRU(IN, HIDDEN, num_layers=0), ValueError, "num_layers must be positive"),
    ("hidden", lambda: nn.LSTM(IN, -1), ValueError, "hidden_size must be >= 0"),
    ("float-size", lambda: nn.RNN(IN, 2.5), TypeError, "hidden_size must be an int"),
    ("dropout", lambda: nn.GRU(IN, HIDDEN, 2, dropout=1.5), ValueError, "dropout must be between"),
    (
        "features",
        lambda: nn.RNN(IN, HIDDEN)(zeros(LENGTH, BATCH, IN + 1)),
        ValueError,
        r"expected input \(L, N, 3\) or \(L, 3\), got \(5, 2, 4\)",
    ),
    (
        "4-d",
        lambda: nn.RNN(IN, HIDDEN, batch_first=True)(zeros(1, 2, 3, IN)),
        ValueError,
        r"expected input \(N, L, 3\)",
    ),
    (
        "hx-shape",
        lambda: nn.GRU(IN, HIDDEN)(zeros(*SEQUENCE), zeros(1, 3, HIDDEN)),
        ValueError,
        r"hidden state of shape \(1, 2, 4\), got \(1, 3, 4\)",
    ),
    (
        "lstm-hx",
        lambda: nn.LSTM(IN, HIDDEN)(zeros(*SEQUENCE), zeros(1, BATCH, HIDDEN)),
        TypeError,
        r"pair \(h, c\)",
    ),
    (
        "rnn-hx-tuple",
        lambda: nn.RNN(IN, HIDDEN)(zeros(LENGTH, IN), (zeros(1, HIDDEN),)),
        TypeError,
        "one Tensor h",
    ),
    (
        "cell-input",
        lambda: nn.LSTMCell(IN, HIDDEN)(zeros(BATCH, IN + 1)),
        ValueError,
        r"expected input \(N, 3\) or \(3,\), got \(2, 4\)",
    ),
    (
        "cell-hx",
        lambda: nn.GRUCell(IN, HIDDEN)(zeros(BATCH, IN), zeros(HIDDEN)),
        ValueError,
        r"hidden state of shape \(2, 4\), got \(4,\)",
    ),
]


@pytest.mark.parametrize("call, error, message", [pytest.param(*r[1:], id=r[0]) for r in BAD])
def test_bad_settings_and_shapes_are_refused_naming_them(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_torch_names_are_nn_objects():
    import tracegrad

    for name in ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]:
        assert getattr(tracegrad.nn, name) is getattr(nn, name)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_a_small_sequence_task_trains(kind):
    """Say whether a sequence of +-1 holds more +1s than -1s, from the last output: a running
    count the state must carry. 150 Adam steps take the loss well below its start."""
    rng = np.random.default_rng(3)
    x = rng.choice([-1.0, 1.0], size=(64, 9, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    model = LAYERS[kind][0](1, 8, batch_first=True, generator=0)
    head = nn.Linear(8, 1, generator=0)
    opt = optim.Adam([*model.parameters(), *head.parameters()], lr=0.03)
    losses = []
    for _ in range(150):
        opt.zero_grad()
        output, _ = model(Tensor(x))
        loss = nn.BCEWithLogitsLoss()(head(output[:, -1]), Tensor(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
