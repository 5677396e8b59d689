"""Neural-network building blocks: Module, the scalar Neuron/Layer/MLP, toy datasets."""

from .module import Module
from .scalar import MLP, Layer, Neuron, l2_penalty, max_margin_loss

__all__ = ["MLP", "Layer", "Module", "Neuron", "l2_penalty", "max_margin_loss"]
