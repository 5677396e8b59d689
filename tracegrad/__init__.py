"""`import tracegrad as torch`: torch's vocabulary over tracegrad's engine.

Every name here is the object `autograd`, `nn` or `optim` defines, or a one-line adapter onto
one (functions.py, autograd.py, serialization.py); nothing is computed twice. The submodules
mirror torch's: tracegrad.nn (with nn.functional, nn.init, nn.utils), tracegrad.optim (with
optim.lr_scheduler), tracegrad.utils.data and tracegrad.autograd. The command line is
tracegrad.cli.
"""

from autograd.dtypes import finfo, get_default_dtype, iinfo, set_default_dtype
from autograd.factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from autograd.functions import hstack, meshgrid, vstack
from autograd.linalg import (
    addmm,
    baddbmm,
    bmm,
    dot,
    einsum,
    mm,
    mv,
    outer,
)
from autograd.modes import enable_grad, is_grad_enabled, no_grad
from autograd.rng import Generator, initial_seed, manual_seed, seed
from autograd.size import Size
from autograd.tensor import Tensor

from . import autograd, cuda, functions, nn, optim, utils
from .autograd import inference_mode, set_grad_enabled
from .devices import device
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .functions import *  # noqa: F403 (torch's functions: functions.__all__)
from .serialization import load, save

__all__ = [
    "Generator",
    "Size",
    "Tensor",
    "addmm",
    "arange",
    "as_tensor",
    "autograd",
    "baddbmm",
    "bmm",
    "bool",
    "cuda",
    "device",
    "dot",
    "double",
    "einsum",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "finfo",
    "float",
    "float16",
    "float32",
    "float64",
    "from_dlpack",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "half",
    "hstack",
    "iinfo",
    "inference_mode",
    "initial_seed",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "linspace",
    "load",
    "long",
    "manual_seed",
    "meshgrid",
    "mm",
    "mv",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "outer",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "save",
    "seed",
    "set_default_dtype",
    "set_grad_enabled",
    "short",
    "tensor",
    "uint8",
    "utils",
    "vstack",
    "zeros",
    "zeros_like",
    *functions.__all__,
]
