"""What the playground trains, built from Settings through nn and optim's public API.

The network is Linear, activation, ..., Linear: (N, features) -> (N, 1). Its output passes
through tanh for classification (labels are +-1, as TF Playground) and is left linear for
regression. The weights are drawn by the chosen initialiser from `np.random.default_rng(seed + 1)`
(torch's `Generator().manual_seed(seed + 1)`, so the torch twin of the exported script draws the
same) and the biases start at 0. Each Linear's own default draw, as in torch, comes from the
global generator and is overwritten.
The loss is TF Playground's squared error, as nn.MSELoss (mean of (out - y)^2), plus
rate * l1_penalty or l2_penalty of the weights (not the biases) when regularised.
Schedules step once per epoch (a pass over the training points), as `fit` steps them.
"""

from collections.abc import Callable
from itertools import pairwise

import numpy as np

import nn
import optim
from autograd import Tensor
from optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler, StepLR

from .settings import Settings

ACTIVATION_LAYERS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "leaky_relu": nn.LeakyReLU,
}


def build_model(settings: Settings) -> nn.Sequential:
    """The network of `settings`: (N, len(features)) -> (N, 1)."""
    weights = np.random.default_rng(settings.seed + 1)
    sizes = [len(settings.features), *settings.hidden, 1]
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(pairwise(sizes)):
        linear = nn.Linear(fan_in, fan_out)
        _initialise(linear.weight, settings.init, weights)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(settings.hidden):
            layers.append(ACTIVATION_LAYERS[settings.activation]())
    if settings.problem == "classification":
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def build_optimizer(settings: Settings, model: nn.Module) -> optim.Optimizer:
    """The optimizer of `settings` over the model's parameters, at settings.lr."""
    params, lr = model.parameters(), settings.lr
    return {
        "sgd": lambda: optim.SGD(params, lr=lr),
        "momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9),
        "nesterov": lambda: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
        "adagrad": lambda: optim.Adagrad(params, lr=lr),
        "rmsprop": lambda: optim.RMSprop(params, lr=lr),
        "adam": lambda: optim.Adam(params, lr=lr),
        "adamw": lambda: optim.AdamW(params, lr=lr),
    }[settings.optimizer]()


def build_scheduler(settings: Settings, optimizer: optim.Optimizer) -> LRScheduler | None:
    """The schedule of `settings` (None for "constant"), stepped once per epoch."""
    return {
        "constant": lambda: None,
        "step": lambda: StepLR(optimizer, step_size=50, gamma=0.5),
        "exponential": lambda: ExponentialLR(optimizer, gamma=0.98),
        "cosine": lambda: CosineAnnealingLR(optimizer, T_max=100),
        "warmup": lambda: LinearLR(optimizer, start_factor=0.1, total_iters=10),
    }[settings.schedule]()


def build_loss(settings: Settings, model: nn.Sequential) -> Callable[[Tensor, Tensor], Tensor]:
    """(output (N, 1), target (N, 1)) -> the mean squared error plus the regulariser (0-d)."""
    mse = nn.MSELoss()
    if settings.regularization == "none":
        return mse
    weights = [layer.weight for layer in model if isinstance(layer, nn.Linear)]
    penalty = nn.l1_penalty if settings.regularization == "l1" else nn.l2_penalty
    rate = settings.regularization_rate
    return lambda out, y: mse(out, y) + rate * penalty(weights)


def _initialise(weight: nn.Parameter, init: str, generator: np.random.Generator) -> None:
    if init == "he":
        nn.init.kaiming_uniform_(weight, nonlinearity="relu", generator=generator)
    elif init == "xavier":
        nn.init.xavier_uniform_(weight, generator=generator)
    else:
        nn.init.zeros_(weight)
