"""Recurrent layers as torch.nn has them: RNN, LSTM and GRU over sequences, and their one-step
cells RNNCell, LSTMCell and GRUCell.

Each step is a few Tensor ops (linear, sigmoid, tanh, chunk), so backward through time is the
ordinary backward walk: no gradient is written here. Parameters carry torch's names and shapes
(weight_ih_l0 is (gates * hidden, input), its bias_ih_l0 (gates * hidden,), "_reverse" for the
second direction), so `load_state_dict` takes a torch model's state dict, and start as torch's:
every one uniform in +-1/sqrt(hidden_size).

A step's state is a tuple, (h,) for RNN and GRU and (h, c) for LSTM, so one loop serves all three.
"""

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tensor, concat, linear, stack
from autograd.dtypes import get_default_dtype
from autograd.rng import as_generator

from . import functional as F
from . import init
from .module import Module, Parameter

State = tuple[Tensor, ...]
Weights = tuple[Tensor, Tensor, Tensor | None, Tensor | None]  # w_ih, w_hh, b_ih, b_hh


def rnn_tanh_step(x: Tensor, state: State, weights: Weights) -> State:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh): (N, in), ((N, H),) -> ((N, H),)."""
    return (_affine(x, state[0], weights).tanh(),)


def rnn_relu_step(x: Tensor, state: State, weights: Weights) -> State:
    """rnn_tanh_step with relu for tanh (nonlinearity="relu")."""
    return (_affine(x, state[0], weights).relu(),)


def lstm_step(x: Tensor, state: State, weights: Weights) -> State:
    """One LSTM step: ((N, H), (N, H)) -> (h', c'). The gates i, f, g, o are the four H-wide
    slices of one affine map (torch's order); c' = f c + i g, h' = o tanh(c')."""
    h, c = state
    i, f, g, o = _affine(x, h, weights).chunk(4, dim=-1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_step(x: Tensor, state: State, weights: Weights) -> State:
    """One GRU step: ((N, H),) -> ((N, H),). r and z gate; the candidate n sees r * (h's part),
    as torch (and cuDNN) compute it; h' = (1 - z) n + z h."""
    w_ih, w_hh, b_ih, b_hh = weights
    (h,) = state
    x_r, x_z, x_n = linear(x, w_ih, b_ih).chunk(3, dim=-1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, dim=-1)
    r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return ((1 - z) * n + z * h,)


def _affine(x: Tensor, h: Tensor, weights: Weights) -> Tensor:
    """x W_ih^T + b_ih + h W_hh^T + b_hh: (N, in), (N, H) -> (N, gates * H)."""
    w_ih, w_hh, b_ih, b_hh = weights
    return linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)


Step = Callable[[Tensor, State, Weights], State]
STEPS: dict[str, tuple[Step, int]] = {  # mode: its step and how many H-wide gates it has
    "RNN_TANH": (rnn_tanh_step, 1),
    "RNN_RELU": (rnn_relu_step, 1),
    "LSTM": (lstm_step, 4),
    "GRU": (gru_step, 3),
}


def _rnn_mode(owner: str, nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{owner}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return f"RNN_{nonlinearity.upper()}"


def _check_sizes(owner: str, **sizes: int) -> None:
    """TypeError unless each size is an int; ValueError if one is negative (or, for num_layers,
    not positive)."""
    for name, n in sizes.items():
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{owner}: {name} must be an int, got {n!r}")
        if n < (1 if name == "num_layers" else 0):
            least = "positive" if name == "num_layers" else ">= 0"
            raise ValueError(f"{owner}: {name} must be {least}, got {n}")


class _Weighted(Module):
    """What the cells and the layers share: their parameters, made and started as torch's."""

    def _make_weights(self, suffix: str, input_size: int, bias: bool, rng: Any) -> None:
        """weight_ih{suffix} (G H, input_size), weight_hh{suffix} (G H, H) and, with `bias`,
        bias_ih{suffix}, bias_hh{suffix} (G H,), each uniform in +-1/sqrt(H)."""
        hidden, dtype = self.hidden_size, get_default_dtype()
        rows = STEPS[self.mode][1] * hidden
        shapes = {"weight_ih": (rows, input_size), "weight_hh": (rows, hidden)}
        if bias:
            shapes |= {"bias_ih": (rows,), "bias_hh": (rows,)}
        bound = 1 / math.sqrt(hidden) if hidden else 0.0
        for name, shape in shapes.items():
            p = init.uniform_(Parameter(np.empty(shape, dtype)), -bound, bound, rng)
            setattr(self, name + suffix, p)

    def _weights(self, suffix: str) -> Weights:
        w_ih, w_hh = getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)
        if not self.bias:
            return w_ih, w_hh, None, None
        return w_ih, w_hh, getattr(self, "bias_ih" + suffix), getattr(self, "bias_hh" + suffix)

    def _zeros(self, batch: tuple[int, ...], like: Tensor) -> Tensor:
        """A zero state: (*batch, H) in x's dtype."""
        return Tensor(np.zeros((*batch, self.hidden_size), like.dtype))


# --- one step: the cells -------------------------------------------------------------------------


class _Cell(_Weighted):
    """A layer's one step: input (N, input_size) or unbatched (input_size,), state likewise with
    hidden_size; returns the next state. `mode` (a key of STEPS) says which step."""

    mode: str

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, generator: Any = None
    ) -> None:
        _check_sizes(type(self).__name__, input_size=input_size, hidden_size=hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self._make_weights("", input_size, bias, as_generator(generator))

    def _step(self, input: Tensor, hx: Any) -> State:
        """The next state as a tuple, after the shapes are checked; unbatched in, unbatched out."""
        owner = type(self).__name__
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in (1, 2) or x.data.shape[-1] != self.input_size:
            raise ValueError(
                f"{owner}: expected input (N, {self.input_size}) or ({self.input_size},), "
                f"got {x.data.shape}"
            )
        batched = x.ndim == 2
        x = x if batched else x.unsqueeze(0)
        count = 2 if self.mode == "LSTM" else 1
        given = _state_parts(owner, hx, count)
        expected = (x.data.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        state = tuple(
            self._zeros(x.data.shape[:1], x) if h is None else _shaped(owner, h, expected, batched)
            for h in given
        )
        out = STEPS[self.mode][0](x, state, self._weights(""))
        return out if batched else tuple(h.squeeze(0) for h in out)

    def extra_repr(self) -> str:
        nonlinearity = ", nonlinearity=relu" if self.mode == "RNN_RELU" else ""  # torch's
        bias = "" if self.bias else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{bias}{nonlinearity}"


class RNNCell(_Cell):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu): (N, in), (N, H) -> (N, H);
    unbatched (in,), (H,) -> (H,). hx=None starts from zeros."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        generator: Any = None,
    ) -> None:
        self.mode = _rnn_mode("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, generator)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx)[0]


class LSTMCell(_Cell):
    """One LSTM step: (N, in), ((N, H), (N, H)) -> (h', c'), each (N, H); unbatched without N.
    hx=None starts both from zeros."""

    mode = "LSTM"

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> State:
        return self._step(input, hx)


class GRUCell(_Cell):
    """One GRU step: (N, in), (N, H) -> (N, H); unbatched without N. hx=None starts from zeros."""

    mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx)[0]


# --- whole sequences: the layers -----------------------------------------------------------------


class _Recurrent(_Weighted):
    """num_layers stacked layers of one step, each run over the sequence (both ways when
    bidirectional), dropout between layers while training.

    input (L, N, input_size), or (N, L, input_size) with batch_first, or unbatched (L, input_size);
    state (layers * directions, N, H), or unbatched (layers * directions, H); output
    (L, N, directions * H) (batch_first: (N, L, ...); unbatched: (L, ...)). `mode` (a key of
    STEPS) says which step.
    """

    mode: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        generator: Any = None,
    ) -> None:
        owner = type(self).__name__
        sizes = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        _check_sizes(owner, **sizes)
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{owner}: dropout must be between 0 and 1, got {dropout}")
        if dropout and num_layers == 1:
            warnings.warn(
                f"{owner}: dropout={dropout} acts between layers, so with num_layers=1 it does "
                "nothing (as in torch)",
                stacklevel=3,
            )
        self.input_size, self.hidden_size, self.num_layers = sizes.values()
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.rng = as_generator(generator)
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self._directions()
            for suffix in self._suffixes(layer):
                self._make_weights(suffix, layer_input, bias, self.rng)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(output, h_n) for RNN and GRU; LSTM's state is a pair."""
        output, (h_n,) = self._run(input, hx)
        return output, h_n

    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self, layer: int) -> list[str]:
        """The parameter-name endings of one layer's directions: "_l0", then "_l0_reverse"."""
        return [f"_l{layer}", f"_l{layer}_reverse"][: self._directions()]

    def _run(self, input: Tensor, hx: Any) -> tuple[Tensor, State]:
        """(output, final states stacked (layers * directions, [N,] H) one tuple entry each)."""
        x, batched = self._sequence(input)  # (L, N, input_size)
        initial = self._initial(hx, x, batched)
        finals: list[State] = []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._suffixes(layer)):
                start = tuple(part[layer * self._directions() + d] for part in initial)
                out, final = self._direction(x, start, self._weights(suffix), reverse=d == 1)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if len(outputs) == 1 else concat(outputs, axis=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True, self.rng)
        states = tuple(stack([f[i] for f in finals]) for i in range(len(finals[0])))
        if not batched:
            return x.squeeze(1), tuple(s.squeeze(1) for s in states)
        return (x.transpose(0, 1) if self.batch_first else x), states

    def _direction(self, x: Tensor, state: State, weights: Weights, reverse: bool) -> Any:
        """One layer one way over (L, N, in): (outputs (L, N, H) in time order, last state)."""
        step = STEPS[self.mode][0]
        times = range(x.data.shape[0])
        outputs = []
        for t in reversed(times) if reverse else times:
            state = step(x[t], state, weights)
            outputs.append(state[0])
        return stack(outputs[::-1] if reverse else outputs), state

    def _sequence(self, input: Any) -> tuple[Tensor, bool]:
        """input as (L, N, input_size), and whether it came with a batch axis."""
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in (2, 3) or x.data.shape[-1] != self.input_size:
            order = "(N, L, {0})" if self.batch_first else "(L, N, {0})"
            raise ValueError(
                f"{type(self).__name__}: expected input {order.format(self.input_size)} or "
                f"(L, {self.input_size}), got {x.data.shape}"
            )
        if x.ndim == 2:
            return x.unsqueeze(1), False
        return (x.transpose(0, 1) if self.batch_first else x), True

    def _initial(self, hx: Any, x: Tensor, batched: bool) -> State:
        """The starting states as (layers * directions, N, H) Tensors, zeros where hx is None."""
        owner = type(self).__name__
        count = 2 if self.mode == "LSTM" else 1
        depth, batch = self.num_layers * self._directions(), x.data.shape[1]
        expected = (depth, batch, self.hidden_size) if batched else (depth, self.hidden_size)
        return tuple(
            self._zeros((depth, batch), x)
            if h is None
            else _shaped(owner, h, expected, batched, axis=1)
            for h in _state_parts(owner, hx, count)
        )

    def extra_repr(self) -> str:
        settings = [f"{self.input_size}, {self.hidden_size}"]
        defaults = dict(num_layers=1, bias=True, batch_first=False, dropout=0.0,
                        bidirectional=False)  # fmt: skip
        settings += [
            f"{k}={getattr(self, k)}" for k, v in defaults.items() if getattr(self, k) != v
        ]
        return ", ".join(settings)


def _state_parts(owner: str, hx: Any, count: int) -> tuple[Any, ...]:
    """hx as `count` parts (None for each when hx is None); TypeError when an LSTM is not given
    a pair (h, c) or another layer is given one."""
    if hx is None:
        return (None,) * count
    if count == 1:
        if isinstance(hx, (tuple, list)):
            raise TypeError(f"{owner}: hx must be one Tensor h, got a {type(hx).__name__}")
        return (hx,)
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"{owner}: hx must be a pair (h, c) of Tensors, got {type(hx).__name__}")
    return tuple(hx)


def _shaped(owner: str, h: Any, expected: tuple, batched: bool, axis: int = 0) -> Tensor:
    """h as a Tensor of shape `expected` (ValueError naming both otherwise), given its batch
    axis (inserted at `axis`) when the input came without one."""
    h = h if isinstance(h, Tensor) else Tensor(h)
    if h.data.shape != expected:
        raise ValueError(
            f"{owner}: expected a hidden state of shape {expected}, got {h.data.shape}"
        )
    return h if batched else h.unsqueeze(axis)


class RNN(_Recurrent):
    """Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh) (or relu), per layer.

    forward(input, hx=None) -> (output, h_n): output (L, N, D * H) holds the last layer's h_t for
    every t (D = 2 when bidirectional), h_n (num_layers * D, N, H) each layer's last state.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        generator: Any = None,
    ) -> None:
        self.mode = _rnn_mode("RNN", nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, generator)  # fmt: skip


class LSTM(_Recurrent):
    """Long short-term memory: per layer and step the gates i, f, g, o of lstm_step.

    forward(input, hx=None) with hx a pair (h_0, c_0) -> (output, (h_n, c_n)), shaped as RNN's.
    proj_size (torch's projected LSTM) is not built: any value but 0 is refused.
    """

    mode = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        generator: Any = None,
    ) -> None:
        if proj_size != 0:
            raise ValueError(
                f"LSTM: proj_size={proj_size} is not supported here (tracegrad's LSTM has no "
                "projection of h); leave proj_size=0"
            )
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, generator)  # fmt: skip

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        output, (h_n, c_n) = self._run(input, hx)
        return output, (h_n, c_n)


class GRU(_Recurrent):
    """Gated recurrent unit: per layer and step gru_step's reset and update gates.

    forward(input, hx=None) -> (output, h_n), shaped as RNN's.
    """

    mode = "GRU"
