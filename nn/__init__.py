"""Neural-network building blocks, named as in torch.nn.

Tensor layers (layers.py, norm.py), losses (losses.py), their functional forms (functional.py),
initialisers (init.py), gradient clipping (utils.py), checkpoints (checkpoint.py), data loading
(data.py), toy datasets (datasets.py), and the micrograd-style scalar Neuron/Layer/MLP
(scalar.py). The training loop is the `training` package, above `nn` and `optim`.
"""

from . import functional, init, utils
from .checkpoint import load, save
from .data import DataLoader, TensorDataset, load_digits, load_idx
from .layers import (
    GELU,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    l1_penalty,
    l2_penalty,
)
from .module import Module, Parameter
from .norm import BatchNorm1d, LayerNorm, RMSNorm
from .scalar import MLP, Layer, Neuron, max_margin_loss

__all__ = [
    "GELU",
    "MLP",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "DataLoader",
    "Dropout",
    "Flatten",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Neuron",
    "Parameter",
    "RMSNorm",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "TensorDataset",
    "functional",
    "init",
    "l1_penalty",
    "l2_penalty",
    "load",
    "load_digits",
    "load_idx",
    "max_margin_loss",
    "save",
    "utils",
]
