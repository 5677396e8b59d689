"""Weight initialisers, in place, with torch.nn.init's names, arguments and formulas.

Every initialiser writes new values into `tensor.data` (same array, same shape, same dtype) and
returns the same tensor. Writing `.data` records nothing, so a leaf that requires grad stays a
leaf with no parents; call them on parameters before training, not inside a forward pass.

The random ones draw float64 samples from `generator` (an int seed, a numpy Generator, used and
advanced, or None for the global generator that `manual_seed` seeds) and cast them to the
tensor's dtype, so one seed gives float32 and float64 tensors the same values up to rounding.
All of them but trunc_normal_ draw through `uniform_` or `normal_`: xavier_uniform_(t,
generator=s) writes exactly uniform_(t, -bound, bound, generator=s).

Fans follow torch: a weight of shape (out, in, *kernel) has
    fan_in = in * prod(kernel)    fan_out = out * prod(kernel)
so a Linear weight (out, in) has fan_in = in and fan_out = out. Fewer than 2 axes have no fans.
"""

import math
import numbers

import numpy as np

from autograd.rng import Seed, as_generator
from autograd.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


# calculate_gain's table (torch's): the std multiplier that keeps activations' scale through f.
_GAINS = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4,  # torch's choice for self-normalising nets (which are usually left at 1)
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain for `nonlinearity`: 1, tanh 5/3, relu sqrt(2), selu 3/4, leaky_relu below.

    leaky_relu: sqrt(2 / (1 + slope**2)) with slope = `param` (default 0.01); other
    nonlinearities ignore `param`.
    """
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"calculate_gain: leaky_relu's slope must be a number, got {param!r}")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in _GAINS:
        known = ", ".join([*_GAINS, "leaky_relu"])
        raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use {known}")
    return _GAINS[nonlinearity]


# --- constants --------------------------------------------------------------------------------


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val` (cast to the tensor's dtype)."""
    _check_tensor("constant_", tensor)
    tensor.data[...] = val
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    _check_tensor("zeros_", tensor)
    tensor.data[...] = 0
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    _check_tensor("ones_", tensor)
    tensor.data[...] = 1
    return tensor


def eye_(tensor: Tensor) -> Tensor:
    """The identity in a 2-D tensor (ones on the diagonal, zeros elsewhere; any aspect ratio)."""
    _check_tensor("eye_", tensor)
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors, got shape {tensor.shape}")
    tensor.data[...] = np.eye(*tensor.shape)
    return tensor


# --- plain distributions: every random initialiser draws through these two ------------------


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Seed = None) -> Tensor:
    """Fill with samples of U(a, b): mean (a + b) / 2, std (b - a) / sqrt(12)."""
    _check_random("uniform_", tensor)
    if not a <= b:  # also catches NaN
        raise ValueError(f"uniform_: a must be <= b, got a={a}, b={b}")
    rng = as_generator(generator, "uniform_")
    tensor.data[...] = a + (b - a) * rng.random(tensor.shape)  # float64 draws, cast on write
    return tensor


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Seed = None) -> Tensor:
    """Fill with samples of N(mean, std**2)."""
    _check_random("normal_", tensor)
    if not std >= 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    rng = as_generator(generator, "normal_")
    tensor.data[...] = mean + std * rng.standard_normal(tensor.shape)
    return tensor


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Seed = None,
) -> Tensor:
    """Fill with samples of N(mean, std**2) kept inside [a, b] (absolute bounds, as torch's):
    draws outside are drawn again until every one is inside."""
    _check_random("trunc_normal_", tensor)
    if not (std >= 0 and a < b):
        raise ValueError(f"trunc_normal_: need std >= 0 and a < b, got std={std}, a={a}, b={b}")
    rng = as_generator(generator, "trunc_normal_")
    draws = mean + std * rng.standard_normal(tensor.shape)
    outside = (draws < a) | (draws > b)
    while outside.any():
        draws[outside] = mean + std * rng.standard_normal(np.count_nonzero(outside))
        outside = (draws < a) | (draws > b)
    tensor.data[...] = draws
    return tensor


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Seed = None) -> Tensor:
    """A (semi-)orthogonal matrix times `gain` (Saxe et al.), as torch: the Q of the QR of a
    normal matrix (rows, cols) flattened from the tensor's shape, signs fixed by R's diagonal,
    so orthonormal rows (rows <= cols) or columns (rows > cols)."""
    _check_random("orthogonal_", tensor)
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: need at least 2 dimensions, got shape {tensor.shape}")
    if tensor.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = as_generator(generator, "orthogonal_").standard_normal((rows, cols))
    q, r = np.linalg.qr(flat.T if rows < cols else flat)
    q = q * np.sign(np.diag(r))  # a unique Q: the distribution is uniform (Haar)
    tensor.data[...] = gain * (q.T if rows < cols else q).reshape(tensor.shape)
    return tensor


# --- scaled by the fans -----------------------------------------------------------------------


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Seed = None) -> Tensor:
    """Glorot: U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    _check_random("xavier_uniform_", tensor)
    fan_in, fan_out = _fans("xavier_uniform_", tensor)
    if tensor.size == 0:  # nothing to write, and the fans may be 0
        return tensor
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(-b, b) has std b / sqrt(3)
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Seed = None) -> Tensor:
    """Glorot: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check_random("xavier_normal_", tensor)
    fan_in, fan_out = _fans("xavier_normal_", tensor)
    if tensor.size == 0:
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Seed = None,
) -> Tensor:
    """He: U(-bound, bound), bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    `a` is leaky_relu's negative slope; `mode` "fan_in" keeps the forward pass's scale,
    "fan_out" the backward pass's.
    """
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Seed = None,
) -> Tensor:
    """He: N(0, std**2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


# --- helpers ----------------------------------------------------------------------------------


def _kaiming_std(fn: str, tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    """gain / sqrt(fan) for the kaiming initialisers; None for an empty tensor (nothing to do)."""
    _check_random(fn, tensor)
    modes = {"fan_in": 0, "fan_out": 1}
    if not isinstance(mode, str) or mode.lower() not in modes:  # torch ignores case
        raise ValueError(f"{fn}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = _fans(fn, tensor)[modes[mode.lower()]]
    gain = calculate_gain(nonlinearity, a)
    return None if tensor.size == 0 else gain / math.sqrt(fan)


def _fans(fn: str, tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel), as torch computes them."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"{fn}: fan_in and fan_out need a tensor of at least 2 dimensions, got shape {shape}"
        )
    receptive_field = math.prod(shape[2:])  # 1 for a 2-D weight
    return shape[1] * receptive_field, shape[0] * receptive_field


def _check_tensor(fn: str, tensor: Tensor) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(tensor).__name__}")


def _check_random(fn: str, tensor: Tensor) -> None:
    """A Tensor of a floating dtype: random draws into an integer tensor would be truncated."""
    _check_tensor(fn, tensor)
    if not np.issubdtype(tensor.dtype, np.floating):
        raise TypeError(f"{fn}: expected a floating-point tensor, got {tensor.dtype}")
