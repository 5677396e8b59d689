"""Neural-network building blocks, named as in torch.nn.

Tensor layers (layers.py, conv.py, norm.py), losses (losses.py), their functional forms
(functional.py), initialisers (init.py), gradient clipping (utils.py), checkpoints
(checkpoint.py), data loading (data.py), toy datasets (datasets.py), and the micrograd-style
scalar Neuron/Layer/MLP (scalar.py). The training loop is the `training` package, above `nn`
and `optim`.
"""

from . import functional, init, utils
from .checkpoint import load, save
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .data import DataLoader, TensorDataset, load_digits, load_idx
from .layers import (
    CELU,
    ELU,
    GELU,
    SELU,
    Dropout,
    Dropout2d,
    Embedding,
    Flatten,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Identity,
    LeakyReLU,
    Linear,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ModuleList,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
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
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm, RMSNorm
from .scalar import MLP, Layer, Neuron, max_margin_loss

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "MLP",
    "SELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "DataLoader",
    "Dropout",
    "Dropout2d",
    "Embedding",
    "Flatten",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "Mish",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Neuron",
    "Parameter",
    "RMSNorm",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
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
